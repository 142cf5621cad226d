//! Differential fuzzing of the identity check: the symbolic engine (Symbolica) against the
//! independent MPFR numeric path, combined by `renorm::crosscheck::check` into a
//! docs/theory.md §4 status.
//!
//! The input bytes decode into a small formula tree `f` over the positive variables `lam` and
//! `t` (+ − * / ^ with small rational powers, exp, log, sqrt, abs, negation, small rational
//! literals). From `f` the target builds
//!
//! * a **true** identity `lhs == rhs` by an algebraic rewrite that holds wherever both sides
//!   are defined (`f == f*1`, `f == (f+1)-1`, `f == exp(log(f))`, `exp(f+1) == exp(f)*exp(1)`,
//!   commutativity, distributivity, …), and
//! * a **false** one, `lhs == rhs + eps` with a nonzero perturbation `eps` (`1/1000`, `10^-k`
//!   up to `10^-40`, `lam/1000`), which differs from the true one wherever it is defined.
//!
//! and asserts the soundness contract of the status rule:
//!
//! * a true identity is never `refuted` nor `engine_disagreement` (both need a *certified*
//!   numeric witness, which cannot exist) — `proved`, `confirmed` or `undetermined` are fine;
//! * a false identity is never `proved` nor `confirmed` — `refuted`, `undetermined` or
//!   `engine_disagreement` (the engine wrongly said zero and the numeric path caught it) are
//!   fine. The perturbation is an explicit summand, so the precision rule must resolve it.
//!
//! The engine is ON here. Unlicensed Symbolica allows one engine thread per user, so this
//! target must run as ONE process (no `-fork`, no `-jobs`), under
//! `flock /tmp/renorm-symbolica.lock` (fuzz/run.sh does this). renorm's own engine lock makes
//! a second renorm process wait rather than start a second engine.
//!
//! Set `RENORM_FUZZ_LOG=1` to print every engine disagreement (a Symbolica reduction of a false
//! identity to 0 that the numeric path refuted), engine failure and engine panic to stderr;
//! they are not failures. A panic on the engine thread is not a crash here: renorm catches it
//! and reports the engine as failed (src/symbolic/engine.rs), so the target lets it unwind.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::crosscheck::{self, CheckOptions, Identity, Status, SymbolicVerdict};
use renorm::expr::{BinOp, Expr, Func};
use renorm::symbolic::{EngineMode, set_engine_mode, set_engine_timeout, start_engine};
use rug::Rational;
use rug::ops::Pow;
use std::time::Duration;

/// Most nodes of the generated `f` (the identities built from it are at most ~3× larger).
const MAX_NODES: u32 = 24;
/// Deepest nesting of the generated `f`.
const MAX_DEPTH: u32 = 6;

struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bytes<'_> {
    fn next(&mut self) -> Option<u8> {
        let b = self.data.get(self.pos).copied();
        self.pos += 1;
        b
    }
}

fn q(n: i64, d: i64) -> Expr {
    Expr::rational(&Rational::from((n, d)))
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::Bin(op, Box::new(a), Box::new(b))
}

fn leaf(b: u8) -> Expr {
    match b % 5 {
        0 | 1 => Expr::var("lam"),
        2 => Expr::var("t"),
        // Small positive rationals 1/1 … 7/3.
        3 => q(i64::from(b / 5 % 7) + 1, i64::from(b / 35 % 3) + 1),
        // Small integers 0 … 4 (0 makes divisions and logs undefined somewhere: fine).
        _ => q(i64::from(b / 5 % 5), 1),
    }
}

