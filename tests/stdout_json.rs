//! Standard output carries only the report: every command that can print JSON prints pure JSON,
//! even for inputs that make the symbolic engine log warnings (which it writes, ANSI-coloured,
//! to file descriptor 1).
//!
//! Unlicensed Symbolica aborts a second process that uses it at the same time, so these tests
//! run the binary strictly one at a time (a process-wide lock) and this test process never
//! touches the engine itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The statuses of docs/theory.md §4 (README, "Verdicts").
const STATUSES: [&str; 5] = [
    "proved",
    "confirmed",
    "refuted",
    "undetermined",
    "engine_disagreement",
];

/// The classes a `renorm check` verdict can have (README, spec `[expect] class`).
const CLASSES: [&str; 5] = [
    "power_law",
    "power_law_in_spectrum",
    "log_periodic",
    "not_power_law",
    "undetermined",
];

/// Identities that make the engine log, produce infinities or underflow, or trip its
/// simplifier.
const HOSTILE_IDENTITIES: [(&str, &str); 4] = [
    ("log(0)*x", "x"),
    ("exp(log(x)*log(y))", "0"),
    ("exp(log(x)*log(2))", "x"),
    ("1e-200*x + x", "x"),
];

/// Inline `check` specs of the same kind: expression, spectral variables, kind.
const HOSTILE_FIELDS: [(&str, &str, &str); 4] = [
    ("log(lam/mu)^2*lam*mu*t", "lam,mu", "coupling"),
    ("log(lam/mu)^3*lam", "lam,mu", "coupling"),
    ("abs(lam-100)*lam", "lam", "velocity"),
    ("lam^2*exp(-1/lam)", "lam", "velocity"),
];

