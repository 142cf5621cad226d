//! The typed vocabulary of a check's result: the verdict class and the kind of log-shift
//! covariance. Strings appear only where these are printed or read from a spec file.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The verdict of docs/theory.md §2.7 for one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictClass {
    /// Continuous log-shift covariance and time-rescaling covariance: Theorem 1 forces
    /// `v = C λ^b t^(b−w)`.
    PowerLaw,
    /// Log-shift covariant only: a power law in λ at each time, amplitude and exponent free in t.
    PowerLawInSpectrum,
    /// Covariant only under shifts by multiples of a period: `λ^b P(ln λ)`, not a power law.
    LogPeriodic,
    /// A certified witness breaks log-shift covariance.
    NotPowerLaw,
    /// Log-shift covariance could be neither established nor refuted, or the rules disagreed.
    Undetermined,
}

impl VerdictClass {
    /// Every class, in the order reports list them.
    pub const ALL: [VerdictClass; 5] = [
        VerdictClass::PowerLaw,
        VerdictClass::PowerLawInSpectrum,
        VerdictClass::LogPeriodic,
        VerdictClass::NotPowerLaw,
        VerdictClass::Undetermined,
    ];

    /// The spelling used in reports, JSON and `[expect] class`.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictClass::PowerLaw => "power_law",
            VerdictClass::PowerLawInSpectrum => "power_law_in_spectrum",
            VerdictClass::LogPeriodic => "log_periodic",
            VerdictClass::NotPowerLaw => "not_power_law",
            VerdictClass::Undetermined => "undetermined",
        }
    }

    /// Every spelling, comma-separated (for error messages).
    pub fn spellings() -> String {
        VerdictClass::ALL.map(VerdictClass::as_str).join(", ")
    }
}

impl fmt::Display for VerdictClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VerdictClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VerdictClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not one of {}", VerdictClass::spellings()))
    }
}

/// Which log-shift covariance a field has (docs/theory.md §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogShiftKind {
    /// Covariant under every shift `λ → e^s λ`.
    Continuous,
    /// Covariant only under shifts by multiples of a period.
    Discrete,
    /// A certified witness breaks it and no period was found.
    None,
    /// Neither established nor refuted.
    Undetermined,
}

impl LogShiftKind {
    /// Every kind.
    pub const ALL: [LogShiftKind; 4] = [
        LogShiftKind::Continuous,
        LogShiftKind::Discrete,
        LogShiftKind::None,
        LogShiftKind::Undetermined,
    ];

    /// The kinds a spec may claim in `[expect] log_shift`.
    pub const CLAIMABLE: [LogShiftKind; 3] = [
        LogShiftKind::Continuous,
        LogShiftKind::Discrete,
        LogShiftKind::None,
    ];

    /// The spelling used in reports and specs.
    pub fn as_str(self) -> &'static str {
        match self {
            LogShiftKind::Continuous => "continuous",
            LogShiftKind::Discrete => "discrete",
            LogShiftKind::None => "none",
            LogShiftKind::Undetermined => "undetermined",
        }
    }
}

impl fmt::Display for LogShiftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_through_text_and_json() {
        for c in VerdictClass::ALL {
            assert_eq!(c.as_str().parse::<VerdictClass>(), Ok(c));
            assert_eq!(serde_json::to_value(c).ok(), Some(serde_json::json!(c.as_str())));
        }
        for k in LogShiftKind::ALL {
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::json!(k.as_str())));
        }
        assert!("powerlaw".parse::<VerdictClass>().is_err());
    }
}
