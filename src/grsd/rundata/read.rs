//! Reading `.npz` archives into [`RunData`], defensively: every malformed input becomes an
//! [`Error::InvalidInput`] naming the array, never a panic or an unbounded allocation.

use super::validate::{fmt_shape, invalid};
use super::{MAX_ELEMENTS, RunData};
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use npyz::npz::NpzArchive;
use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar};
use std::io::{self, BufReader, Cursor, Read, Seek};
use std::path::Path;

/// The arrays every run must hold.
const REQUIRED: [&str; 3] = ["times", "gram", "residual"];

/// Largest `.npy` header text accepted. numpy itself refuses headers over 10 000 bytes by
/// default; the limit keeps a corrupt length field from allocating gigabytes.
const MAX_HEADER_LEN: usize = 1 << 16;

/// Deepest bracket nesting accepted in a header: the dict and the shape tuple. Deeper nesting
/// only occurs in structured dtypes, which are unsupported anyway, and bounding it keeps the
/// recursive Python-literal parser in `npyz` far from any stack limit.
const MAX_HEADER_DEPTH: usize = 2;

/// Most axes accepted in a header (numpy's own limit is 64; the layout needs at most 3).
const MAX_NDIM: usize = 32;

/// Entries above this many bytes are checked for their expansion ratio.
const EXPANSION_CHECK_BYTES: u64 = 64 << 20;

/// Most a large entry may expand over its compressed size.
const MAX_EXPANSION: u64 = 100;

/// Reads and validates the run stored at `path`.
///
/// Errors: [`Error::Io`] if the file cannot be opened or read; [`Error::InvalidInput`] with a
/// `location` such as `run.npz: gram[3, 1, 2]` if it is not a valid run (see the
/// [module documentation](super) for the rules).
pub fn read_npz(path: &Path) -> Result<RunData> {
    let file = crate::files::open_input(path)?;
    let origin = path.display().to_string();
    read_archive(BufReader::new(file), &origin, Some(path))
}

/// Reads and validates a run from the bytes of an `.npz` archive. `origin` names the source in
/// error locations (e.g. the file name it came from).
pub fn read_npz_bytes(bytes: &[u8], origin: &str) -> Result<RunData> {
    read_archive(Cursor::new(bytes), origin, None)
}

/// One array as read: shape and elements in C order.
pub(super) struct Array {
    pub(super) shape: Vec<usize>,
    pub(super) data: Vec<f64>,
}

/// Reports an I/O error met while reading the archive. Corrupt or truncated data surfaces as an
/// `io::Error` too; only errors that cannot come from the bytes themselves (permissions, a
/// failing disk) are reported as [`Error::Io`] on `io_path`.
pub(super) fn archive_error(
    origin: &str,
    what: &str,
    context: &str,
    e: io::Error,
    io_path: Option<&Path>,
) -> Error {
    use io::ErrorKind::{InvalidData, InvalidInput, Other, UnexpectedEof};
    match io_path {
        Some(path) if !matches!(e.kind(), InvalidData | InvalidInput | UnexpectedEof | Other) => {
            Error::io(path, e)
        }
        _ => invalid(origin, what, format!("{context}: {e}")),
    }
}

fn read_archive<R: Read + Seek>(reader: R, origin: &str, io_path: Option<&Path>) -> Result<RunData> {
    let mut archive = open_archive(reader, origin, io_path)?;
    let mut read = |name: &str| read_array(&mut archive, name, origin, io_path);
    // Presence was checked on opening; the fallback only keeps this free of `unwrap`.
    let mut required =
        |name: &str| read(name)?.ok_or_else(|| invalid(origin, name, "required array is missing"));
    let times = required("times")?;
    let gram = required("gram")?;
    let residual = required("residual")?;
    let norms = read("layer_jacobian_norms")?;
    let jacobian = read("jacobian")?;

    let run = assemble(origin, times, gram, residual, norms, jacobian)?;
    run.validate(origin)?;
    Ok(run)
}

