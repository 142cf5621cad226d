//! The symmetric eigendecomposition of one Gram matrix, shared by validation (positive
//! semidefiniteness) and the shell analysis, so a streamed checkpoint is decomposed once.

use faer::{Mat, MatRef, Side};
use nalgebra::DMatrix;

/// Eigenvalues (ascending) and orthonormal eigenvectors (columns, same order) of the
/// symmetrised Gram matrix `(M + Mᵀ)/2`.
///
/// Computed with `faer`'s self-adjoint eigensolver, multithreaded through `faer`'s global
/// parallelism (rayon, every core by default). For an exactly symmetric `M` the symmetrised
/// matrix is `M` itself, bit for bit.
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// Eigenvalues, ascending.
    pub values: Vec<f64>,
    /// Eigenvectors as columns, in the order of `values`.
    pub vectors: Mat<f64>,
}

impl Spectrum {
    /// Decomposes the symmetrised `m` (square). `Err` carries the solver's complaint when it did
    /// not converge; the caller names the checkpoint.
    pub fn of(m: &DMatrix<f64>) -> std::result::Result<Spectrum, String> {
        let n = m.nrows();
        if m.ncols() != n {
            return Err(format!("matrix is {n} × {}, not square", m.ncols()));
        }
        // The same arithmetic as `(m + mᵀ) · 0.5`, entry by entry.
        let sym = Mat::from_fn(n, n, |i, j| (m[(i, j)] + m[(j, i)]) * 0.5);
        let eigen = sym
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| format!("the symmetric eigensolver did not converge ({e:?})"))?;
        let values: Vec<f64> = eigen.S().column_vector().iter().copied().collect();
        let vectors = eigen.U().to_owned();
        // faer documents ascending order; re-sort only if that ever stops being true, so the
        // shell analysis can rely on it.
        if values.is_sorted_by(|a, b| a <= b) {
            return Ok(Spectrum { values, vectors });
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
        Ok(Spectrum {
            values: order.iter().map(|&i| values[i]).collect(),
            vectors: Mat::from_fn(n, n, |r, c| vectors[(r, order[c])]),
        })
    }
}

impl Spectrum {
    /// [`Spectrum::of`], falling back to `nalgebra`'s symmetric QR iteration (which iterates
    /// until it converges) in the rare case that `faer` reports no convergence; for a
    /// non-square `m`, the spectrum of its leading square block.
    pub fn of_or_fallback(m: &DMatrix<f64>) -> Spectrum {
        if let Ok(s) = Spectrum::of(m) {
            return s;
        }
        let n = m.nrows().min(m.ncols());
        let square = m.view((0, 0), (n, n));
        let sym = (square + square.transpose()) * 0.5;
        let eigen = nalgebra::SymmetricEigen::new(sym);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| eigen.eigenvalues[i].total_cmp(&eigen.eigenvalues[j]));
        Spectrum {
            values: order.iter().map(|&i| eigen.eigenvalues[i]).collect(),
            vectors: Mat::from_fn(n, n, |r, c| eigen.eigenvectors[(r, order[c])]),
        }
    }
}

/// A `faer` view of an `nalgebra` matrix (both column-major; no copy).
pub(crate) fn view(m: &DMatrix<f64>) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(m.as_slice(), m.nrows(), m.ncols())
}
