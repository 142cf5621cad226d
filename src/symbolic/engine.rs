//! The engine thread, the channel that reaches it, and the engine's switch.

use super::convert::Context;
use super::lock;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::Duration;

/// Why the engine could not answer. These are failures of the engine, never verdicts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The engine thread could not be started or has stopped.
    #[error("engine unavailable: {0}")]
    Unavailable(String),
    /// The engine did not answer within the timeout (see [`set_engine_timeout`]).
    #[error("engine did not answer within {0} s")]
    Timeout(u64),
    /// The engine panicked while handling the request; the message is Symbolica's.
    #[error("engine failed: {0}")]
    Panicked(String),
    /// The engine rejected the input (e.g. a symbol it cannot create).
    #[error("engine rejected the input: {0}")]
    Rejected(String),
    /// The engine produced something outside the input language (complex numbers, unevaluated
    /// derivatives of opaque functions, floating-point coefficients), so it cannot be returned
    /// as an [`crate::expr::Expr`].
    #[error("engine result is outside the input language: {0}")]
    Unrepresentable(String),
    /// Another process of the same user holds the engine lock (see [`super::engine_wait`]) and
    /// did not release it in time. Once this happened, later requests of this process fail the
    /// same way at once; [`start_engine`] tries again.
    #[error(
        "the symbolic engine is in use by {holder} and was not released within {waited_secs} s; \
         wait for that process to finish, set RENORM_ENGINE_WAIT to wait longer, or run with \
         RENORM_ENGINE=off (numeric evidence only)"
    )]
    Busy {
        /// The holding process as `pid N (command line)`, as far as the lock file says.
        holder: String,
        /// How long this process waited, in whole seconds.
        waited_secs: u64,
    },
    /// The engine is switched off ([`set_engine_mode`] with [`EngineMode::Off`], or
    /// `RENORM_ENGINE=off`): no Symbolica call is made.
    #[error("the symbolic engine is off (RENORM_ENGINE=off or --engine off): numeric evidence only")]
    Disabled,
}

/// Whether the symbolic engine may be used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineMode {
    /// The engine is used (started on first use).
    #[default]
    On,
    /// No engine: every symbolic function returns [`EngineError::Disabled`] without taking the
    /// engine lock, starting the engine thread or calling Symbolica.
    Off,
}

impl EngineMode {
    /// `on` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineMode::On => "on",
            EngineMode::Off => "off",
        }
    }
}

impl std::fmt::Display for EngineMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EngineMode {
    type Err = String;

    /// `on` or `off` (ASCII case-insensitive, surrounding blanks ignored).
    fn from_str(s: &str) -> Result<EngineMode, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" => Ok(EngineMode::On),
            "off" => Ok(EngineMode::Off),
            other => Err(format!("engine mode must be `on` or `off`, not `{other}`")),
        }
    }
}

/// Environment variable giving the initial [`EngineMode`] (`on` or `off`).
pub const MODE_ENV: &str = "RENORM_ENGINE";

const MODE_UNSET: u8 = 0;
const MODE_ON: u8 = 1;
const MODE_OFF: u8 = 2;
static MODE: AtomicU8 = AtomicU8::new(MODE_UNSET);

/// Switches the symbolic engine on or off for this process. Off takes effect for every later
/// request; an engine that already started keeps its thread and lock until the process exits.
pub fn set_engine_mode(mode: EngineMode) {
    MODE.store(
        match mode {
            EngineMode::On => MODE_ON,
            EngineMode::Off => MODE_OFF,
        },
        Ordering::Relaxed,
    );
}

/// The current engine mode: as set by [`set_engine_mode`], else `off` when the environment
/// variable `RENORM_ENGINE` is `off`, else `on`.
pub fn engine_mode() -> EngineMode {
    let code = match MODE.load(Ordering::Relaxed) {
        MODE_UNSET => {
            let from_env = match std::env::var(MODE_ENV).map(|v| v.parse::<EngineMode>()) {
                Ok(Ok(EngineMode::Off)) => MODE_OFF,
                _ => MODE_ON,
            };
            // A concurrent `set_engine_mode` wins over the environment.
            match MODE.compare_exchange(MODE_UNSET, from_env, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => from_env,
                Err(set) => set,
            }
        }
        code => code,
    };
    if code == MODE_OFF {
        EngineMode::Off
    } else {
        EngineMode::On
    }
}

type Job = Box<dyn FnOnce(&mut Context) + Send + 'static>;

enum State {
    NotStarted,
    Running {
        sender: mpsc::Sender<Job>,
        /// Held for the rest of the process; the engine thread never ends before it.
        _lock: Option<lock::Held>,
    },
    /// A start that failed; later requests report the same error at once instead of waiting
    /// for the lock again.
    Failed(EngineError),
}