/// Opens the archive and checks the required arrays are present.
pub(super) fn open_archive<R: Read + Seek>(
    reader: R,
    origin: &str,
    io_path: Option<&Path>,
) -> Result<NpzArchive<R>> {
    let archive = NpzArchive::new(reader).map_err(|e| {
        archive_error(
            origin,
            "",
            "not a readable .npz (zip) archive; expected the output of numpy.savez",
            e,
            io_path,
        )
    })?;

    let mut present: Vec<String> = archive.array_names().map(str::to_owned).collect();
    present.sort(); // the zip directory is a hash map: sort for a stable message
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|name| !present.iter().any(|p| p == name))
        .collect();
    if let Some(first) = missing.first() {
        let held = if present.is_empty() {
            "no arrays".to_owned()
        } else {
            present
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let what = if missing.len() == 1 {
            format!("array {list} is")
        } else {
            format!("arrays {list} are")
        };
        return Err(invalid(
            origin,
            first,
            format!("required {what} missing; the archive holds {held}"),
        ));
    }

    Ok(archive)
}

/// Checks the shapes against the layout and cuts the flat arrays into per-checkpoint matrices.
fn assemble(
    origin: &str,
    times: Array,
    gram: Array,
    residual: Array,
    norms: Option<Array>,
    jacobian: Option<Array>,
) -> Result<RunData> {
    let (t, n, l, p) = layout(
        origin,
        &times.shape,
        &gram.shape,
        &residual.shape,
        norms.as_ref().map(|a| a.shape.as_slice()),
        jacobian.as_ref().map(|a| a.shape.as_slice()),
    )?;
    // The shapes are now known to match the element counts, so every chunk below is full.
    Ok(RunData {
        times: times.data,
        gram: gram
            .data
            .chunks_exact(n * n)
            .map(|c| DMatrix::from_row_slice(n, n, c))
            .collect(),
        residual: residual
            .data
            .chunks_exact(n)
            .map(DVector::from_row_slice)
            .collect(),
        layer_jacobian_norms: norms.zip(l).map(|(a, l)| DMatrix::from_row_slice(t, l, &a.data)),
        jacobian: jacobian.zip(p).map(|(a, p)| {
            a.data
                .chunks_exact(n * p)
                .map(|c| DMatrix::from_row_slice(n, p, c))
                .collect()
        }),
    })
}

/// Checks the declared shapes against the layout: `(T, N, L, P)`, the last two for the
/// optional arrays present.
pub(super) fn layout(
    origin: &str,
    times: &[usize],
    gram: &[usize],
    residual: &[usize],
    norms: Option<&[usize]>,
    jacobian: Option<&[usize]>,
) -> Result<(usize, usize, Option<usize>, Option<usize>)> {
    let [t] = times[..] else {
        return Err(invalid(
            origin,
            "times",
            format!("expected shape (T,), found {}", fmt_shape(times)),
        ));
    };
    if t == 0 {
        return Err(invalid(
            origin,
            "times",
            "no checkpoints: expected shape (T,) with T ≥ 1, found (0,)",
        ));
    }

    let n = match gram[..] {
        [gt, n, m] if gt == t && n == m && n >= 1 => n,
        _ => {
            let n = gram.get(1).copied().filter(|&n| n >= 1);
            let expected = match n {
                Some(n) => format!("({t}, {n}, {n})"),
                None => format!("({t}, N, N) with N ≥ 1"),
            };
            return Err(invalid(
                origin,
                "gram",
                format!(
                    "expected shape (T, N, N) = {expected} (T = {t} from `times`), found {}",
                    fmt_shape(gram)
                ),
            ));
        }
    };

    let expect = |shape: &[usize], name: &str, axis2: &str| -> Result<usize> {
        match shape[..] {
            [at, an] if axis2.is_empty() && at == t && an == n => Ok(0),
            [at, l] if axis2 == "L" && at == t && l >= 1 => Ok(l),
            [at, an, p] if axis2 == "P" && at == t && an == n && p >= 1 => Ok(p),
            _ => {
                let expected = match axis2 {
                    "" => format!("(T, N) = ({t}, {n})"),
                    "L" => format!("(T, L) = ({t}, L) with L ≥ 1"),
                    _ => format!("(T, N, P) = ({t}, {n}, P) with P ≥ 1"),
                };
                Err(invalid(
                    origin,
                    name,
                    format!(
                        "expected shape {expected} (T = {t} from `times`, N = {n} from `gram`), found {}",
                        fmt_shape(shape)
                    ),
                ))
            }
        }
    };
    expect(residual, "residual", "")?;
    let l = norms
        .map(|a| expect(a, "layer_jacobian_norms", "L"))
        .transpose()?;
    let p = jacobian.map(|a| expect(a, "jacobian", "P")).transpose()?;

    Ok((t, n, l, p))
}

