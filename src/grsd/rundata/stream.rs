//! Streaming a run from `.npz` one checkpoint at a time: memory `O(N²)` for the Gram matrices
//! instead of `O(T · N²)`.
//!
//! The small arrays (`times`, `residual`, `layer_jacobian_norms`) are read whole; `jacobian` is
//! only checked (finite), element by element; `gram` is read sequentially through its archive
//! entry (stored or deflated alike), one `N × N` checkpoint at a time, each validated
//! (finite, symmetric, positive semidefinite) and decomposed once ([`Spectrum`]) before it is
//! handed to the caller. A Fortran-order `gram` (never written by `numpy.savez` for a C array)
//! cannot be cut into checkpoints without reading it whole, and is read whole.
//!
//! The same rules as [`read_npz`](super::read_npz) apply; only the order in which they are
//! checked differs (every other array before `gram`, then `gram` checkpoint by checkpoint), so
//! a file with several defects may be reported at a different one first.

use super::read::{
    Array, archive_error, fortran_to_c, layout, open_archive, peek_shape, read_array, with_array,
};
use super::validate::{check_gram_finite, check_psd, check_symmetric, invalid, spectrum};
use super::{RunData, Spectrum};
use crate::error::Result;
use nalgebra::{DMatrix, DVector};
use npyz::Order;
use std::io::{self, BufReader, Cursor, Read, Seek};
use std::path::Path;

/// Everything of a run but the Gram matrices: what a streamed analysis needs up front.
#[derive(Debug, Clone, PartialEq)]
pub struct RunHeader {
    /// Checkpoint times, strictly increasing (`T` of them).
    pub times: Vec<f64>,
    /// Samples `N`.
    pub samples: usize,
    /// Residuals `e(t_i)`, each of length `N`.
    pub residual: Vec<DVector<f64>>,
    /// Optional per-layer Jacobian operator norms, `T × L`.
    pub layer_jacobian_norms: Option<DMatrix<f64>>,
    /// Columns `P` of the optional `jacobian` array (checked, not kept).
    pub jacobian_columns: Option<usize>,
}

/// One validated checkpoint, as streamed.
#[derive(Debug)]
pub struct Checkpoint<'a> {
    /// Its index `i` in `0..T`.
    pub index: usize,
    /// Time `t_i`.
    pub t: f64,
    /// `M(t_i)`, as stored.
    pub gram: DMatrix<f64>,
    /// `e(t_i)`.
    pub residual: &'a DVector<f64>,
    /// The eigendecomposition of the symmetrised `M(t_i)` (already used to check it is
    /// positive semidefinite).
    pub spectrum: Spectrum,
}

