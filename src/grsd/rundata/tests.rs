use super::*;
use crate::error::{Error, Result};
use npyz::WriterBuilder;
use npyz::npz::NpzWriter;
use npyz::zip::CompressionMethod;
use npyz::zip::write::FileOptions;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rundata");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn close(a: f64, b: f64, rtol: f64) -> bool {
    (a - b).abs() <= rtol * a.abs().max(b.abs())
}

#[track_caller]
fn assert_close(a: f64, b: f64, rtol: f64) {
    assert!(close(a, b, rtol), "{a} != {b} (rtol {rtol})");
}

/// The `location` and `message` of an expected [`Error::InvalidInput`].
#[track_caller]
fn invalid(result: Result<RunData>) -> (String, String) {
    match result {
        Err(Error::InvalidInput { location, message }) => (location, message),
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

/// A small valid run: T = 3, N = 2, L = 2, P = 3, Gram = J Jᵀ.
fn sample_run() -> RunData {
    let jacobian: Vec<DMatrix<f64>> = (0..3)
        .map(|t| {
            let s = 1.0 + f64::from(t);
            DMatrix::from_row_slice(2, 3, &[1.0, 0.5 * s, -0.25, 0.0, 2.0, 0.125 * s])
        })
        .collect();
    RunData {
        times: vec![0.0, 0.5, 2.0],
        gram: jacobian.iter().map(|j| j * j.transpose()).collect(),
        residual: (0..3)
            .map(|t| DVector::from_row_slice(&[1.0, -2.0]) * 0.5f64.powi(t))
            .collect(),
        layer_jacobian_norms: Some(DMatrix::from_row_slice(3, 2, &[1.0, 2.0, 1.5, 2.5, 0.0, 3.0])),
        jacobian: Some(jacobian),
    }
}

fn bytes_of(run: &RunData) -> Vec<u8> {
    write::to_npz_bytes(run).unwrap()
}

/// An archive of arbitrary `<f8` arrays, for shapes the layout forbids.
fn npz_of(arrays: Arrays<'_>) -> Vec<u8> {
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    for &(name, shape, data) in arrays {
        let options = FileOptions::default().compression_method(CompressionMethod::Stored);
        let mut w = npz
            .array::<f64>(name, options)
            .unwrap()
            .default_dtype()
            .shape(shape)
            .begin_nd()
            .unwrap();
        w.extend(data.iter().copied()).unwrap();
        w.finish().unwrap();
    }
    npz.zip_writer().finish().unwrap().into_inner()
}

/// An archive of raw entries, for headers no well-behaved writer produces.
fn npz_raw(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        let options = FileOptions::default().compression_method(CompressionMethod::Stored);
        npz.zip_writer()
            .start_file(format!("{name}.npy"), options)
            .unwrap();
        npz.zip_writer().write_all(bytes).unwrap();
    }
    npz.zip_writer().finish().unwrap().into_inner()
}

/// A `.npy` file with the given header text (version 1) and raw data.
fn npy_raw(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// Reads one array entry of an archive we wrote, raw, to splice into another archive.
fn valid_entries() -> Vec<(&'static str, Vec<u8>)> {
    let run = RunData {
        layer_jacobian_norms: None,
        jacobian: None,
        ..sample_run()
    };
    let mut archive = npyz::zip::ZipArchive::new(Cursor::new(bytes_of(&run))).unwrap();
    ["times", "gram", "residual"]
        .into_iter()
        .map(|name| {
            let mut entry = archive.by_name(&format!("{name}.npy")).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

fn with_entry(name: &'static str, bytes: Vec<u8>) -> Vec<u8> {
    let entries: Vec<_> = valid_entries()
        .into_iter()
        .map(|(n, b)| if n == name { (n, bytes.clone()) } else { (n, b) })
        .collect();
    npz_raw(&entries)
}

// ---------------------------------------------------------------------------------------------
// Fixtures written by numpy (tests/fixtures/rundata/make_fixture.py, an independent writer).
// The expected numbers below are copied from that script's printed output.
// ---------------------------------------------------------------------------------------------

fn check_small_run(run: &RunData, rtol: f64) {
    assert_eq!(run.times.len(), 4);
    for (got, want) in run.times.iter().zip([0.0, 0.1, 1.0, 10.0]) {
        assert!((got - want).abs() <= rtol * 10.0, "{got} vs {want}");
    }
    assert_eq!(run.gram.len(), 4);
    assert!(run.gram.iter().all(|m| m.shape() == (6, 6)));
    assert_eq!(run.residual.len(), 4);
    assert!(run.residual.iter().all(|r| r.len() == 6));
    let norms = run.layer_jacobian_norms.as_ref().unwrap();
    assert_eq!(norms.shape(), (4, 3));
    let jacobian = run.jacobian.as_ref().unwrap();
    assert_eq!(jacobian.len(), 4);
    assert!(jacobian.iter().all(|j| j.shape() == (6, 10)));

    // Values printed by make_fixture.py.
    assert_close(run.gram[0][(0, 0)], 8.093363056426183, rtol);
    assert_close(run.gram[2][(1, 4)], 0.9213615506024534, rtol);
    assert_close(run.gram[3][(5, 5)], 8.586806244500176, rtol);
    assert_close(run.residual[0][0], -0.18937950941760334, rtol);
    assert_close(run.residual[3][5], -0.001276613590468294, rtol);
    assert_close(norms[(1, 2)], 1.2878254072295756, rtol);
    assert_close(jacobian[2][(3, 7)], 0.00865814794313851, rtol);

    let gram_sum: f64 = run.gram.iter().map(|m| m.sum()).sum();
    let residual_sum: f64 = run.residual.iter().map(|r| r.sum()).sum();
    let jacobian_sum: f64 = jacobian.iter().map(|j| j.sum()).sum();
    assert_close(gram_sum, 225.07871257152829, rtol.max(1e-12));
    assert_close(residual_sum, -5.754216184880181, rtol.max(1e-12));
    assert_close(jacobian_sum, -67.47260503572288, rtol.max(1e-12));

    let min_eigenvalues = [
        0.4179510352197337,
        0.4134171643435613,
        0.41156986401312906,
        0.6757293465874601,
    ];
    for (m, want) in run.gram.iter().zip(min_eigenvalues) {
        let got = m.clone().symmetric_eigen().eigenvalues.min();
        assert_close(got, want, rtol.max(1e-10));
    }
}

#[test]
fn reads_numpy_savez_fixture() {
    let run = read_npz(&fixture("small_run.npz")).unwrap();
    // Same bits as numpy wrote them, so the tolerance is only for the printed decimal.
    check_small_run(&run, 1e-15);
}

#[test]
fn reads_numpy_savez_compressed_fixture() {
    let plain = read_npz(&fixture("small_run.npz")).unwrap();
    let compressed = read_npz(&fixture("small_run_compressed.npz")).unwrap();
    assert_eq!(plain, compressed);
}

#[test]
fn reads_fortran_order_as_c_order() {
    let plain = read_npz(&fixture("small_run.npz")).unwrap();
    let fortran = read_npz(&fixture("small_run_fortran.npz")).unwrap();
    assert_eq!(plain, fortran);
}

#[test]
fn widens_float32() {
    let run = read_npz(&fixture("small_run_f32.npz")).unwrap();
    check_small_run(&run, 1e-6);
}

#[test]
fn optional_arrays_may_be_absent() {
    let run = read_npz(&fixture("minimal_run.npz")).unwrap();
    assert!(run.layer_jacobian_norms.is_none() && run.jacobian.is_none());
    let full = read_npz(&fixture("small_run.npz")).unwrap();
    assert_eq!(
        (run.times, run.gram, run.residual),
        (full.times, full.gram, full.residual)
    );
}

#[test]
fn numpy_file_with_nan_is_located() {
    let (location, message) = invalid(read_npz(&fixture("bad_nan_gram.npz")));
    assert!(
        location.ends_with("bad_nan_gram.npz: gram[3, 1, 2]"),
        "{location}"
    );
    assert!(message.contains("NaN"), "{message}");
}

#[test]
fn numpy_file_missing_gram_lists_what_is_there() {
    let (location, message) = invalid(read_npz(&fixture("bad_missing_gram.npz")));
    assert!(location.ends_with("bad_missing_gram.npz: gram"), "{location}");
    assert!(
        message.contains("`times`") && message.contains("`residual`"),
        "{message}"
    );
}

/// numpy's `np.savez(times=steps.astype(np.int64), …)`: integer times are accepted and converted
/// exactly (the steps of make_fixture.py).
#[test]
fn numpy_integer_times_are_accepted_exactly() {
    let run = read_npz(&fixture("int_times.npz")).unwrap();
    assert_eq!(run.times, vec![0.0, 10.0, 100.0, 1000.0]);
    assert_eq!(run.gram.len(), 4);
}

#[test]
fn missing_file_is_an_io_error() {
    let err = read_npz(Path::new("/nonexistent/renorm/run.npz")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
}

// ---------------------------------------------------------------------------------------------
// Writing.
// ---------------------------------------------------------------------------------------------

fn temp_path(name: &str) -> PathBuf {
    // One directory per test, so parallel tests can each remove their own.
    let dir = std::env::temp_dir().join(format!("renorm-rundata-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn round_trips_the_numpy_fixture() {
    let run = read_npz(&fixture("small_run.npz")).unwrap();
    let path = temp_path("fixture_round_trip.npz");
    write_npz(&path, &run).unwrap();
    assert_eq!(read_npz(&path).unwrap(), run);
    let first = std::fs::read(&path).unwrap();
    write_npz(&path, &run).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first, "output is deterministic");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn round_trips_with_and_without_optional_arrays() {
    let full = sample_run();
    full.validate("sample").unwrap();
    assert_eq!(read_npz_bytes(&bytes_of(&full), "x.npz").unwrap(), full);
    let minimal = RunData {
        layer_jacobian_norms: None,
        jacobian: None,
        ..sample_run()
    };
    let path = temp_path("minimal.npz");
    write_npz(&path, &minimal).unwrap();
    assert_eq!(read_npz(&path).unwrap(), minimal);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn writer_rejects_inconsistent_shapes() {
    let mut run = sample_run();
    run.residual[1] = DVector::zeros(3);
    let path = temp_path("inconsistent.npz");
    let (location, message) = invalid(write_npz(&path, &run).map(|()| sample_run()));
    assert!(location.ends_with("inconsistent.npz: residual[1]"), "{location}");
    assert!(message.contains("expected N = 2"), "{message}");
    assert!(!path.exists());

    let mut run = sample_run();
    run.gram.pop();
    let (location, _) = invalid(write_npz(&path, &run).map(|()| sample_run()));
    assert!(location.ends_with(": gram"), "{location}");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn writer_keeps_diverged_values_for_inspection() {
    let mut run = sample_run();
    run.residual[2][1] = f64::NAN;
    let path = temp_path("diverged.npz");
    write_npz(&path, &run).unwrap();
    let (location, message) = invalid(read_npz(&path));
    assert!(location.ends_with("diverged.npz: residual[2, 1]"), "{location}");
    assert!(message.contains("NaN"));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn writer_reports_unwritable_paths() {
    // Missing folders are created, so the unwritable location lies below a regular file.
    let blocker = temp_path("not_a_folder");
    std::fs::write(&blocker, b"x").unwrap();
    let err = write_npz(&blocker.join("renorm").join("run.npz"), &sample_run()).unwrap_err();
    // An unwritable output is a write failure (exit 3), not an unreadable input (error.rs docs).
    assert!(matches!(err, Error::Write { .. }), "{err:?}");
    let _ = std::fs::remove_dir_all(blocker.parent().unwrap());
}

// ---------------------------------------------------------------------------------------------
// Malformed values, written with our own writer.
// ---------------------------------------------------------------------------------------------

fn read_modified(modify: impl FnOnce(&mut RunData)) -> (String, String) {
    let mut run = sample_run();
    modify(&mut run);
    invalid_bytes(&bytes_of(&run), "run.npz")
}

/// The error of [`read_npz_bytes`] on `bytes`, checked to be exactly the error of the streamed
/// reader [`stream_npz_bytes`] (every input here has a single defect, so the order in which the
/// two check the arrays cannot matter).
#[track_caller]
fn invalid_bytes(bytes: &[u8], origin: &str) -> (String, String) {
    let whole = invalid(read_npz_bytes(bytes, origin));
    let streamed = invalid(stream_npz_bytes(bytes, origin, |_, _| Ok(())).map(|_| sample_run()));
    assert_eq!(whole, streamed, "read_npz_bytes and stream_npz_bytes disagree");
    whole
}

#[test]
fn nan_and_inf_are_located() {
    let (location, message) = read_modified(|r| r.gram[2][(1, 0)] = f64::NAN);
    assert_eq!(location, "run.npz: gram[2, 1, 0]");
    assert!(message.contains("NaN"), "{message}");
    let (location, message) = read_modified(|r| r.jacobian.as_mut().unwrap()[1][(0, 2)] = f64::NEG_INFINITY);
    assert_eq!(location, "run.npz: jacobian[1, 0, 2]");
    assert!(message.contains("-inf"), "{message}");
    let (location, _) = read_modified(|r| r.times[0] = f64::INFINITY);
    assert_eq!(location, "run.npz: times[0]");
    let (location, _) = read_modified(|r| r.layer_jacobian_norms.as_mut().unwrap()[(2, 1)] = f64::NAN);
    assert_eq!(location, "run.npz: layer_jacobian_norms[2, 1]");
}

#[test]
fn times_must_increase_strictly() {
    let (location, message) = read_modified(|r| r.times[2] = 0.5);
    assert_eq!(location, "run.npz: times[2]");
    assert!(message.contains("strictly increasing"), "{message}");
    let (location, _) = read_modified(|r| r.times[1] = -1.0);
    assert_eq!(location, "run.npz: times[1]");
}

#[test]
fn asymmetric_gram_reports_worst_pair() {
    let (location, message) = read_modified(|r| {
        r.gram[1][(0, 1)] += 1e-3;
        r.gram[2][(1, 0)] += 1e-12; // within tolerance
    });
    assert_eq!(location, "run.npz: gram[1, 0, 1]");
    assert!(
        message.contains("not symmetric") && message.contains("2 × 2"),
        "{message}"
    );
}

#[test]
fn symmetry_tolerance_is_relative() {
    let mut run = sample_run();
    for m in &mut run.gram {
        // max|M| ≈ 1e12, so an absolute asymmetry of 1 is far inside 1e-9 × max|M|.
        *m *= 1e12;
        m[(0, 1)] += 1.0;
    }
    run.validate("scaled").unwrap();
}

#[test]
fn non_psd_gram_reports_eigenvalue() {
    let (location, message) =
        read_modified(|r| r.gram[0] = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]));
    assert_eq!(location, "run.npz: gram[0]");
    assert!(
        message.contains("not positive semidefinite") && message.contains("-1"),
        "{message}"
    );
}

#[test]
fn rank_deficient_gram_is_accepted() {
    let mut run = sample_run();
    // J = [v; 2v] makes J Jᵀ rank one: its zero eigenvalue may come out slightly negative.
    let j = DMatrix::from_row_slice(2, 3, &[0.1, 0.7, 0.3, 0.2, 1.4, 0.6]);
    run.gram[1] = &j * j.transpose();
    run.validate("rank one").unwrap();
}

#[test]
fn negative_layer_norm_is_located() {
    let (location, message) = read_modified(|r| r.layer_jacobian_norms.as_mut().unwrap()[(1, 1)] = -0.5);
    assert_eq!(location, "run.npz: layer_jacobian_norms[1, 1]");
    assert!(message.contains("negative"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Malformed shapes and archives.
// ---------------------------------------------------------------------------------------------

const T3: &[f64] = &[0.0, 1.0, 2.0];

/// Named arrays `(name, shape, data)` for [`npz_of`].
type Arrays<'a> = &'a [(&'a str, &'a [u64], &'a [f64])];

fn eye_grams(t: usize, n: usize) -> Vec<f64> {
    (0..t * n * n)
        .map(|k| {
            if (k % (n * n)).is_multiple_of(n + 1) {
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

#[test]
fn wrong_residual_shape_reports_expected_and_found() {
    let gram = eye_grams(3, 2);
    let bytes = npz_of(&[
        ("times", &[3], T3),
        ("gram", &[3, 2, 2], &gram),
        ("residual", &[3, 3], &[0.0; 9]),
    ]);
    let (location, message) = invalid_bytes(&bytes, "run.npz");
    assert_eq!(location, "run.npz: residual");
    assert!(
        message.contains("(T, N) = (3, 2)") && message.contains("found (3, 3)"),
        "{message}"
    );
}

#[test]
fn wrong_gram_and_optional_shapes_are_located() {
    let gram = eye_grams(3, 2);
    let cases: [(Arrays<'_>, &str, &str); 6] = [
        (
            &[
                ("times", &[3], T3),
                ("gram", &[2, 2, 2], &gram[..8]),
                ("residual", &[3, 2], &[0.0; 6]),
            ],
            "gram",
            "found (2, 2, 2)",
        ),
        (
            &[
                ("times", &[3], T3),
                ("gram", &[3, 2, 1], &gram[..6]),
                ("residual", &[3, 2], &[0.0; 6]),
            ],
            "gram",
            "found (3, 2, 1)",
        ),
        (
            &[
                ("times", &[3, 1], T3),
                ("gram", &[3, 2, 2], &gram),
                ("residual", &[3, 2], &[0.0; 6]),
            ],
            "times",
            "found (3, 1)",
        ),
        (
            &[
                ("times", &[0], &[]),
                ("gram", &[0, 2, 2], &[]),
                ("residual", &[0, 2], &[]),
            ],
            "times",
            "T ≥ 1",
        ),
        (
            &[
                ("times", &[3], T3),
                ("gram", &[3, 2, 2], &gram),
                ("residual", &[3, 2], &[0.0; 6]),
                ("jacobian", &[3, 1, 2], &[0.0; 6]),
            ],
            "jacobian",
            "(T, N, P) = (3, 2, P)",
        ),
        (
            &[
                ("times", &[3], T3),
                ("gram", &[3, 2, 2], &gram),
                ("residual", &[3, 2], &[0.0; 6]),
                ("layer_jacobian_norms", &[3, 0], &[]),
            ],
            "layer_jacobian_norms",
            "found (3, 0)",
        ),
    ];
    for (arrays, array, needle) in cases {
        let (location, message) = invalid_bytes(&npz_of(arrays), "run.npz");
        assert_eq!(location, format!("run.npz: {array}"));
        assert!(message.contains(needle), "{message}");
    }
}

#[test]
fn garbage_is_rejected() {
    for bytes in [
        &b""[..],
        b"not a zip file at all",
        &[0u8; 100],
        b"PK\x03\x04garbage",
    ] {
        let (location, message) = invalid_bytes(bytes, "junk.npz");
        assert_eq!(location, "junk.npz");
        assert!(message.contains("zip"), "{message}");
    }
    // A zip whose entries are not .npy files.
    let bytes = npz_raw(&[
        ("times", b"hello".to_vec()),
        ("gram", vec![]),
        ("residual", vec![1; 64]),
    ]);
    let (location, message) = invalid_bytes(&bytes, "junk.npz");
    assert_eq!(location, "junk.npz: times");
    assert!(
        message.contains(".npy") || message.contains("header"),
        "{message}"
    );
}

#[test]
fn hostile_headers_are_rejected_before_allocating() {
    let huge = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }\n";
    let big = "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483649,), }\n";
    let zero_overflow = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 0), }\n";
    let nested = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': {}4,{}, }}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let structured = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,), }\n";
    let complex = "{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }\n";
    for (header, needle) in [
        (huge, "exceeds the limit"),
        (big, "exceeds the limit"),
        (zero_overflow, "exceeds the limit"),
        (nested.as_str(), "nested"),
        (structured, "nested"),
        (complex, "<c16"),
    ] {
        let bytes = with_entry("times", npy_raw(header, &[0; 24]));
        let (location, message) = invalid_bytes(&bytes, "run.npz");
        assert_eq!(location, "run.npz: times", "{message}");
        assert!(message.contains(needle), "{needle:?} not in {message}");
    }

    // Version 2 header declaring a 4 GiB header text.
    let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
    v2.extend_from_slice(&u32::MAX.to_le_bytes());
    v2.extend_from_slice(b"{}");
    let (location, message) = invalid_bytes(&with_entry("gram", v2), "run.npz");
    assert_eq!(location, "run.npz: gram");
    assert!(message.contains("exceeds the limit"), "{message}");
}

#[test]
fn truncated_or_padded_array_data_is_rejected() {
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n";
    let data: Vec<u8> = [0.0f64, 1.0, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
    read_npz_bytes(&with_entry("times", npy_raw(header, &data)), "run.npz").unwrap();
    for bad in [&data[..20], &[&data[..], &[0u8; 8]].concat()] {
        let (location, message) = invalid_bytes(&with_entry("times", npy_raw(header, bad)), "run.npz");
        assert_eq!(location, "run.npz: times");
        assert!(message.contains("truncated or corrupt"), "{message}");
    }
}

#[test]
fn every_truncation_of_a_real_file_is_invalid_input() {
    let bytes = std::fs::read(fixture("small_run.npz")).unwrap();
    for len in 0..bytes.len() {
        let (location, _) = invalid_bytes(&bytes[..len], "cut.npz");
        assert!(location.starts_with("cut.npz"), "{location}");
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    // Deterministic xorshift so failures reproduce.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in ["small_run.npz", "small_run_compressed.npz"] {
        let original = std::fs::read(fixture(name)).unwrap();
        for _ in 0..1500 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] ^= 1 << (next() % 8);
            }
            match read_npz_bytes(&bytes, "flipped.npz") {
                Ok(_) | Err(Error::InvalidInput { .. }) => {}
                Err(other) => panic!("unexpected error kind: {other:?}"),
            }
        }
    }
}

/// Integer arrays (e.g. step counts as `times`, written by `np.savez(times=np.arange(3))`) are
/// accepted and converted exactly; an integer `f64` cannot hold is refused, naming it.
#[test]
fn integer_arrays_are_converted_exactly_or_refused() {
    let header = |descr: &str| format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (3,), }}");
    let cases: [(&str, Vec<u8>); 4] = [
        ("<i8", [0i64, 1, 2].iter().flat_map(|v| v.to_le_bytes()).collect()),
        ("<u2", [0u16, 1, 2].iter().flat_map(|v| v.to_le_bytes()).collect()),
        ("|i1", [0i8, 1, 2].iter().flat_map(|v| v.to_le_bytes()).collect()),
        (">i4", [0i32, 1, 2].iter().flat_map(|v| v.to_be_bytes()).collect()),
    ];
    for (descr, data) in cases {
        let bytes = with_entry("times", npy_raw(&header(descr), &data));
        let run = read_npz_bytes(&bytes, "ints.npz").unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!(run.times, vec![0.0, 1.0, 2.0], "{descr}");
    }
    // 2^53 + 1 is the first integer a float64 rounds.
    let data: Vec<u8> = [0i64, 1, (1 << 53) + 1]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let (location, message) = invalid(read_npz_bytes(
        &with_entry("times", npy_raw(&header("<i8"), &data)),
        "big.npz",
    ));
    assert!(location.contains("times"), "{location}");
    assert!(
        message.contains("9007199254740993") && message.contains("exactly"),
        "{message}"
    );
    // Other dtypes are still refused, and the message lists what is accepted.
    let (_, message) = invalid(read_npz_bytes(
        &with_entry("times", npy_raw(&header("<c16"), &[0u8; 48])),
        "complex.npz",
    ));
    assert!(message.contains("integer"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Streaming.
// ---------------------------------------------------------------------------------------------

/// The run as the streamed reader delivers it, reassembled (the Jacobians are checked, not
/// kept, so they are taken from `expected`).
fn reassemble(header: &RunHeader, grams: Vec<DMatrix<f64>>, jacobian: Option<Vec<DMatrix<f64>>>) -> RunData {
    RunData {
        times: header.times.clone(),
        gram: grams,
        residual: header.residual.clone(),
        layer_jacobian_norms: header.layer_jacobian_norms.clone(),
        jacobian,
    }
}

#[test]
fn streamed_checkpoints_equal_the_whole_read() {
    for name in [
        "small_run.npz",
        "small_run_compressed.npz",
        "small_run_fortran.npz",
        "small_run_f32.npz",
        "minimal_run.npz",
        "int_times.npz",
    ] {
        let whole = read_npz(&fixture(name)).unwrap();
        let mut grams = Vec::new();
        let mut indices = Vec::new();
        let header = stream_npz(&fixture(name), |h, c| {
            assert_eq!(h.times.len(), whole.times.len());
            // The spectrum handed over is the decomposition of this very matrix.
            let again = Spectrum::of(&c.gram).unwrap();
            assert_eq!(again.values, c.spectrum.values);
            assert_eq!(c.t.to_bits(), whole.times[c.index].to_bits());
            assert_eq!(c.residual, &whole.residual[c.index]);
            indices.push(c.index);
            grams.push(c.gram);
            Ok(())
        })
        .unwrap();
        assert_eq!(indices, (0..whole.times.len()).collect::<Vec<_>>(), "{name}");
        assert_eq!(header.samples, whole.gram[0].nrows(), "{name}");
        assert_eq!(
            header.jacobian_columns,
            whole.jacobian.as_ref().map(|j| j[0].ncols()),
            "{name}"
        );
        assert_eq!(
            reassemble(&header, grams, whole.jacobian.clone()),
            whole,
            "{name}"
        );
    }
}

#[test]
fn streaming_stops_at_the_callers_error() {
    let mut seen = 0;
    let result = stream_npz(&fixture("small_run.npz"), |_, c| {
        seen += 1;
        if c.index == 1 {
            Err(crate::error::Error::invalid("caller", "stop"))
        } else {
            Ok(())
        }
    });
    assert!(result.is_err());
    assert_eq!(seen, 2);
}

#[test]
fn streamed_file_errors_equal_the_whole_read() {
    for name in ["bad_nan_gram.npz", "bad_missing_gram.npz"] {
        let whole = invalid(read_npz(&fixture(name)));
        let streamed = invalid(stream_npz(&fixture(name), |_, _| Ok(())).map(|_| sample_run()));
        assert_eq!(whole, streamed, "{name}");
    }
}
