//! Operator norms of the per-sample layer Jacobians, by a Lanczos iteration batched over samples.
//!
//! For hidden layer `k` and sample `i` the input–output Jacobian is
//! `D = a·I + c·diag(s_i)·W` (`a ∈ {0, 1}`, `s_i` the `tanh'` values of that sample), and
//! `‖D‖_op = sqrt(λ_max(Dᵀ D))`. A dense SVD of every `(layer, sample)` pair costs about 0.3 ms for
//! width 64, i.e. seconds per checkpoint for a depth-32 net; instead we run Lanczos on `Dᵀ D` for all
//! samples at once, so that the expensive part (applying `W` and `Wᵀ`) is two matrix–matrix products
//! per iteration. The largest Ritz value converges to `λ_max` from below, fast and to full precision
//! even without reorthogonalization (loss of orthogonality only produces duplicate Ritz values); the
//! tests compare the result with nalgebra's SVD.

use nalgebra::{DMatrix, DVector};

/// Stop once the largest Ritz value changes by less than this (relative) between two checks.
const RELATIVE_TOLERANCE: f64 = 1e-12;

/// Ritz values are recomputed (by bisection, `O(k)` per probe) only every few Lanczos steps, so that
/// the convergence checks stay cheaper than the matrix products.
const CHECK_EVERY: usize = 4;

/// `‖a·I + c·diag(s_i)·W‖_op` for every column `s_i` of `s` (`a = 1` if `identity`, else `0`).
///
/// `start` is the (nonzero) Lanczos start vector, shared by all samples; it must have `W.nrows()`
/// entries.
pub(crate) fn layer_operator_norms(
    w: &DMatrix<f64>,
    s: &DMatrix<f64>,
    identity: bool,
    c: f64,
    start: &DVector<f64>,
) -> Vec<f64> {
    let n = w.nrows();
    let samples = s.ncols();
    let start = start.normalize();
    let mut q = DMatrix::from_fn(n, samples, |a, _| start[a]);
    let mut q_prev = DMatrix::<f64>::zeros(n, samples);
    let mut diag: Vec<Vec<f64>> = vec![Vec::with_capacity(n); samples];
    let mut off: Vec<Vec<f64>> = vec![Vec::with_capacity(n); samples];
    let mut active = vec![true; samples];
    let mut theta = vec![0.0_f64; samples];
    let mut u = DMatrix::<f64>::zeros(n, samples);
    let mut y = DMatrix::<f64>::zeros(n, samples);
    // A Krylov space of an n×n operator has dimension at most n: after n steps T is exact.
    let max_steps = n;
    let wt = w.transpose();
    for _ in 0..max_steps {
        if !active.iter().any(|&a| a) {
            break;
        }
        apply_gram(w, &wt, s, identity, c, &q, &mut u, &mut y);
        for i in 0..samples {
            if !active[i] {
                continue;
            }
            let mut yi = y.column_mut(i);
            let alpha = yi.dot(&q.column(i));
            yi.axpy(-alpha, &q.column(i), 1.0);
            let beta_prev = off[i].last().copied().unwrap_or(0.0);
            if beta_prev > 0.0 {
                yi.axpy(-beta_prev, &q_prev.column(i), 1.0);
            }
            diag[i].push(alpha);
            let beta = yi.norm();
            let k = diag[i].len();
            // Breakdown: the Krylov space is invariant, T's largest eigenvalue is exact.
            let breakdown = beta <= 4.0 * f64::EPSILON * (alpha.abs() + beta_prev);
            let last = breakdown || k == max_steps;
            if last || k.is_multiple_of(CHECK_EVERY) {
                let t = largest_tridiagonal_eigenvalue(&diag[i], &off[i]);
                if last || (t - theta[i]).abs() <= RELATIVE_TOLERANCE * t.abs() {
                    active[i] = false;
                }
                theta[i] = t;
            }
            if active[i] {
                off[i].push(beta);
                for a in 0..n {
                    q_prev[(a, i)] = q[(a, i)];
                    q[(a, i)] = y[(a, i)] / beta;
                }
            } else {
                // Finished samples ride along in the batched products; zero them so they stay inert.
                q.column_mut(i).fill(0.0);
                q_prev.column_mut(i).fill(0.0);
            }
        }
    }
    // DᵀD is PSD; a Ritz value can undershoot 0 only by rounding.
    theta.iter().map(|&t| t.max(0.0).sqrt()).collect()
}