/// Decodes a tree; `budget` bounds the total node count.
fn tree(bytes: &mut Bytes, depth: u32, budget: &mut u32) -> Expr {
    let Some(b) = bytes.next() else { return Expr::var("lam") };
    if depth == 0 || *budget <= 2 {
        return leaf(b);
    }
    *budget -= 1;
    let sub = |bytes: &mut Bytes, budget: &mut u32| tree(bytes, depth - 1, budget);
    match b % 16 {
        0..=3 => leaf(b / 16),
        4 | 14 => {
            let (x, y) = (sub(bytes, budget), sub(bytes, budget));
            bin(BinOp::Add, x, y)
        }
        5 => {
            let (x, y) = (sub(bytes, budget), sub(bytes, budget));
            bin(BinOp::Sub, x, y)
        }
        6 | 15 => {
            let (x, y) = (sub(bytes, budget), sub(bytes, budget));
            bin(BinOp::Mul, x, y)
        }
        7 => {
            let (x, y) = (sub(bytes, budget), sub(bytes, budget));
            bin(BinOp::Div, x, y)
        }
        8 => {
            // Small rational power p/q, p in -3..=3, q in 1..=3.
            let x = sub(bytes, budget);
            let e = bytes.next().unwrap_or(0);
            let p = i64::from(e % 7) - 3;
            let d = i64::from(e / 7 % 3) + 1;
            x.pow(q(p, d))
        }
        9 => sub(bytes, budget).call(Func::Exp),
        10 => sub(bytes, budget).call(Func::Log),
        11 => sub(bytes, budget).call(Func::Sqrt),
        12 => -sub(bytes, budget),
        _ => sub(bytes, budget).call(Func::Abs),
    }
}

/// A true identity built from `f` (and a second tree `h` for the two-tree rewrites).
fn rewrite(kind: u8, f: Expr, h: Expr) -> (Expr, Expr, &'static str) {
    let one = || q(1, 1);
    let two = || q(2, 1);
    match kind % 16 {
        0 => (f.clone(), f * one(), "f == f*1"),
        1 => (f.clone(), (f + one()) - one(), "f == (f+1)-1"),
        2 => (f.clone(), f.call(Func::Log).call(Func::Exp), "f == exp(log(f))"),
        3 => (f.clone(), f.call(Func::Exp).call(Func::Log), "f == log(exp(f))"),
        4 => (f.clone(), (f + Expr::var("lam")) - Expr::var("lam"), "f == (f+lam)-lam"),
        5 => (f.clone(), (two() * f) / two(), "f == (2*f)/2"),
        6 => (f.clone(), f.clone().pow(two()) / f, "f == f^2/f"),
        7 => (f.clone().call(Func::Abs), f.pow(two()).call(Func::Sqrt), "abs(f) == sqrt(f^2)"),
        8 => (f.clone(), f.call(Func::Sqrt).pow(two()), "f == sqrt(f)^2"),
        9 => (f.clone(), one() / (one() / f), "f == 1/(1/f)"),
        10 => (
            (f.clone() + one()).call(Func::Exp),
            f.call(Func::Exp) * one().call(Func::Exp),
            "exp(f+1) == exp(f)*exp(1)",
        ),
        11 => (
            f.clone().pow(two()).call(Func::Log),
            two() * f.call(Func::Abs).call(Func::Log),
            "log(f^2) == 2*log(abs(f))",
        ),
        12 => (f.clone() * h.clone(), h * f, "f*h == h*f"),
        13 => (f.clone() + h.clone(), h + f, "f+h == h+f"),
        14 => (
            f.clone() * (h.clone() + one()),
            f.clone() * h + f,
            "f*(h+1) == f*h + f",
        ),
        _ => (f.clone() - h.clone(), -(h - f), "f-h == -(h-f)"),
    }
}

/// A nonzero perturbation.
fn perturbation(b: u8) -> (Expr, String) {
    match b % 4 {
        0 => (q(1, 1000), "1/1000".into()),
        1 => (Expr::var("lam") / q(1000, 1), "lam/1000".into()),
        _ => {
            let k = u32::from(b / 4 % 40) + 1;
            let ten = rug::Integer::from(10).pow(k);
            (
                Expr::rational(&Rational::from((rug::Integer::from(1), ten))),
                format!("10^-{k}"),
            )
        }
    }
}

fn options() -> CheckOptions {
    CheckOptions {
        digits: 20,
        points: 4,
        seed: 0x0d1f_f00d,
        use_symbolic: true,
        max_digits: 400,
    }
}

fn log_enabled() -> bool {
    std::env::var_os("RENORM_FUZZ_LOG").is_some()
}

/// Name of renorm's engine thread (src/symbolic/engine.rs).
const ENGINE_THREAD: &str = "symbolica-engine";