fn renorm(args: &[&str]) -> Output {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    Command::new(env!("CARGO_BIN_EXE_renorm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the renorm binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output without any escape byte (no colour codes from anyone's logger).
fn assert_no_escape(out: &Output, what: &str) {
    assert!(
        !out.stdout.contains(&0x1b),
        "{what}: ESC byte on stdout:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Asserts the run succeeded and its standard output is exactly one JSON document, and returns
/// it.
fn json_stdout(out: &Output, what: &str) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(out));
    assert_no_escape(out, what);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("renorm-stdout-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join(dir))
        .expect("example folder")
        .map(|e| e.expect("folder entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn assert_check_report(json: &serde_json::Value, what: &str) {
    assert_eq!(json["schema"], "renorm.check/2", "{what}: {json}");
    assert_eq!(
        json["reports"].as_array().map(Vec::len),
        Some(1),
        "{what}: one spec, one report: {json}"
    );
    let class = json["reports"][0]["verdict"]["class"]
        .as_str()
        .unwrap_or_default();
    assert!(CLASSES.contains(&class), "{what}: verdict class {class:?}");
}

/// The regression itself: the engine logs a coloured `WARN … Created infinity by log(0)` for
/// this identity; it must not reach standard output (it may appear on stderr).
#[test]
fn engine_warning_stays_off_stdout() {
    let out = renorm(&["identity", "log(0)*x", "x", "--format", "json", "--points", "4"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !text.contains("WARN") && !text.contains("symbolica"),
        "engine log on stdout:\n{text}"
    );
    assert!(
        text.starts_with('{'),
        "stdout does not start with the report:\n{text}"
    );
    let json = json_stdout(&out, "identity log(0)*x == x");
    // ln 0 is undefined, so the left-hand side is nowhere defined: nothing can be decided.
    assert_eq!(json["status"], "undetermined", "{json}");
}

#[test]
fn check_json_for_every_gallery_spec() {
    let specs = toml_files("examples/couplings");
    assert!(specs.len() >= 19, "gallery has {} specs", specs.len());
    for spec in &specs {
        let what = format!("check {}", spec.display());
        let out = renorm(&["check", path_str(spec), "--format", "json", "--points", "4"]);
        assert_check_report(&json_stdout(&out, &what), &what);
    }
}

#[test]
fn check_json_for_hostile_fields() {
    for (expr, spectral, kind) in HOSTILE_FIELDS {
        let what = format!("check --expr {expr}");
        let out = renorm(&[
            "check",
            "--expr",
            expr,
            "--spectral",
            spectral,
            "--time",
            "t",
            "--kind",
            kind,
            "--format",
            "json",
            "--points",
            "4",
        ]);
        assert_check_report(&json_stdout(&out, &what), &what);
    }
}

#[test]
fn identity_json_for_hostile_formulas() {
    let mut pairs: Vec<(&str, &str)> = HOSTILE_IDENTITIES.to_vec();
    // Each hostile field against itself too: the engine sees the same logs and infinities.
    pairs.extend(HOSTILE_FIELDS.iter().map(|(expr, _, _)| (*expr, *expr)));
    for (lhs, rhs) in pairs {
        let what = format!("identity {lhs} == {rhs}");
        let json = json_stdout(
            &renorm(&["identity", lhs, rhs, "--format", "json", "--points", "4"]),
            &what,
        );
        let status = json["status"].as_str().unwrap_or_default();
        assert!(STATUSES.contains(&status), "{what}: status {status:?}");
    }
    // exp is never 0: certified by any witness point, whatever the engine makes of it.
    let json = json_stdout(
        &renorm(&[
            "identity",
            "exp(log(x)*log(y))",
            "0",
            "--format",
            "json",
            "--points",
            "4",
        ]),
        "identity exp(log(x)*log(y)) == 0",
    );
    assert_eq!(json["status"], "refuted", "{json}");
}

#[test]
fn parse_json_for_hostile_formulas() {
    let formulas = HOSTILE_IDENTITIES
        .iter()
        .flat_map(|(l, r)| [*l, *r])
        .chain(HOSTILE_FIELDS.iter().map(|(e, _, _)| *e));
    for formula in formulas {
        let what = format!("parse {formula}");
        let json = json_stdout(&renorm(&["parse", formula, "--format", "json"]), &what);
        assert_eq!(json["schema"], "renorm.parse/1", "{what}: {json}");
    }
}

#[test]
fn rg_json_for_every_model() {
    let json = json_stdout(
        &renorm(&[
            "rg",
            "curve",
            "--alpha",
            "1/5",
            "--beta",
            "3/10",
            "--p-over-r",
            "1e3",
            "--format",
            "json",
        ]),
        "rg curve",
    );
    assert_eq!(json["alpha"], "1/5", "{json}");
    let models = toml_files("examples/rg");
    assert!(!models.is_empty());
    for model in &models {
        let m = path_str(model);
        let what = format!("rg predict {m}");
        let json = json_stdout(&renorm(&["rg", "predict", m, "--format", "json"]), &what);
        assert!(json["rows"].is_array(), "{what}: {json}");
        let what = format!("rg classify {m}");
        let json = json_stdout(&renorm(&["rg", "classify", m, "--format", "json"]), &what);
        assert!(json["perturbations"].is_array(), "{what}: {json}");
    }
    // Transfer prints JSON without --sample; these models have P > 10 and a transferable U.
    for name in ["diagonal", "fig3_separable", "fig5_scaling", "u0_gp"] {
        let model = format!("{ROOT}/examples/rg/{name}.toml");
        let what = format!("rg transfer {name}");
        let json = json_stdout(&renorm(&["rg", "transfer", &model, "--p-prime", "10"]), &what);
        assert!(json["ell_star"].is_string(), "{what}: {json}");
    }
}

#[test]
fn conditions_json_for_a_fixture_run() {
    let run = format!("{ROOT}/tests/fixtures/rundata/small_run.npz");
    let json = json_stdout(
        &renorm(&["conditions", &run, "--format", "json"]),
        "conditions small_run.npz",
    );
    assert_eq!(json["schema"], "renorm.conditions/1", "{json}");
}

/// `prove` and `report` print a table and a path on stdout (their JSON goes to `--output`):
/// stdout is still only that, without colour, and the JSON files parse.
#[test]
fn prove_and_report_keep_stdout_to_their_output() {
    let dir = scratch_dir("prove");
    let prove_json = dir.join("prove.json");
    let proof = format!("{ROOT}/proofs/tree_level.toml");
    let out = renorm(&[
        "prove",
        &proof,
        "--points",
        "4",
        "--format",
        "json",
        "--output",
        path_str(&prove_json),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_no_escape(&out, "prove");
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        table.trim_end().ends_with("=> holds") && !table.contains("WARN"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&prove_json).expect("prove.json"))
            .expect("prove.json is JSON");
    assert_eq!(json["schema"], "renorm.prove/1");

    let bundle = dir.join("bundle.json");
    let out = renorm(&[
        "report",
        path_str(&dir),
        "--format",
        "json",
        "--output",
        path_str(&bundle),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_no_escape(&out, "report");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n", bundle.display())
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).expect("bundle.json"))
            .expect("bundle.json is JSON");
    assert_eq!(json["schema"], "renorm.report/1");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 13, item 5: `--format json` reaches standard output when there is no `--output` or it
/// is `-`: for `prove` (which printed its text tables instead), and through `--output -` for
/// every command that has one. Nothing named `-` is created.
#[test]
fn json_goes_to_stdout_without_output_or_with_dash() {
    let dir = scratch_dir("dash");
    let proof = format!("{ROOT}/proofs/tree_level.toml");
    for extra in [&[][..], &["--output", "-"]] {
        let args = [&["prove", &proof, "--points", "4", "--format", "json"][..], extra].concat();
        let json = json_stdout(&renorm(&args), &format!("{args:?}"));
        assert_eq!(json["schema"], "renorm.prove/1", "{json}");
        assert_eq!(json["proofs"][0]["passed"], true, "{json}");
    }
    let spec = format!("{ROOT}/examples/couplings/01_power_law_rational.toml");
    let json = json_stdout(
        &renorm(&[
            "check", &spec, "--format", "json", "--output", "-", "--points", "4",
        ]),
        "check --output -",
    );
    assert_check_report(&json, "check --output -");
    let run = format!("{ROOT}/tests/fixtures/rundata/small_run.npz");
    let json = json_stdout(
        &renorm(&["conditions", &run, "--format", "json", "--output", "-"]),
        "conditions --output -",
    );
    assert_eq!(json["schema"], "renorm.conditions/1", "{json}");
    let model = format!("{ROOT}/examples/rg/u0_gp.toml");
    let json = json_stdout(
        &renorm(&["rg", "predict", &model, "--format", "json", "--output", "-"]),
        "rg predict --output -",
    );
    assert_eq!(json["schema"], "renorm.rg.predict/1", "{json}");

    // `report DIR --output -`: the bundle on stdout, no bundle file in DIR.
    std::fs::write(
        dir.join("predict.json"),
        serde_json::to_string(&json).expect("JSON"),
    )
    .expect("predict.json");
    let out = renorm(&["report", path_str(&dir), "--format", "json", "--output", "-"]);
    let bundle = json_stdout(&out, "report --output -");
    assert_eq!(bundle["schema"], "renorm.report/1", "{bundle}");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("scratch folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["predict.json"]);
    let _ = std::fs::remove_dir_all(&dir);
}
