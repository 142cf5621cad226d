//! The global bounds a user sets on one command: `--time-limit` (a watchdog that ends the
//! process cleanly, exit 3, between writes) and `--memory-limit` (the budget the library's
//! estimates are checked against before allocating, [`renorm::budget`]). Both can also come from
//! the environment (`RENORM_TIME_LIMIT`, `RENORM_MEMORY_LIMIT`), the flag winning.

use renorm::{Error, Result};
use std::time::Duration;

/// Environment variable for the default `--time-limit` (seconds).
pub const TIME_LIMIT_ENV: &str = "RENORM_TIME_LIMIT";
/// Environment variable for the default `--memory-limit` (MiB).
pub const MEMORY_LIMIT_ENV: &str = "RENORM_MEMORY_LIMIT";

/// Longest time limit accepted (a year): beyond it the limit means nothing.
const MAX_TIME_LIMIT: f64 = 3.2e7;

/// The exit code of a command stopped at its time limit (an internal or numeric failure:
/// the work was not finished, and that is not the input's fault).
pub const TIME_LIMIT_EXIT: i32 = 3;

/// The flag's value, else the environment's, `None` for neither (or an empty variable).
fn flag_or_env(flag: Option<String>, flag_name: &str, env: &str) -> Option<(String, String)> {
    flag.map(|v| (v, flag_name.to_string())).or_else(|| {
        std::env::var(env)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v, env.to_string()))
    })
}

/// Parses a time limit in seconds (positive, finite, at most a year).
pub fn parse_time_limit(text: &str) -> std::result::Result<f64, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= MAX_TIME_LIMIT) {
        return Err(format!(
            "must be positive and at most {MAX_TIME_LIMIT:e} seconds (got {text})"
        ));
    }
    Ok(seconds)
}

/// Parses a memory limit in MiB (a positive integer).
pub fn parse_memory_limit(text: &str) -> std::result::Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(mib) if (1..=(u64::MAX >> 20)).contains(&mib) => Ok(mib << 20),
        _ => Err(format!("`{text}` is not a positive whole number of MiB")),
    }
}

/// Applies `--time-limit` / `--memory-limit` (or their environment variables). The watchdog is
/// started here, before any work.
pub fn apply(time_limit: Option<String>, memory_limit: Option<String>) -> Result<()> {
    if let Some((text, name)) = flag_or_env(memory_limit, "--memory-limit", MEMORY_LIMIT_ENV) {
        let bytes = parse_memory_limit(&text).map_err(|why| Error::Usage(format!("{name}: {why}")))?;
        renorm::budget::set_memory_budget(bytes);
    }
    if let Some((text, name)) = flag_or_env(time_limit, "--time-limit", TIME_LIMIT_ENV) {
        let seconds = parse_time_limit(&text).map_err(|why| Error::Usage(format!("{name}: {why}")))?;
        start_watchdog(seconds);
    }
    Ok(())
}

/// Ends the process `seconds` from now, exit 3, once no output is being written: a stopped
/// command leaves its outputs either untouched or complete, never a temporary file.
fn start_watchdog(seconds: f64) {
    let spawned = std::thread::Builder::new()
        .name("time-limit".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(seconds));
            let _no_more_writes = renorm::atomic_write::stop_between_writes();
            eprintln!(
                "renorm: stopped at the time limit of {seconds} s (--time-limit / {TIME_LIMIT_ENV}); the command did not finish and wrote nothing more"
            );
            std::process::exit(TIME_LIMIT_EXIT);
        });
    if let Err(e) = spawned {
        // Without a watchdog the limit cannot be kept: say so rather than run unbounded silently.
        eprintln!("renorm: cannot start the time-limit watchdog ({e}); stopping");
        std::process::exit(TIME_LIMIT_EXIT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_or_say_why() {
        assert_eq!(parse_time_limit("2.5"), Ok(2.5));
        for bad in ["0", "-1", "nan", "inf", "1e9", "soon"] {
            assert!(parse_time_limit(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_memory_limit("512"), Ok(512 << 20));
        for bad in ["0", "-5", "1.5", "lots"] {
            assert!(parse_memory_limit(bad).is_err(), "{bad}");
        }
    }
}
