//! The fully connected network: parameters, batched forward and backward passes, exact per-sample
//! parameter Jacobians, the Gram matrix `M = J Jᵀ` and the layer Jacobian norms.
//!
//! Samples are the columns of `d × N` / `n × N` matrices throughout, so every layer is one
//! matrix–matrix product (nalgebra hands dynamic products to `matrixmultiply`). The network acts on
//! each column independently, so a backward pass seeded with output adjoint `r ∈ R^N` yields, column
//! by column, `r_i · ∂f(x_i)/∂(layer pre-activations)`: seeded with ones it gives the per-sample
//! Jacobians, seeded with the residual it gives the gradient `Jᵀ e` of the squared loss.
//!
//! Products with a transpose use an owned transposed copy: nalgebra's `tr_mul`/`gemm_tr` compute
//! column-by-column dot products, far slower than `gemm`, and a zero-copy strided view is not an
//! option because nalgebra 0.35's small-matrix `gemm` fallback reads out of bounds on views with a
//! non-unit row stride. The `O(n²)` copy is small next to the `O(n²N)` product.

use super::Arch;
use super::spectral::layer_operator_norms;
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Samples per side of a Gram tile: 128 × 128 `f64` tiles (128 KiB each, three live per task)
/// fit in a core's L2 cache next to the `n × 128` operand panels. Fixed, so that the tiling — and
/// with it every rounding — does not depend on the machine or the thread count.
pub(crate) const GRAM_TILE: usize = 128;

/// Samples per chunk of the parallel forward and backward passes. Fixed, so that the chunking
/// does not depend on the thread count; large enough that each chunk is a proper matrix product.
pub(crate) const SAMPLE_CHUNK: usize = 256;

/// The `n × N` matrix whose columns `starts[k] …` are `get(parts[k])`.
fn join_columns<T>(
    parts: &[T],
    starts: &[usize],
    samples: usize,
    get: impl Fn(&T) -> &DMatrix<f64>,
) -> DMatrix<f64> {
    let rows = parts.first().map_or(0, |p| get(p).nrows());
    let mut out = DMatrix::zeros(rows, samples);
    for (part, &c) in parts.iter().zip(starts) {
        let m = get(part);
        out.columns_mut(c, m.ncols()).copy_from(m);
    }
    out
}

/// One parameter block's share of the Gram matrix: `(A, B, c, a)` stands for `(AᵀA) ∘ (c·BᵀB + a)`,
/// or `c·AᵀA` when `B` is `None`.
type GramTerm<'a> = (&'a DMatrix<f64>, Option<&'a DMatrix<f64>>, f64, f64);

/// All trainable parameters (every one of them is trained).
///
/// Flat order (the column order of the Jacobian `J`): `W_in` (`n × d`, column-major), then for each
/// hidden layer `l = 0..L`: `W_l` (`n × n`, column-major) followed by `b_l` (`n`), then `w_out` (`n`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Params {
    /// Input embedding, `n × d`.
    pub w_in: DMatrix<f64>,
    /// Hidden weights, `L` matrices `n × n`.
    pub w: Vec<DMatrix<f64>>,
    /// Hidden biases, `L` vectors of length `n`.
    pub b: Vec<DVector<f64>>,
    /// Readout, length `n`.
    pub w_out: DVector<f64>,
}

impl Params {
    /// `self += a · other` (same shapes).
    pub fn axpy(&mut self, a: f64, other: &Params) {
        let update = |p: &mut f64, g: f64| *p += a * g;
        self.w_in.zip_apply(&other.w_in, update);
        for (w, g) in self.w.iter_mut().zip(&other.w) {
            w.zip_apply(g, update);
        }
        for (b, g) in self.b.iter_mut().zip(&other.b) {
            b.zip_apply(g, update);
        }
        self.w_out.zip_apply(&other.w_out, update);
    }

    /// The parameters as one vector, in the documented flat order.
    #[cfg(test)]
    pub fn to_flat(&self) -> DVector<f64> {
        let mut out = Vec::new();
        out.extend_from_slice(self.w_in.as_slice());
        for (w, b) in self.w.iter().zip(&self.b) {
            out.extend_from_slice(w.as_slice());
            out.extend_from_slice(b.as_slice());
        }
        out.extend_from_slice(self.w_out.as_slice());
        DVector::from_vec(out)
    }

