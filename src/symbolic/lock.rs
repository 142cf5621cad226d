//! The cross-process engine lock: one process per user runs the engine at a time, the others
//! wait for it.
//!
//! Unlicensed Symbolica allows one Symbolica thread per user and aborts a second process that
//! starts one. This lock does not get around that restriction; it keeps a second `renorm`
//! process from ever reaching Symbolica while the first one is running it, so that the second
//! waits (and then fails cleanly) instead of being aborted. The lock is an exclusive advisory
//! file lock (`flock` on Unix), taken before the process's first Symbolica call and held until
//! the process exits; the operating system releases it when the process dies, even on a crash.
//!
//! The lock file is `renorm-symbolica-<uid>.lock` in, by priority:
//! 1. `$RENORM_ENGINE_LOCK_DIR` when set and non-empty (created if missing), so that test
//!    suites can use a private directory;
//! 2. `$XDG_RUNTIME_DIR` when set to a writable directory;
//! 3. [`std::env::temp_dir`].
//!
//! The holder writes its pid and command line into the lock file (`pid: N` and `command: …`
//! lines), so a waiter can say whom it is waiting for.

use super::engine::EngineError;
use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Environment variable naming the directory of the lock file (overrides the default choice).
pub const LOCK_DIR_ENV: &str = "RENORM_ENGINE_LOCK_DIR";

/// Environment variable with the longest wait for the engine lock, in whole seconds.
pub const WAIT_ENV: &str = "RENORM_ENGINE_WAIT";

/// Default longest wait for the engine lock.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(600);

/// How often a waiting process retries the lock. Short enough that the wait ends promptly after
/// the holder exits, long enough to cost nothing measurable.
const POLL: Duration = Duration::from_millis(100);

/// Set by [`set_engine_wait`]; `u64::MAX` means "not set: use the environment or the default".
static WAIT_SECS: AtomicU64 = AtomicU64::new(u64::MAX);

/// Sets the longest time a process waits for another process's engine to finish (whole
/// seconds; `0` fails at once if the engine is busy). Overrides `RENORM_ENGINE_WAIT`.
pub fn set_engine_wait(wait: Duration) {
    WAIT_SECS.store(wait.as_secs().min(u64::MAX - 1), Ordering::Relaxed);
}

/// The longest wait for the engine lock: the value given to [`set_engine_wait`], else
/// `RENORM_ENGINE_WAIT` (whole seconds), else [`DEFAULT_WAIT`] (600 s).
pub fn engine_wait() -> Duration {
    match WAIT_SECS.load(Ordering::Relaxed) {
        u64::MAX => wait_from_env(std::env::var_os(WAIT_ENV)).unwrap_or(DEFAULT_WAIT),
        secs => Duration::from_secs(secs),
    }
}