/// Reads array `name` (if present) as `f64` in C order.
pub(super) fn read_array<R: Read + Seek>(
    archive: &mut NpzArchive<R>,
    name: &str,
    origin: &str,
    io_path: Option<&Path>,
) -> Result<Option<Array>> {
    with_array(archive, name, origin, io_path, |shape, order, values| {
        // Never trust the count for the allocation: the Vec grows only as data actually arrives.
        let count: usize = shape.iter().product();
        let mut data = Vec::with_capacity(count.min(1 << 16));
        for value in values {
            data.push(value?);
        }
        if order == Order::Fortran {
            data = fortran_to_c(shape, &data);
        }
        Ok(Array {
            shape: shape.to_vec(),
            data,
        })
    })
}

/// The elements of one array in file order, each converted exactly to `f64` or an error naming
/// the array.
pub(super) type Elements<'a> = dyn Iterator<Item = Result<f64>> + 'a;

/// Opens array `name` (if present), vets its header and hands `visit` its shape, storage order
/// and elements in file order. `visit` must consume every element (or fail); afterwards the
/// entry is checked to end there, which also makes the zip reader verify its CRC.
pub(super) fn with_array<R: Read + Seek, T>(
    archive: &mut NpzArchive<R>,
    name: &str,
    origin: &str,
    io_path: Option<&Path>,
    visit: impl FnOnce(&[usize], Order, &mut Elements<'_>) -> Result<T>,
) -> Result<Option<T>> {
    let fail = |context: &str, e: io::Error| archive_error(origin, name, context, e, io_path);
    let entry_name = npyz::npz::file_name_from_array_name(name);
    let mut entry = match archive.zip_archive().by_name(&entry_name) {
        Ok(entry) => entry,
        Err(npyz::zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(npyz::zip::result::ZipError::Io(e)) => return Err(fail("cannot open archive entry", e)),
        Err(e) => return Err(invalid(origin, name, format!("cannot open archive entry: {e}"))),
    };
    let declared_size = entry.size();
    let compressed_size = entry.compressed_size();

    // The header is read and vetted here before `npyz` sees it: `npyz` allocates the declared
    // header length up front and multiplies the declared dimensions without overflow checks.
    let prefix = read_header_prefix(&mut entry, origin, name, io_path)?;
    let text = std::str::from_utf8(&prefix.bytes[prefix.text_start..])
        .map_err(|_| invalid(origin, name, "corrupt .npy header: not UTF-8 text"))?;
    let shape =
        vet_header_text(text).map_err(|m| invalid(origin, name, format!("unsupported .npy header: {m}")))?;
    let count = element_count(&shape).map_err(|m| invalid(origin, name, m))?;

    let header = NpyHeader::from_reader(&prefix.bytes[..])
        .map_err(|e| invalid(origin, name, format!("corrupt .npy header: {e}")))?;
    if header.shape() != shape.as_slice() {
        return Err(invalid(
            origin,
            name,
            format!("corrupt .npy header: ambiguous shape in {:?}", text.trim_end()),
        ));
    }
    let kind = ElementKind::of(&header.dtype()).ok_or_else(|| {
        invalid(
            origin,
            name,
            format!(
                "dtype {} is not supported: expected float64 ('<f8'); float32 and integer arrays \
                 (int8–int64, uint8–uint64, converted exactly) are also accepted",
                header.dtype().descr()
            ),
        )
    })?;
    let width = kind.width();
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect(); // d ≤ MAX_ELEMENTS

    // A cheap early check against the size the zip directory declares; the actual read below
    // catches entries whose declared size lies.
    let expected_size = prefix.bytes.len() as u64 + count * width;
    if declared_size != expected_size {
        return Err(invalid(
            origin,
            name,
            format!(
                "entry holds {declared_size} bytes but its header declares shape {} of {} \
                 ({expected_size} bytes); the file is truncated or corrupt",
                fmt_shape(&shape),
                kind.name(),
            ),
        ));
    }

    // A deflated entry can declare gigabytes in a few kilobytes; real float data barely
    // compresses, so a large entry that expands more than MAX_EXPANSION-fold is refused before
    // anything is inflated.
    if declared_size > EXPANSION_CHECK_BYTES && declared_size / compressed_size.max(1) > MAX_EXPANSION {
        return Err(invalid(
            origin,
            name,
            format!(
                "entry expands from {compressed_size} to {declared_size} bytes (more than {MAX_EXPANSION}-fold): \
                 refused as a compression bomb; real training data compresses a few-fold at most \
                 (if this run is genuine, save it uncompressed with numpy.savez)"
            ),
        ));
    }

    let order = header.order();
    let mut body = BufReader::with_capacity(1 << 16, entry);
    let result = {
        let file = NpyFile::with_header(header, &mut body);
        let dtype_error = |e: npyz::DTypeError| invalid(origin, name, format!("cannot read dtype: {e}"));
        let truncated =
            move |e: io::Error| archive_error(origin, name, "array data truncated or corrupt", e, io_path);
        // Integers are converted only when the conversion is exact: a time stamp or a count
        // that `f64` cannot hold would otherwise change silently.
        let inexact = move |index: usize, text: String| {
            invalid(
                origin,
                name,
                format!(
                    "integer {text} at flat index {index} cannot be represented exactly as float64 \
                     (|v| > 2^53); convert the array to float64 yourself if rounding is acceptable"
                ),
            )
        };
        macro_rules! widen {
            ($t:ty) => {
                Box::new(
                    file.data::<$t>()
                        .map_err(dtype_error)?
                        .map(move |v| v.map(f64::from).map_err(truncated)),
                )
            };
        }
        let mut values: Box<Elements<'_>> = match kind {
            ElementKind::Float(8) => widen!(f64),
            ElementKind::Float(_) => widen!(f32),
            ElementKind::Signed(1) => widen!(i8),
            ElementKind::Signed(2) => widen!(i16),
            ElementKind::Signed(4) => widen!(i32),
            ElementKind::Signed(_) => Box::new(file.data::<i64>().map_err(dtype_error)?.enumerate().map(
                move |(i, v)| {
                    let v = v.map_err(truncated)?;
                    exact_i64(v).ok_or_else(|| inexact(i, v.to_string()))
                },
            )),
            ElementKind::Unsigned(1) => widen!(u8),
            ElementKind::Unsigned(2) => widen!(u16),
            ElementKind::Unsigned(4) => widen!(u32),
            ElementKind::Unsigned(_) => Box::new(file.data::<u64>().map_err(dtype_error)?.enumerate().map(
                move |(i, v)| {
                    let v = v.map_err(truncated)?;
                    exact_u64(v).ok_or_else(|| inexact(i, v.to_string()))
                },
            )),
        };
        visit(&shape, order, &mut *values)?
    };

    // Reading to the end of the entry also makes the zip reader verify its CRC.
    let mut rest = [0u8; 1];
    match body.read(&mut rest) {
        Ok(0) => {}
        Ok(_) => return Err(invalid(origin, name, "unexpected bytes after the array data")),
        Err(e) => return Err(fail("array data corrupt", e)),
    }
    Ok(Some(result))
}

/// The shape array `name` declares (if present), from its header alone; the header is vetted
/// in full when the array is read.
pub(super) fn peek_shape<R: Read + Seek>(
    archive: &mut NpzArchive<R>,
    name: &str,
    origin: &str,
    io_path: Option<&Path>,
) -> Result<Option<Vec<usize>>> {
    let fail = |context: &str, e: io::Error| archive_error(origin, name, context, e, io_path);
    let entry_name = npyz::npz::file_name_from_array_name(name);
    let mut entry = match archive.zip_archive().by_name(&entry_name) {
        Ok(entry) => entry,
        Err(npyz::zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(npyz::zip::result::ZipError::Io(e)) => return Err(fail("cannot open archive entry", e)),
        Err(e) => return Err(invalid(origin, name, format!("cannot open archive entry: {e}"))),
    };
    let prefix = read_header_prefix(&mut entry, origin, name, io_path)?;
    let text = std::str::from_utf8(&prefix.bytes[prefix.text_start..])
        .map_err(|_| invalid(origin, name, "corrupt .npy header: not UTF-8 text"))?;
    let shape =
        vet_header_text(text).map_err(|m| invalid(origin, name, format!("unsupported .npy header: {m}")))?;
    element_count(&shape).map_err(|m| invalid(origin, name, m))?;
    Ok(Some(shape.iter().map(|&d| d as usize).collect())) // d ≤ MAX_ELEMENTS
}

struct HeaderPrefix {
    /// Magic, version, length field and header text: everything before the data.
    bytes: Vec<u8>,
    /// Where the header text starts in `bytes`.
    text_start: usize,
}

fn read_header_prefix(
    entry: &mut impl Read,
    origin: &str,
    name: &str,
    io_path: Option<&Path>,
) -> Result<HeaderPrefix> {
    let fail = |e: io::Error| archive_error(origin, name, "cannot read .npy header", e, io_path);
    let mut bytes = vec![0u8; 8];
    entry.read_exact(&mut bytes).map_err(fail)?;
    if bytes[..6] != *b"\x93NUMPY" {
        return Err(invalid(origin, name, "not a .npy array: magic bytes missing"));
    }
    let len_bytes = match bytes[6] {
        1 => 2,
        2 | 3 => 4,
        v => {
            return Err(invalid(
                origin,
                name,
                format!(".npy format version {v}.{} is not supported", bytes[7]),
            ));
        }
    };
    let mut len_field = [0u8; 4];
    entry.read_exact(&mut len_field[..len_bytes]).map_err(fail)?;
    bytes.extend_from_slice(&len_field[..len_bytes]);
    let text_len = u32::from_le_bytes(len_field) as usize;
    if text_len > MAX_HEADER_LEN {
        return Err(invalid(
            origin,
            name,
            format!(".npy header of {text_len} bytes exceeds the limit of {MAX_HEADER_LEN}"),
        ));
    }
    let text_start = bytes.len();
    bytes.resize(text_start + text_len, 0);
    entry.read_exact(&mut bytes[text_start..]).map_err(fail)?;
    Ok(HeaderPrefix { bytes, text_start })
}

/// Checks the header text is shallow enough to hand to `npyz` and extracts the declared shape,
/// so that it can be bounded before `npyz` multiplies it out.
fn vet_header_text(text: &str) -> std::result::Result<Vec<u64>, String> {
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_HEADER_DEPTH {
                    return Err("nested too deeply (structured dtypes are not supported)".into());
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }

    let keys: Vec<usize> = ["'shape'", "\"shape\""]
        .iter()
        .flat_map(|k| text.match_indices(k).map(|(i, k)| i + k.len()))
        .collect();
    let [after_key] = keys[..] else {
        return Err("expected exactly one 'shape' entry".into());
    };
    let rest = text[after_key..].trim_start();
    let rest = rest
        .strip_prefix(':')
        .ok_or("malformed 'shape' entry")?
        .trim_start();
    let close = match rest.chars().next() {
        Some('(') => ')',
        Some('[') => ']',
        _ => return Err("'shape' is not a tuple".into()),
    };
    let end = rest.find(close).ok_or("unterminated 'shape' tuple")?;
    let items: Vec<&str> = rest[1..end].split(',').map(str::trim).collect();
    let mut shape = Vec::new();
    for (k, item) in items.iter().enumerate() {
        // A trailing comma, as in `(4,)`, leaves one empty item at the end.
        if item.is_empty() && k + 1 == items.len() && k > 0 {
            break;
        }
        if item.is_empty() && items.len() == 1 {
            break;
        }
        // Python 2 numpy wrote long integers as `4L`.
        let digits = item.strip_suffix('L').unwrap_or(item);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("'shape' entry {item:?} is not a non-negative integer"));
        }
        let dim = digits
            .parse::<u64>()
            .map_err(|_| format!("dimension {digits} exceeds the limit of {MAX_ELEMENTS} elements"))?;
        shape.push(dim);
        if shape.len() > MAX_NDIM {
            return Err(format!("more than {MAX_NDIM} dimensions"));
        }
    }
    Ok(shape)
}

