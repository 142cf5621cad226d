//! Exact characteristic polynomials and certified enclosures of polynomial roots and matrix
//! eigenvalues.
//!
//! Coefficients and matrices are exact rationals. Roots are located in three stages:
//!
//! 1. `f64` starting guesses from `nalgebra` (eigenvalues of the matrix, or of the companion
//!    matrix of a polynomial) — only guesses, never part of a certificate;
//! 2. Newton refinement on the exact polynomial in MPFR at an explicit [`Precision`];
//! 3. a certificate per root, checked in exact rational arithmetic ([`Enclosure`]): an exact
//!    rational root (the polynomial vanishes there), an interval whose endpoints carry opposite
//!    signs of the polynomial, or a disc from the root-distance bound
//!    `min(n|p/p'|, |p|^{1/n})` of a monic degree-`n` polynomial (`p'/p = Σ 1/(z − z_i)` and
//!    `|p| = Π |z − z_i|`), evaluated exactly and rounded up.
//!
//! Each enclosure contains at least one root. When the `n` enclosures of a degree-`n`
//! polynomial are pairwise disjoint ([`Root::isolated`]), each contains exactly one root.

use std::cmp::Ordering;

use nalgebra::DMatrix;
use rug::float::Round;
use rug::{Float, Integer, Rational};

use super::Precision;

/// Why no enclosures could be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolyError {
    /// The matrix is empty or not square.
    #[error("matrix must be square and non-empty")]
    NotSquare,
    /// The polynomial has degree below one (no roots to enclose) or a zero leading coefficient.
    #[error("polynomial must have degree at least 1 and a non-zero leading coefficient")]
    Degenerate,
    /// Newton refinement of a complex root left the finite numbers.
    #[error("complex eigenvalue refinement diverged")]
    Diverged,
}

/// Sign of the real part of a root, as far as its enclosure decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RealSign {
    /// The real part is certainly positive.
    Positive,
    /// The real part is certainly negative.
    Negative,
    /// The root is exactly zero.
    Zero,
    /// The enclosure of the real part contains zero but the root is not known to be zero.
    Undecided,
}

/// A set certified to contain a root of an exact polynomial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enclosure {
    /// The root is exactly this rational (the polynomial vanishes there).
    Exact(Rational),
    /// A real root lies in `[lo, hi]` (exact sign change of the polynomial).
    Interval {
        /// Lower endpoint.
        lo: Rational,
        /// Upper endpoint.
        hi: Rational,
    },
    /// A root lies in the closed disc of this centre and radius (`min(n|p/p'|, |p|^{1/n})` bound
    /// for a monic degree-`n` polynomial, evaluated exactly and rounded up).
    Disc {
        /// Real part of the centre.
        re: Rational,
        /// Imaginary part of the centre.
        im: Rational,
        /// Radius (an upper bound).
        radius: Rational,
    },
}

impl Enclosure {
    /// Centre and radius as a disc in the complex plane.
    fn disc(&self) -> (Rational, Rational, Rational) {
        match self {
            Enclosure::Exact(q) => (q.clone(), Rational::new(), Rational::new()),
            Enclosure::Interval { lo, hi } => (
                Rational::from(lo + hi) / 2u32,
                Rational::new(),
                Rational::from(hi - lo) / 2u32,
            ),
            Enclosure::Disc { re, im, radius } => (re.clone(), im.clone(), radius.clone()),
        }
    }

    /// Certified bounds `[lo, hi]` on the real part.
    pub fn real_bounds(&self) -> (Rational, Rational) {
        let (re, _, r) = self.disc();
        (Rational::from(&re - &r), Rational::from(&re + &r))
    }

    /// The width (diameter) of the enclosure.
    pub fn width(&self) -> Rational {
        self.disc().2 * 2u32
    }