static STATE: Mutex<State> = Mutex::new(State::NotStarted);
static TIMEOUT_SECS: AtomicU64 = AtomicU64::new(60);

/// The current timeout for one engine request.
pub fn engine_timeout() -> Duration {
    Duration::from_secs(TIMEOUT_SECS.load(Ordering::Relaxed))
}

/// Sets the timeout for one engine request (default 60 s). A request that times out keeps the
/// engine thread busy until it finishes; later requests queue behind it. Waiting for another
/// process's engine (see [`super::engine_wait`]) does not count against this timeout.
pub fn set_engine_timeout(timeout: Duration) {
    TIMEOUT_SECS.store(timeout.as_secs().max(1), Ordering::Relaxed);
}

/// Starts the engine now, if it is not running: takes the cross-process engine lock (waiting up
/// to [`super::engine_wait`] for another process to release it), then starts the engine thread.
/// Unlike an ordinary request, this retries after an earlier [`EngineError::Busy`].
///
/// Calling it is optional (requests start the engine on first use); it lets a program wait for
/// the engine, or fail, before it starts producing output.
pub fn start_engine() -> Result<(), EngineError> {
    sender(true).map(|_| ())
}

/// The channel to the engine thread, starting the engine on first use. The cross-process lock
/// is taken here, in the caller's thread and before any request is sent, so that waiting for
/// it never counts against a request's timeout.
fn sender(retry_busy: bool) -> Result<mpsc::Sender<Job>, EngineError> {
    if engine_mode() == EngineMode::Off {
        return Err(EngineError::Disabled);
    }
    // A panic elsewhere cannot leave the state half-written: every update is one assignment.
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    match &*state {
        State::Running { sender, .. } => return Ok(sender.clone()),
        State::Failed(EngineError::Busy { .. }) if retry_busy => {}
        State::Failed(e) => return Err(e.clone()),
        State::NotStarted => {}
    }
    let held = match lock::acquire(lock::engine_wait(), &super::notice) {
        Ok(held) => held,
        Err(e) => {
            *state = State::Failed(e.clone());
            return Err(e);
        }
    };
    if let Some(notice) = super::license_notice() {
        super::notice(notice);
    }
    let (tx, rx) = mpsc::channel::<Job>();
    quiet_engine_panics();
    let spawned = std::thread::Builder::new()
        .name(ENGINE_THREAD.into())
        // Symbolica recurses on expression depth; give it room well beyond our limits.
        .stack_size(256 << 20)
        .spawn(move || {
            let mut cx = Context::default();
            for job in rx {
                job(&mut cx);
            }
        });
    match spawned {
        Ok(_) => {
            *state = State::Running {
                sender: tx.clone(),
                _lock: held,
            };
            Ok(tx)
        }
        Err(e) => {
            let e = EngineError::Unavailable(e.to_string());
            *state = State::Failed(e.clone());
            Err(e)
        }
    }
}

/// Runs `f` on the engine thread and waits for its answer.
pub(super) fn run<T, F>(f: F) -> Result<T, EngineError>
where
    T: Send + 'static,
    F: FnOnce(&mut Context) -> Result<T, EngineError> + Send + 'static,
{
    let (reply_tx, reply_rx) = mpsc::sync_channel(1);
    let job: Job = Box::new(move |cx| {
        let result = panic::catch_unwind(AssertUnwindSafe(|| f(cx)))
            .unwrap_or_else(|payload| Err(EngineError::Panicked(panic_message(&payload))));
        // The caller may have timed out and gone; nobody to tell then.
        let _ = reply_tx.send(result);
    });
    sender(false)?
        .send(job)
        .map_err(|_| EngineError::Unavailable("engine thread has stopped".into()))?;
    let timeout = engine_timeout();
    match reply_rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(EngineError::Timeout(timeout.as_secs())),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(EngineError::Unavailable("engine thread has stopped".into()))
        }
    }
}

/// Name of the engine thread (the panic hook and the fuzz targets recognise it by it).
pub(crate) const ENGINE_THREAD: &str = "symbolica-engine";

/// Installs, once, a panic hook that keeps a panic on the engine thread to one line on stderr.
///
/// Such a panic is caught by [`run`] and becomes an [`EngineError::Panicked`], which the result
/// reports as a failed symbolic verdict (the numeric path decides then). The default hook would
/// print a multi-line message naming a file of the engine's sources (and a backtrace under
/// `RUST_BACKTRACE`) that reads as if renorm had crashed. Panics on every other thread still
/// reach the hook that was installed before.
fn quiet_engine_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(ENGINE_THREAD) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                eprintln!("renorm: the symbolic engine failed ({message}); reported as an engine failure");
            } else {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