/// The number of elements of `shape`, refusing shapes over [`MAX_ELEMENTS`]. Zero dimensions
/// are skipped in the product so that every partial product (as `npyz` computes them, in any
/// order) stays within the limit too.
fn element_count(shape: &[u64]) -> std::result::Result<u64, String> {
    let too_big = || {
        format!(
            "declared shape {} exceeds the limit of {MAX_ELEMENTS} elements",
            fmt_shape(shape)
        )
    };
    let mut product: u64 = 1;
    for &d in shape.iter().filter(|&&d| d != 0) {
        product = product
            .checked_mul(d)
            .filter(|&p| p <= MAX_ELEMENTS)
            .ok_or_else(too_big)?;
    }
    Ok(if shape.contains(&0) { 0 } else { product })
}

/// The element types the reader converts to `f64`: IEEE floats of 4 or 8 bytes and integers of
/// 1–8 bytes (widths in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ElementKind {
    Float(u64),
    Signed(u64),
    Unsigned(u64),
}

impl ElementKind {
    fn of(dtype: &DType) -> Option<ElementKind> {
        let DType::Plain(ts) = dtype else {
            return None;
        };
        let size = ts.size_field();
        match ts.type_char() {
            TypeChar::Float if matches!(size, 4 | 8) => Some(ElementKind::Float(size)),
            TypeChar::Int if matches!(size, 1 | 2 | 4 | 8) => Some(ElementKind::Signed(size)),
            TypeChar::Uint if matches!(size, 1 | 2 | 4 | 8) => Some(ElementKind::Unsigned(size)),
            _ => None,
        }
    }

