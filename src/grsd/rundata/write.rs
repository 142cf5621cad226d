//! Writing [`RunData`] as `.npz`, in the layout numpy's `savez` produces.

use super::RunData;
use crate::atomic_write::write_atomic;
use crate::error::{Error, Result};
use nalgebra::DMatrix;
use npyz::WriterBuilder;
use npyz::npz::NpzWriter;
use npyz::zip::write::FileOptions;
use npyz::zip::{CompressionMethod, DateTime};
use std::io::{self, Cursor};
use std::path::Path;

/// Writes `run` to `path` as an uncompressed `.npz` (`<f8`, C order), atomically: the archive
/// is built in memory and then written with [`write_atomic`], so a failure never leaves a
/// partial file.
///
/// Only the shapes are checked (an inconsistent run is [`Error::InvalidInput`] located at the
/// offending array); values are written as they are, so that a diverged run can still be saved
/// and inspected. Zip timestamps are fixed, so equal runs give byte-identical files.
pub fn write_npz(path: &Path, run: &RunData) -> Result<()> {
    write_atomic(path, &npz_bytes(run, &path.display().to_string())?)
}

/// The `.npz` archive [`write_npz`] would write, as bytes (e.g. for standard output); `origin`
/// names the destination in errors. Same checks and layout as [`write_npz`].
pub fn npz_bytes(run: &RunData, origin: &str) -> Result<Vec<u8>> {
    run.check_shapes(origin)?;
    to_npz_bytes(run).map_err(|e| Error::write(origin, e))
}

/// The archive bytes for a run whose shapes have been checked.
pub(super) fn to_npz_bytes(run: &RunData) -> io::Result<Vec<u8>> {
    let t = run.times.len() as u64;
    let n = run.gram.first().map_or(0, DMatrix::nrows) as u64;
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));

    write_array(&mut npz, "times", &[t], run.times.iter().copied())?;
    write_array(&mut npz, "gram", &[t, n, n], run.gram.iter().flat_map(row_major))?;
    write_array(
        &mut npz,
        "residual",
        &[t, n],
        run.residual.iter().flat_map(|r| r.iter().copied()),
    )?;
    if let Some(norms) = &run.layer_jacobian_norms {
        write_array(
            &mut npz,
            "layer_jacobian_norms",
            &[t, norms.ncols() as u64],
            row_major(norms),
        )?;
    }
    if let Some(jacobian) = &run.jacobian {
        let p = jacobian.first().map_or(0, DMatrix::ncols) as u64;
        write_array(
            &mut npz,
            "jacobian",
            &[t, n, p],
            jacobian.iter().flat_map(row_major),
        )?;
    }

    let cursor = npz.zip_writer().finish().map_err(io::Error::other)?;
    Ok(cursor.into_inner())
}

/// Entries of `m` in row-major (C) order; nalgebra stores column-major.
fn row_major(m: &DMatrix<f64>) -> impl Iterator<Item = f64> + '_ {
    (0..m.nrows()).flat_map(move |i| (0..m.ncols()).map(move |j| m[(i, j)]))
}

fn write_array(
    npz: &mut NpzWriter<Cursor<Vec<u8>>>,
    name: &str,
    shape: &[u64],
    values: impl Iterator<Item = f64>,
) -> io::Result<()> {
    let count: u64 = shape.iter().product();
    let options = FileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        // Entries of 4 GiB or more need zip64 records; numpy writes and reads those too.
        .large_file(count.saturating_mul(8) >= u64::from(u32::MAX) - (1 << 16));
    let mut writer = npz
        .array::<f64>(name, options)?
        .default_dtype()
        .shape(shape)
        .begin_nd()?;
    writer.extend(values)?;
    writer.finish()
}
