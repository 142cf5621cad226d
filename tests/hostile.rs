//! The hostile-input table: every subcommand fed what an attacker (or an unlucky user) would
//! feed it — special files as inputs and outputs, an output naming an input, unbounded streams,
//! compression bombs, sizes far beyond reason, thresholds that are not numbers, proofs citing
//! files outside their tree, work with no end. Each case must end within seconds, under a
//! memory cap, with an expected exit code (0–3, never a signal), a message on stderr that says
//! what was wrong, no input changed, no temporary file and no partial output left behind.
//!
//! One test walks the table serially: the binary takes the shared engine lock, and the cases
//! time themselves.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_renorm");

/// Address space of each run (`ulimit -v`, KiB): a memory bomb aborts instead of swapping, and
/// an abort is a signal, which fails the case. Generous for thread stacks and MPFR.
const ADDRESS_SPACE_KIB: u64 = 6 << 20;

/// Wall-clock bound per case (a debug build; the release binary is several times faster).
const CASE_SECONDS: u64 = 20;

struct Case {
    /// What the case tries, in words.
    name: &'static str,
    args: Vec<String>,
    /// File fed to standard input (else none).
    stdin: Option<&'static str>,
    /// Acceptable exit codes.
    codes: &'static [i32],
    /// A fragment stderr must contain (the message names the problem).
    says: &'static str,
    /// Whether the engine is used (else `RENORM_ENGINE=off`, numeric only, no lock).
    engine: bool,
    /// An output path that must not exist afterwards (the case fails, nothing partial is left).
    absent: Option<&'static str>,
}

fn case(name: &'static str, args: &str, codes: &'static [i32], says: &'static str) -> Case {
    Case {
        name,
        args: args.split_whitespace().map(String::from).collect(),
        stdin: None,
        codes,
        says,
        engine: false,
        absent: None,
    }
}

impl Case {
    fn engine(mut self) -> Case {
        self.engine = true;
        self
    }
    fn stdin(mut self, file: &'static str) -> Case {
        self.stdin = Some(file);
        self
    }
    fn absent(mut self, path: &'static str) -> Case {
        self.absent = Some(path);
        self
    }
    fn arg(mut self, arg: String) -> Case {
        self.args.push(arg);
        self
    }
}

/// A `.npy` header (format 1.0) for float64 data of `shape`, padded to 64 bytes.
fn npy_header(shape: &str) -> Vec<u8> {
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    let mut text = dict.into_bytes();
    let unpadded = 10 + text.len() + 1;
    text.resize(text.len() + (64 - unpadded % 64) % 64, b' ');
    text.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    out.extend_from_slice(&text);
    out
}