    /// Overwrites the parameters from a flat vector (inverse of [`Params::to_flat`]).
    #[cfg(test)]
    pub fn set_flat(&mut self, flat: &DVector<f64>) {
        let mut src = flat.iter().copied();
        let mut fill = |dst: &mut [f64]| dst.iter_mut().for_each(|v| *v = src.next().expect("length"));
        fill(self.w_in.as_mut_slice());
        for (w, b) in self.w.iter_mut().zip(self.b.iter_mut()) {
            fill(w.as_mut_slice());
            fill(b.as_mut_slice());
        }
        fill(self.w_out.as_mut_slice());
    }
}

/// Activations kept from a forward pass (what the backward pass and the diagnostics need).
pub(crate) struct Forward {
    /// `h_0 … h_L`, each `n × N`.
    pub h: Vec<DMatrix<f64>>,
    /// `tanh'(z_l)` for each hidden layer, each `n × N`.
    pub dtanh: Vec<DMatrix<f64>>,
    /// Network outputs `f(x_i)`, length `N`.
    pub out: DVector<f64>,
}

/// Adjoints from a backward pass seeded with output adjoint `r`.
pub(crate) struct Backward {
    /// `∂(rᵀ f)/∂z_l` per hidden layer (column `i`: `r_i ∂f(x_i)/∂z_l`), each `n × N`.
    pub gz: Vec<DMatrix<f64>>,
    /// `∂(rᵀ f)/∂h_0`, `n × N`.
    pub gh0: DMatrix<f64>,
    /// The seed `r`, length `N`.
    pub r: DVector<f64>,
}

/// The network: architecture, sizes and parameters.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// Plain or residual hidden layers.
    pub arch: Arch,
    /// Trainable parameters.
    pub params: Params,
    /// Lanczos start vector for the layer-norm computation (fixed, so norms are deterministic).
    pub lanczos_start: DVector<f64>,
}

impl Model {
    /// Standard-normal initialization of every parameter, drawn in the flat order.
    pub fn init(arch: Arch, depth: usize, width: usize, input_dim: usize, rng: &mut impl Rng) -> Model {
        let mut normal = || -> f64 { StandardNormal.sample(rng) };
        let w_in = DMatrix::from_fn(width, input_dim, |_, _| normal());
        let mut w = Vec::with_capacity(depth);
        let mut b = Vec::with_capacity(depth);
        for _ in 0..depth {
            w.push(DMatrix::from_fn(width, width, |_, _| normal()));
            b.push(DVector::from_fn(width, |_, _| normal()));
        }
        let w_out = DVector::from_fn(width, |_, _| normal());
        let lanczos_start = DVector::from_fn(width, |_, _| normal());
        Model {
            arch,
            params: Params { w_in, w, b, w_out },
            lanczos_start,
        }
    }

    /// Number of hidden layers `L`.
    pub fn depth(&self) -> usize {
        self.params.w.len()
    }

    /// Hidden width `n`.
    pub fn width(&self) -> usize {
        self.params.w_in.nrows()
    }

    /// Total number of parameters `P`.
    pub fn parameter_count(&self) -> usize {
        let (n, d, l) = (self.width(), self.params.w_in.ncols(), self.depth());
        n * d + l * (n * n + n) + n
    }

    /// Residual branch scale `1/sqrt(L)` (1 for plain layers, where there is no branch).
    fn branch_scale(&self) -> f64 {
        match self.arch {
            Arch::Plain => 1.0,
            Arch::Residual => 1.0 / (self.depth() as f64).sqrt(),
        }
    }

    /// Forward pass on the inputs `x` (`d × N`, samples as columns).
    ///
    /// Samples are independent, so above [`SAMPLE_CHUNK`] samples the pass runs on fixed chunks of
    /// that many columns in parallel and the chunks are joined; the chunking depends only on `N`,
    /// so the result is the same bits with any number of threads.
    pub fn forward(&self, x: &DMatrix<f64>) -> Forward {
        let samples = x.ncols();
        if samples <= SAMPLE_CHUNK {
            return self.forward_serial(x);
        }
        let starts: Vec<usize> = (0..samples).step_by(SAMPLE_CHUNK).collect();
        let parts: Vec<Forward> = starts
            .par_iter()
            .map(|&c| self.forward_serial(&x.columns(c, SAMPLE_CHUNK.min(samples - c)).into_owned()))
            .collect();
        let h = (0..=self.depth())
            .map(|l| join_columns(&parts, &starts, samples, |f| &f.h[l]))
            .collect();
        let dtanh = (0..self.depth())
            .map(|l| join_columns(&parts, &starts, samples, |f| &f.dtanh[l]))
            .collect();
        let mut out = DVector::zeros(samples);
        for (part, &c) in parts.iter().zip(&starts) {
            out.rows_mut(c, part.out.len()).copy_from(&part.out);
        }
        Forward { h, dtanh, out }
    }