    /// The sign of the real part, decided from the certified bounds.
    pub fn real_sign(&self) -> RealSign {
        if let Enclosure::Exact(q) = self
            && q.is_zero()
        {
            return RealSign::Zero;
        }
        let (lo, hi) = self.real_bounds();
        if lo.cmp0() == Ordering::Greater {
            RealSign::Positive
        } else if hi.cmp0() == Ordering::Less {
            RealSign::Negative
        } else {
            RealSign::Undecided
        }
    }

    /// Whether the two enclosures are disjoint (as discs, which contain them).
    fn disjoint_from(&self, other: &Enclosure) -> bool {
        let (ar, ai, rr) = self.disc();
        let (br, bi, rs) = other.disc();
        let dx = Rational::from(&ar - &br);
        let dy = Rational::from(&ai - &bi);
        let d2 = Rational::from(&dx * &dx) + Rational::from(&dy * &dy);
        let rsum = Rational::from(&rr + &rs);
        d2 > Rational::from(&rsum * &rsum)
    }
}

/// One root of an exact polynomial: the refined MPFR value and its certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct Root {
    /// Refined real part.
    pub re: Float,
    /// Refined imaginary part (zero for real roots).
    pub im: Float,
    /// Certified enclosure.
    pub enclosure: Enclosure,
    /// Whether this enclosure is disjoint from all others (then, with `n` enclosures for `n`
    /// roots, each contains exactly one root counted with multiplicity one).
    pub isolated: bool,
}

/// One eigenvalue of an exact matrix: a [`Root`] of its characteristic polynomial and, for a
/// real eigenvalue, an approximate eigenvector.
#[derive(Debug, Clone, PartialEq)]
pub struct EigenEnclosure {
    /// The eigenvalue as a certified root of the characteristic polynomial.
    pub root: Root,
    /// Unit right eigenvector in `f64` (real eigenvalues only), largest component positive. A
    /// plotting and reading aid, not certified.
    pub eigenvector: Option<Vec<f64>>,
}

/// `det(μI − M)` by Faddeev–LeVerrier in exact arithmetic: coefficients `p_0..p_n`, `p_n = 1`.
pub fn characteristic_polynomial(m: &[Vec<Rational>]) -> Vec<Rational> {
    let n = m.len();
    let mut coeffs = vec![Rational::new(); n + 1];
    coeffs[n] = Rational::from(1);
    let mut mk: Vec<Vec<Rational>> = vec![vec![Rational::new(); n]; n];
    for k in 1..=n {
        // M_k = M·M_{k−1} + p_{n−k+1} I
        let mut next = vec![vec![Rational::new(); n]; n];
        for i in 0..n {
            for j in 0..n {
                let mut s = Rational::new();
                for l in 0..n {
                    s += Rational::from(&m[i][l] * &mk[l][j]);
                }
                if i == j {
                    s += &coeffs[n - k + 1];
                }
                next[i][j] = s;
            }
        }
        mk = next;
        let mut tr = Rational::new();
        for i in 0..n {
            for l in 0..n {
                tr += Rational::from(&m[i][l] * &mk[l][i]);
            }
        }
        coeffs[n - k] = -tr / Rational::from(k as u64);
    }
    coeffs
}

/// `p(x) = Σ p_k x^k` evaluated exactly (Horner), coefficients in increasing degree.
pub fn eval(p: &[Rational], x: &Rational) -> Rational {
    p.iter().rev().fold(Rational::new(), |acc, c| acc * x + c)
}

/// The coefficients of `p'`, in increasing degree.
pub fn derivative(p: &[Rational]) -> Vec<Rational> {
    p.iter()
        .enumerate()
        .skip(1)
        .map(|(k, c)| Rational::from(c * k as u64))
        .collect()
}