/// Writes an `.npz` whose entries are `(name, header shape, leading data, zero bytes after it)`.
/// Deflated when `deflate`.
fn write_npz(path: &Path, entries: &[(&str, &str, Vec<u8>, usize)], deflate: bool) {
    use npyz::zip::write::FileOptions;
    use npyz::zip::{CompressionMethod, ZipWriter};
    let method = if deflate {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    let mut zip = ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, shape, data, zeros) in entries {
        let options = FileOptions::default()
            .compression_method(method)
            .large_file(*zeros > (1 << 30));
        zip.start_file(format!("{name}.npy"), options).unwrap();
        zip.write_all(&npy_header(shape)).unwrap();
        zip.write_all(data).unwrap();
        let chunk = vec![0u8; 1 << 20];
        let mut left = *zeros;
        while left > 0 {
            let n = left.min(chunk.len());
            zip.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
    }
    zip.finish().unwrap();
}

/// Little-endian float64 bytes.
fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The scratch folder with every input the table uses.
fn fixtures() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("renorm-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in/proofs")).unwrap();
    std::fs::create_dir_all(dir.join("in/bundle")).unwrap();
    std::fs::create_dir_all(dir.join("in/chain")).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let copy = |from: &str, to: &str| {
        std::fs::copy(repo(from), dir.join(to)).unwrap();
    };
    copy("examples/couplings/01_power_law_rational.toml", "in/spec.toml");
    copy("examples/rg/fig3_separable.toml", "in/model.toml");
    copy("tests/fixtures/rundata/small_run.npz", "in/run.npz");
    copy("tests/fixtures/rundata/bad_nan_gram.npz", "in/nan.npz");
    copy("proofs/tree_level.toml", "in/proofs/tree_level.toml");
    std::fs::create_dir_all(dir.join("in/allproofs")).unwrap();
    for entry in std::fs::read_dir(repo("proofs")).unwrap().flatten() {
        if entry.path().extension().is_some_and(|x| x == "toml") {
            std::fs::copy(entry.path(), dir.join("in/allproofs").join(entry.file_name())).unwrap();
        }
    }
    let model = std::fs::read_to_string(dir.join("in/model.toml")).unwrap();
    for (file, modes) in [("in/model_100k.toml", 100_000), ("in/model_20k.toml", 20_000)] {
        std::fs::write(
            dir.join(file),
            model.replace("modes = 100\n", &format!("modes = {modes}\n")),
        )
        .unwrap();
    }
    let write = |to: &str, text: &str| std::fs::write(dir.join(to), text).unwrap();
    write("in/h_tiny.toml", "[shells]\nh = 1e-300\n");
    write("in/h_small.toml", "[shells]\nh = 1e-5\n");
    write("in/eta_nan.toml", "[thresholds]\neta = nan\n");
    write("in/rho_inf.toml", "[thresholds]\nrho_max = inf\n");
    write("in/floor_zero.toml", "[shells]\nfloor = 0.0\n");
    write("in/bootstrap.toml", "bootstrap = 1000000000\n");
    write("in/conditions.toml", "[shells]\nh = 1.0\n");
    write("in/bootstrap_zero.toml", "bootstrap = 0\n");
    write("in/narrow_shells.toml", "[shells]\nh = 0.0907\n");
    let chain: Vec<String> = (0..29)
        .map(|i| format!("v{i:02} = \"v{:02}+v{:02}\"", i + 1, i + 1))
        .collect();
    write(
        "in/proofs/blowup.toml",
        &format!(
            "title = \"t\"\nstatement = \"s\"\n[variables]\nx = \"positive\"\n[[step]]\nclaim = \"v00 == x\"\njustification = \"normalize\"\nwhere = {{ {} }}\n",
            chain.join(", ")
        ),
    );
    std::fs::write(dir.join("in/not_utf8.toml"), b"name = \"\xff\xfe\"\n").unwrap();
    // 17 MiB: one more than the document limit.
    std::fs::write(dir.join("in/huge.toml"), vec![b'#'; 17 << 20]).unwrap();
    write("in/huge_formula.txt", &"lam+".repeat(20_000));
    // Nesting that would exhaust a recursive parser's stack.
    write(
        "in/deep_array.toml",
        &format!("x = {}{}\n", "[".repeat(200_000), "]".repeat(200_000)),
    );
    write(
        "in/deep_table.toml",
        &format!("x = {}1{}\n", "{a=".repeat(100_000), "}".repeat(100_000)),
    );
    write("in/deep_keys.toml", &format!("[{}b]\n", "a.".repeat(100_000)));
    std::fs::create_dir_all(dir.join("in/deepjson")).unwrap();
    write(
        "in/deepjson/deep.json",
        &format!(
            "{{\"schema\": \"renorm.parse/1\", \"x\": {}{}}}",
            "[".repeat(200_000),
            "]".repeat(200_000)
        ),
    );
    let proof = |cite: &str| {
        format!(
            "title = \"hostile\"\nstatement = \"s\"\n[variables]\nx = \"real\"\n[[step]]\nclaim = \"x == x\"\njustification = \"by theorem\"\ncites = [\"{cite}\"]\n"
        )
    };
    write("in/proofs/escape.toml", &proof("../../../../../../etc/passwd"));
    write("in/proofs/absolute.toml", &proof("/dev/zero"));
    // A chain of 80 files, each citing the next: longer than the 64 followed.
    for i in 0..80 {
        write(
            &format!("in/chain/p{i:03}.toml"),
            &proof(&format!("p{:03}.toml", i + 1)),
        );
    }
    write(
        "in/chain/p080.toml",
        &proof("p000.toml").replace("cites = [\"p000.toml\"]\n", ""),
    );
    // Bundles: a JSON output, a link to /dev/zero among them.
    write(
        "in/bundle/ok.json",
        "{\"schema\": \"renorm.parse/1\", \"input\": \"x\"}",
    );
    std::fs::create_dir_all(dir.join("in/zerolink")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("in/zerolink/z.json")).unwrap();
    std::fs::create_dir_all(dir.join("in/fifodir")).unwrap();
    mkfifo(&dir.join("in/fifodir/f.json"));
    mkfifo(&dir.join("in/fifo"));
    // A compression bomb: 144 MB of zeros in a few hundred KB, declared as a (2, 3000, 3000)
    // Gram matrix; and an uncompressed archive declaring an impossible shape.
    write_npz(
        &dir.join("in/bomb.npz"),
        &[
            ("times", "(2,)", f64_bytes(&[0.0, 1.0]), 0),
            ("residual", "(2, 3000)", Vec::new(), 2 * 3000 * 8),
            ("gram", "(2, 3000, 3000)", Vec::new(), 2 * 3000 * 3000 * 8),
        ],
        true,
    );
    write_npz(
        &dir.join("in/shape_lie.npz"),
        &[
            ("times", "(2,)", f64_bytes(&[0.0, 1.0]), 0),
            ("residual", "(2, 100000)", Vec::new(), 64),
            ("gram", "(2, 100000, 100000)", Vec::new(), 64),
        ],
        false,
    );
    // Outputs that must never be replaced: a link to a file (written through), a dangling
    // link, a folder.
    write("out/target.txt", "keep me\n");
    std::os::unix::fs::symlink(dir.join("out/target.txt"), dir.join("out/link.txt")).unwrap();
    std::os::unix::fs::symlink(dir.join("out/missing.txt"), dir.join("out/dangling.txt")).unwrap();
    std::fs::create_dir_all(dir.join("out/folder")).unwrap();
    // A zero stream for standard input, bounded by the document limit plus a margin.
    std::fs::write(dir.join("in/zeros.bin"), vec![0u8; 18 << 20]).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