/// `RENORM_ENGINE_WAIT` as a duration; `None` when unset or not a whole number of seconds.
fn wait_from_env(value: Option<OsString>) -> Option<Duration> {
    let value = value?;
    value
        .to_str()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The lock file this process uses (see the module documentation for how the directory is
/// chosen).
pub fn engine_lock_path() -> PathBuf {
    let dir = choose_lock_dir(
        std::env::var_os(LOCK_DIR_ENV),
        std::env::var_os("XDG_RUNTIME_DIR"),
        std::env::temp_dir(),
    );
    engine_lock_path_in(&dir)
}

/// The lock file `renorm` uses inside `dir` (its name carries the user id: the restriction it
/// serializes is per user).
pub fn engine_lock_path_in(dir: &Path) -> PathBuf {
    dir.join(format!("renorm-symbolica-{}.lock", user_id()))
}

/// The lock directory: an explicit override wins (even if it does not exist yet: it is created),
/// then the runtime directory if it is a writable directory, then the temporary directory.
fn choose_lock_dir(override_dir: Option<OsString>, runtime_dir: Option<OsString>, temp: PathBuf) -> PathBuf {
    if let Some(dir) = override_dir.filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    match runtime_dir.map(PathBuf::from) {
        Some(dir) if dir.is_absolute() && writable_dir(&dir) => dir,
        _ => temp,
    }
}

/// Whether `dir` is a directory with some write permission. Without `access(2)` (no libc) this
/// is the best cheap test; a directory that still refuses the file is reported when opening.
fn writable_dir(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && !m.permissions().readonly())
}

/// The numeric user id of this process, for the lock file name. On Linux `/proc/self` is owned
/// by the process's user; elsewhere the owner of `$HOME` stands in for it.
#[cfg(unix)]
fn user_id() -> String {
    use std::os::unix::fs::MetadataExt;
    let from_proc = std::fs::metadata("/proc/self").map(|m| m.uid());
    let from_home = || {
        std::env::var_os("HOME")
            .ok_or(())
            .and_then(|h| std::fs::metadata(h).map(|m| m.uid()).map_err(|_| ()))
    };
    match from_proc.map_err(|_| ()).or_else(|_| from_home()) {
        Ok(uid) => uid.to_string(),
        Err(()) => user_name(),
    }
}

#[cfg(not(unix))]
fn user_id() -> String {
    user_name()
}

/// The user's name from the environment, made safe for a file name.
fn user_name() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A held engine lock. Dropping it releases the lock; the engine keeps it for the rest of the
/// process.
#[derive(Debug)]
pub(super) struct Held {
    _file: File,
}

/// Takes the engine lock, waiting up to `wait` for another process to release it.
///
/// Returns `Ok(None)` when the lock file cannot be used at all (e.g. an unwritable directory or a
/// file system without locking): the engine then starts unguarded, as it did before the lock
/// existed, and `notice` says so. `notice` also receives the one "waiting for …" line.
pub(super) fn acquire(wait: Duration, notice: &dyn Fn(&str)) -> Result<Option<Held>, EngineError> {
    let path = engine_lock_path();
    acquire_at(&path, wait, notice)
}

fn acquire_at(path: &Path, wait: Duration, notice: &dyn Fn(&str)) -> Result<Option<Held>, EngineError> {
    let unguarded = |what: &str, e: &dyn std::fmt::Display| {
        notice(&format!(
            "warning: could not {what} the symbolic engine lock {}: {e}; continuing without it \
             (another renorm process using the engine at the same time may be aborted by Symbolica)",
            path.display()
        ));
        Ok(None)
    };
    let mut file = match open(path) {
        Ok(f) => f,
        Err(e) => return unguarded("open", &e),
    };
    let start = Instant::now();
    let mut announced = false;
    let mut holder = String::new();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return unguarded("take", &e),
        }
        if !announced {
            holder = read_holder(&mut file);
            if holder.is_empty() {
                // The holder may have just taken the lock and not yet written its name.
                std::thread::sleep(POLL);
                holder = read_holder(&mut file);
            }
            if holder.is_empty() {
                holder = "another process".into();
            }
            notice(&format!(
                "the symbolic engine is in use by {holder}; waiting up to {} s for it to finish \
                 (set RENORM_ENGINE_WAIT to change the wait, or RENORM_ENGINE=off to run on \
                 numeric evidence only)",
                wait.as_secs()
            ));
            announced = true;
        }
        let waited = start.elapsed();
        if waited >= wait {
            return Err(EngineError::Busy {
                holder,
                waited_secs: waited.as_secs(),
            });
        }
        std::thread::sleep(POLL.min(wait - waited));
    }
    // Best effort: a waiter without a name still waits correctly.
    let _ = write_holder(&mut file);
    Ok(Some(Held { _file: file }))
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    // No truncation on open: the current holder's name must survive a waiter opening the file.
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    // The lock file may live in a shared temporary directory: never follow a link planted there
    // (writing the holder record would overwrite its target) and never wait on a file another
    // user created under our name.
    if let Ok(m) = std::fs::symlink_metadata(path)
        && !m.file_type().is_file()
    {
        return Err(std::io::Error::other("it exists and is not a regular file"));
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let ours = std::fs::metadata("/proc/self").map(|m| m.uid());
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::other("it is not a regular file"));
        }
        if let Ok(uid) = ours
            && meta.uid() != uid
        {
            return Err(std::io::Error::other(format!(
                "it belongs to uid {}, not to this user",
                meta.uid()
            )));
        }
    }
    Ok(file)
}

/// The holder's description from the lock file: `pid N (command)`, or empty if unreadable.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    if file.seek(SeekFrom::Start(0)).is_err()
        || Read::by_ref(file).take(4096).read_to_string(&mut text).is_err()
    {
        return String::new();
    }
    describe_holder(&text)
}

fn describe_holder(text: &str) -> String {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match (field("pid:"), field("command:")) {
        (Some(pid), Some(cmd)) => format!("pid {pid} ({cmd})"),
        (Some(pid), None) => format!("pid {pid}"),
        _ => String::new(),
    }
}

fn write_holder(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(holder_record().as_bytes())?;
    file.flush()
}

