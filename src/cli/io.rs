//! The conventions every command follows (README, "CLI conventions"): `-` names standard input
//! (as an input) or standard output (as an output), inputs are read whole with a size bound,
//! standard input is read at most once per command, an output folder cannot be standard output,
//! and `--quiet` / `--no-progress` decide what besides warnings and errors reaches stderr.

use super::report_out;
use renorm::atomic_write::write_atomic;
use renorm::{Error, Result};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// The path that means standard input (as an input) or standard output (as an output).
pub const DASH: &str = "-";

/// How standard input is named in messages and error locations.
pub const STDIN_NAME: &str = "<stdin>";

/// Largest text document read (spec, model, proof or conditions spec): far above any real
/// one, and low enough that `cat /dev/zero | renorm check -` fails fast instead of exhausting
/// memory.
pub use renorm::files::MAX_DOCUMENT_BYTES;

/// Largest `.npz` run read from standard input. Unlike a file, which is read lazily, standard
/// input has to be held in memory whole (the archive reader seeks), so it is bounded.
pub const MAX_STDIN_RUN_BYTES: u64 = 1 << 30;

/// Whether `path` is `-` (standard input or output).
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == DASH
}

/// The name of an input in messages: [`STDIN_NAME`] for `-`, else the path.
pub fn input_name(path: &Path) -> String {
    if is_dash(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// The usage error for a second `-` input: standard input can only be read once.
fn stdin_twice() -> Error {
    Error::Usage("standard input (`-`) can be read only once per command: give at most one `-` input".into())
}

/// Fails with a usage error (exit 2) if more than one of `paths` is `-`. Commands call it
/// before any work, so that the mistake costs nothing; [`read_bounded`] enforces it again.
pub fn stdin_at_most_once<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<()> {
    if paths.into_iter().filter(|p| is_dash(p)).count() > 1 {
        return Err(stdin_twice());
    }
    Ok(())
}

/// Set once standard input has been read.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// An input read whole, or how large it was when it exceeded the bound.
pub enum Bounded {
    /// The whole input.
    Read(Vec<u8>),
    /// The input exceeded the limit; `size` is its size when known (a file), else the bytes
    /// read before stopping (standard input: the limit plus one).
    TooLong {
        /// Size in bytes (at least the limit plus one).
        size: u64,
    },
}

/// Reads the file at `path`, or standard input for `-`, reading at most `limit + 1` bytes: enough
/// to report the size problem without slurping an arbitrarily large input into memory.
///
/// Errors: [`Error::Io`] (exit 2) if it cannot be opened or read; [`Error::Usage`] if standard
/// input was already read by this command.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Bounded> {
    let reader: Box<dyn Read> = if is_dash(path) {
        if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
            return Err(stdin_twice());
        }
        Box::new(std::io::stdin().lock())
    } else {
        let file = renorm::files::open_input(path)?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if size > limit {
            return Ok(Bounded::TooLong { size });
        }
        Box::new(file)
    };
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(input_name(path), e))?;
    if bytes.len() as u64 > limit {
        let size = if is_dash(path) {
            bytes.len() as u64
        } else {
            std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len())
        };
        return Ok(Bounded::TooLong { size });
    }
    Ok(Bounded::Read(bytes))
}