/// Every regular file under `dir` with its bytes, following no links.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let t = entry.file_type().unwrap();
            if t.is_dir() {
                stack.push(path);
            } else if t.is_file() {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            } else if t.is_symlink() {
                out.push((
                    path.clone(),
                    std::fs::read_link(&path)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path.clone());
            }
            if path.file_name().unwrap().to_string_lossy().contains(".tmp-") {
                out.push(path);
            }
        }
    }
    out
}

fn table() -> Vec<Case> {
    let any: &'static [i32] = &[0, 1, 2, 3];
    let panels: String = (0..2000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    vec![
        // 1. Outputs: never an input, never a special file; links written through.
        case(
            "check: --output is the input spec",
            "check in/spec.toml --output in/spec.toml",
            &[2],
            "is an input",
        ),
        case(
            "check: --output /dev/null",
            "check in/spec.toml --output /dev/null",
            &[2],
            "not a regular file",
        ),
        case(
            "check: --output a folder",
            "check in/spec.toml --output out/folder",
            &[2],
            "not a regular file",
        ),
        case(
            "check: --output a dangling link",
            "check in/spec.toml --output out/dangling.txt",
            &[2],
            "missing file",
        ),
        case(
            "check: --output a FIFO",
            "check in/spec.toml --output in/fifo",
            &[2],
            "FIFO",
        ),
        case(
            "check: --output through a link to a file",
            "check in/spec.toml --output out/link.txt",
            &[0],
            "",
        ),
        case(
            "identity: --output /dev/null",
            "identity lam lam --output /dev/null",
            &[2],
            "not a regular file",
        ),
        case(
            "prove: --output is the proof",
            "prove in/proofs/tree_level.toml --output in/proofs/tree_level.toml",
            &[2],
            "is an input",
        )
        .engine(),
        case(
            "conditions: --output is the run",
            "conditions in/run.npz --output in/run.npz",
            &[2],
            "is an input",
        ),
        case(
            "conditions: --output is the spec",
            "conditions in/run.npz --spec in/conditions.toml --output in/conditions.toml",
            &[2],
            "is an input",
        ),
        case(
            "report: --output is a bundled input",
            "report in/bundle --format json --output in/bundle/ok.json",
            &[2],
            "is an input",
        ),
        case(
            "rg predict: --output is the model",
            "rg predict in/model.toml --output in/model.toml",
            &[2],
            "is an input",
        ),
        case(
            "rg curve: --output /dev/full",
            "rg curve --alpha 1/5 --beta 3/10 --p-over-r 10 --output /dev/full",
            &[2],
            "not a regular file",
        ),
        case(
            "train: --output a FIFO",
            "train --depth 1 --width 2 --samples 4 --steps 2 --checkpoints 2 --output in/fifo",
            &[2],
            "FIFO",
        ),
        case(
            "demo: --out a regular file",
            "demo --out in/spec.toml",
            &[2, 3],
            "spec.toml",
        )
        .engine(),
        // 2. Inputs: regular files only, bounded, no waiting on FIFOs.
        case(
            "check: spec is /dev/zero",
            "check /dev/zero",
            &[2],
            "not a regular file",
        ),
        case("check: spec is a FIFO", "check in/fifo", &[2], "FIFO"),
        case("check: spec is a folder", "check in", &[2], "folder"),
        case("check: spec of 17 MiB", "check in/huge.toml", &[2], "larger than"),
        case("check: endless standard input", "check -", &[2], "larger than").stdin("in/zeros.bin"),
        case(
            "check: spec not UTF-8",
            "check in/not_utf8.toml",
            &[2],
            "not_utf8.toml",
        ),
        case(
            "conditions: run is /dev/zero",
            "conditions /dev/zero",
            &[2],
            "not a regular file",
        ),
        case("conditions: run is a FIFO", "conditions in/fifo", &[2], "FIFO"),
        case(
            "conditions: spec is /dev/zero",
            "conditions in/run.npz --spec /dev/zero",
            &[2],
            "not a regular file",
        ),
        case(
            "conditions: run on stdin is zeros",
            "conditions -",
            &[2],
            "<stdin>",
        )
        .stdin("in/zeros.bin"),
        case(
            "rg predict: model is /dev/zero",
            "rg predict /dev/zero",
            &[2],
            "not a regular file",
        ),
        case(
            "rg classify: model is a FIFO",
            "rg classify in/fifo",
            &[2],
            "FIFO",
        ),
        case(
            "rg transfer: model is a folder",
            "rg transfer in --p-prime 10",
            &[2],
            "",
        ),
        case(
            "prove: proof is /dev/zero",
            "prove /dev/zero",
            &[2],
            "not a regular file",
        )
        .engine(),
        case(
            "prove: citation escapes the tree",
            "prove in/proofs/escape.toml",
            &[1],
            "outside the proof tree",
        )
        .engine(),
        case(
            "prove: citation of /dev/zero",
            "prove in/proofs/absolute.toml",
            &[1],
            "outside the proof tree",
        )
        .engine(),
        case(
            "prove: a chain of 80 citations",
            "prove in/chain/p000.toml",
            &[1],
            "longer than 64",
        )
        .engine(),
        case(
            "report: a link to /dev/zero",
            "report in/zerolink",
            &[2],
            "not a regular file",
        ),
        case("report: a FIFO named .json", "report in/fifodir", &[2], "FIFO"),
        case(
            "experiment merge: shard is /dev/zero",
            "experiment merge /dev/zero",
            &[2],
            "not a regular file",
        ),
        case("identity: an 80 kB formula", "identity lam", &[2], "65536").arg("lam+".repeat(20_000) + "lam"),
        case(
            "parse: formula file of 80 kB",
            "parse --file in/huge_formula.txt",
            &[2],
            "65536",
        ),
        // 3. Memory bombs.
        case(
            "conditions: compression bomb",
            "conditions in/bomb.npz",
            &[2],
            "compression bomb",
        ),
        case(
            "conditions: declared shape beyond the data",
            "conditions in/shape_lie.npz",
            &[2],
            "shape_lie.npz",
        ),
        case(
            "conditions: NaN in the Gram matrix",
            "conditions in/nan.npz",
            &[2],
            "nan.npz",
        ),
        case(
            "conditions: shell width 1e-300",
            "conditions in/run.npz --spec in/h_tiny.toml",
            &[2],
            "shells.h",
        ),
        case(
            "conditions: shell width 1e-5",
            "conditions in/run.npz --spec in/h_small.toml",
            &[2],
            "shells.h",
        ),
        case(
            "conditions: eta = nan",
            "conditions in/run.npz --spec in/eta_nan.toml",
            &[2],
            "thresholds.eta",
        ),
        case(
            "conditions: rho_max = inf",
            "conditions in/run.npz --spec in/rho_inf.toml",
            &[2],
            "thresholds.rho_max",
        ),
        case(
            "conditions: floor = 0",
            "conditions in/run.npz --spec in/floor_zero.toml",
            &[2],
            "shells.floor",
        ),
        case(
            "conditions: 10⁹ bootstrap resamples",
            "conditions in/run.npz --spec in/bootstrap.toml",
            &[2],
            "bootstrap",
        ),
        case(
            "train: samples beyond a small memory limit",
            "--memory-limit 16 train --samples 2000 --output out/m.npz",
            &[2],
            "budget",
        )
        .absent("out/m.npz"),
        // 4. Sizes and work.
        case(
            "train: depth 10⁸",
            "train --depth 100000000 --output out/t.npz",
            &[2],
            "depth",
        )
        .absent("out/t.npz"),
        case(
            "train: width 10⁹",
            "train --width 1000000000 --output out/t.npz",
            &[2],
            "width",
        )
        .absent("out/t.npz"),
        case(
            "train: samples 10⁸",
            "train --samples 100000000 --output out/t.npz",
            &[2],
            "samples",
        )
        .absent("out/t.npz"),
        case(
            "train: input dimension 10⁹",
            "train --input-dim 1000000000 --output out/t.npz",
            &[2],
            "input_dim",
        )
        .absent("out/t.npz"),
        case(
            "train: 10¹⁵ steps",
            "train --steps 1000000000000000 --output out/t.npz",
            &[2],
            "steps",
        )
        .absent("out/t.npz"),
        case(
            "train: long legal run stopped by the time limit",
            "--time-limit 2 train --steps 100000000 --output out/long.npz",
            &[3],
            "time limit",
        )
        .absent("out/long.npz"),
        case(
            "experiment: width 10⁸",
            "experiment lsi --widths 100000000 --depths 4 --seeds 1",
            &[2],
            "width",
        ),
        case(
            "experiment: 10⁹ seeds",
            "experiment lsi --seeds 1000000000 --depths 4",
            &[2],
            "runs",
        ),
        case(
            "rg flow: 10⁹ points",
            "rg flow in/model.toml --points 1000000000 --output out/flow1",
            &[2],
            "--points",
        )
        .absent("out/flow1"),
        case(
            "rg flow: tau-max 1e12",
            "rg flow in/model.toml --tau-max 1e12 --output out/flow2",
            &[2],
            "--tau-max",
        )
        .absent("out/flow2"),
        case(
            "rg flow: 2000 panels",
            "rg flow in/model.toml --output out/flow3",
            &[2],
            "--panels",
        )
        .arg(format!("--panels={panels}"))
        .absent("out/flow3"),
        case(
            "rg flow: a panel at τ = 10⁹",
            "rg flow in/model.toml --panels 1e9 --output out/flow4",
            &[2],
            "--panels",
        )
        .absent("out/flow4"),
        case(
            "rg scaling: 10⁸ points",
            "rg scaling in/model.toml --points 100000000 --output out/sc",
            &[2],
            "points",
        )
        .absent("out/sc"),
        case(
            "rg sample: 10¹⁵ steps",
            "rg sample in/model.toml --steps 1e15 --output out/s1",
            &[2],
            "steps",
        )
        .absent("out/s1"),
        case(
            "rg sample: 10¹⁵ burn-in",
            "rg sample in/model.toml --burn-in 1e15 --output out/s2",
            &[2],
            "burn-in",
        )
        .absent("out/s2"),
        case(
            "rg sample: 10⁹ chains",
            "rg sample in/model.toml --chains 1000000000 --output out/s3",
            &[2],
            "chains",
        )
        .absent("out/s3"),
        case(
            "rg sample: long legal run stopped by the time limit",
            "--time-limit 2 rg sample in/model.toml --steps 1e10 --output out/s4",
            &[3],
            "time limit",
        )
        .absent("out/s4"),
        case(
            "rg curve: 10⁵ digits",
            "rg curve --alpha 1/5 --beta 3/10 --p-over-r 1e3 --digits 100000",
            &[2],
            "digits",
        ),
        case(
            "rg curve: P/r = 1e16",
            "rg curve --alpha 1/5 --beta 3/10 --p-over-r 1e16",
            &[2],
            "1e15",
        ),
        case(
            "rg predict: 10⁵ modes",
            "rg predict in/model_100k.toml",
            &[2],
            "modes",
        ),
        case(
            "rg predict: 2·10⁴ modes stopped by the time limit",
            "--time-limit 2 rg predict in/model_20k.toml --output out/p.md",
            &[3],
            "time limit",
        )
        .absent("out/p.md"),
        case(
            "identity: 10⁶ points",
            "identity lam^2 lam*lam --points 1000000",
            &[2],
            "points",
        ),
        case(
            "identity: 10⁶ digits",
            "identity lam^2 lam*lam --digits 1000000",
            &[2],
            "digits",
        ),
        case(
            "identity: zero points",
            "identity lam lam --points 0",
            &[2],
            "points",
        ),
        case(
            "check: --max-digits 10⁶",
            "check in/spec.toml --max-digits 1000000",
            &[2],
            "max-digits",
        ),
        case(
            "prove: 10⁶ points",
            "prove in/proofs/tree_level.toml --points 1000000",
            &[2],
            "points",
        ),
        case(
            "check: a large legal formula (engine bounded)",
            "check --expr (lam+1)^1000*(lam+2)^1000*t --spectral lam --time t --kind coupling",
            &[0, 1],
            "",
        )
        .engine(),
        case(
            "identity: a large legal identity",
            "identity (lam+1)^1000*(lam+2)^1000 (lam+2)^1000*(lam+1)^1000",
            &[0],
            "",
        )
        .engine(),
        case("parse: exponent tower", "parse 2^2^2^2^2^2^2^2", &[2], ""),
        // Global limits themselves.
        case(
            "--time-limit nan",
            "--time-limit nan parse x",
            &[2],
            "--time-limit",
        ),
        case("--time-limit 0", "--time-limit 0 parse x", &[2], "--time-limit"),
        case(
            "--memory-limit 0",
            "--memory-limit 0 parse x",
            &[2],
            "--memory-limit",
        ),
        case("completions: unknown shell", "completions tcsh-9000", &[2], ""),
        case(
            "conditions: the shell states beyond a small memory limit",
            "--memory-limit 1 conditions in/run.npz --spec in/narrow_shells.toml",
            &[2],
            "shell states",
        ),
        // Found by fuzzing (fuzz/regressions/).
        case(
            "conditions: bootstrap = 0",
            "conditions in/run.npz --spec in/bootstrap_zero.toml",
            &[0],
            "",
        ),
        case(
            "prove: where-substitutions doubling 29 times",
            "prove in/proofs/blowup.toml",
            &[2],
            "larger than the limits",
        )
        .engine(),
        case(
            "parse: a literal beyond the printed exponent range",
            "parse 199e999",
            &[0],
            "",
        ),
        // Nesting 10⁵ deep: a located error, never a stack overflow.
        case(
            "check: arrays nested 2·10⁵ deep",
            "check in/deep_array.toml",
            &[2],
            "recurs",
        ),
        case(
            "rg predict: tables nested 10⁵ deep",
            "rg predict in/deep_table.toml",
            &[2],
            "recurs",
        ),
        case(
            "conditions: a key 10⁵ parts long",
            "conditions in/run.npz --spec in/deep_keys.toml",
            &[2],
            "recursion",
        ),
        case(
            "prove: arrays nested 2·10⁵ deep",
            "prove in/deep_array.toml",
            &[2],
            "recurs",
        )
        .engine(),
        case(
            "report: JSON nested 2·10⁵ deep",
            "report in/deepjson",
            &[2],
            "recursion",
        ),
        // The time limit while the engine works (every proof takes seconds in all).
        case(
            "prove: stopped by the time limit while the engine works",
            "--time-limit 0.5 prove in/allproofs --format json --output out/proofs.json",
            &[3],
            "time limit",
        )
        .engine()
        .absent("out/proofs.json"),
    ]
    .into_iter()
    .map(|c| {
        if c.codes.is_empty() {
            Case { codes: any, ..c }
        } else {
            c
        }
    })
    .collect()
}

#[test]
fn hostile_inputs_end_cleanly_and_damage_nothing() {
    let dir = fixtures();
    let inputs_before = snapshot(&dir.join("in"));
    let cases = table();
    assert!(cases.len() >= 60, "the table holds {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""))
            .arg(BIN)
            .args(&case.args)
            .current_dir(&dir)
            .env("RENORM_ENGINE", if case.engine { "on" } else { "off" })
            .env_remove("RENORM_TIME_LIMIT")
            .env_remove("RENORM_MEMORY_LIMIT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(match case.stdin {
                Some(file) => Stdio::from(std::fs::File::open(dir.join(file)).unwrap()),
                None => Stdio::null(),
            });
        let started = Instant::now();
        let mut child = command.spawn().expect("spawn renorm");
        // Drain the pipes on threads so that a chatty child never blocks on a full pipe.
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out_thread = std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut out, &mut v).ok();
            v
        });
        let err_thread = std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut err, &mut v).ok();
            v
        });
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > Duration::from_secs(CASE_SECONDS) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let elapsed = started.elapsed();
        let _stdout = out_thread.join().unwrap();
        let stderr = String::from_utf8_lossy(&err_thread.join().unwrap()).into_owned();
        let mut problems = Vec::new();
        match status.map(|s| s.code()) {
            None => problems.push(format!("still running after {CASE_SECONDS} s (killed)")),
            Some(None) => problems.push("ended by a signal".to_string()),
            Some(Some(code)) if !case.codes.contains(&code) => {
                problems.push(format!("exit {code}, expected one of {:?}", case.codes))
            }
            Some(Some(code)) => {
                if code != 0 && stderr.trim().is_empty() {
                    problems.push("failed without a message".into());
                }
            }
        }
        if !stderr.contains(case.says) {
            problems.push(format!("stderr lacks `{}`", case.says));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            problems.push("panicked".into());
        }
        if let Some(path) = case.absent
            && dir.join(path).exists()
        {
            problems.push(format!("left a partial output {path}"));
        }
        let stray = leftovers(&dir);
        if !stray.is_empty() {
            problems.push(format!("left temporary files {stray:?}"));
        }
        if !problems.is_empty() {
            let tail: String = stderr
                .chars()
                .rev()
                .take(400)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            failures.push(format!(
                "{} (`{}`, {:.1} s): {}\n    stderr: {}",
                case.name,
                case.args.join(" ").chars().take(120).collect::<String>(),
                elapsed.as_secs_f64(),
                problems.join("; "),
                tail.trim()
            ));
        }
    }
    // No input changed, whatever the case did.
    let inputs_after = snapshot(&dir.join("in"));
    let changed: Vec<_> = inputs_before
        .iter()
        .zip(&inputs_after)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.display().to_string())
        .collect();
    assert_eq!(
        inputs_before.len(),
        inputs_after.len(),
        "files appeared or vanished under in/"
    );
    assert!(changed.is_empty(), "inputs changed: {changed:?}");
    // The link written through still is a link, and its target holds the report.
    assert!(
        std::fs::symlink_metadata(dir.join("out/link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let target = std::fs::read_to_string(dir.join("out/target.txt")).unwrap();
    assert!(target.contains("power law"), "{target}");
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device_like()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `/dev/null` must still be a character device after the table ran (as root, replacing it
/// would have destroyed it for the whole machine).
trait CharDeviceLike {
    fn is_char_device_like(&self) -> bool;
}

impl CharDeviceLike for std::fs::FileType {
    fn is_char_device_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_char_device()
    }
}
