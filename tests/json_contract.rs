//! The JSON contract (README, "JSON contract"): every JSON document a command prints or writes
//! carries a top-level `schema` naming `renorm.<command>/<version>`, matches the JSON Schema
//! shipped in `schemas/<command>.schema.json`, and uses ASCII keys only; `renorm report`
//! recognises every one of them.
//!
//! The outputs are produced once, by running the binary on small inputs, and shared by the
//! tests. Unlicensed Symbolica aborts a second process that uses it at the same time, so the
//! binary runs strictly one at a time (a process-wide lock).
//!
//! `RENORM_CONTRACT_DUMP=DIR` also writes every collected output to `DIR` (to inspect them or
//! to redraft a schema after a deliberate change of shape).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

static SERIAL: Mutex<()> = Mutex::new(());

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn renorm(args: &[&str]) -> Output {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    Command::new(env!("CARGO_BIN_EXE_renorm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the renorm binary runs")
}

fn succeeded(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Standard output of a successful run, parsed as one JSON document.
fn stdout_json(args: &[&str]) -> Value {
    let what = args.join(" ");
    let out = renorm(args);
    succeeded(&out, &what);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn file_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn example(rel: &str) -> String {
    format!("{ROOT}/{rel}")
}

/// One JSON output: what produced it, and the document.
struct Doc {
    what: String,
    json: Value,
}

/// The run folder the outputs were collected in, and every output (the bundle of that folder
/// last).
struct Collected {
    docs: Vec<Doc>,
}

/// A small, fast sampler run (the estimates are flagged as too short; the shape is the point).
const TINY_SAMPLER: [&str; 11] = [
    "--dt",
    "1e-3",
    "--steps",
    "2e3",
    "--burn-in",
    "0",
    "--chains",
    "1",
    "--batches",
    "10",
    "--no-progress",
];

fn collect() -> Collected {
    let dir = std::env::temp_dir().join(format!("renorm-contract-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = dir.join("run");
    std::fs::create_dir_all(&run).expect("scratch folder");
    let mut docs: Vec<Doc> = Vec::new();
    // Standard-output documents are saved into the run folder, as a pipeline would, so that
    // `renorm report` bundles them with the files the commands write themselves.
    let mut keep = |file: &str, what: String, json: Value| {
        std::fs::write(run.join(file), format!("{json:#}")).expect("write output");
        docs.push(Doc { what, json });
    };

    let gallery = |n: &str| example(&format!("examples/couplings/{n}"));
    let one = gallery("01_power_law_rational.toml");
    let two = gallery("09_two_power_sum.toml");
    for (file, args) in [
        (
            "check-one.json",
            vec!["check", one.as_str(), "--points", "4", "--format", "json"],
        ),
        (
            "check-two.json",
            vec![
                "check",
                one.as_str(),
                two.as_str(),
                "--points",
                "4",
                "--format",
                "json",
            ],
        ),
        // Wrong time exponent: a time-rescaling witness with the factor κ (key `kappa`).
        (
            "check-kappa.json",
            vec![
                "check",
                "--expr",
                "lam^2*t^(-1)",
                "--spectral",
                "lam",
                "--time",
                "t",
                "--kind",
                "velocity",
                "--points",
                "4",
                "--format",
                "json",
            ],
        ),
        // Not rational: a log-shift witness at the shift σ (key `sigma`).
        (
            "check-sigma.json",
            vec![
                "check",
                "--expr",
                "lam/(1 + sqrt(lam))",
                "--spectral",
                "lam",
                "--kind",
                "coupling",
                "--points",
                "4",
                "--format",
                "json",
            ],
        ),
        (
            "identity-proved.json",
            vec!["identity", "(x+1)^2", "x^2+2*x+1", "--format", "json"],
        ),
        (
            "identity-refuted.json",
            vec![
                "identity",
                "exp(log(x)*log(y))",
                "0",
                "--points",
                "4",
                "--format",
                "json",
            ],
        ),
        ("parse.json", vec!["parse", "-x^2 + 3/2", "--format", "json"]),
        (
            "rg-curve.json",
            vec![
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
            ],
        ),
        // β/(1+α) ≥ 2: the bias continuum is undefined (nulls and `bias_undefined`).
        (
            "rg-curve-undefined.json",
            vec![
                "rg",
                "curve",
                "--alpha",
                "1/5",
                "--beta",
                "3",
                "--p-over-r",
                "1e3",
                "--format",
                "json",
            ],
        ),
    ] {
        let json = stdout_json(&args);
        keep(file, args.join(" "), json);
    }
    for model in ["fig3_separable", "diagonal", "u0_gp"] {
        let m = example(&format!("examples/rg/{model}.toml"));
        let args = ["rg", "predict", m.as_str(), "--format", "json"];
        keep(
            &format!("rg-predict-{model}.json"),
            args.join(" "),
            stdout_json(&args),
        );
        let args = ["rg", "classify", m.as_str(), "--format", "json"];
        keep(
            &format!("rg-classify-{model}.json"),
            args.join(" "),
            stdout_json(&args),
        );
        let args = ["rg", "transfer", m.as_str(), "--p-prime", "10"];
        keep(
            &format!("rg-transfer-{model}.json"),
            args.join(" "),
            stdout_json(&args),
        );
    }

    // Outputs written to files.
    let mut written = |what: String, args: Vec<&str>, files: &[(&Path, &str)]| {
        let out = renorm(&args);
        succeeded(&out, &what);
        for (path, name) in files {
            let json = file_json(path);
            std::fs::write(run.join(name), format!("{json:#}")).expect("copy output");
            docs.push(Doc {
                what: format!("{what}: {}", path.display()),
                json,
            });
        }
    };
    let proof = example("proofs/tree_level.toml");
    let npz = example("tests/fixtures/rundata/small_run.npz");
    let fig2 = example("examples/rg/fig2_flow.toml");
    let fig5 = example("examples/rg/fig5_scaling.toml");
    let prove = dir.join("prove.json");
    written(
        "prove".into(),
        vec![
            "prove",
            proof.as_str(),
            "--points",
            "4",
            "--format",
            "json",
            "--output",
            s(&prove),
        ],
        &[(&prove, "prove.json")],
    );
    let conditions = dir.join("conditions.json");
    written(
        "conditions".into(),
        vec![
            "conditions",
            npz.as_str(),
            "--format",
            "json",
            "--output",
            s(&conditions),
        ],
        &[(&conditions, "conditions.json")],
    );
    let flow = dir.join("flow");
    written(
        "rg flow".into(),
        vec![
            "rg",
            "flow",
            fig2.as_str(),
            "--points",
            "4",
            "--digits",
            "12",
            "--out",
            s(&flow),
        ],
        &[
            (&flow.join("trajectory.json"), "rg-flow-trajectory.json"),
            (&flow.join("fixed_points.json"), "rg-flow-fixed-points.json"),
        ],
    );
    let scaling = dir.join("scaling");
    written(
        "rg scaling".into(),
        vec![
            "rg",
            "scaling",
            fig5.as_str(),
            "--points",
            "3",
            "--out",
            s(&scaling),
        ],
        &[(&scaling.join("scaling.json"), "rg-scaling.json")],
    );
    let sample = dir.join("sample");
    let separable = example("examples/rg/fig3_separable.toml");
    let mut args = vec!["rg", "sample", separable.as_str()];
    args.extend(TINY_SAMPLER);
    args.extend(["--out", s(&sample)]);
    written(
        "rg sample".into(),
        args,
        &[(&sample.join("table.json"), "rg-sample.json")],
    );
    let transfer = dir.join("transfer");
    let mut args = vec![
        "rg",
        "transfer",
        separable.as_str(),
        "--p-prime",
        "10",
        "--sample",
    ];
    args.extend(TINY_SAMPLER);
    args.extend(["--out", s(&transfer)]);
    written(
        "rg transfer --sample".into(),
        args,
        &[(&transfer.join("transfer.json"), "rg-transfer-sampled.json")],
    );
    let demo = dir.join("demo");
    written(
        "demo".into(),
        vec!["demo", "--out", s(&demo)],
        &[(&demo.join("report.json"), "demo.json")],
    );

    // Training and sharded-experiment outputs, kept out of the run folder: `renorm report` does
    // not bundle run metadata or partial results (the merged table is the experiment's result).
    let train_npz = dir.join("train").join("run.npz");
    let out = renorm(&[
        "train",
        "--depth",
        "1",
        "--width",
        "4",
        "--samples",
        "6",
        "--input-dim",
        "2",
        "--steps",
        "10",
        "--checkpoints",
        "4",
        "--max-lambda-dt",
        "0.1",
        "--output",
        s(&train_npz),
    ]);
    succeeded(&out, "train");
    docs.push(Doc {
        what: "train: run.npz.meta.json".into(),
        json: file_json(&dir.join("train").join("run.npz.meta.json")),
    });
    let shard_args = tiny_experiment(&["--shard", "1/2"]);
    docs.push(Doc {
        what: "experiment lsi --shard 1/2".into(),
        json: stdout_json(&shard_args.iter().map(String::as_str).collect::<Vec<_>>()),
    });

    // The bundle of everything above: it must recognise every file (checked below).
    let bundle = dir.join("bundle.json");
    let out = renorm(&["report", s(&run), "--format", "json", "--output", s(&bundle)]);
    succeeded(&out, "report");
    let files = std::fs::read_dir(&run).expect("run folder").count();
    docs.push(Doc {
        what: "report".into(),
        json: file_json(&bundle),
    });
    let bundled = &docs[docs.len() - 1].json;
    assert_eq!(
        bundled["contents"].as_array().map(Vec::len),
        Some(files),
        "every output of the run folder is bundled: {bundled:#}"
    );
    assert_eq!(bundled["skipped"], serde_json::json!([]), "{bundled:#}");

    if let Some(dump) = std::env::var_os("RENORM_CONTRACT_DUMP") {
        let dump = PathBuf::from(dump);
        std::fs::create_dir_all(&dump).expect("dump folder");
        for (i, d) in docs.iter().enumerate() {
            let schema = d.json["schema"].as_str().unwrap_or("none").replace('/', "@");
            std::fs::write(
                dump.join(format!("{i:02}-{schema}.json")),
                format!("{:#}", d.json),
            )
            .expect("dump");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Collected { docs }
}

fn collected() -> &'static Collected {
    static ONCE: OnceLock<Collected> = OnceLock::new();
    ONCE.get_or_init(collect)
}

/// The compiled schemas, one per identifier of the contract.
struct Validator {
    schemas: boon::Schemas,
    index: Vec<(&'static str, boon::SchemaIndex)>,
}

impl Validator {
    fn new() -> Validator {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        let index = renorm::contract::ALL
            .iter()
            .map(|id| {
                let file = renorm::contract::schema_file(id).expect("a well-formed identifier");
                let path = Path::new(ROOT).join(&file);
                let idx = compiler
                    .compile(s(&path), &mut schemas)
                    .unwrap_or_else(|e| panic!("{file} does not compile: {e:#}"));
                (*id, idx)
            })
            .collect();
        Validator { schemas, index }
    }

    /// `Err` with the validator's explanation if `doc` does not match the schema its own
    /// `schema` field names (or names none of the contract).
    fn check(&self, doc: &Value) -> Result<(), String> {
        let id = doc["schema"].as_str().ok_or("no `schema` string")?;
        let (_, idx) = self
            .index
            .iter()
            .find(|(i, _)| *i == id)
            .ok_or_else(|| format!("`{id}` is not an identifier of the contract"))?;
        self.schemas.validate(doc, *idx).map_err(|e| format!("{e:#}"))
    }
}

#[test]
fn every_output_matches_its_schema() {
    let v = Validator::new();
    let mut seen = std::collections::BTreeSet::new();
    for d in &collected().docs {
        if let Err(e) = v.check(&d.json) {
            panic!("{}: {e}\n{:#}", d.what, d.json);
        }
        seen.insert(d.json["schema"].as_str().unwrap_or_default().to_string());
    }
    // Every identifier of the contract was exercised.
    let all: std::collections::BTreeSet<String> =
        renorm::contract::ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, all);
}

/// The schemas are strict enough to notice a change of shape: an undeclared key, anywhere the
/// output has an object with closed keys, and a missing required key, are both rejected.
#[test]
fn schemas_reject_a_gained_or_lost_key() {
    let v = Validator::new();
    for d in &collected().docs {
        let mut gained = d.json.clone();
        gained["undeclared_key"] = Value::from(1);
        assert!(
            v.check(&gained).is_err(),
            "{}: an undeclared top-level key passes",
            d.what
        );
        let Value::Object(map) = &d.json else {
            panic!("{}: not an object", d.what)
        };
        for key in map.keys() {
            let mut lost = d.json.clone();
            if let Value::Object(m) = &mut lost {
                m.remove(key);
            }
            assert!(
                v.check(&lost).is_err(),
                "{}: dropping the top-level key `{key}` passes",
                d.what
            );
        }
    }
    // Below the top level too: a check report that gains or loses a field.
    let check = collected()
        .docs
        .iter()
        .find(|d| d.json["schema"] == "renorm.check/2")
        .expect("a check output");
    let mut gained = check.json.clone();
    gained["reports"][0]["verdict"]["undeclared_key"] = Value::from(1);
    assert!(v.check(&gained).is_err(), "a nested undeclared key passes");
    let mut lost = check.json.clone();
    if let Some(Value::Object(verdict)) = lost["reports"][0].get_mut("verdict") {
        verdict.remove("class");
    }
    assert!(v.check(&lost).is_err(), "a nested missing key passes");
}

fn non_ascii_keys(path: &str, v: &Value, found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let here = format!("{path}/{k}");
                if !k.is_ascii() {
                    found.push(here.clone());
                }
                non_ascii_keys(&here, x, found);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                non_ascii_keys(&format!("{path}/{i}"), x, found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_key_is_ascii() {
    for d in &collected().docs {
        let mut found = Vec::new();
        non_ascii_keys("", &d.json, &mut found);
        assert!(found.is_empty(), "{}: non-ASCII keys {found:?}", d.what);
    }
    // The witnesses that used to be keyed `κ` and `σ` are among the outputs checked.
    let text: String = collected().docs.iter().map(|d| d.json.to_string()).collect();
    assert!(text.contains("\"kappa\":") && text.contains("\"sigma\":"));
}

/// Every schema file is one of the contract, names its identifier, and closes its top level.
#[test]
fn schema_files_name_their_identifier() {
    let dir = Path::new(ROOT).join("schemas");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("schemas/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".schema.json"))
        .collect();
    files.sort();
    let mut expected: Vec<String> = renorm::contract::ALL
        .iter()
        .filter_map(|id| renorm::contract::schema_file(id))
        .map(|f| f.trim_start_matches("schemas/").to_string())
        .collect();
    expected.sort();
    assert_eq!(files, expected);
    for id in renorm::contract::ALL {
        let file = renorm::contract::schema_file(id).expect("well-formed");
        let schema = file_json(&Path::new(ROOT).join(&file));
        assert_eq!(schema["title"], id, "{file}");
        assert_eq!(schema["properties"]["schema"]["const"], id, "{file}");
        assert_eq!(schema["additionalProperties"], false, "{file}");
        let required = schema["required"].as_array().expect("a required list");
        assert!(required.contains(&Value::from("schema")), "{file}");
    }
}

/// `renorm experiment lsi` on a 4-point grid of tiny runs, with `extra` arguments.
fn tiny_experiment(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "experiment",
        "lsi",
        "--depths",
        "1",
        "--widths",
        "3,4",
        "--seeds",
        "1",
        "--steps",
        "10",
        "--samples",
        "8",
        "--input-dim",
        "2",
        "--checkpoints",
        "5",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// Shards written by the binary, merged by the binary, give the unsharded table byte for byte;
/// an incomplete or duplicated set is refused with exit code 2.
#[test]
fn experiment_shards_merge_to_the_unsharded_table() {
    let dir = std::env::temp_dir().join(format!("renorm-shards-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: Vec<String>| renorm(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let whole = run(tiny_experiment(&[]));
    succeeded(&whole, "experiment lsi");
    let mut shards = Vec::new();
    for i in 1..=3 {
        let path = dir.join(format!("shard-{i}.json"));
        let out = run(tiny_experiment(&[
            "--shard",
            &format!("{i}/3"),
            "--output",
            s(&path),
        ]));
        succeeded(&out, "experiment lsi --shard");
        shards.push(path);
    }
    let table = dir.join("table.md");
    let mut merge: Vec<&str> = vec!["experiment", "merge"];
    merge.extend(shards.iter().map(|p| s(p)));
    merge.extend(["--output", s(&table)]);
    let merged = renorm(&merge);
    succeeded(&merged, "experiment merge");
    assert_eq!(
        String::from_utf8_lossy(&merged.stdout),
        String::from_utf8_lossy(&whole.stdout)
    );
    assert_eq!(std::fs::read(&table).expect("table written"), whole.stdout);
    for bad in [
        vec!["experiment", "merge", s(&shards[0]), s(&shards[1])],
        vec![
            "experiment",
            "merge",
            s(&shards[0]),
            s(&shards[1]),
            s(&shards[2]),
            s(&shards[1]),
        ],
    ] {
        let out = renorm(&bad);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