    /// [`Model::forward`] on all columns at once.
    pub(super) fn forward_serial(&self, x: &DMatrix<f64>) -> Forward {
        let p = &self.params;
        let (n, samples) = (self.width(), x.ncols());
        let inv_sqrt_n = 1.0 / (n as f64).sqrt();
        let branch = self.branch_scale();
        let mut h0 = DMatrix::zeros(n, samples);
        h0.gemm(1.0 / (x.nrows() as f64).sqrt(), &p.w_in, x, 0.0);
        let mut h = Vec::with_capacity(self.depth() + 1);
        let mut dtanh = Vec::with_capacity(self.depth());
        h.push(h0);
        for (w, b) in p.w.iter().zip(&p.b) {
            let prev = h.last().expect("h_0 is present");
            let mut act = DMatrix::zeros(n, samples);
            act.gemm(inv_sqrt_n, w, prev, 0.0);
            for mut col in act.column_iter_mut() {
                col += b;
            }
            act.apply(|v| *v = v.tanh());
            dtanh.push(act.map(|a| 1.0 - a * a));
            let next = match self.arch {
                Arch::Plain => act,
                Arch::Residual => {
                    let mut next = prev.clone();
                    next.zip_apply(&act, |hv, av| *hv += branch * av);
                    next
                }
            };
            h.push(next);
        }
        let out = h.last().expect("h_L is present").tr_mul(&p.w_out) * inv_sqrt_n;
        Forward { h, dtanh, out }
    }

    /// Backward pass seeded with output adjoint `r` (length `N`); chunked over samples like
    /// [`Model::forward`].
    pub fn backward(&self, fwd: &Forward, r: &DVector<f64>) -> Backward {
        let samples = r.len();
        if samples <= SAMPLE_CHUNK {
            return self.backward_serial(&fwd.dtanh, r);
        }
        let starts: Vec<usize> = (0..samples).step_by(SAMPLE_CHUNK).collect();
        let parts: Vec<Backward> = starts
            .par_iter()
            .map(|&c| {
                let len = SAMPLE_CHUNK.min(samples - c);
                let dtanh: Vec<DMatrix<f64>> =
                    fwd.dtanh.iter().map(|d| d.columns(c, len).into_owned()).collect();
                self.backward_serial(&dtanh, &r.rows(c, len).into_owned())
            })
            .collect();
        let gz = (0..self.depth())
            .map(|l| join_columns(&parts, &starts, samples, |b| &b.gz[l]))
            .collect();
        let gh0 = join_columns(&parts, &starts, samples, |b| &b.gh0);
        Backward {
            gz,
            gh0,
            r: r.clone(),
        }
    }

    /// [`Model::backward`] on all columns at once, from the `tanh'` values of the forward pass.
    pub(super) fn backward_serial(&self, dtanh: &[DMatrix<f64>], r: &DVector<f64>) -> Backward {
        let p = &self.params;
        let inv_sqrt_n = 1.0 / (self.width() as f64).sqrt();
        let branch = self.branch_scale();
        // ∂(rᵀf)/∂h_L = w_out rᵀ / sqrt(n)
        let mut gh = &p.w_out * r.transpose() * inv_sqrt_n;
        let mut gz = vec![DMatrix::zeros(0, 0); self.depth()];
        for l in (0..self.depth()).rev() {
            let mut g = gh.component_mul(&dtanh[l]);
            let prev = match self.arch {
                Arch::Plain => {
                    let mut prev = DMatrix::zeros(gh.nrows(), gh.ncols());
                    prev.gemm(inv_sqrt_n, &p.w[l].transpose(), &g, 0.0);
                    prev
                }
                Arch::Residual => {
                    g *= branch;
                    // The skip connection passes the adjoint through unchanged.
                    let mut prev = gh;
                    prev.gemm(inv_sqrt_n, &p.w[l].transpose(), &g, 1.0);
                    prev
                }
            };
            gz[l] = g;
            gh = prev;
        }
        Backward {
            gz,
            gh0: gh,
            r: r.clone(),
        }
    }