fuzz_target!(
    init: {
        // libfuzzer-sys aborts on every panic, before unwinding. A panic *inside the engine*
        // is caught by renorm (`catch_unwind` on the engine thread) and becomes an
        // `EngineError::Panicked` — a `failed` symbolic verdict, by design — so on that thread
        // only, let it unwind; everywhere else keep libFuzzer's abort.
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(ENGINE_THREAD) {
                if log_enabled() {
                    eprintln!("differential: engine panic (caught by renorm): {info}");
                }
                return;
            }
            abort_hook(info);
        }));
        set_engine_mode(EngineMode::On);
        let secs = std::env::var("RENORM_FUZZ_ENGINE_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(60);
        set_engine_timeout(Duration::from_secs(secs));
        // Take the engine lock (and wait for another renorm process) before libFuzzer's
        // per-input timer runs — but not in a libFuzzer parent that only drives child
        // processes (merge/cmin, crash minimisation/tmin, fork/jobs): the engine it held would
        // keep its children waiting for renorm's engine lock. They start it on first use.
        let driver_only = std::env::args().skip(1).any(|a| {
            ["-merge=", "-set_cover_merge=", "-minimize_crash=", "-fork=", "-jobs=", "-workers="]
                .iter()
                .any(|flag| a.starts_with(flag) && !a.ends_with("=0"))
        });
        if !driver_only
            && let Err(e) = start_engine()
        {
            eprintln!("differential: the symbolic engine is unavailable: {e}");
            std::process::exit(2);
        }
    },
    |data: &[u8]| {
        if data.len() < 3 {
            return;
        }
        let (kind, eps_byte) = (data[0], data[1]);
        let mut bytes = Bytes { data: &data[2..], pos: 0 };
        let mut budget = MAX_NODES;
        let f = tree(&mut bytes, MAX_DEPTH, &mut budget);
        let mut budget = 6;
        let h = tree(&mut bytes, 2, &mut budget);
        let (lhs, rhs, rule) = rewrite(kind, f, h);
        let options = options();

        let truth = crosscheck::check(&Identity::new(lhs.clone(), rhs.clone()), &options);
        assert!(
            !matches!(truth.status, Status::Refuted | Status::EngineDisagreement),
            "a TRUE identity ({rule}) got status {}:\n{}",
            truth.status,
            truth.to_text()
        );
        check_evidence(&truth);

        let (eps, eps_text) = perturbation(eps_byte);
        let false_rhs = bin(BinOp::Add, rhs, eps);
        let lie = crosscheck::check(&Identity::new(lhs, false_rhs), &options);
        assert!(
            !lie.status.holds(),
            "a FALSE identity ({rule}, perturbed by + {eps_text}) got status {}:\n{}",
            lie.status,
            lie.to_text()
        );
        check_evidence(&lie);
        if log_enabled() {
            for o in [&truth, &lie] {
                if let Some(err) = &o.symbolic.error {
                    eprintln!("differential: engine failed ({err}) on {}: {}", o.identity, o.status);
                }
            }
        }
        if log_enabled() && lie.symbolic.verdict == SymbolicVerdict::Zero {
            eprintln!(
                "differential: engine reduced a false identity to 0 (caught as {}): {}",
                lie.status, lie.identity
            );
        }
    }
);

/// The status must follow from the evidence (docs/theory.md §4 table).
fn check_evidence(o: &crosscheck::Outcome) {
    let n = &o.numeric;
    match o.status {
        Status::Proved => assert!(
            n.witness.is_none() && (o.symbolic.says_zero() || n.exact.is_some()),
            "proved without engine zero or exact proof:\n{}",
            o.to_text()
        ),
        Status::Confirmed => assert!(
            n.witness.is_none() && n.points_agreeing >= n.points_requested,
            "confirmed without agreement at every point:\n{}",
            o.to_text()
        ),
        Status::Refuted => assert!(n.witness.is_some(), "refuted without witness:\n{}", o.to_text()),
        Status::EngineDisagreement => assert!(
            n.witness.is_some() && o.symbolic.says_zero(),
            "engine_disagreement without both:\n{}",
            o.to_text()
        ),
        Status::Undetermined => {}
    }
}
