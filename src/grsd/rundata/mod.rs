//! Training-run data: the documented `.npz` layout that `renorm conditions` reads and
//! `renorm train` writes.
//!
//! | array | shape | meaning |
//! |---|---|---|
//! | `times` | `(T,)` | checkpoint times `t_i` (gradient-flow time = step × learning rate), strictly increasing |
//! | `gram` | `(T, N, N)` | `M(t_i) = J Jᵀ`, symmetric positive semidefinite |
//! | `residual` | `(T, N)` | `e(t_i) = f(t_i) − y` |
//! | `layer_jacobian_norms` | `(T, L)` | optional: `‖D_k‖_op` of each layer's input-output Jacobian |
//! | `jacobian` | `(T, N, P)` | optional: per-sample parameter Jacobians |
//!
//! All arrays are `float64` (`<f8`), C order. Measured training data is `f64` by nature; it never
//! enters a symbolic verification path.
//!
//! # Reading
//!
//! [`read_npz`] and [`read_npz_bytes`] accept what `numpy.savez` and `numpy.savez_compressed`
//! write. Being liberal where nothing is lost, they also accept `float32` arrays (widened to
//! `f64` exactly), big-endian arrays, and Fortran-order arrays (reordered to C order). Anything
//! else (integer or complex dtypes, structured or object arrays) is rejected with a message
//! naming the array. Arrays other than the five above are ignored.
//!
//! Every file is then checked by [`RunData::validate`]:
//!
//! - `times`, `gram` and `residual` are present; shapes agree: `times (T,)`, `gram (T, N, N)`,
//!   `residual (T, N)`, `layer_jacobian_norms (T, L)`, `jacobian (T, N, P)` with
//!   `T, N, L, P ≥ 1` (omit an optional array rather than storing it empty);
//! - every entry is finite;
//! - `times` is strictly increasing;
//! - each `gram[t]` is symmetric: `|M_ij − M_ji| ≤` [`SYMMETRY_RTOL`]` · max|M|`;
//! - each `gram[t]` is positive semidefinite: `λ_min ≥ −`[`PSD_RTOL`]` · max|λ|`, with the
//!   eigenvalues of `(M + Mᵀ)/2` from [`Spectrum::of`] (`faer`'s symmetric eigensolver);
//! - `layer_jacobian_norms` is non-negative.
//!
//! Each failure is an [`Error::InvalidInput`](crate::error::Error::InvalidInput) whose
//! `location` names the file and the array, with the index where one applies, e.g.
//! `run.npz: gram[3, 1, 2]`. No input makes the reader panic or allocate without bound:
//! headers are size- and depth-limited and declared shapes are checked against
//! [`MAX_ELEMENTS`] before anything is allocated.
//!
//! # Streaming
//!
//! [`stream_npz`] and [`stream_npz_bytes`] read the same files under the same rules, but hand
//! the checkpoints over one at a time (each validated and decomposed once, [`Spectrum`]), so a
//! run with thousands of samples is analysed in `O(N²)` memory rather than `O(T · N²)`; see
//! [`stream_npz`] for what is read whole and in which order the rules are checked.
//!
//! # Writing
//!
//! [`write_npz`] writes the layout above (uncompressed, `<f8`, C order) atomically. It checks
//! only that the shapes agree, not the values, so a diverged run (NaN residuals) can still be
//! saved for inspection; [`read_npz`] will then reject it with the precise index.

use nalgebra::{DMatrix, DVector};

mod read;
mod spectrum;
mod stream;
mod validate;
mod write;

#[cfg(test)]
mod tests;

pub use read::{read_npz, read_npz_bytes};
pub use spectrum::Spectrum;
pub(crate) use spectrum::view;
pub use stream::{Checkpoint, RunHeader, stream_npz, stream_npz_bytes, stream_run};
pub use write::{npz_bytes, write_npz};

/// Relative tolerance of the symmetry check: `|M_ij − M_ji| ≤ SYMMETRY_RTOL · max|M|`.
///
/// Loose enough for a Gram matrix accumulated in a different order above and below the
/// diagonal, tight enough that a transposition bug or a non-Gram matrix fails.
pub const SYMMETRY_RTOL: f64 = 1e-9;

/// Relative tolerance of the positive-semidefiniteness check:
/// `λ_min ≥ −PSD_RTOL · max|λ|`.
///
/// A rank-deficient `J Jᵀ` has exact zero eigenvalues that rounding turns into tiny negative
/// ones of order `N · ε · max|λ|`; anything far beyond that is not a Gram matrix.
pub const PSD_RTOL: f64 = 1e-8;

/// Largest number of elements accepted in one array (2³¹, i.e. 16 GiB of `f64`).
///
/// Checked against the shape declared in the header before any allocation, so a corrupt or
/// hostile header cannot make the reader allocate without bound.
pub const MAX_ELEMENTS: u64 = 1 << 31;

/// One training run, as read from or written to `.npz`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    /// Checkpoint times, strictly increasing.
    pub times: Vec<f64>,
    /// Gram matrices `M(t_i)`, each `N × N`.
    pub gram: Vec<DMatrix<f64>>,
    /// Residuals `e(t_i)`, each of length `N`.
    pub residual: Vec<DVector<f64>>,
    /// Optional per-layer Jacobian operator norms, `T × L`.
    pub layer_jacobian_norms: Option<DMatrix<f64>>,
    /// Optional per-sample parameter Jacobians, each `N × P`.
    pub jacobian: Option<Vec<DMatrix<f64>>>,
}
