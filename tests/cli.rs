//! End-to-end tests of the `renorm` binary.
//!
//! Unlicensed Symbolica aborts a second process that uses it at the same time, so these tests
//! run the binary strictly one at a time (a process-wide lock) and this test process never
//! touches the engine itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

fn renorm(args: &[&str]) -> Output {
    renorm_os(args.iter().map(|s| std::ffi::OsString::from(*s)).collect())
}

fn renorm_os(args: Vec<std::ffi::OsString>) -> Output {
    renorm_timed(args).0
}

/// Runs the binary and measures its own run time, not the wait for the other tests' runs.
fn renorm_timed(args: Vec<std::ffi::OsString>) -> (Output, Duration) {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_renorm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the renorm binary runs");
    (out, started.elapsed())
}

/// Runs the binary in `cwd` with `input` on its standard input.
fn renorm_with(args: &[&str], input: &[u8], cwd: &Path) -> Output {
    use std::io::Write;
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut child = Command::new(env!("CARGO_BIN_EXE_renorm"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the renorm binary runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    // A separate writer: the child may fill its stdout pipe before it reads all of its input,
    // or never read it at all (then the write fails, which is fine).
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("the renorm binary finishes");
    let _ = writer.join();
    out
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Arguments of a tiny, fast, deterministic training run (plus `extra`).
fn tiny_train<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "train",
        "--arch",
        "plain",
        "--depth",
        "2",
        "--width",
        "8",
        "--samples",
        "6",
        "--input-dim",
        "2",
        "--checkpoints",
        "4",
        "--steps",
        "12",
        "--seed",
        "7",
    ];
    args.extend_from_slice(extra);
    args
}

fn renorm_str_timed(args: &[&str]) -> (Output, Duration) {
    renorm_timed(args.iter().map(|s| std::ffi::OsString::from(*s)).collect())
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("renorm-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn help_and_version() {
    let help = renorm(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("demo"));
    assert!(stdout(&help).contains("SYMBOLICA_LICENSE"));
    let version = renorm(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
    assert_eq!(renorm(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn demo_writes_reports_and_keeps_stdout_clean() {
    let dir = scratch_dir("demo");
    let out = renorm(&["demo", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains("Symbolica instance"),
        "engine banner leaked to stdout: {text}"
    );
    assert!(text.contains("engine_disagreement"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "renorm.demo/2");
    assert!(
        std::fs::read_to_string(dir.join("report.md"))
            .unwrap()
            .contains("| identity |")
    );
    // Every theory citation in the HTML report is a relative link that resolves beside it: the
    // demo writes the document to docs/theory.md, and each linked anchor is defined there.
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let theory = std::fs::read_to_string(dir.join("docs").join("theory.md")).unwrap();
    let links: Vec<&str> = html
        .split(concat!("<a href=\"docs/theory.md", "#"))
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    for anchor in ["s4", "s3-4"] {
        assert!(links.contains(&anchor), "no link to #{anchor} in the HTML report");
    }
    for anchor in links {
        assert!(
            theory.contains(&format!("<a id=\"{anchor}\"></a>")),
            "the HTML report links to #{anchor}, which docs/theory.md does not define"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn identity_json_is_machine_readable() {
    let out = renorm(&["identity", "(x+1)^2", "x^2+2*x+1", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is pure JSON");
    assert_eq!(json["status"], "proved");
    assert_eq!(json["numeric"]["points_agreeing"], 8);
}

#[test]
fn failed_claims_exit_1() {
    let out = renorm(&["identity", "sin(x)", "x", "--expect-holds"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("claim does not hold"));
}

fn assert_located_error(out: &Output, needle: &str, took: Duration) {
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert!(err.contains(needle), "missing {needle:?} in {err}");
    assert!(err.contains(" --> "), "no location in {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn bad_input_exits_2_with_a_located_message() {
    for (input, needle) in [
        ("lam^^2", "1:5"),
        ("lam*foo(x)", "unknown function `foo`"),
        ("@@@ garbage ###", "unexpected character"),
        ("(a+b", "unclosed parenthesis"),
        ("2x", "missing operator"),
        ("x^99999", "constant exponent"),
    ] {
        let (out, took) = renorm_str_timed(&["parse", input]);
        assert_located_error(&out, needle, took);
    }

    let dir = scratch_dir("bad-input");
    let parens = dir.join("parens.txt");
    std::fs::write(&parens, "(".repeat(1 << 20)).unwrap();
    let (out, took) = renorm_str_timed(&["parse", "--file", parens.to_str().unwrap()]);
    assert_located_error(&out, "the limit is 65536 bytes", took);

    let deep = dir.join("deep.txt");
    std::fs::write(&deep, format!("{}x{}", "(".repeat(5000), ")".repeat(5000))).unwrap();
    let (out, took) = renorm_str_timed(&["parse", "--file", deep.to_str().unwrap()]);
    assert_located_error(&out, "nests deeper", took);
    let _ = std::fs::remove_dir_all(&dir);

    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let (out, took) = renorm_timed(vec![
            "parse".into(),
            std::ffi::OsString::from_vec(b"lam*\xff".to_vec()),
        ]);
        assert_located_error(&out, "not valid UTF-8", took);
        let out = renorm_os(vec![
            "identity".into(),
            std::ffi::OsString::from_vec(b"\xc3".to_vec()),
            "1".into(),
        ]);
        assert_eq!(out.status.code(), Some(2));
    }
}

#[test]
fn parse_echoes_how_the_input_was_read() {
    let out = renorm(&["parse", "-x^2 + 3/2", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["parsed"], "-x^2 + 3/2");
    assert_eq!(json["variables"][0], "x");
}

#[test]
fn check_reports_and_claims() {
    let gallery = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/couplings/01_power_law_rational.toml"
    );
    let out = renorm(&["check", gallery, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is pure JSON");
    assert_eq!(json["schema"], "renorm.check/2");
    assert_eq!(json["reports"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json["reports"][0]["verdict"]["class"], "power_law");
    assert_eq!(json["reports"][0]["checks"]["log_shift"]["degree"], "3/2");

    // A wrong claim exits 1 and names the claim.
    let dir = scratch_dir("check");
    let wrong = dir.join("wrong.toml");
    std::fs::write(
        &wrong,
        "name = \"wrong degree\"\nkind = \"velocity\"\nexpr = \"lam^2/t^0\"\nspectral = [\"lam\"]\ntime = \"t\"\n[expect]\ndegree = \"3\"\n",
    )
    .unwrap();
    let out = renorm(&["check", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("expect.degree"), "{}", stderr(&out));

    // Malformed specs exit 2 naming the field.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "kind = \"velocity\"\nexpr = \"lam^^2\"\nspectral = [\"lam\"]\n",
    )
    .unwrap();
    let out = renorm(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expr (value at line 2"), "{}", stderr(&out));

    // Reports are written atomically where asked, in every format.
    for (format, marker) in [
        ("md", "# renorm check report"),
        ("tex", "\\documentclass"),
        ("text", "verdict:"),
    ] {
        let target = dir.join(format!("report.{format}"));
        let out = renorm(&[
            "check",
            gallery,
            "--format",
            format,
            "--output",
            target.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(std::fs::read_to_string(&target).unwrap().contains(marker));
    }

    // The inline form.
    let out = renorm(&[
        "check",
        "--expr",
        "lam^2*exp(-lam*t)",
        "--spectral",
        "lam",
        "--time",
        "t",
        "--kind",
        "velocity",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("not_power_law"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn prove_names_the_failing_step_and_bundles_reports() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = scratch_dir("prove");
    let out = renorm(&[
        "prove",
        &format!("{root}/proofs"),
        "--format",
        "json",
        "--output",
        dir.join("prove.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("=> holds"));
    let bad = format!("{root}/tests/fixtures/proofs/wrong_sign.toml");
    let out = renorm(&["prove", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("wrong_sign.toml:1:"), "{}", stderr(&out));

    let gallery = format!("{root}/examples/couplings/10_log_periodic.toml");
    let out = renorm(&[
        "check",
        &gallery,
        "--format",
        "json",
        "--output",
        dir.join("check.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    for format in ["html", "md", "tex"] {
        let out = renorm(&["report", dir.to_str().unwrap(), "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = std::fs::read_to_string(dir.join(format!("bundle.{format}"))).unwrap();
        assert!(
            text.contains("Lemma 1") && text.contains("log-periodic"),
            "{format}"
        );
    }
    let html = std::fs::read_to_string(dir.join("bundle.html")).unwrap();
    assert!(html.contains("<nav>") && html.contains("<math") && !html.contains("<script"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn train_and_conditions_from_the_command_line() {
    let dir = scratch_dir("conditions");
    let run = dir.join("run.npz");
    let out = renorm(&[
        "train",
        "--depth",
        "2",
        "--width",
        "8",
        "--samples",
        "16",
        "--steps",
        "60",
        "--checkpoints",
        "12",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = dir.join("conditions.html");
    let out = renorm(&[
        "conditions",
        run.to_str().unwrap(),
        "--format",
        "html",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.join("coupling_heatmap.svg").exists() && dir.join("shell_energies.svg").exists());
    // The same figures as PDF, for LaTeX.
    let pdf = std::fs::read(dir.join("coupling_heatmap.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4") && dir.join("shell_energies.pdf").exists());
    let out = renorm(&["conditions", run.to_str().unwrap(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["schema"], "renorm.conditions/1");

    let bad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rundata/bad_nan_gram.npz"
    );
    let out = renorm(&["conditions", bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("gram[3, 1, 2]"), "{}", stderr(&out));
    let out = renorm(&["train", "--depth", "0", "--out", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// One case per exit code of the table in `--help`, the README and `renorm::error`.
#[test]
fn exit_codes_follow_the_error_kind() {
    let help = stdout(&renorm(&["--help"]));
    for line in [
        "0 success",
        "1 a checked claim does not hold",
        "2 invalid input or usage",
        "3 internal or numeric failure",
    ] {
        assert!(help.contains(line), "{line:?} missing from --help");
    }
    let dir = scratch_dir("exit-codes");
    let run = dir.join("run.npz");
    let tiny = |extra: &[&str], out: &str| -> Output {
        let mut args = vec![
            "train",
            "--arch",
            "plain",
            "--depth",
            "2",
            "--width",
            "8",
            "--samples",
            "6",
            "--input-dim",
            "2",
            "--checkpoints",
            "2",
            "--seed",
            "7",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        renorm(&args)
    };

    // 0: a run that trains and is written.
    let ok = tiny(&["--steps", "10"], run.to_str().unwrap());
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

    // 2: an input file that cannot be read is the user's problem.
    let missing = dir.join("no-such-spec.toml");
    let out = renorm(&["check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-spec.toml"), "{}", stderr(&out));

    // 3: an output that cannot be written (missing folders are created, but not below a
    // regular file).
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let unwritable = blocker.join("no-such-folder").join("run.npz");
    let out = tiny(&["--steps", "10"], unwritable.to_str().unwrap());
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));

    // 3: a numeric failure — training diverges at a huge step size (not the input's fault
    // syntactically: the config is valid, the computation fails).
    let out = tiny(&["--steps", "500", "--lr", "1e4"], run.to_str().unwrap());
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("diverged at step"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    // 1: covered by `failed_claims_exit_1`; here through a spec claim as well.
    let wrong = dir.join("wrong.toml");
    std::fs::write(
        &wrong,
        "name = \"wrong\"\nkind = \"velocity\"\nexpr = \"lam^2\"\nspectral = [\"lam\"]\ntime = \"t\"\n[expect]\ndegree = \"1\"\n",
    )
    .unwrap();
    let out = renorm(&["check", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue "outputs", item 5: shell completions and a man page, generated from the same command
/// definitions as `--help`. The bash script must be valid bash (`bash -n`) and complete every
/// subcommand; the man page must be roff that `groff` formats without warnings (where installed)
/// (with `-k`: UTF-8 input through preconv, as man-db does) and list the subcommands.
#[test]
fn completions_and_man_page_are_generated() {
    let out = renorm(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = stdout(&out);
    for sub in [
        "check",
        "prove",
        "conditions",
        "rg",
        "identity",
        "completions",
        "man",
    ] {
        assert!(script.contains(sub), "bash completion lacks `{sub}`");
    }
    let path = std::env::temp_dir().join(format!("renorm-completion-{}.bash", std::process::id()));
    std::fs::write(&path, &script).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = renorm(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(stdout(&out).contains("renorm"), "{shell}");
    }
    assert_eq!(renorm(&["completions", "tcsh"]).status.code(), Some(2));

    let out = renorm(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH renorm"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains("conditions") && page.contains("identity"));
    if let Ok(groff) = Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        let mut groff = groff;
        groff.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
        let done = groff.wait_with_output().unwrap();
        let warnings = String::from_utf8_lossy(&done.stderr);
        assert!(done.status.success() && warnings.trim().is_empty(), "{warnings}");
    }
}

/// Issue 13, item 5: `-` is standard input for a single-document input and standard output for
/// `--output`, never a file named `-`; standard input can be read only once.
#[test]
fn dash_means_standard_input_and_output() {
    let spec_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/couplings/01_power_law_rational.toml"
    );
    let spec = std::fs::read(spec_path).unwrap();
    let dir = scratch_dir("dash");

    // `check -` reads the spec from stdin: the same JSON as from the file.
    let from_file = renorm(&["check", spec_path, "--format", "json"]);
    assert_eq!(from_file.status.code(), Some(0), "{}", stderr(&from_file));
    let from_stdin = renorm_with(&["check", "-", "--format", "json"], &spec, &dir);
    assert_eq!(from_stdin.status.code(), Some(0), "{}", stderr(&from_stdin));
    let a: serde_json::Value = serde_json::from_slice(&from_file.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&from_stdin.stdout).unwrap();
    assert_eq!(a, b);

    // `--output -` writes the report to stdout and creates no file named `-`.
    let out = renorm_with(
        &["check", spec_path, "--format", "json", "--output", "-"],
        b"",
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json, a);
    assert_eq!(listing(&dir), Vec::<String>::new());

    // Standard input twice is a usage error, whatever the command.
    for args in [
        &["check", "-", "-"][..],
        &["conditions", "-", "--spec", "-"][..],
        &["prove", "-", "-"][..],
    ] {
        let out = renorm_with(args, &spec, &dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("only once"), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }

    // A proof on stdin; its cited files resolve relative to the current directory: they hold in
    // proofs/, and are missing elsewhere.
    let proofs = Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs");
    let proof = std::fs::read(proofs.join("lemma1_shell_balance.toml")).unwrap();
    let out = renorm_with(&["prove", "-", "--points", "2"], &proof, &proofs);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("<stdin>") && stdout(&out).contains("=> holds"));
    let out = renorm_with(&["prove", "-", "--points", "2"], &proof, &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("<stdin>:1: cites kato_couplings.toml"),
        "{}",
        stderr(&out)
    );

    // A formula file on stdin (as before), and a demo folder cannot be stdout.
    let out = renorm_with(&["parse", "--file", "-", "--format", "json"], b"x^2", &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = renorm_with(&["demo", "--output", "-"], b"", &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("folder cannot be standard output"),
        "{}",
        stderr(&out)
    );
    assert_eq!(listing(&dir), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A run written to stdout is byte for byte the file (runs are deterministic given the seed), and
/// `conditions -` reads it back from stdin; `--output` creates missing folders.
#[test]
fn runs_travel_through_pipes_and_outputs_create_folders() {
    let dir = scratch_dir("pipes");
    let nested = dir.join("a").join("b").join("run.npz");
    let out = renorm(&tiny_train(&["--output", nested.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = std::fs::read(&nested).expect("train created the nested folders");
    let out = renorm_with(&tiny_train(&["--output", "-"]), b"", &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"PK"), "not a zip archive on stdout");
    assert!(out.stdout == file, "the run on stdout differs from the file");
    assert_eq!(listing(&dir), ["a"]);

    let from_stdin = renorm_with(&["conditions", "-", "--format", "json"], &out.stdout, &dir);
    assert_eq!(from_stdin.status.code(), Some(0), "{}", stderr(&from_stdin));
    let json: serde_json::Value = serde_json::from_slice(&from_stdin.stdout).expect("JSON");
    assert_eq!(json["schema"], "renorm.conditions/1");
    let from_file = renorm(&["conditions", nested.to_str().unwrap(), "--format", "json"]);
    let mut file_json: serde_json::Value = serde_json::from_slice(&from_file.stdout).expect("JSON");
    // Only the run's name differs.
    let name = |v: &mut serde_json::Value| v.as_object_mut().and_then(|o| o.remove("run"));
    let mut stdin_json = json.clone();
    assert_eq!(
        name(&mut stdin_json),
        Some(serde_json::json!("<stdin>")),
        "{json}"
    );
    name(&mut file_json);
    assert_eq!(stdin_json, file_json);

    // Reports into missing folders: check, conditions (with its plots beside the report).
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/couplings/01_power_law_rational.toml"
    );
    let report = dir.join("x").join("y").join("check.md");
    let out = renorm(&[
        "check",
        spec,
        "--format",
        "md",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("# renorm check report")
    );
    let report = dir.join("c").join("conditions.md");
    let out = renorm(&[
        "conditions",
        nested.to_str().unwrap(),
        "--format",
        "md",
        "--out",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(report.exists() && dir.join("c").join("shell_energies.svg").exists());
    // Commands that only printed now take --output too.
    let target = dir.join("i").join("identity.json");
    let out = renorm(&[
        "identity",
        "(x+1)^2",
        "x^2+2*x+1",
        "--format",
        "json",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(json["status"], "proved");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--quiet` and `--no-progress` are global: accepted by every command, before or after it.
/// `--quiet` silences informational lines (`training …`, `wrote …`), never warnings.
#[test]
fn quiet_and_no_progress_are_global() {
    let dir = scratch_dir("quiet");
    let run = dir.join("run.npz");
    for flags in [&["--no-progress"][..], &["--quiet"], &["-q", "--no-progress"]] {
        let out = renorm(&tiny_train(
            &[&["--output", run.to_str().unwrap()], flags].concat(),
        ));
        assert_eq!(out.status.code(), Some(0), "{flags:?}: {}", stderr(&out));
    }
    let out = renorm(&["--no-progress", "demo", "--out", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("folder cannot be standard output"),
        "{}",
        stderr(&out)
    );

    // The experiment's `training …` lines are informational; its table still goes to stdout and
    // to --output (the smallest configuration the experiment accepts, to stay fast).
    let table = dir.join("t").join("lsi.md");
    let out = renorm(&[
        "experiment",
        "lsi",
        "--depths",
        "1",
        "--seeds",
        "1",
        "--width",
        "2",
        "--steps",
        "49",
        "--quiet",
        "--output",
        table.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("training"), "{}", stderr(&out));
    assert!(stdout(&out).contains("| plain | 1 |"), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&table).unwrap(), stdout(&out));

    // `wrote …` goes with --quiet (and is there without it).
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rg/u0_gp.toml");
    let flow = dir.join("flow");
    let flow_args = [
        "rg",
        "flow",
        model,
        "--points",
        "4",
        "--output",
        flow.to_str().unwrap(),
    ];
    let loud = renorm(&flow_args);
    assert_eq!(loud.status.code(), Some(0), "{}", stderr(&loud));
    assert!(stderr(&loud).contains("wrote "), "{}", stderr(&loud));
    let quiet = renorm(&[&flow_args[..], &["--quiet"]].concat());
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "");
    assert_eq!(stdout(&quiet), stdout(&loud));

    // Warnings survive --quiet.
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/rg/validity/u3.toml");
    let out = renorm(&["rg", "predict", model, "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("renorm: warning: unphysical"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