/// The exact rational closest (continued-fraction convergent) to `x` within `tol`, with
/// denominator at most `max_den`.
pub fn rational_reconstruct(x: &Float, max_den: &Integer, tol: &Float) -> Option<Rational> {
    let r = x.to_rational()?;
    let (mut h0, mut h1) = (Integer::from(0), Integer::from(1));
    let (mut k0, mut k1) = (Integer::from(1), Integer::from(0));
    let mut rem = r.clone();
    for _ in 0..512 {
        let a = rem.clone().floor().into_numer_denom().0;
        let h2 = Integer::from(&a * &h1) + &h0;
        let k2 = Integer::from(&a * &k1) + &k0;
        if &k2 > max_den {
            return None;
        }
        let cand = Rational::from((h2.clone(), k2.clone()));
        let dist = Float::with_val(x.prec(), Rational::from(&r - &cand)).abs();
        if dist <= *tol {
            return Some(cand);
        }
        let frac = Rational::from(&rem - &a);
        if frac.is_zero() {
            return None;
        }
        rem = frac.recip();
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
    }
    None
}

fn eval_complex(p: &[Rational], re: &Rational, im: &Rational) -> (Rational, Rational) {
    p.iter()
        .rev()
        .fold((Rational::new(), Rational::new()), |(ar, ai), c| {
            let nr = Rational::from(&ar * re) - Rational::from(&ai * im) + c;
            let ni = Rational::from(&ar * im) + Rational::from(&ai * re);
            (nr, ni)
        })
}

fn horner_f(p: &[Float], x: &Float) -> Float {
    let prec = x.prec();
    p.iter()
        .rev()
        .fold(Float::new(prec), |acc, c| Float::with_val(prec, &acc * x) + c)
}

fn horner_f_complex(p: &[Float], re: &Float, im: &Float) -> (Float, Float) {
    let prec = re.prec();
    p.iter()
        .rev()
        .fold((Float::new(prec), Float::new(prec)), |(ar, ai), c| {
            let nr = Float::with_val(prec, &ar * re) - Float::with_val(prec, &ai * im) + c;
            let ni = Float::with_val(prec, &ar * im) + Float::with_val(prec, &ai * re);
            (nr, ni)
        })
}

fn pow2(prec: u32, e: i32) -> Float {
    Float::with_val(prec, Float::i_exp(1, e))
}

fn round_up(prec: u32, q: &Rational) -> Float {
    Float::with_val_round(prec, q, Round::Up).0
}

/// `min(n|p/p'|, |p|^{1/n})` at an exact complex point, rounded up; a root of the monic
/// degree-`n` polynomial `p` lies within this distance (`p'/p = Σ 1/(z−z_i)` and
/// `|p| = Π|z−z_i|`).
fn root_distance_bound(p: &[Rational], re: &Rational, im: &Rational, prec: u32) -> Rational {
    let n = (p.len() - 1) as u32;
    let (pr, pi) = eval_complex(p, re, im);
    let abs2 = Rational::from(&pr * &pr) + Rational::from(&pi * &pi);
    if abs2.is_zero() {
        return Rational::new();
    }
    let dp = derivative(p);
    let (dr, di) = eval_complex(&dp, re, im);
    let dabs2 = Rational::from(&dr * &dr) + Rational::from(&di * &di);
    let mut r_prod = round_up(prec, &abs2);
    r_prod.root_round(2 * n, Round::Up);
    let mut best = r_prod.to_rational().unwrap_or_else(|| Rational::from(u32::MAX));
    if !dabs2.is_zero() {
        let ratio = Rational::from(n * n) * abs2 / dabs2;
        let mut r_newton = round_up(prec, &ratio);
        r_newton.sqrt_round(Round::Up);
        if let Some(rq) = r_newton.to_rational()
            && rq < best
        {
            best = rq;
        }
    }
    best
}