    /// `∂(rᵀ f)/∂θ` from a backward pass seeded with `r`; with `r = e` this is the gradient of
    /// `½‖f − y‖²`, i.e. `Jᵀ e`.
    pub fn gradient(&self, x: &DMatrix<f64>, fwd: &Forward, bwd: &Backward) -> Params {
        let (n, d) = (self.width(), x.nrows());
        let inv_sqrt_n = 1.0 / (n as f64).sqrt();
        let mut w_in = DMatrix::zeros(n, d);
        w_in.gemm(1.0 / (d as f64).sqrt(), &bwd.gh0, &x.transpose(), 0.0);
        // Layers are independent (one task each, each computed exactly as serially), so the
        // gradient is the same bits with any number of threads.
        let (w, b): (Vec<DMatrix<f64>>, Vec<DVector<f64>>) = bwd
            .gz
            .par_iter()
            .zip(fwd.h.par_iter())
            .map(|(g, h)| {
                let mut gw = DMatrix::zeros(n, n);
                gw.gemm(inv_sqrt_n, g, &h.transpose(), 0.0);
                (gw, g.column_sum())
            })
            .unzip();
        let w_out = fwd.h.last().expect("h_L is present") * &bwd.r * inv_sqrt_n;
        Params { w_in, w, b, w_out }
    }

    /// The per-sample parameter Jacobian `J` (`N × P`, columns in the flat parameter order) from a
    /// backward pass seeded with ones.
    pub fn jacobian(&self, x: &DMatrix<f64>, fwd: &Forward, bwd: &Backward) -> DMatrix<f64> {
        let (n, d, samples) = (self.width(), x.nrows(), x.ncols());
        let inv_sqrt_n = 1.0 / (n as f64).sqrt();
        let mut jac = DMatrix::zeros(samples, self.parameter_count());
        let mut col = 0;
        // A weight block ∂f_i/∂W[a, b] = g[a, i] · input[b, i] · scale, written column-major.
        let mut weight_block =
            |jac: &mut DMatrix<f64>, g: &DMatrix<f64>, input: &DMatrix<f64>, scale: f64| {
                for bi in 0..input.nrows() {
                    for a in 0..g.nrows() {
                        let mut dst = jac.column_mut(col);
                        for i in 0..samples {
                            dst[i] = g[(a, i)] * input[(bi, i)] * scale;
                        }
                        col += 1;
                    }
                }
            };
        weight_block(&mut jac, &bwd.gh0, x, 1.0 / (d as f64).sqrt());
        for (g, h) in bwd.gz.iter().zip(&fwd.h) {
            weight_block(&mut jac, g, h, inv_sqrt_n);
            let ones = DMatrix::from_element(1, samples, 1.0);
            weight_block(&mut jac, g, &ones, 1.0);
        }
        let h_last = fwd.h.last().expect("h_L is present");
        let ones = DMatrix::from_element(1, samples, 1.0);
        weight_block(&mut jac, &ones, h_last, inv_sqrt_n);
        jac
    }

    /// `M = J Jᵀ` (`N × N`) from a backward pass seeded with ones, without forming `J`, in tiles of
    /// [`GRAM_TILE`] samples (see [`Model::gram_tiled`]).
    pub fn gram(&self, x: &DMatrix<f64>, fwd: &Forward, bwd: &Backward) -> DMatrix<f64> {
        self.gram_tiled(x, fwd, bwd, GRAM_TILE)
    }

