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
    pub fn forward(&self, x: &DMatrix<f64>) -> Forward {
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

    /// Backward pass seeded with output adjoint `r` (length `N`).
    pub fn backward(&self, fwd: &Forward, r: &DVector<f64>) -> Backward {
        let p = &self.params;
        let inv_sqrt_n = 1.0 / (self.width() as f64).sqrt();
        let branch = self.branch_scale();
        // ∂(rᵀf)/∂h_L = w_out rᵀ / sqrt(n)
        let mut gh = &p.w_out * r.transpose() * inv_sqrt_n;
        let mut gz = vec![DMatrix::zeros(0, 0); self.depth()];
        for l in (0..self.depth()).rev() {
            let mut g = gh.component_mul(&fwd.dtanh[l]);
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
        let mut w = Vec::with_capacity(self.depth());
        let mut b = Vec::with_capacity(self.depth());
        for (g, h) in bwd.gz.iter().zip(&fwd.h) {
            let mut gw = DMatrix::zeros(n, n);
            gw.gemm(inv_sqrt_n, g, &h.transpose(), 0.0);
            w.push(gw);
            b.push(g.column_sum());
        }
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

    /// `M = J Jᵀ` (`N × N`) from a backward pass seeded with ones, without forming `J`.
    ///
    /// A weight block contributes `(g_iᵀ g_j)(u_iᵀ u_j)·scale²` (`g` the adjoint at the layer's output,
    /// `u` its input), a bias block `g_iᵀ g_j`: a few `N × n × N` products per layer instead of an
    /// `N × P × N` one. The tests check it against the explicit `J Jᵀ`.
    pub fn gram(&self, x: &DMatrix<f64>, fwd: &Forward, bwd: &Backward) -> DMatrix<f64> {
        let (n, d) = (self.width() as f64, x.nrows() as f64);
        let inner = |m: &DMatrix<f64>| m.transpose() * m;
        let h_last = fwd.h.last().expect("h_L is present");
        let mut gram = inner(h_last) / n;
        gram += inner(&bwd.gh0).component_mul(&inner(x)) / d;
        for (g, h) in bwd.gz.iter().zip(&fwd.h) {
            let mut hh = inner(h) / n;
            hh.add_scalar_mut(1.0);
            gram += inner(g).component_mul(&hh);
        }
        // The blocked product may round (i, j) and (j, i) differently; M is symmetric by definition.
        (&gram + gram.transpose()) * 0.5
    }

    /// `max_i ‖∂h_{k+1}/∂h_k (x_i)‖_op` for each hidden layer `k` (length `L`).
    pub fn layer_norms(&self, fwd: &Forward) -> Vec<f64> {
        let inv_sqrt_n = 1.0 / (self.width() as f64).sqrt();
        let (identity, c) = match self.arch {
            Arch::Plain => (false, inv_sqrt_n),
            Arch::Residual => (true, inv_sqrt_n * self.branch_scale()),
        };
        self.params
            .w
            .iter()
            .zip(&fwd.dtanh)
            .map(|(w, s)| {
                layer_operator_norms(w, s, identity, c, &self.lanczos_start)
                    .into_iter()
                    .fold(0.0, f64::max)
            })
            .collect()
    }
}
