//! Writing output files so that a crash or a full disk never leaves a half-written report:
//! write a temporary file beside the target, flush it to disk, then rename it into place.
//! Missing parent folders of an output are created, here, for every writer alike.

use crate::error::{Error, Result};
use crate::files;
use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Creates `dir` and its missing parents. A folder that cannot be created (a parent is a
/// regular file, no permission) is an unwritable output, [`Error::Write`] on `dir`.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))
}

/// Held while an output is being written: a time limit (the binary's `--time-limit`) stops the
/// process only between writes, so that no temporary file is left behind and no output is
/// half-replaced.
static WRITING: Mutex<()> = Mutex::new(());

thread_local! {
    /// How many [`OutputPhase`]s this thread holds: writes inside one do not take the lock again.
    static PHASE_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// A stretch of writes that belong together (the files of one output folder): while it is held,
/// [`stop_between_writes`] waits, so that a stopped command leaves either none or all of them
/// replaced. Dropping it ends the stretch.
pub struct OutputPhase {
    _guard: Option<MutexGuard<'static, ()>>,
}

impl OutputPhase {
    /// Starts a stretch of writes (nested stretches are allowed).
    pub fn begin() -> OutputPhase {
        let outermost = PHASE_DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get() == 1
        });
        OutputPhase {
            _guard: outermost.then(|| WRITING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
        }
    }
}

impl Drop for OutputPhase {
    fn drop(&mut self) {
        PHASE_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Waits until no output is being written and returns a guard that keeps writes from starting:
/// what a watchdog holds while it ends the process.
pub fn stop_between_writes() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `contents` to `path` atomically (temporary file in the same directory, then rename),
/// creating missing parent folders first.
///
/// What may be replaced follows [`files::output_target`]: a regular file that is not an input
/// of this process (through a symbolic link, its target), never a folder, device, FIFO or socket.
///
/// Errors: [`Error::InvalidInput`] on `path` (exit 2) when the target is refused;
/// [`Error::Write`] when writing fails.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let _phase = OutputPhase::begin();
    let target = files::output_target(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = target
        .file_name()
        .ok_or_else(|| Error::invalid(path.display().to_string(), "not a file path (no file name)"))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::write(path, e))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        // `create_new`: never open (and truncate) something planted under the temporary name.
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::write(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_contents_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("renorm-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("out.txt");
        write_atomic(&target, b"first").unwrap();
        write_atomic(&target, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "second");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reports_unwritable_paths() {
        // An unwritable output is the tool failing to deliver, not bad input (error.rs docs).
        // Missing folders are created, so the unwritable location is one below a regular file:
        // no folder can be created there.
        let dir = std::env::temp_dir().join(format!("renorm-atomic-unwritable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a-file");
        std::fs::write(&file, b"not a folder").unwrap();
        for target in [file.join("out.txt"), file.join("renorm").join("out.txt")] {
            let err = write_atomic(&target, b"x").unwrap_err();
            assert!(matches!(err, Error::Write { .. }), "{err:?}");
            assert_eq!(err.kind(), crate::ErrorKind::Internal);
        }
        let err = ensure_dir(&file.join("sub")).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Internal, "{err:?}");
        assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn creates_missing_parent_folders() {
        let dir = std::env::temp_dir().join(format!("renorm-atomic-nested-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let target = dir.join("a").join("b").join("out.txt");
        write_atomic(&target, b"nested").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"nested");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_path_without_a_file_name_is_invalid_input() {
        let err = write_atomic(Path::new("/"), b"x").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err:?}");
    }
}
