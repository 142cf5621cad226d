//! What one command may plan to spend in memory. Commands whose memory grows with their input
//! (matrix sizes of a run, network sizes, output points) estimate it *before* allocating and
//! refuse a larger estimate with a message naming the estimate and the budget, instead of
//! aborting on a failed allocation half-way.
//!
//! The budget is process-wide: [`DEFAULT_MEMORY_BUDGET`] unless set (the binary's
//! `--memory-limit`, the environment variable `RENORM_MEMORY_LIMIT`).

use std::sync::atomic::{AtomicU64, Ordering};

/// The default budget: 8 GiB, above every documented workload (the N = 2048 conditions
/// analysis peaks near 0.5 GiB, training at N = 2048 near 2 GiB).
pub const DEFAULT_MEMORY_BUDGET: u64 = 8 << 30;

static MEMORY_BUDGET: AtomicU64 = AtomicU64::new(DEFAULT_MEMORY_BUDGET);

/// Sets the memory budget in bytes for the rest of the process.
pub fn set_memory_budget(bytes: u64) {
    MEMORY_BUDGET.store(bytes, Ordering::Relaxed);
}

/// The memory budget in bytes.
pub fn memory_budget() -> u64 {
    MEMORY_BUDGET.load(Ordering::Relaxed)
}

/// `Ok` if an estimated `bytes` (`None`: it overflowed) fits the budget; otherwise the reason,
/// naming `what` needs it, for the caller to attach to the input at fault.
pub fn fits(bytes: Option<u128>, what: &str) -> std::result::Result<(), String> {
    let budget = memory_budget();
    match bytes {
        Some(b) if b <= u128::from(budget) => Ok(()),
        Some(b) => Err(format!(
            "{what} needs an estimated {} of memory, above the budget of {} (raise it with --memory-limit or RENORM_MEMORY_LIMIT if the machine has it)",
            human(b),
            human(u128::from(budget))
        )),
        None => Err(format!("{what} needs more memory than can be counted")),
    }
}

/// Bytes in words: `512 MiB`, `3.2 GiB`, `1.1e6 GiB`.
pub fn human(bytes: u128) -> String {
    let gib = bytes as f64 / f64::from(1u32 << 30);
    if gib >= 1e5 {
        format!("{gib:.1e} GiB")
    } else if gib >= 1.0 {
        format!("{gib:.1} GiB")
    } else {
        format!("{:.0} MiB", bytes as f64 / f64::from(1u32 << 20))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_are_compared_with_the_budget() {
        assert!(fits(Some(u128::from(DEFAULT_MEMORY_BUDGET)), "x").is_ok());
        let err = fits(Some(u128::from(DEFAULT_MEMORY_BUDGET) + 1), "training").unwrap_err();
        assert!(err.starts_with("training needs an estimated 8.0 GiB"), "{err}");
        assert!(fits(None, "x").is_err());
        assert_eq!(human(3 << 29), "1.5 GiB");
        assert_eq!(human(1 << 20), "1 MiB");
    }
}
