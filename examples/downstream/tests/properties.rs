//! Property tests that use `renorm`'s testing kit. The default harness runs these on parallel
//! threads; they all share the one symbolic-engine thread of this test process.

use proptest::prelude::*;
use renorm::testing::{self, Rational, strategies};
use renorm_downstream_example::Model;

/// Small exact rationals `n/d` as the strings `renorm` reads.
fn exact(num: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = Rational> {
    (num, 1u32..=4).prop_map(|(n, d)| Rational::from((n, d)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Every model's velocity is forced into `c x^b s^(b−2)` with the model's own exponent.
    #[test]
    fn model_velocities_are_power_laws(c in exact(1..=12), b in exact(-8..=8)) {
        let model = Model { amplitude: c.to_string(), exponent: b.to_string() };
        let report = testing::assert_power_law(&model.velocity(), &b, 2);
        prop_assert!(report.verdict.amplitude.is_some());
    }

    /// A warm-up breaks time-rescaling covariance: a power law in x at each time only, with a
    /// certified witness against H2.
    #[test]
    fn warmup_breaks_time_rescaling(c in exact(1..=12), b in exact(-8..=8)) {
        let model = Model { amplitude: c.to_string(), exponent: b.to_string() };
        let report = testing::assert_not_power_law(&model.velocity_with_warmup());
        prop_assert!(report.checks.time_rescaling.witness.is_some());
        testing::assert_class(&model.velocity_with_warmup(), testing::POWER_LAW_IN_SPECTRUM);
    }

    /// The kit's generated fields come with their answers; renorm must give them.
    #[test]
    fn kit_fields_get_their_known_verdicts(known in strategies::known_field()) {
        testing::assert_known(&known);
    }

    /// Non-examples: sums of two powers and scaling forms are never power laws.
    #[test]
    fn non_examples_are_refuted(
        known in prop_oneof![strategies::two_power_sum(), strategies::scaling_form(2)]
    ) {
        testing::assert_not_power_law(&known.field);
    }

    /// Exponent arithmetic the models rely on, decided by both engines.
    #[test]
    fn powers_multiply(p in exact(-8..=8), q in exact(-8..=8)) {
        let sum = Rational::from(&p + &q);
        testing::assert_identity_holds(&format!("x^({p})*x^({q})"), &format!("x^({sum})"));
    }
}

/// The builder reports bad input as an error value, not a panic.
#[test]
fn invalid_models_are_errors() {
    let bad = Model {
        amplitude: "1/0".into(),
        exponent: "2".into(),
    };
    let err = bad.velocity().check().expect_err("1/0 is not an exact number");
    assert_eq!(err.kind(), renorm::ErrorKind::InvalidInput);
}