/// Streams the run at `path`: validates every array but `gram`, then hands each checkpoint in
/// order to `visit` together with the [`RunHeader`]; returns the header.
///
/// Errors as [`read_npz`](super::read_npz) (a file it rejects is rejected here too), and
/// whatever `visit` returns, which stops the stream.
pub fn stream_npz(
    path: &Path,
    visit: impl FnMut(&RunHeader, Checkpoint<'_>) -> Result<()>,
) -> Result<RunHeader> {
    let file = crate::files::open_input(path)?;
    let origin = path.display().to_string();
    stream_archive(BufReader::new(file), &origin, Some(path), visit)
}

/// [`stream_npz`] on the bytes of an `.npz` archive; `origin` names it in error locations.
pub fn stream_npz_bytes(
    bytes: &[u8],
    origin: &str,
    visit: impl FnMut(&RunHeader, Checkpoint<'_>) -> Result<()>,
) -> Result<RunHeader> {
    stream_archive(Cursor::new(bytes), origin, None, visit)
}

fn stream_archive<R: Read + Seek>(
    reader: R,
    origin: &str,
    io_path: Option<&Path>,
    mut visit: impl FnMut(&RunHeader, Checkpoint<'_>) -> Result<()>,
) -> Result<RunHeader> {
    let mut archive = open_archive(reader, origin, io_path)?;
    let mut shape = |name: &str| peek_shape(&mut archive, name, origin, io_path);
    let missing = |name: &str| invalid(origin, name, "required array is missing");
    let times_shape = shape("times")?.ok_or_else(|| missing("times"))?;
    let gram_shape = shape("gram")?.ok_or_else(|| missing("gram"))?;
    let residual_shape = shape("residual")?.ok_or_else(|| missing("residual"))?;
    let norms_shape = shape("layer_jacobian_norms")?;
    let jacobian_shape = shape("jacobian")?;
    let (t, n, l, p) = layout(
        origin,
        &times_shape,
        &gram_shape,
        &residual_shape,
        norms_shape.as_deref(),
        jacobian_shape.as_deref(),
    )?;
    // The analysis holds a window of Gram matrices, their eigenvectors and the products of the
    // couplings: measured peak 474 MB at N = 2048 (BENCHMARKS.md), about fourteen N × N float64
    // matrices; sixteen are budgeted before the first is read.
    let n2 = (n as u128) * (n as u128);
    crate::budget::fits(Some(16 * 8 * n2), &format!("streaming a run of N = {n} samples"))
        .map_err(|why| invalid(origin, "gram", why))?;

    // The declared shapes were checked above; an entry whose header changed between the two
    // reads (it cannot, the archive is not rewritten) is still caught here.
    let mut whole = |name: &str, declared: &[usize]| -> Result<Option<Array>> {
        let array = read_array(&mut archive, name, origin, io_path)?;
        match array {
            Some(a) if a.shape != declared => Err(invalid(origin, name, "array changed while reading")),
            other => Ok(other),
        }
    };
    let times = whole("times", &times_shape)?.ok_or_else(|| missing("times"))?;
    let residual = whole("residual", &residual_shape)?.ok_or_else(|| missing("residual"))?;
    let norms = match (&norms_shape, l) {
        (Some(s), Some(l)) => {
            whole("layer_jacobian_norms", s)?.map(|a| DMatrix::from_row_slice(t, l, &a.data))
        }
        _ => None,
    };
    let small = RunData {
        times: times.data,
        gram: Vec::new(),
        residual: residual
            .data
            .chunks_exact(n)
            .map(DVector::from_row_slice)
            .collect(),
        layer_jacobian_norms: norms,
        jacobian: None,
    };
    small.validate_except_gram(origin)?;

    if let (Some(declared), Some(p)) = (&jacobian_shape, p) {
        with_array(
            &mut archive,
            "jacobian",
            origin,
            io_path,
            |shape, order, values| {
                if shape != declared.as_slice() {
                    return Err(invalid(origin, "jacobian", "array changed while reading"));
                }
                for (flat, value) in values.enumerate() {
                    let value = value?;
                    if !value.is_finite() {
                        // The C-order index of the element at `flat` in file order.
                        let (a, b, c) = match order {
                            Order::C => (flat / (n * p), flat / p % n, flat % p),
                            Order::Fortran => (flat % t, flat / t % n, flat / (t * n)),
                        };
                        let kind = if value.is_nan() {
                            "NaN"
                        } else if value > 0.0 {
                            "+inf"
                        } else {
                            "-inf"
                        };
                        return Err(invalid(
                            origin,
                            &format!("jacobian[{a}, {b}, {c}]"),
                            format!("value is {kind}; every entry must be finite"),
                        ));
                    }
                }
                Ok(())
            },
        )?;
    }

    let header = RunHeader {
        times: small.times,
        samples: n,
        residual: small.residual,
        layer_jacobian_norms: small.layer_jacobian_norms,
        jacobian_columns: p,
    };
    let mut deliver = |index: usize, gram: DMatrix<f64>| -> Result<()> {
        check_gram_finite(origin, index, &gram)?;
        check_symmetric(origin, index, &gram)?;
        let spectrum = spectrum(origin, index, &gram)?;
        check_psd(origin, index, n, &spectrum.values)?;
        let checkpoint = Checkpoint {
            index,
            t: header.times[index],
            gram,
            residual: &header.residual[index],
            spectrum,
        };
        visit(&header, checkpoint)
    };
    with_array(&mut archive, "gram", origin, io_path, |shape, order, values| {
        if shape != gram_shape.as_slice() {
            return Err(invalid(origin, "gram", "array changed while reading"));
        }
        let truncated = || {
            archive_error(
                origin,
                "gram",
                "array data truncated or corrupt",
                io::Error::from(io::ErrorKind::UnexpectedEof),
                None,
            )
        };
        match order {
            Order::C => {
                let mut buffer = Vec::with_capacity(n * n);
                for index in 0..t {
                    buffer.clear();
                    for _ in 0..n * n {
                        buffer.push(values.next().ok_or_else(truncated)??);
                    }
                    deliver(index, DMatrix::from_row_slice(n, n, &buffer))?;
                }
            }
            Order::Fortran => {
                let mut data = Vec::new();
                for value in values {
                    data.push(value?);
                }
                let data = fortran_to_c(shape, &data);
                for (index, chunk) in data.chunks_exact(n * n).enumerate() {
                    deliver(index, DMatrix::from_row_slice(n, n, chunk))?;
                }
            }
        }
        Ok(())
    })?;
    Ok(header)
}

/// Hands the checkpoints of an in-memory run to `visit` as [`stream_npz`] would, each
/// decomposed; the run is assumed valid (as [`read_npz`](super::read_npz) returns it).
///
/// Errors: a Gram matrix whose eigendecomposition fails; whatever `visit` returns.
pub fn stream_run(
    run: &RunData,
    origin: &str,
    mut visit: impl FnMut(&RunHeader, Checkpoint<'_>) -> Result<()>,
) -> Result<RunHeader> {
    let header = RunHeader {
        times: run.times.clone(),
        samples: run.gram.first().map_or(0, DMatrix::nrows),
        residual: run.residual.clone(),
        layer_jacobian_norms: run.layer_jacobian_norms.clone(),
        jacobian_columns: run.jacobian.as_ref().and_then(|j| j.first()).map(DMatrix::ncols),
    };
    for (index, ((gram, residual), &t)) in run.gram.iter().zip(&run.residual).zip(&run.times).enumerate() {
        let spectrum = spectrum(origin, index, gram)?;
        visit(
            &header,
            Checkpoint {
                index,
                t,
                gram: gram.clone(),
                residual,
                spectrum,
            },
        )?;
    }
    Ok(header)
}