/// Certified enclosures of the roots of a polynomial `Σ p_k x^k` (coefficients in increasing
/// degree, exact), one per root counted with multiplicity, at working precision `prec`.
///
/// Trailing zero coefficients are dropped; what remains must have degree at least one. The
/// polynomial is made monic exactly before the root-distance bound is applied.
pub fn root_enclosures(p: &[Rational], prec: Precision) -> Result<Vec<Root>, PolyError> {
    let degree = p
        .iter()
        .rposition(|c| !c.is_zero())
        .ok_or(PolyError::Degenerate)?;
    if degree == 0 {
        return Err(PolyError::Degenerate);
    }
    let lead = &p[degree];
    let monic: Vec<Rational> = p[..=degree].iter().map(|c| Rational::from(c / lead)).collect();
    // Starting guesses: eigenvalues of the companion matrix, whose characteristic polynomial is
    // `monic`. Row 0 holds −p_{n−1}, …, −p_0; the subdiagonal is one.
    let companion = DMatrix::<f64>::from_fn(degree, degree, |i, j| {
        if i == 0 {
            -monic[degree - 1 - j].to_f64()
        } else if i == j + 1 {
            1.0
        } else {
            0.0
        }
    });
    let guesses: Vec<(f64, f64)> = companion
        .complex_eigenvalues()
        .iter()
        .map(|g| (g.re, g.im))
        .collect();
    Ok(enclose_roots(&monic, &guesses, prec.bits())?
        .into_iter()
        .map(|(root, _)| root)
        .collect())
}

/// Certified enclosures of the eigenvalues of an exact square matrix: `nalgebra` (`f64`)
/// guesses, Newton refinement on the exact characteristic polynomial in MPFR, then a certified
/// enclosure per eigenvalue, in the order `nalgebra` produced the guesses.
pub fn eigen_enclosures(m: &[Vec<Rational>], prec: Precision) -> Result<Vec<EigenEnclosure>, PolyError> {
    let n = m.len();
    if n == 0 || m.iter().any(|r| r.len() != n) {
        return Err(PolyError::NotSquare);
    }
    let poly = characteristic_polynomial(m);
    let mf = DMatrix::<f64>::from_fn(n, n, |i, j| m[i][j].to_f64());
    let guesses: Vec<(f64, f64)> = mf
        .clone()
        .complex_eigenvalues()
        .iter()
        .map(|g| (g.re, g.im))
        .collect();
    let roots = enclose_roots(&poly, &guesses, prec.bits())?;
    Ok(roots
        .into_iter()
        .map(|(root, real)| {
            let eigenvector = if real {
                real_eigenvector(&mf, root.re.to_f64())
            } else {
                None
            };
            EigenEnclosure { root, eigenvector }
        })
        .collect())
}