/// `pid: N` and `command: …` lines for this process; the command is shortened and stripped of
/// control characters so that it stays one line of a message.
fn holder_record() -> String {
    let command: String = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    format!("pid: {}\ncommand: {command}\n", std::process::id())
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("renorm-lock-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let target = dir.join("precious.txt");
        std::fs::write(&target, "keep me").expect("target");
        let path = engine_lock_path_in(&dir);
        std::os::unix::fs::symlink(&target, &path).expect("link");
        let notices = std::sync::Mutex::new(Vec::new());
        let held = acquire_at(&path, Duration::ZERO, &|n: &str| {
            notices
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(n.to_string())
        });
        assert!(matches!(held, Ok(None)), "runs unguarded, with a warning");
        let notices = notices.into_inner().unwrap_or_else(|e| e.into_inner());
        assert!(
            notices.iter().any(|n| n.contains("not a regular file")),
            "{notices:?}"
        );
        assert_eq!(std::fs::read_to_string(&target).expect("target"), "keep me");
        let _ = std::fs::remove_dir_all(&dir);
    }

    use super::*;
    use std::cell::RefCell;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("renorm-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn an_explicit_lock_dir_wins() {
        let dir = choose_lock_dir(
            Some("/somewhere/private".into()),
            Some(std::env::temp_dir().into()),
            PathBuf::from("/tmp-fallback"),
        );
        assert_eq!(dir, PathBuf::from("/somewhere/private"));
    }

    #[test]
    fn an_empty_override_is_ignored() {
        let runtime = scratch("runtime-empty-override");
        let dir = choose_lock_dir(
            Some("".into()),
            Some(runtime.clone().into()),
            PathBuf::from("/fb"),
        );
        assert_eq!(dir, runtime);
    }

    #[test]
    fn the_runtime_dir_is_used_when_it_is_a_writable_directory() {
        let runtime = scratch("runtime");
        assert_eq!(
            choose_lock_dir(None, Some(runtime.clone().into()), PathBuf::from("/fb")),
            runtime
        );
    }

    #[test]
    fn unusable_runtime_dirs_fall_back_to_the_temp_dir() {
        let base = scratch("runtime-bad");
        let not_a_dir = base.join("file");
        std::fs::write(&not_a_dir, "x").unwrap();
        let fallback = PathBuf::from("/fb");
        for runtime in [
            None,
            Some(OsString::new()),
            Some(OsString::from("relative/dir")),
            Some(base.join("missing").into_os_string()),
            Some(not_a_dir.into_os_string()),
        ] {
            assert_eq!(
                choose_lock_dir(None, runtime.clone(), fallback.clone()),
                fallback,
                "{runtime:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_runtime_dir_falls_back() {
        use std::os::unix::fs::PermissionsExt;
        let ro = scratch("runtime-ro");
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
        let chosen = choose_lock_dir(None, Some(ro.clone().into()), PathBuf::from("/fb"));
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(chosen, PathBuf::from("/fb"));
    }

    #[test]
    fn the_lock_file_name_carries_the_user() {
        let name = engine_lock_path_in(Path::new("/d"));
        let file = name.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            file.starts_with("renorm-symbolica-") && file.ends_with(".lock"),
            "{file}"
        );
        assert!(!user_id().is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // A file this process creates is owned by this process's user.
            let dir = scratch("uid");
            let probe = dir.join("probe");
            std::fs::write(&probe, "").unwrap();
            let uid = std::fs::metadata(&probe).unwrap().uid();
            assert_eq!(file, format!("renorm-symbolica-{uid}.lock"));
        }
    }

    #[test]
    fn wait_values_from_the_environment() {
        assert_eq!(wait_from_env(None), None);
        assert_eq!(wait_from_env(Some("15".into())), Some(Duration::from_secs(15)));
        assert_eq!(wait_from_env(Some(" 0 ".into())), Some(Duration::ZERO));
        assert_eq!(wait_from_env(Some("1.5".into())), None);
        assert_eq!(wait_from_env(Some("soon".into())), None);
    }

    #[test]
    fn holder_records_round_trip() {
        assert_eq!(
            describe_holder("pid: 42\ncommand: renorm check a.toml\n"),
            "pid 42 (renorm check a.toml)"
        );
        assert_eq!(describe_holder("pid: 7\n"), "pid 7");
        assert_eq!(describe_holder(""), "");
        let mine = describe_holder(&holder_record());
        assert!(
            mine.starts_with(&format!("pid {} (", std::process::id())),
            "{mine}"
        );
    }

    #[test]
    fn a_second_holder_waits_then_reports_the_first() {
        let dir = scratch("busy");
        let path = engine_lock_path_in(&dir);
        let notices = RefCell::new(Vec::<String>::new());
        let record = |m: &str| notices.borrow_mut().push(m.to_string());
        let first = acquire_at(&path, Duration::ZERO, &record).unwrap();
        assert!(first.is_some());
        // flock locks belong to the open file description, so a second open in the same
        // process contends exactly like another process would.
        let started = Instant::now();
        let second = acquire_at(&path, Duration::from_secs(1), &record);
        let waited = started.elapsed();
        match second {
            Err(EngineError::Busy { holder, waited_secs }) => {
                assert_eq!(waited_secs, 1);
                assert!(
                    holder.starts_with(&format!("pid {} (", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        assert!(waited >= Duration::from_secs(1), "{waited:?}");
        let notices = notices.into_inner();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].contains(&format!("pid {}", std::process::id())),
            "{notices:?}"
        );
        // Released on drop: the next taker gets it at once and without a notice.
        drop(first);
        let again = acquire_at(&path, Duration::ZERO, &|m: &str| panic!("unexpected notice {m}")).unwrap();
        assert!(again.is_some());
    }

    #[test]
    fn an_unusable_lock_file_lets_the_engine_start_with_a_warning() {
        let dir = scratch("unusable");
        let blocker = dir.join("file");
        std::fs::write(&blocker, "x").unwrap();
        let path = blocker.join("renorm-symbolica.lock");
        let notices = RefCell::new(Vec::<String>::new());
        let held = acquire_at(&path, Duration::ZERO, &|m: &str| {
            notices.borrow_mut().push(m.into())
        })
        .unwrap();
        assert!(held.is_none());
        let notices = notices.into_inner();
        assert!(
            notices.len() == 1 && notices[0].contains("continuing without it"),
            "{notices:?}"
        );
    }
}
