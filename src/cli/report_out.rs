//! The report sink: where the CLI writes its report, so that standard output carries nothing
//! else.
//!
//! Libraries linked into the binary (the symbolic engine's logger among them) may write to file
//! descriptor 1 behind our back, which would corrupt `--format json` output. On unix, [`install`]
//! therefore moves the real standard output to a private descriptor (the sink) and points fd 1
//! at standard error: whatever anyone writes to fd 1 lands on stderr, and only what goes through
//! [`ReportOut`] reaches the real standard output. Elsewhere the sink is plain standard output.

use renorm::{Error, Result};
use std::io::Write;

#[cfg(unix)]
mod sink {
    use std::fs::File;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::sync::OnceLock;

    /// The real standard output, once [`install`] has moved it.
    pub(super) enum Sink {
        /// A close-on-exec duplicate of the original fd 1.
        Real(File),
        /// Fd 1 was closed when the process started: reports go nowhere, as `std::io::stdout`
        /// does for a closed descriptor.
        Closed,
    }

    pub(super) static SINK: OnceLock<Sink> = OnceLock::new();

    /// Duplicates fd 1 into the sink and points fd 1 at stderr (or at `/dev/null` if stderr is
    /// closed too), so that no library can write to the real standard output. Returns the sink.
    pub(super) fn redirect() -> Sink {
        // SAFETY: `fcntl(F_DUPFD_CLOEXEC)` and `dup2` take and return plain integers and touch no
        // memory of ours. The descriptor `fcntl` returns is new, so nothing else owns it and
        // `OwnedFd` may take it. `dup2` replaces fd 1 atomically; std's stdout refers to fd 1
        // only by number, so it stays valid (it now writes to stderr). The caller runs this
        // before any other thread exists, so no one writes to fd 1 while it changes.
        unsafe {
            let saved = libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3);
            let sink = if saved >= 0 {
                Sink::Real(File::from(OwnedFd::from_raw_fd(saved)))
            } else {
                Sink::Closed
            };
            if libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) < 0 {
                // No stderr either: fd 1 must still not reach the report (nor be reused by the
                // next file we open), so it becomes /dev/null; if even that fails, fd 1 is left
                // as it was and there is nothing better to do.
                if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
                    use std::os::fd::AsRawFd;
                    libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO);
                }
            }
            sink
        }
    }
}

/// Moves the real standard output to the report sink and points fd 1 at standard error (unix;
/// elsewhere this does nothing). Call once, first thing in `main`, before any thread exists;
/// later calls do nothing.
pub fn install() {
    #[cfg(unix)]
    if sink::SINK.get().is_none() {
        let _ = sink::SINK.set(sink::redirect());
    }
}

/// A writer to the report sink (the real standard output). Before [`install`] (and off unix)
/// it writes to `std::io::stdout`.
pub struct ReportOut;

impl Write for ReportOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        match sink::SINK.get() {
            Some(sink::Sink::Real(file)) => return (&*file).write(buf),
            Some(sink::Sink::Closed) => return Ok(buf.len()),
            None => {}
        }
        std::io::stdout().lock().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        #[cfg(unix)]
        match sink::SINK.get() {
            Some(sink::Sink::Real(file)) => return (&*file).flush(),
            Some(sink::Sink::Closed) => return Ok(()),
            None => {}
        }
        std::io::stdout().lock().flush()
    }
}

/// Whether the sink is a terminal (for colouring help text like clap would).
pub fn is_terminal() -> bool {
    use std::io::IsTerminal;
    #[cfg(unix)]
    match sink::SINK.get() {
        Some(sink::Sink::Real(file)) => return file.is_terminal(),
        Some(sink::Sink::Closed) => return false,
        None => {}
    }
    std::io::stdout().is_terminal()
}

/// Writes `text` to the report sink in one piece; a failure (a closed pipe, a full disk) is an
/// unwritable output, exit code 3.
pub fn emit(text: &str) -> Result<()> {
    emit_bytes(text.as_bytes())
}

/// Writes `bytes` (a report, or a binary run for `train --output -`) to the report sink; a
/// failure is an unwritable output, exit code 3.
pub fn emit_bytes(bytes: &[u8]) -> Result<()> {
    // A time limit never cuts a report short on standard output.
    let _whole = renorm::atomic_write::OutputPhase::begin();
    let mut out = ReportOut;
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::write("<stdout>", e))
}