    fn width(self) -> u64 {
        match self {
            ElementKind::Float(w) | ElementKind::Signed(w) | ElementKind::Unsigned(w) => w,
        }
    }

    fn name(self) -> String {
        match self {
            ElementKind::Float(w) => format!("float{}", 8 * w),
            ElementKind::Signed(w) => format!("int{}", 8 * w),
            ElementKind::Unsigned(w) => format!("uint{}", 8 * w),
        }
    }
}

/// Largest magnitude below which every integer is exactly a `f64`.
const EXACT_INTEGER_LIMIT: u64 = 1 << 53;

fn exact_i64(v: i64) -> Option<f64> {
    (v.unsigned_abs() <= EXACT_INTEGER_LIMIT).then_some(v as f64)
}

fn exact_u64(v: u64) -> Option<f64> {
    (v <= EXACT_INTEGER_LIMIT).then_some(v as f64)
}

/// Reorders column-major (Fortran) elements of an array of `shape` into row-major (C) order.
pub(super) fn fortran_to_c(shape: &[usize], data: &[f64]) -> Vec<f64> {
    let mut strides = Vec::with_capacity(shape.len());
    let mut stride = 1;
    for &d in shape {
        strides.push(stride);
        stride *= d;
    }
    let mut index = vec![0usize; shape.len()];
    let mut out = Vec::with_capacity(data.len());
    for _ in 0..data.len() {
        let offset: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
        out.extend(data.get(offset).copied());
        // Advance the C-order odometer: last axis fastest.
        for (i, &d) in index.iter_mut().zip(shape).rev() {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn header_shapes() {
        let shape = |t: &str| vet_header_text(t);
        assert_eq!(
            shape("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 6, 6), }"),
            Ok(vec![4, 6, 6])
        );
        assert_eq!(shape("{'shape': (4,), 'descr': '<f8'}"), Ok(vec![4]));
        assert_eq!(shape("{'shape': (), 'descr': '<f8'}"), Ok(vec![]));
        assert_eq!(shape("{\"shape\": [3L, 2L]}"), Ok(vec![3, 2]));
        assert!(shape("{'shape': (4,,), }").is_err());
        assert!(shape("{'shape': (-4,), }").is_err());
        assert!(shape("{'shape': (99999999999999999999999,), }").is_err());
        assert!(shape("{'shape': (4,), 'shape': (5,)}").is_err());
        assert!(shape("{'descr': [('a', '<f8', (2,))], 'shape': (4,)}").is_err());
        assert!(shape("{'descr': '<f8'}").is_err());
    }

    #[test]
    fn element_counts_are_bounded() {
        assert_eq!(element_count(&[4, 6, 6]), Ok(144));
        assert_eq!(element_count(&[]), Ok(1));
        assert!(element_count(&[1 << 40, 1 << 40, 0]).is_err());
        assert!(element_count(&[u64::MAX, 2]).is_err());
        assert!(element_count(&[1 << 16, 1 << 16]).is_err());
        assert_eq!(element_count(&[1 << 15, 1 << 16]), Ok(1 << 31));
    }

    #[test]
    fn fortran_reorder() {
        // A 2 × 3 matrix [[1, 2, 3], [4, 5, 6]] stored column-major.
        assert_eq!(
            fortran_to_c(&[2, 3], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]),
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        );
        let f: Vec<f64> = (0..24).map(f64::from).collect();
        let c = fortran_to_c(&[2, 3, 4], &f);
        // C index (i, j, k) = 12 i + 4 j + k holds Fortran element i + 2 j + 6 k.
        for (i, j, k) in [(1, 2, 3), (0, 1, 2), (1, 0, 1)] {
            let got = c[12 * i + 4 * j + k];
            assert!((got - f64::from((i + 2 * j + 6 * k) as u32)).abs() < 0.5);
        }
    }
}
