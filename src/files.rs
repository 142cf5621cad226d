//! The file-system boundary. Inputs are regular files, opened without blocking (a FIFO or a
//! device is refused, never waited on) and read with a size bound; outputs replace only regular
//! files, never an input of the same process.
//!
//! Every input opened through [`open_input`] is remembered (by device and inode, so a second name
//! or a hard link is recognised) for the life of the process; [`output_target`] refuses to write
//! over any of them. A command-line run is one command per process; in a long-lived process (the
//! Python module) a file read as an input earlier stays protected from being overwritten by a
//! report later, which is the safe mistake to make.

use crate::error::{Error, Result};
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Largest text document read (spec, model, proof, conditions spec, JSON output bundled by
/// `renorm report`): far above any real one, low enough that a hostile input fails fast instead
/// of exhausting memory.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;

/// The identity of a file independent of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    fn of(meta: &Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    #[cfg(not(unix))]
    fn of(_meta: &Metadata) -> Option<FileId> {
        None
    }
}

/// The inputs opened so far, when protection is on.
struct Inputs {
    active: AtomicBool,
    ids: Mutex<Vec<FileId>>,
}

impl Inputs {
    const fn new() -> Inputs {
        Inputs {
            active: AtomicBool::new(false),
            ids: Mutex::new(Vec::new()),
        }
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, Vec<FileId>> {
        self.ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember(&self, meta: &Metadata) {
        if let Some(id) = FileId::of(meta)
            && self.active.load(Ordering::Relaxed)
        {
            let mut ids = self.ids();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }

    fn contains(&self, meta: &Metadata) -> bool {
        FileId::of(meta).is_some_and(|id| self.ids().contains(&id))
    }
}

/// The process's inputs (see [`protect_inputs`]).
static INPUTS: Inputs = Inputs::new();

/// From now on, remember every input [`open_input`] opens and refuse it as an output. The
/// binary turns this on for its one command; a library user (a long-lived process that may
/// legitimately rewrite a file it read an hour ago) decides for itself.
pub fn protect_inputs() {
    INPUTS.active.store(true, Ordering::Relaxed);
}

/// Forgets that `path` was read as an input: for a file a command opened only to find it is
/// not one of its inputs (`renorm report` meeting an earlier bundle it is about to replace).
pub fn release_input(path: &Path) {
    if let Some(id) = std::fs::metadata(path).ok().as_ref().and_then(FileId::of) {
        INPUTS.ids().retain(|known| *known != id);
    }
}

/// What kind of file `meta` describes, in words, for messages.
fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// Opens an input file for reading. Refuses (as [`Error::InvalidInput`] on `path`) anything that
/// is not a regular file after following links — a folder, FIFO, device or socket — without
/// blocking on it, and remembers the file as an input of this process.
///
/// Errors: [`Error::Io`] if it cannot be opened; [`Error::InvalidInput`] if it is not a regular
/// file.
pub fn open_input(path: &Path) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Opening a FIFO for reading blocks until a writer appears; non-blocking, it returns at
        // once and is refused below. For a regular file the flag changes nothing.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.file_type().is_file() {
        return Err(Error::invalid(
            path.display().to_string(),
            format!(
                "is {}, not a regular file: inputs are read from regular files (or standard input, `-`)",
                kind_of(&meta)
            ),
        ));
    }
    INPUTS.remember(&meta);
    Ok(file)
}

/// Reads the regular file at `path` whole, refusing it (before reading) if it is larger than
/// `limit` bytes; `what` names the kind of input in that message (e.g. `a document`).
///
/// Errors: as [`open_input`]; [`Error::InvalidInput`] if it is larger than `limit` (or grows
/// past it while being read).
pub fn read_input(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let file = open_input(path)?;
    let too_long = |size: u64| {
        Error::invalid(
            path.display().to_string(),
            format!("{size} bytes is larger than the {limit}-byte limit for {what}"),
        )
    };
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if size > limit {
        return Err(too_long(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_long(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_input`] for UTF-8 text.
pub fn read_text_input(path: &Path, limit: u64, what: &str) -> Result<String> {
    let bytes = read_input(path, limit, what)?;
    String::from_utf8(bytes)
        .map_err(|e| Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Where an output named `path` is written, or why it must not be.
///
/// A missing file is created. An existing regular file is replaced, unless it was read as an
/// input by this process (by any name, including a hard link). A symbolic link is written
/// *through*: its target is replaced (and the link kept), under the same rules; a link to a
/// missing file is refused. Anything else — a folder, FIFO, device or socket — is refused: it is
/// never replaced by a regular file.
///
/// Errors: [`Error::InvalidInput`] on `path` (exit 2) when refused.
pub fn output_target(path: &Path) -> Result<PathBuf> {
    output_target_among(path, &INPUTS)
}

fn output_target_among(path: &Path, inputs: &Inputs) -> Result<PathBuf> {
    let refuse = |message: String| Error::invalid(path.display().to_string(), message);
    let link = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        // Cannot even look (a parent is a regular file, no permission): the write itself will
        // say why.
        Err(_) => return Ok(path.to_path_buf()),
        Ok(meta) => meta,
    };
    let (target, meta) = if link.file_type().is_symlink() {
        let target = std::fs::canonicalize(path).map_err(|_| {
            refuse("is a symbolic link to a missing file: an output is written through a link only to an existing regular file".into())
        })?;
        let meta = std::fs::metadata(&target).map_err(|e| Error::write(path, e))?;
        (target, meta)
    } else {
        (path.to_path_buf(), link)
    };
    if !meta.file_type().is_file() {
        return Err(refuse(format!(
            "is {}, not a regular file: an output only ever replaces a regular file",
            kind_of(&meta)
        )));
    }
    if inputs.contains(&meta) {
        return Err(refuse(
            "is an input of this command: writing the output there would destroy the input; choose another output path"
                .into(),
        ));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("renorm-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn an_input_cannot_be_an_output_by_any_name() {
        let dir = scratch("input");
        let input = dir.join("spec.toml");
        std::fs::write(&input, "x = 1\n").unwrap();
        let hard_link = dir.join("same.toml");
        std::fs::hard_link(&input, &hard_link).unwrap();
        let unrelated = dir.join("other.json");
        std::fs::write(&unrelated, "{}").unwrap();
        // A registry of its own: the process-wide one is off in library tests.
        let inputs = Inputs::new();
        inputs.active.store(true, Ordering::Relaxed);
        assert!(output_target_among(&input, &inputs).is_ok(), "not read yet");
        let file = open_input(&input).unwrap();
        inputs.remember(&file.metadata().unwrap());
        for name in [&input, &hard_link, &dir.join(".").join("spec.toml")] {
            let err = output_target_among(name, &inputs).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains("is an input"), "{err}");
        }
        assert_eq!(output_target_among(&unrelated, &inputs).unwrap(), unrelated);
        assert!(output_target(&input).is_ok(), "the process-wide registry is off");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_written_through_and_special_files_refused() {
        let dir = scratch("links");
        let target = dir.join("target.txt");
        std::fs::write(&target, "old").unwrap();
        let link = dir.join("link.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(
            output_target(&link).unwrap(),
            std::fs::canonicalize(&target).unwrap()
        );
        let dangling = dir.join("dangling.txt");
        std::os::unix::fs::symlink(dir.join("missing"), &dangling).unwrap();
        assert!(
            output_target(&dangling)
                .unwrap_err()
                .to_string()
                .contains("missing file")
        );
        let to_null = dir.join("null");
        std::os::unix::fs::symlink("/dev/null", &to_null).unwrap();
        for refused in [Path::new("/dev/null"), &to_null, &dir] {
            let err = output_target(refused).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        assert_eq!(output_target(&dir.join("new.txt")).unwrap(), dir.join("new.txt"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn special_inputs_are_refused_without_blocking() {
        let dir = scratch("special");
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // A blocking open would hang this test forever (no writer ever comes).
        for special in [fifo.as_path(), Path::new("/dev/zero"), dir.as_path()] {
            let err = read_input(special, 1 << 20, "a document").unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sizes_are_checked_before_reading() {
        let dir = scratch("sizes");
        let file = dir.join("big.toml");
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read_input(&file, 10, "a document").unwrap(), b"0123456789");
        let err = read_input(&file, 9, "a document").unwrap_err();
        assert!(
            err.to_string()
                .contains("10 bytes is larger than the 9-byte limit for a document"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
