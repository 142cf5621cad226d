//! The cross-process engine lock and the engine switch, end to end.
//!
//! Unlicensed Symbolica aborts a second process that uses it at the same time. These tests run
//! several `renorm` processes at once on purpose: the engine lock must make them take turns.
//! Every test points its processes at a private lock directory (`RENORM_ENGINE_LOCK_DIR`) so
//! that it never waits for, or blocks, anyone else's processes on this machine; tests whose
//! processes may reach Symbolica also take `SYMBOLICA_USERS`, because two private directories
//! would not keep them apart. This test process itself never calls Symbolica: the only in-process
//! engine use is with the engine switched off.

use renorm::crosscheck::{self, CheckOptions, Identity, Status};
use renorm::symbolic::{self, Assumptions, EngineError, EngineMode};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static SYMBOLICA_USERS: Mutex<()> = Mutex::new(());

fn symbolica_turn() -> MutexGuard<'static, ()> {
    SYMBOLICA_USERS.lock().unwrap_or_else(|e| e.into_inner())
}

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/couplings/01_power_law_rational.toml"
);

fn private_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("renorm-engine-lock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `renorm` with a private lock directory and none of the engine variables inherited.
fn command(lock_dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_renorm"));
    c.args(args)
        .env("RENORM_ENGINE_LOCK_DIR", lock_dir)
        .env_remove("RENORM_ENGINE")
        .env_remove("RENORM_ENGINE_WAIT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn spawn(c: &mut Command) -> Child {
    c.spawn().expect("the renorm binary starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Takes the engine lock of `dir` the way another `renorm` process would hold it: an exclusive
/// lock on the lock file, with this process's pid in it.
fn hold_lock(dir: &Path) -> File {
    let path = symbolic::engine_lock_path_in(dir);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .unwrap();
    file.try_lock().expect("the private lock is free");
    file.set_len(0).unwrap();
    write!(
        file,
        "pid: {}\ncommand: engine_lock test holder\n",
        std::process::id()
    )
    .unwrap();
    file.flush().unwrap();
    file
}

fn holder_pid_text() -> String {
    format!("pid {}", std::process::id())
}

#[test]
fn four_concurrent_checks_take_turns_and_agree() {
    let _turn = symbolica_turn();
    let dir = private_dir("four");
    let children: Vec<Child> = (0..4)
        .map(|_| spawn(&mut command(&dir, &["check", SPEC, "--format", "json"])))
        .collect();
    let pids: Vec<String> = children.iter().map(|c| format!("pid {} ", c.id())).collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut waited = 0;
    for (i, out) in outputs.iter().enumerate() {
        let err = text(&out.stderr);
        // 134 would be Symbolica's SIGABRT of a concurrent second process.
        assert_eq!(
            out.status.code(),
            Some(0),
            "process {i}: {:?}\nstderr: {err}",
            out.status
        );
        if err.contains("is in use by") {
            waited += 1;
            assert!(
                pids.iter().any(|p| err.contains(p.as_str())),
                "process {i} names a holder that is none of {pids:?}: {err}"
            );
        }
    }
    // They started together and each check runs for a while: most had to wait their turn.
    assert!(waited >= 1, "no process reported waiting");
    let verdicts: Vec<serde_json::Value> = outputs
        .iter()
        .map(|o| serde_json::from_slice(&o.stdout).expect("stdout is pure JSON"))
        .collect();
    for (i, v) in verdicts.iter().enumerate() {
        assert_eq!(v["engine"], "on", "process {i}");
        assert_eq!(v["reports"][0]["verdict"]["class"], "power_law", "process {i}");
        assert_eq!(
            v["reports"][0]["checks"]["log_shift"]["degree"], "3/2",
            "process {i}"
        );
        for key in ["verdict", "checks", "confirmation", "expectations"] {
            assert_eq!(v[key], verdicts[0][key], "process {i} differs in {key}");
        }
        assert_eq!(
            outputs[i].stdout, outputs[0].stdout,
            "process {i}: stdout differs"
        );
    }
}

#[test]
fn a_busy_engine_fails_with_exit_3_naming_the_holder() {
    let _turn = symbolica_turn();
    let dir = private_dir("busy");
    let _held = hold_lock(&dir);
    let started = Instant::now();
    let out = command(&dir, &["check", SPEC, "--format", "json"])
        .env("RENORM_ENGINE_WAIT", "1")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    // Once while waiting, once in the final error.
    assert_eq!(err.matches(&holder_pid_text()).count(), 2, "{err}");
    assert!(err.contains("engine_lock test holder"), "{err}");
    assert!(err.contains("waiting up to 1 s"), "{err}");
    assert!(err.contains("RENORM_ENGINE_WAIT"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(elapsed >= Duration::from_secs(1), "gave up after {elapsed:?}");
}

#[test]
fn a_waiting_process_runs_once_the_holder_is_gone() {
    let _turn = symbolica_turn();
    let dir = private_dir("handover");
    let held = hold_lock(&dir);
    let mut child = spawn(
        command(&dir, &["identity", "(x+1)^2", "x^2+2*x+1", "--format", "json"])
            .env("RENORM_ENGINE_WAIT", "120")
            .env_remove("SYMBOLICA_LICENSE"),
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished while the lock was held"
    );
    drop(held);
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert_eq!(err.matches(&holder_pid_text()).count(), 1, "{err}");
    // The licence notice still reaches stderr, through the binary's notice handler.
    assert!(err.contains("runs unlicensed"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is pure JSON");
    assert_eq!(json["status"], "proved");
    assert_eq!(json["engine"], "on");
}

fn assert_numeric_only_check(out: &Output, how: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{how}: {err}");
    let stdout = text(&out.stdout);
    // Only exact rational proofs need no engine; the one such line in these runs is the
    // spec's degree claim `3/2 == 3/2` (text or JSON), decided in exact arithmetic.
    let engine_free = |line: &&str| line.contains("3/2 (proved)");
    assert!(
        !stdout
            .lines()
            .filter(|l| !engine_free(l))
            .any(|l| l.contains("proved")),
        "{how}: {stdout}"
    );
    assert!(!err.contains("unlicensed"), "{how}: the engine started: {err}");
}

#[test]
fn engine_off_runs_on_numeric_evidence_while_the_lock_is_held() {
    let dir = private_dir("off");
    let _held = hold_lock(&dir);
    // With no wait at all, any attempt to take the lock would fail at once with exit 3.
    let run = |args: &[&str], env_off: bool| {
        let mut c = command(&dir, args);
        c.env("RENORM_ENGINE_WAIT", "0");
        if env_off {
            c.env("RENORM_ENGINE", "off");
        }
        c.output().unwrap()
    };
    for (flag, env_off) in [(true, false), (false, true)] {
        let how = if flag { "--engine off" } else { "RENORM_ENGINE=off" };
        let with_flag = |args: &[&str]| -> Vec<String> {
            let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            if flag {
                v.extend(["--engine".to_string(), "off".to_string()]);
            }
            v
        };
        let args = with_flag(&["check", SPEC, "--format", "json"]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), env_off);
        assert_numeric_only_check(&out, how);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["engine"], "off", "{how}");
        let report = &json["reports"][0];
        assert_eq!(report["engine"], "off", "{how}");
        assert_eq!(report["checks"]["log_shift"]["status"], "confirmed", "{how}");
        assert_eq!(report["checks"]["time_rescaling"]["status"], "confirmed", "{how}");
        // The degree is recovered numerically, so the verdict and the claims still stand.
        assert_eq!(report["verdict"]["class"], "power_law", "{how}");
        assert_eq!(report["checks"]["log_shift"]["degree"], "3/2", "{how}");

        let args = with_flag(&["check", SPEC]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), env_off);
        assert_numeric_only_check(&out, how);
        assert!(
            text(&out.stdout).contains("engine:       off"),
            "{how}: {}",
            text(&out.stdout)
        );

        let args = with_flag(&["identity", "exp(x)^2", "exp(2*x)", "--format", "json"]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), env_off);
        assert_numeric_only_check(&out, how);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["status"], "confirmed", "{how}");
        assert_eq!(json["engine"], "off", "{how}");
        assert_eq!(json["symbolic"]["verdict"], "skipped", "{how}");

        // A rational identity is proved by the exact grid, which needs no engine.
        let args = with_flag(&["identity", "(x+1)^2", "x^2+2*x+1", "--format", "json"]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), env_off);
        assert_eq!(out.status.code(), Some(0), "{how}: {}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("unlicensed"),
            "{how}: the engine started"
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["status"], "proved", "{how}");
        assert_eq!(json["engine"], "off", "{how}");
        assert_eq!(json["symbolic"]["verdict"], "skipped", "{how}");
        assert_eq!(json["numeric"]["exact"]["points"], 3, "{how}");

        let args = with_flag(&["identity", "exp(x)^2", "exp(2*x)"]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), env_off);
        assert_numeric_only_check(&out, how);
        assert!(
            text(&out.stdout).contains("engine:   off"),
            "{how}: {}",
            text(&out.stdout)
        );

        // Commands that cannot do without the engine say so and exit 3.
        let proofs = concat!(env!("CARGO_MANIFEST_DIR"), "/proofs/gp_posterior.toml");
        let demo_dir = private_dir("off-demo");
        for args in [
            with_flag(&["prove", proofs]),
            with_flag(&["demo", "--out", demo_dir.to_str().unwrap()]),
        ] {
            let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), env_off);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{how} {args:?}: {err}");
            assert!(err.contains("needs the symbolic engine"), "{how} {args:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    // Finding a log-periodic field's period needs the engine: without it the search is
    // inconclusive, never "no period".
    let periodic = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/couplings/10_log_periodic.toml"
    );
    let out = run(&["check", periodic, "--format", "json", "--engine", "off"], false);
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the spec's [expect] claims cannot be met: {err}"
    );
    assert!(err.contains("expect.log_shift"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["engine"], "off");
    assert_eq!(json["reports"][0]["checks"]["log_shift"]["kind"], "undetermined");
    assert!(!text(&out.stdout).contains("proved"));
    // `--engine on` overrides the variable: the engine is wanted, the lock is held, no wait.
    let out = run(&["identity", "x", "x", "--engine", "on"], true);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&holder_pid_text()));
    // Neither flag nor variable: the engine is on by default, so the held lock fails it too.
    let out = run(&["identity", "x", "x"], false);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // A mistyped variable is a usage error, not silently `on`.
    let out = command(&dir, &["identity", "x", "x"])
        .env("RENORM_ENGINE", "of")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("RENORM_ENGINE"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_library_switched_off_never_reaches_the_engine() {
    // This process never uses the engine otherwise, so switching it off here is safe.
    symbolic::set_engine_mode(EngineMode::Off);
    assert_eq!(symbolic::engine_mode(), EngineMode::Off);
    let e = renorm::input::parse("(x+1)^2 - x^2 - 2*x - 1").unwrap();
    let none = Assumptions::none();
    assert_eq!(symbolic::start_engine(), Err(EngineError::Disabled));
    assert_eq!(symbolic::is_zero(&e, &none), Err(EngineError::Disabled));
    assert_eq!(symbolic::normalize(&e, &none), Err(EngineError::Disabled));
    assert_eq!(symbolic::expand(&e, &none), Err(EngineError::Disabled));
    assert_eq!(symbolic::derivative(&e, "x", &none), Err(EngineError::Disabled));
    assert_eq!(
        symbolic::substitute(&e, "x", &e, &none),
        Err(EngineError::Disabled)
    );
    assert_eq!(symbolic::to_text(&e, &none), Err(EngineError::Disabled));
    assert_eq!(symbolic::to_latex(&e, &none), Err(EngineError::Disabled));
    assert_eq!(symbolic::engine_version(), Err(EngineError::Disabled));

    let lhs = renorm::input::parse("exp(x)^2").unwrap();
    let rhs = renorm::input::parse("exp(2*x)").unwrap();
    let outcome = crosscheck::check(&Identity::new(lhs, rhs), &CheckOptions::default());
    assert_eq!(outcome.status, Status::Confirmed);
    assert_eq!(
        outcome.symbolic.verdict,
        renorm::crosscheck::SymbolicVerdict::Skipped
    );
    assert_eq!(outcome.engine, EngineMode::Off);
    assert!(outcome.to_text().contains("engine:   off"));
    // A rational identity is proved by the exact grid without the engine.
    let lhs = renorm::input::parse("(x+1)^2").unwrap();
    let rhs = renorm::input::parse("x^2+2*x+1").unwrap();
    let outcome = crosscheck::check(&Identity::new(lhs, rhs), &CheckOptions::default());
    assert_eq!(outcome.status, Status::Proved, "{}", outcome.to_text());
    assert!(outcome.numeric.exact.is_some());
    assert!(outcome.to_text().contains("engine:   off"));
}

#[test]
fn help_documents_the_lock_and_the_switch() {
    let out = Command::new(env!("CARGO_BIN_EXE_renorm"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in [
        "--engine <ENGINE>",
        "RENORM_ENGINE_WAIT",
        "RENORM_ENGINE_LOCK_DIR",
        "RENORM_ENGINE=off",
    ] {
        assert!(help.contains(needle), "missing {needle}: {help}");
    }
}