/// Refines each `f64` guess `(re, im)` against the monic exact polynomial `poly` and certifies
/// it; then marks the enclosures that are disjoint from all others. The flag says whether the
/// guess was taken as real.
fn enclose_roots(
    poly: &[Rational],
    guesses: &[(f64, f64)],
    prec: u32,
) -> Result<Vec<(Root, bool)>, PolyError> {
    let poly_f: Vec<Float> = poly.iter().map(|c| Float::with_val(prec, c)).collect();
    let dpoly = derivative(poly);
    let dpoly_f: Vec<Float> = dpoly.iter().map(|c| Float::with_val(prec, c)).collect();
    let one = Float::with_val(prec, 1u32);
    let conv = pow2(prec, 4 - prec as i32);
    let exact_tol_rel = pow2(prec, 16 - prec as i32);
    let mut out: Vec<(Root, bool)> = Vec::with_capacity(guesses.len());
    for &(g_re, g_im) in guesses {
        // A guess this close to the real axis is a real root perturbed by `f64` rounding.
        let real = g_im.abs() <= 1e-7 * (1.0 + g_re.abs());
        if real {
            let mut mu = Float::with_val(prec, g_re);
            let mut last = Float::new(prec);
            for _ in 0..400 {
                let p = horner_f(&poly_f, &mu);
                let dp = horner_f(&dpoly_f, &mu);
                if p.is_zero() || dp.is_zero() || !dp.is_finite() {
                    last = Float::new(prec);
                    break;
                }
                let d = Float::with_val(prec, &p / &dp);
                mu -= &d;
                last = d.abs();
                if last <= Float::with_val(prec, Float::with_val(prec, mu.abs_ref()).max(&one) * &conv) {
                    break;
                }
            }
            let scale = Float::with_val(prec, mu.abs_ref()).max(&one);
            let enclosure = real_enclosure(poly, &mu, &last, &scale, &exact_tol_rel, prec);
            let re = match &enclosure {
                Enclosure::Exact(q) => Float::with_val(prec, q),
                _ => mu,
            };
            out.push((
                Root {
                    re,
                    im: Float::new(prec),
                    enclosure,
                    isolated: true,
                },
                true,
            ));
        } else {
            let mut zr = Float::with_val(prec, g_re);
            let mut zi = Float::with_val(prec, g_im);
            for _ in 0..400 {
                let (pr, pi) = horner_f_complex(&poly_f, &zr, &zi);
                let (dr, di) = horner_f_complex(&dpoly_f, &zr, &zi);
                let den = Float::with_val(prec, dr.square_ref()) + Float::with_val(prec, di.square_ref());
                if den.is_zero() || !den.is_finite() {
                    break;
                }
                // (pr + i pi)/(dr + i di)
                let qr = (Float::with_val(prec, &pr * &dr) + Float::with_val(prec, &pi * &di)) / &den;
                let qi = (Float::with_val(prec, &pi * &dr) - Float::with_val(prec, &pr * &di)) / &den;
                zr -= &qr;
                zi -= &qi;
                let step = Float::with_val(prec, qr.abs_ref()).max(&Float::with_val(prec, qi.abs_ref()));
                let size = Float::with_val(prec, zr.abs_ref())
                    .max(&Float::with_val(prec, zi.abs_ref()))
                    .max(&one);
                if step <= Float::with_val(prec, &size * &conv) {
                    break;
                }
            }
            let (re_q, im_q) = match (zr.to_rational(), zi.to_rational()) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(PolyError::Diverged),
            };
            let radius = root_distance_bound(poly, &re_q, &im_q, prec);
            out.push((
                Root {
                    re: zr,
                    im: zi,
                    enclosure: Enclosure::Disc {
                        re: re_q,
                        im: im_q,
                        radius,
                    },
                    isolated: true,
                },
                false,
            ));
        }
    }
    let isolated: Vec<bool> = (0..out.len())
        .map(|i| {
            (0..out.len())
                .filter(|&j| j != i)
                .all(|j| out[i].0.enclosure.disjoint_from(&out[j].0.enclosure))
        })
        .collect();
    for ((root, _), iso) in out.iter_mut().zip(isolated) {
        root.isolated = iso;
    }
    Ok(out)
}

/// Exact root (rational reconstruction checked by exact evaluation), else an exact sign-change
/// bracket widened from the last Newton step, else the root-distance disc.
fn real_enclosure(
    poly: &[Rational],
    mu: &Float,
    last_step: &Float,
    scale: &Float,
    rel: &Float,
    prec: u32,
) -> Enclosure {
    let tol = Float::with_val(prec, scale * rel);
    if let Some(cand) = rational_reconstruct(mu, &Integer::from(1_000_000u32), &tol)
        && eval(poly, &cand).is_zero()
    {
        return Enclosure::Exact(cand);
    }
    let Some(mq) = mu.to_rational() else {
        return Enclosure::Disc {
            re: Rational::new(),
            im: Rational::new(),
            radius: Rational::from(u32::MAX),
        };
    };
    let floor = Float::with_val(prec, scale * &pow2(prec, 8 - prec as i32));
    let start = Float::with_val(prec, last_step * 4u32).max(&floor);
    let mut delta = start.to_rational().unwrap_or_else(|| Rational::from(1));
    let sign_at = |x: &Rational| eval(poly, x).cmp0();
    if sign_at(&mq) == Ordering::Equal {
        return Enclosure::Exact(mq);
    }
    for _ in 0..64 {
        let lo = Rational::from(&mq - &delta);
        let hi = Rational::from(&mq + &delta);
        let (sl, sh) = (sign_at(&lo), sign_at(&hi));
        if sl == Ordering::Equal {
            return Enclosure::Exact(lo);
        }
        if sh == Ordering::Equal {
            return Enclosure::Exact(hi);
        }
        if sl != sh {
            return Enclosure::Interval { lo, hi };
        }
        delta *= 4u32;
    }
    Enclosure::Disc {
        radius: root_distance_bound(poly, &mq, &Rational::new(), prec),
        re: mq,
        im: Rational::new(),
    }
}

