//! Untrusted `.npz` bytes must read to a validated run or an error naming the array — never a
//! panic, and never an allocation beyond libFuzzer's rss limit (a crash on `-rss_limit_mb` or
//! a `malloc` over `-malloc_limit_mb` means the reader trusted a declared size).
//!
//! Beyond "no crash", the two readers must agree: the whole-file reader
//! (`rundata::read_npz_bytes`) and the streaming one (`rundata::stream_npz_bytes`) accept the
//! same files (docs: same rules, only the order of the checks differs) and see the same data;
//! and a run that reads back is written by `rundata::npz_bytes` to bytes that read back equal.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::rundata::{self, RunData};

fuzz_target!(|data: &[u8]| {
    // The library's own memory estimates are checked against this budget (half the rss limit):
    // an rss crash then means an estimate was wrong or missing.
    renorm::budget::set_memory_budget(1 << 30);
    let whole = rundata::read_npz_bytes(data, "fuzz.npz");
    let mut streamed_times = Vec::new();
    let mut streamed_grams = Vec::new();
    let streamed = rundata::stream_npz_bytes(data, "fuzz.npz", |_, c| {
        streamed_times.push(c.t);
        streamed_grams.push(c.gram);
        Ok(())
    });
    match (&whole, &streamed) {
        (Ok(run), Ok(header)) => {
            check_run(run);
            assert_eq!(header.times, run.times, "the readers see different times");
            assert_eq!(header.residual, run.residual, "the readers see different residuals");
            assert_eq!(header.samples, run.residual[0].len());
            assert_eq!(streamed_times, run.times);
            assert_eq!(streamed_grams, run.gram, "the readers see different Gram matrices");
            assert_eq!(header.layer_jacobian_norms, run.layer_jacobian_norms);
            assert_eq!(
                header.jacobian_columns,
                run.jacobian.as_ref().map(|j| j[0].ncols())
            );
            // Round trip through the writer.
            let bytes = rundata::npz_bytes(run, "roundtrip.npz").expect("a valid run writes");
            let back = rundata::read_npz_bytes(&bytes, "roundtrip.npz").expect("written run reads back");
            assert_eq!(&back, run, "write/read round trip changed the run");
        }
        (Err(e), Err(_)) => {
            assert!(e.to_string().contains("fuzz.npz"), "error without origin: {e}");
        }
        (Ok(_), Err(e)) => panic!("read_npz_bytes accepts what stream_npz_bytes rejects: {e}"),
        (Err(e), Ok(_)) => panic!("stream_npz_bytes accepts what read_npz_bytes rejects: {e}"),
    }
});

/// The documented invariants of a validated run.
fn check_run(run: &RunData) {
    let t = run.times.len();
    assert!(t >= 1);
    assert!(run.times.iter().all(|x| x.is_finite()));
    assert!(run.times.windows(2).all(|w| w[0] < w[1]), "times not strictly increasing");
    assert_eq!(run.gram.len(), t);
    assert_eq!(run.residual.len(), t);
    let n = run.gram[0].nrows();
    assert!(n >= 1);
    for g in &run.gram {
        assert_eq!((g.nrows(), g.ncols()), (n, n));
        assert!(g.iter().all(|x| x.is_finite()));
    }
    for r in &run.residual {
        assert_eq!(r.len(), n);
        assert!(r.iter().all(|x| x.is_finite()));
    }
    if let Some(norms) = &run.layer_jacobian_norms {
        assert_eq!(norms.nrows(), t);
        assert!(norms.iter().all(|x| x.is_finite() && *x >= 0.0));
    }
    if let Some(j) = &run.jacobian {
        assert_eq!(j.len(), t);
        assert!(j.iter().all(|m| m.nrows() == n && m.iter().all(|x| x.is_finite())));
    }
}
