//! Where the conditions analysis spends its time per checkpoint, for the side-by-side benchmark
//! (`bench/compare/run_conditions.sh`): the symmetric eigendecomposition alone (`faer`, as
//! `renorm conditions` does it) and the two products `φᵀ (M φ)` the Kato couplings need, timed
//! over every checkpoint of a run already in memory (file reading excluded).
//!
//!     cargo run --release --example eigh_timing -- RUN.npz
//!
//! Prints one line of JSON: seconds for all eigendecompositions, seconds for all products.

use faer::Mat;
use renorm::rundata::{Spectrum, read_npz};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: eigh_timing RUN.npz")?;
    let run = read_npz(std::path::Path::new(&path))?;
    let start = Instant::now();
    let spectra: Vec<Spectrum> = run.gram.iter().map(Spectrum::of_or_fallback).collect();
    let eigh = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut checksum = 0.0;
    for (m, s) in run.gram.iter().zip(&spectra) {
        let n = m.nrows();
        let m = Mat::from_fn(n, n, |i, j| m[(i, j)]);
        let rotated = s.vectors.transpose() * (&m * &s.vectors);
        checksum += rotated[(0, 0)];
    }
    let products = start.elapsed().as_secs_f64();
    println!(
        "{{\"eigh_seconds\": {eigh}, \"products_seconds\": {products}, \"checkpoints\": {}, \"checksum\": {checksum}}}",
        run.times.len()
    );
    Ok(())
}