/// Reads a text document (TOML spec, model, proof or conditions spec) from a file or, for `-`,
/// standard input, with the [`MAX_DOCUMENT_BYTES`] bound. Returns the text and the name to
/// locate its errors by ([`input_name`]).
pub fn read_document(path: &Path) -> Result<(String, String)> {
    let name = input_name(path);
    match read_bounded(path, MAX_DOCUMENT_BYTES)? {
        Bounded::Read(bytes) => String::from_utf8(bytes)
            .map(|text| (text, name.clone()))
            .map_err(|e| Error::io(name, std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
        Bounded::TooLong { size } => Err(Error::invalid(
            name,
            format!("{size} bytes is larger than the {MAX_DOCUMENT_BYTES}-byte limit for a document"),
        )),
    }
}

/// Reads a run (`.npz`) from a file or, for `-`, from standard input into memory (at most
/// [`MAX_STDIN_RUN_BYTES`]).
pub fn read_run(path: &Path) -> Result<renorm::rundata::RunData> {
    if !is_dash(path) {
        return renorm::rundata::read_npz(path);
    }
    match read_bounded(path, MAX_STDIN_RUN_BYTES)? {
        Bounded::Read(bytes) => renorm::rundata::read_npz_bytes(&bytes, STDIN_NAME),
        Bounded::TooLong { .. } => Err(Error::invalid(
            STDIN_NAME,
            format!(
                "a run on standard input is held in memory and may be at most {MAX_STDIN_RUN_BYTES} bytes; give larger runs as a file"
            ),
        )),
    }
}

/// Where a report goes: standard output (no `--output`, or `--output -`) or a file.
pub fn to_stdout(output: Option<&Path>) -> bool {
    output.is_none_or(is_dash)
}

/// Writes a report to `output` (atomically, creating missing parent folders), or to standard
/// output when there is no `--output` or it is `-` — never to a file named `-`.
pub fn write_output(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match output {
        Some(path) if !is_dash(path) => write_atomic(path, bytes),
        _ => report_out::emit_bytes(bytes),
    }
}

/// Fails with a usage error (exit 2) if an output folder is given as `-`: a folder of files
/// cannot be standard output.
pub fn output_folder(dir: &Path) -> Result<()> {
    if is_dash(dir) {
        return Err(Error::Usage(
            "--output -: this command writes a folder of files, and a folder cannot be standard output; give a folder path".into(),
        ));
    }
    Ok(())
}

/// `--quiet`: no informational lines on stderr.
static QUIET: AtomicBool = AtomicBool::new(false);
/// `--no-progress` (or `--quiet`): no progress bars.
static NO_PROGRESS: AtomicBool = AtomicBool::new(false);

/// Applies the global `--quiet` and `--no-progress` flags; `--quiet` implies `--no-progress`.
pub fn set_verbosity(quiet: bool, no_progress: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    NO_PROGRESS.store(quiet || no_progress, Ordering::Relaxed);
}

/// Whether `--quiet` is set.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether to draw a progress bar: not switched off, and stderr is a terminal (a bar in a log
/// file is noise).
pub fn progress_wanted() -> bool {
    use std::io::IsTerminal;
    !NO_PROGRESS.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

/// Prints an informational line (what was written where, what is being done) on stderr,
/// unless `--quiet`. Warnings and errors never go through here: they are always printed.
pub fn note(line: impl std::fmt::Display) {
    if !quiet() {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_is_standard_io_and_nothing_else_is() {
        assert!(is_dash(Path::new("-")));
        for other in ["--", "./-", "-x", ""] {
            assert!(!is_dash(Path::new(other)), "{other:?}");
        }
        assert_eq!(input_name(Path::new("-")), STDIN_NAME);
        assert!(to_stdout(None) && to_stdout(Some(Path::new("-"))));
        assert!(!to_stdout(Some(Path::new("./-"))));
    }

    #[test]
    fn two_dashes_are_a_usage_error() {
        let (a, b, c) = (Path::new("-"), Path::new("a.toml"), Path::new("-"));
        assert!(stdin_at_most_once([a, b]).is_ok());
        let err = stdin_at_most_once([a, b, c]).unwrap_err();
        assert_eq!(err.kind(), renorm::ErrorKind::InvalidInput, "{err:?}");
        assert!(output_folder(Path::new("-")).is_err());
        assert!(output_folder(Path::new("out")).is_ok());
    }

    #[test]
    fn bounded_reads_report_the_size() {
        let dir = std::env::temp_dir().join(format!("renorm-cli-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("doc.toml");
        std::fs::write(&file, b"0123456789").unwrap();
        assert!(matches!(read_bounded(&file, 10).unwrap(), Bounded::Read(b) if b == b"0123456789"));
        assert!(matches!(
            read_bounded(&file, 9).unwrap(),
            Bounded::TooLong { size: 10 }
        ));
        std::fs::write(&file, b"\xff\xfe").unwrap();
        let err = read_document(&file).unwrap_err();
        assert_eq!(err.kind(), renorm::ErrorKind::InvalidInput, "{err:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