/// `y_i = D_iᵀ D_i q_i` for all columns at once (`wt = Wᵀ`); `u` is scratch space (`D q` on return).
#[allow(clippy::too_many_arguments)]
fn apply_gram(
    w: &DMatrix<f64>,
    wt: &DMatrix<f64>,
    s: &DMatrix<f64>,
    identity: bool,
    c: f64,
    q: &DMatrix<f64>,
    u: &mut DMatrix<f64>,
    y: &mut DMatrix<f64>,
) {
    // u = D q = a q + c s ⊙ (W q)
    u.gemm(1.0, w, q, 0.0);
    u.zip_apply(s, |uv, sv| *uv *= c * sv);
    if identity {
        *u += q;
    }
    // y = Dᵀ u = a u + c Wᵀ (s ⊙ u)
    let su = u.component_mul(s);
    if identity {
        y.copy_from(u);
        y.gemm(c, wt, &su, 1.0);
    } else {
        y.gemm(c, wt, &su, 0.0);
    }
}

/// The largest eigenvalue of the symmetric tridiagonal matrix with diagonal `a` and off-diagonal `b`
/// (`b.len() + 1 == a.len()`), by Sturm-sequence bisection to full double precision.
pub(crate) fn largest_tridiagonal_eigenvalue(a: &[f64], b: &[f64]) -> f64 {
    let k = a.len();
    let radius = |i: usize| {
        let left = if i > 0 { b[i - 1].abs() } else { 0.0 };
        let right = if i + 1 < k { b[i].abs() } else { 0.0 };
        left + right
    };
    // Gershgorin interval, widened a little so that `hi` is strictly above every eigenvalue.
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (i, &ai) in a.iter().enumerate() {
        lo = lo.min(ai - radius(i));
        hi = hi.max(ai + radius(i));
    }
    let pad = 4.0 * f64::EPSILON * lo.abs().max(hi.abs()) + f64::MIN_POSITIVE;
    lo -= pad;
    hi += pad;
    // Number of eigenvalues below x (Sturm count of negative pivots of T − xI).
    let count_below = |x: f64| {
        let mut count = 0;
        let mut d = 1.0_f64;
        for i in 0..k {
            d = if i == 0 {
                a[0] - x
            } else {
                a[i] - x - b[i - 1] * b[i - 1] / d
            };
            if d.abs() < f64::MIN_POSITIVE {
                // An exact zero pivot: perturb it, as LAPACK's dstebz does.
                d = -f64::MIN_POSITIVE;
            }
            if d < 0.0 {
                count += 1;
            }
        }
        count
    };
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi || hi - lo <= 2.0 * f64::EPSILON * lo.abs().max(hi.abs()) {
            break;
        }
        if count_below(mid) == k {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Most Lanczos steps [`largest_eigenvalue`] takes: the top of an NTK spectrum is well separated
/// (one or a few dominant modes), so the largest Ritz value settles long before this.
const MAX_GRAM_LANCZOS_STEPS: usize = 300;

/// The largest eigenvalue `λ_max` of a symmetric positive semidefinite matrix `m`, by Lanczos
/// (one `N × N` matrix–vector product per step instead of an `O(N³)` eigendecomposition: the
/// trainer needs it at every checkpoint, for `N` in the thousands).
///
/// The start vector is a fixed pseudo-random vector (a constant seed, independent of the run), so
/// the value is a deterministic function of `m`; a random start has a nonzero component along
/// the top eigenvector with probability one. The Ritz value converges to `λ_max` from below, to
/// [`RELATIVE_TOLERANCE`]; the tests compare it with a dense eigendecomposition.
pub(crate) fn largest_eigenvalue(m: &DMatrix<f64>) -> f64 {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let n = m.nrows();
    if n == 0 {
        return 0.0;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x4c41_4e43_5a4f_5321);
    let mut q = DVector::from_fn(n, |_, _| -> f64 { StandardNormal.sample(&mut rng) });
    let norm = q.norm();
    q /= norm;
    let mut q_prev = DVector::<f64>::zeros(n);
    let mut diag = Vec::new();
    let mut off: Vec<f64> = Vec::new();
    let mut theta = 0.0_f64;
    let max_steps = n.min(MAX_GRAM_LANCZOS_STEPS);
    let mut y = DVector::<f64>::zeros(n);
    for k in 1..=max_steps {
        y.gemv(1.0, m, &q, 0.0);
        let alpha = y.dot(&q);
        y.axpy(-alpha, &q, 1.0);
        let beta_prev = off.last().copied().unwrap_or(0.0);
        if beta_prev > 0.0 {
            y.axpy(-beta_prev, &q_prev, 1.0);
        }
        diag.push(alpha);
        let beta = y.norm();
        let breakdown = beta <= 4.0 * f64::EPSILON * (alpha.abs() + beta_prev);
        let last = breakdown || k == max_steps;
        if last || k.is_multiple_of(CHECK_EVERY) {
            let t = largest_tridiagonal_eigenvalue(&diag, &off);
            let settled = (t - theta).abs() <= RELATIVE_TOLERANCE * t.abs();
            theta = t;
            if last || settled {
                break;
            }
        }
        off.push(beta);
        std::mem::swap(&mut q_prev, &mut q);
        q.copy_from(&y);
        q /= beta;
    }
    theta.max(0.0)
}
