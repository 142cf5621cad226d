//! The engine thread and the channel that reaches it.

use super::convert::Context;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
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
}

type Job = Box<dyn FnOnce(&mut Context) + Send + 'static>;

static ENGINE: OnceLock<Result<mpsc::Sender<Job>, String>> = OnceLock::new();
static TIMEOUT_SECS: AtomicU64 = AtomicU64::new(60);

/// The current timeout for one engine request.
pub fn engine_timeout() -> Duration {
    Duration::from_secs(TIMEOUT_SECS.load(Ordering::Relaxed))
}

/// Sets the timeout for one engine request (default 60 s). A request that times out keeps the
/// engine thread busy until it finishes; later requests queue behind it.
pub fn set_engine_timeout(timeout: Duration) {
    TIMEOUT_SECS.store(timeout.as_secs().max(1), Ordering::Relaxed);
}

fn sender() -> Result<&'static mpsc::Sender<Job>, EngineError> {
    ENGINE
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("symbolica-engine".into())
                // Symbolica recurses on expression depth; give it room well beyond our limits.
                .stack_size(256 << 20)
                .spawn(move || {
                    if let Some(notice) = super::license_notice() {
                        eprintln!("{notice}");
                    }
                    let mut cx = Context::default();
                    for job in rx {
                        job(&mut cx);
                    }
                })
                .map(|_| tx)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| EngineError::Unavailable(e.clone()))
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
    sender()?
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

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