fn real_eigenvector(m: &DMatrix<f64>, mu: f64) -> Option<Vec<f64>> {
    let n = m.nrows();
    let shifted = m - DMatrix::<f64>::identity(n, n) * mu;
    let svd = shifted.svd(false, true);
    let v_t = svd.v_t?;
    let (k, _) = svd
        .singular_values
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))?;
    let mut v: Vec<f64> = v_t.row(k).iter().copied().collect();
    let (imax, _) = v
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    if v[imax] < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    //! Closed-form checks: roots and eigenvalues known exactly or as surds, evaluated
    //! independently in MPFR at 600 bits.

    use super::*;

    const HP: u32 = 600;

    fn r(n: i64, d: u64) -> Rational {
        Rational::from((n, d))
    }

    fn poly(c: &[i64]) -> Vec<Rational> {
        c.iter().map(|&x| Rational::from(x)).collect()
    }

    fn prec() -> Precision {
        Precision::from_bits(256)
    }

    fn tiny() -> Float {
        Float::with_val(HP, Float::i_exp(1, -200))
    }

    /// Whether the complex number `re + i·im` (at `HP`) lies in the enclosure.
    fn contains(e: &Enclosure, re: &Float, im: &Float) -> bool {
        match e {
            Enclosure::Exact(q) => im.is_zero() && *re == *q,
            Enclosure::Interval { lo, hi } => {
                im.is_zero() && *re >= Float::with_val(HP, lo) && *re <= Float::with_val(HP, hi)
            }
            Enclosure::Disc {
                re: cr,
                im: ci,
                radius,
            } => {
                let dx = Float::with_val(HP, re - &Float::with_val(HP, cr));
                let dy = Float::with_val(HP, im - &Float::with_val(HP, ci));
                Float::with_val(HP, dx.hypot(&dy)) <= Float::with_val(HP, radius)
            }
        }
    }

    #[test]
    fn square_root_of_two_gets_two_tight_isolated_intervals() {
        // x² − 2, and the same roots from the non-monic 3x² − 6 with a trailing zero coefficient.
        for p in [poly(&[-2, 0, 1]), poly(&[-6, 0, 3, 0])] {
            let roots = root_enclosures(&p, prec()).expect("ok");
            assert_eq!(roots.len(), 2);
            let sqrt2 = Float::with_val(HP, 2u32).sqrt();
            let zero = Float::new(HP);
            let mut signs = Vec::new();
            for root in &roots {
                assert!(matches!(root.enclosure, Enclosure::Interval { .. }), "{root:?}");
                let inside = [&sqrt2, &Float::with_val(HP, -&sqrt2)]
                    .iter()
                    .filter(|x| contains(&root.enclosure, x, &zero))
                    .count();
                assert_eq!(inside, 1);
                assert!(Float::with_val(HP, root.enclosure.width()) < tiny());
                assert!(root.isolated);
                signs.push(root.enclosure.real_sign());
            }
            signs.sort_by_key(|s| *s as u8);
            assert_eq!(signs, vec![RealSign::Positive, RealSign::Negative]);
        }
    }

    #[test]
    fn integer_roots_are_exact() {
        // (x − 1)(x − 2)(x − 3) = x³ − 6x² + 11x − 6.
        let roots = root_enclosures(&poly(&[-6, 11, -6, 1]), prec()).expect("ok");
        let mut got: Vec<Rational> = roots
            .iter()
            .map(|x| match &x.enclosure {
                Enclosure::Exact(q) => q.clone(),
                other => panic!("not exact: {other:?}"),
            })
            .collect();
        got.sort();
        assert_eq!(got, vec![r(1, 1), r(2, 1), r(3, 1)]);
        assert!(roots.iter().all(|x| x.isolated && x.im.is_zero()));
        // A rational root: (2x − 1)(x + 3) = 2x² + 5x − 3.
        let roots = root_enclosures(&poly(&[-3, 5, 2]), prec()).expect("ok");
        let mut got: Vec<Enclosure> = roots.into_iter().map(|x| x.enclosure).collect();
        got.sort_by(|a, b| a.real_bounds().0.cmp(&b.real_bounds().0));
        assert_eq!(got, vec![Enclosure::Exact(r(-3, 1)), Enclosure::Exact(r(1, 2))]);
    }

    #[test]
    fn complex_pair_gets_discs_around_plus_and_minus_i() {
        let roots = root_enclosures(&poly(&[1, 0, 1]), prec()).expect("ok");
        assert_eq!(roots.len(), 2);
        let zero = Float::new(HP);
        let one = Float::with_val(HP, 1u32);
        let minus_one = Float::with_val(HP, -1i32);
        for root in &roots {
            let Enclosure::Disc { radius, .. } = &root.enclosure else {
                panic!("complex root needs a disc: {root:?}")
            };
            let hits = [&one, &minus_one]
                .iter()
                .filter(|im| contains(&root.enclosure, &zero, im))
                .count();
            assert_eq!(hits, 1);
            assert!(Float::with_val(HP, radius) < tiny());
            // The real part is 0 and the disc straddles it: the sign cannot be decided.
            assert_eq!(root.enclosure.real_sign(), RealSign::Undecided);
            assert!(root.isolated);
        }
        assert!(roots[0].im.clone() * &roots[1].im < 0u32, "a conjugate pair");
    }

    #[test]
    fn degenerate_polynomials_are_rejected() {
        for p in [poly(&[]), poly(&[5]), poly(&[0, 0])] {
            assert_eq!(root_enclosures(&p, prec()), Err(PolyError::Degenerate));
        }
        assert_eq!(
            eigen_enclosures(&[vec![r(1, 1), r(2, 1)]], prec()),
            Err(PolyError::NotSquare)
        );
        assert_eq!(eigen_enclosures(&[], prec()), Err(PolyError::NotSquare));
    }

    #[test]
    fn characteristic_polynomial_of_a_companion_matrix() {
        // The companion matrix of x³ − 6x² + 11x − 6 has exactly that characteristic polynomial.
        let m = vec![
            vec![r(6, 1), r(-11, 1), r(6, 1)],
            vec![r(1, 1), r(0, 1), r(0, 1)],
            vec![r(0, 1), r(1, 1), r(0, 1)],
        ];
        assert_eq!(characteristic_polynomial(&m), poly(&[-6, 11, -6, 1]));
        // 2×2: μ² − tr μ + det, with tr = 11/2 and det = 5/2 + 2 = 9/2 by hand.
        let m = vec![vec![r(1, 2), r(3, 1)], vec![r(-2, 3), r(5, 1)]];
        let tr = r(11, 2);
        let det = r(9, 2);
        assert_eq!(characteristic_polynomial(&m), vec![det, -tr, r(1, 1)]);
        assert_eq!(eval(&poly(&[-6, 11, -6, 1]), &r(5, 2)), r(-3, 8));
        assert_eq!(derivative(&poly(&[-6, 11, -6, 1])), poly(&[11, -12, 3]));
    }

    #[test]
    fn matrix_eigenvalues_and_eigenvectors() {
        // Symmetric [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, −1)/√2 and (1, 1)/√2.
        let m = vec![vec![r(2, 1), r(1, 1)], vec![r(1, 1), r(2, 1)]];
        let e = eigen_enclosures(&m, prec()).expect("ok");
        let h = std::f64::consts::FRAC_1_SQRT_2;
        for ev in &e {
            let v = ev.eigenvector.as_ref().expect("real eigenvalue");
            match &ev.root.enclosure {
                Enclosure::Exact(q) if *q == 1u32 => {
                    assert!((v[0].abs() - h).abs() < 1e-12 && (v[0] + v[1]).abs() < 1e-12)
                }
                Enclosure::Exact(q) if *q == 3u32 => {
                    assert!((v[0] - h).abs() < 1e-12 && (v[1] - h).abs() < 1e-12)
                }
                other => panic!("unexpected eigenvalue {other:?}"),
            }
        }
        // Upper triangular: the diagonal, exactly; a rotation: ±i with no eigenvector.
        let m = vec![
            vec![r(1, 1), r(5, 1), r(7, 1)],
            vec![r(0, 1), r(-2, 1), r(3, 1)],
            vec![r(0, 1), r(0, 1), r(1, 2)],
        ];
        let mut got: Vec<Enclosure> = eigen_enclosures(&m, prec())
            .expect("ok")
            .into_iter()
            .map(|x| x.root.enclosure)
            .collect();
        got.sort_by(|a, b| a.real_bounds().0.cmp(&b.real_bounds().0));
        let want: Vec<Enclosure> = [r(-2, 1), r(1, 2), r(1, 1)]
            .into_iter()
            .map(Enclosure::Exact)
            .collect();
        assert_eq!(got, want);
        let m = vec![vec![r(0, 1), r(-1, 1)], vec![r(1, 1), r(0, 1)]];
        let e = eigen_enclosures(&m, prec()).expect("ok");
        assert!(e.iter().all(|x| x.eigenvector.is_none() && !x.root.im.is_zero()));
        // A Jordan block: the double root 2 twice, the two enclosures coincide.
        let m = vec![vec![r(2, 1), r(1, 1)], vec![r(0, 1), r(2, 1)]];
        let e = eigen_enclosures(&m, prec()).expect("ok");
        assert!(
            e.iter()
                .all(|x| x.root.enclosure == Enclosure::Exact(r(2, 1)) && !x.root.isolated)
        );
        assert_eq!(e[0].root.enclosure.real_sign(), RealSign::Positive);
    }

    #[test]
    fn rational_reconstruction_finds_the_convergents_of_pi() {
        let pi = Float::with_val(200, rug::float::Constant::Pi);
        // |π − 355/113| ≈ 2.7·10⁻⁷, while 22/7 is 1.3·10⁻³ away.
        let tol = Float::with_val(200, Float::parse("1e-6").expect("literal"));
        assert_eq!(
            rational_reconstruct(&pi, &Integer::from(1000), &tol),
            Some(r(355, 113))
        );
        let loose = Float::with_val(200, Float::parse("2e-3").expect("literal"));
        assert_eq!(
            rational_reconstruct(&pi, &Integer::from(1000), &loose),
            Some(r(22, 7))
        );
        // Nothing with denominator ≤ 100 is within 10⁻⁶ of π.
        assert_eq!(rational_reconstruct(&pi, &Integer::from(100), &tol), None);
        // An exactly representable rational comes back exactly.
        let x = Float::with_val(200, r(-7, 16));
        assert_eq!(
            rational_reconstruct(&x, &Integer::from(16), &Float::new(200)),
            Some(r(-7, 16))
        );
    }
}