    /// `M = J Jᵀ` blocked over parameters and over samples.
    ///
    /// **Parameters.** `J`'s columns split into the blocks of [`Params`]; a weight block
    /// contributes `(g_iᵀ g_j)(u_iᵀ u_j)·scale²` to `M_ij` (`g` the adjoint at the layer's output,
    /// `u` its input), a bias block `g_iᵀ g_j`. So `M = Σ_blocks (GᵀG) ∘ (c·UᵀU + a)`: products
    /// with inner dimension `n` instead of one with inner dimension `P ≈ L n²`, and `J` (`N × P`)
    /// is never formed — only the factors `G`, `U` (`n × N` per layer) that the passes hold
    /// anyway.
    ///
    /// **Samples.** `M` is assembled from `tile × tile` blocks `M_IJ = Σ (G_Iᵀ G_J) ∘ (…)`, `I ≤ J`,
    /// so no `N × N` temporary besides the result exists, each tile's operands stay in cache, and
    /// the tiles are computed in parallel (rayon). Each tile is computed by one thread with a fixed
    /// operation order and the tiling depends only on `tile`, never on the thread count, so the
    /// result is bit-identical with any number of threads. Tiles above the diagonal are mirrored
    /// and diagonal tiles symmetrized, so `M` is exactly symmetric. The tests check it against the
    /// explicit `J Jᵀ`.
    pub fn gram_tiled(&self, x: &DMatrix<f64>, fwd: &Forward, bwd: &Backward, tile: usize) -> DMatrix<f64> {
        let samples = x.ncols();
        let (n, d) = (self.width() as f64, x.nrows() as f64);
        let h_last = fwd.h.last().expect("h_L is present"); // invariant: forward pushes h_0
        // (left factor, right factor or none, scale of the right Gram, constant added to it):
        // term = (AᵀA) ∘ (c·BᵀB + a), or c·AᵀA when there is no right factor.
        let mut terms: Vec<GramTerm<'_>> = Vec::new();
        terms.push((h_last, None, 1.0 / n, 0.0));
        terms.push((&bwd.gh0, Some(x), 1.0 / d, 0.0));
        for (g, h) in bwd.gz.iter().zip(&fwd.h) {
            terms.push((g, Some(h), 1.0 / n, 1.0));
        }
        // Owned transposes (N × k) so that a tile's left operand is a unit-row-stride view (see the
        // module documentation on nalgebra's strided `gemm`).
        let transposed: Vec<(DMatrix<f64>, Option<DMatrix<f64>>)> = terms
            .iter()
            .map(|(a, b, _, _)| (a.transpose(), b.map(|b| b.transpose())))
            .collect();
        let tile = tile.max(1);
        let starts: Vec<usize> = (0..samples).step_by(tile).collect();
        let pairs: Vec<(usize, usize)> = (0..starts.len())
            .flat_map(|i| (i..starts.len()).map(move |j| (i, j)))
            .collect();
        let len = |k: usize| tile.min(samples - starts[k]);
        let blocks: Vec<DMatrix<f64>> = pairs
            .par_iter()
            .map(|&(bi, bj)| {
                let (i0, j0, ni, nj) = (starts[bi], starts[bj], len(bi), len(bj));
                let mut acc = DMatrix::zeros(ni, nj);
                let mut left = DMatrix::zeros(ni, nj);
                let mut right = DMatrix::zeros(ni, nj);
                for ((a, b, c, add), (at, bt)) in terms.iter().zip(&transposed) {
                    left.gemm(1.0, &at.rows(i0, ni), &a.columns(j0, nj), 0.0);
                    match (b, bt) {
                        (Some(b), Some(bt)) => {
                            right.gemm(*c, &bt.rows(i0, ni), &b.columns(j0, nj), 0.0);
                            right.add_scalar_mut(*add);
                            left.component_mul_assign(&right);
                            acc += &left;
                        }
                        _ => acc.zip_apply(&left, |av, lv| *av += c * lv),
                    }
                }
                acc
            })
            .collect();
        let mut gram = DMatrix::zeros(samples, samples);
        for (&(bi, bj), block) in pairs.iter().zip(&blocks) {
            let (i0, j0) = (starts[bi], starts[bj]);
            if bi == bj {
                // A diagonal tile may round (i, j) and (j, i) differently; M is symmetric.
                let sym = (block + block.transpose()) * 0.5;
                gram.view_mut((i0, j0), sym.shape()).copy_from(&sym);
            } else {
                gram.view_mut((i0, j0), block.shape()).copy_from(block);
                gram.view_mut((j0, i0), (block.ncols(), block.nrows()))
                    .copy_from(&block.transpose());
            }
        }
        gram
    }

    /// `max_i ‖∂h_{k+1}/∂h_k (x_i)‖_op` for each hidden layer `k` (length `L`).
    pub fn layer_norms(&self, fwd: &Forward) -> Vec<f64> {
        let inv_sqrt_n = 1.0 / (self.width() as f64).sqrt();
        let (identity, c) = match self.arch {
            Arch::Plain => (false, inv_sqrt_n),
            Arch::Residual => (true, inv_sqrt_n * self.branch_scale()),
        };
        // Layers are independent: one per task, each computed exactly as it would be serially.
        self.params
            .w
            .par_iter()
            .zip(fwd.dtanh.par_iter())
            .map(|(w, s)| {
                layer_operator_norms(w, s, identity, c, &self.lanczos_start)
                    .into_iter()
                    .fold(0.0, f64::max)
            })
            .collect()
    }
}
