//! Working precision of the MPFR evaluators.

/// A binary working precision, always within `[Precision::MIN_BITS, Precision::MAX_BITS]`.
///
/// Requests outside that range are clamped rather than rejected: the lower bound is what MPFR
/// accepts, and the upper bound keeps a typo in a configuration file from allocating gigabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Precision {
    bits: u32,
}

impl Precision {
    /// Smallest supported precision in bits.
    pub const MIN_BITS: u32 = 2;
    /// Largest supported precision in bits (about 301 000 decimal digits).
    pub const MAX_BITS: u32 = 1_000_000;

    /// A precision of `bits` binary digits, clamped to the supported range.
    pub fn from_bits(bits: u32) -> Precision {
        Precision {
            bits: bits.clamp(Self::MIN_BITS, Self::MAX_BITS),
        }
    }

    /// The smallest precision carrying at least `digits` significant decimal digits, clamped to
    /// the supported range.
    ///
    /// Uses `⌊3322·d/1000⌋ + 1` bits: since `3.322 > log2 10`, this is never below
    /// `⌈d·log2 10⌉`, and integer arithmetic keeps the result identical on every platform.
    pub fn from_digits(digits: u32) -> Precision {
        let bits = u64::from(digits) * 3322 / 1000 + 1;
        Precision::from_bits(u32::try_from(bits).unwrap_or(u32::MAX))
    }

    /// The precision in bits.
    pub fn bits(self) -> u32 {
        self.bits
    }

    /// Decimal digits this precision is guaranteed to carry: `⌊bits·log10 2⌋`, computed with the
    /// under-estimate `0.301029 < log10 2` so that it never over-promises.
    pub fn digits(self) -> u32 {
        // bits ≤ 10^6, so the product fits in u64 and the quotient in u32.
        u32::try_from(u64::from(self.bits) * 301_029 / 1_000_000).unwrap_or(u32::MAX)
    }

    /// This precision plus `extra` guard bits (still clamped).
    pub fn with_guard_bits(self, extra: u32) -> Precision {
        Precision::from_bits(self.bits.saturating_add(extra))
    }
}

impl From<u32> for Precision {
    /// [`Precision::from_bits`]: a bit count, clamped to the supported range.
    fn from(bits: u32) -> Precision {
        Precision::from_bits(bits)
    }
}

impl Default for Precision {
    /// 256 bits (77 decimal digits): far beyond `f64`, yet cheap enough for many sample points.
    fn default() -> Precision {
        Precision::from_bits(256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_to_supported_range() {
        assert_eq!(Precision::from_bits(0).bits(), Precision::MIN_BITS);
        assert_eq!(Precision::from_bits(u32::MAX).bits(), Precision::MAX_BITS);
        assert_eq!(Precision::from_digits(u32::MAX).bits(), Precision::MAX_BITS);
        assert_eq!(
            Precision::from_bits(256).with_guard_bits(u32::MAX).bits(),
            Precision::MAX_BITS
        );
    }

    #[test]
    fn digits_round_trip_never_loses_digits() {
        for d in 1..=20_000u32 {
            let p = Precision::from_digits(d);
            assert!(
                p.digits() >= d,
                "{d} digits -> {} bits -> {} digits",
                p.bits(),
                p.digits()
            );
            // …and is not wasteful: at most two bits above the exact ⌈d·log2 10⌉.
            let exact_ceiling = rug::Float::with_val(64, d) * rug::Float::with_val(64, 10u32).log2();
            let exact_ceiling = exact_ceiling.ceil().to_u32_saturating().unwrap_or(0);
            assert!(p.bits() <= exact_ceiling + 2, "{d} digits -> {} bits", p.bits());
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(Precision::from_digits(50).bits(), 167);
        assert_eq!(Precision::from_bits(53).digits(), 15);
        assert_eq!(Precision::from_bits(256).digits(), 77);
        assert_eq!(Precision::default().bits(), 256);
    }
}
