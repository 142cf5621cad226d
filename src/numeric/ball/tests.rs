use super::*;
use crate::input::parse;
use crate::numeric::interval::Enclose;
use crate::numeric::{Precision, eval_float, eval_interval};
use proptest::prelude::*;

fn point(pairs: &[(&str, (i64, i64))]) -> Assignment {
    pairs
        .iter()
        .map(|(k, (n, d))| (k.to_string(), Rational::from((*n, *d))))
        .collect()
}

fn ball(formula: &str, at: &Assignment, bits: u32) -> Result<Ball, EvalError> {
    eval_ball(
        &parse(formula).expect("formula parses"),
        at,
        Precision::from_bits(bits),
    )
}

/// `inner ⊆ outer`.
fn inside(inner: &Interval, outer: &Interval) -> bool {
    outer.lo <= inner.lo && inner.hi <= outer.hi
}

#[test]
fn exact_operations_on_exact_inputs_have_zero_radius() {
    let at = point(&[("lam", (3, 2)), ("t", (5, 4))]);
    let b = ball("lam^2*t + 3*lam - t/2", &at, 128).expect("defined");
    assert!(b.rad.is_zero(), "{b:?}");
    assert_eq!(b.mid, Float::with_val(128, Rational::from((9 * 5 + 72 - 10, 16))));
    // sqrt(9/4) = 3/2 exactly; MPFR says so.
    assert!(ball("sqrt(lam^2)", &at, 128).expect("defined").rad.is_zero());
}

#[test]
fn an_inexact_literal_carries_half_an_ulp() {
    let b = ball("1/3", &Assignment::new(), 100).expect("defined");
    let ulp = Float::with_val(RADIUS_BITS, 1) << (b.mid.get_exp().expect("finite") - 100);
    assert!(!b.rad.is_zero() && b.rad <= ulp, "{b:?}");
    let third = Float::with_val(400, Rational::from((1, 3)));
    assert!(inside(&Interval::exact(third), &b.to_interval(100)));
}

#[test]
fn a_ball_that_cannot_settle_a_node_is_an_error_and_the_pass_falls_back_to_intervals() {
    let zero = point(&[("x", (0, 1))]);
    for formula in ["log(x)", "x^(1/2)", "1/(x + 1/3 - 1/3)", "log(x + 1/3 - 1/3)"] {
        assert!(ball(formula, &zero, 64).is_err(), "{formula}");
    }
    // `0^(1/2) = 0`: the ball refuses a base ball touching zero, the interval path decides.
    let e = parse("x^(1/2)").expect("formula parses");
    let (_, handed_back) = crate::numeric::resolve_all_enclosed(&[&e], &zero, 30, 100).expect("defined");
    let handed_back = handed_back.expect("decided by the first pass");
    assert_eq!(handed_back[0].nearest, None);
    assert!(handed_back[0].enclosure.is_exact_zero());
    // Where the ball settles it, the value comes back too.
    let four = point(&[("x", (4, 1))]);
    let (_, handed_back) = crate::numeric::resolve_all_enclosed(&[&e], &four, 30, 100).expect("defined");
    let handed_back = handed_back.expect("decided by the first pass");
    assert_eq!(
        handed_back[0].nearest.as_ref().and_then(|v| v.to_integer()),
        Some(Integer::from(2))
    );
    // The interval path's errors are the ones reported.
    let log = parse("log(x)").expect("formula parses");
    assert!(matches!(
        crate::numeric::resolve(&log, &zero, 30, 100),
        Err(EvalError::Undefined { .. })
    ));
}

#[test]
fn encloses_known_constants() {
    // Reference digits: mpmath 1.3 at mp.dps = 70, printed to 60 significant digits.
    let cases = [
        (
            "exp(1)",
            "2.71828182845904523536028747135266249775724709369995957496697",
        ),
        (
            "log(2)",
            "0.69314718055994530941723212145817656807550013436025525412068",
        ),
        (
            "pi",
            "3.14159265358979323846264338327950288419716939937510582097494",
        ),
        (
            "2^(1/2)",
            "1.41421356237309504880168872420969807856967187537694807317668",
        ),
        (
            "2^(-3/7)",
            "0.742997144568474212399926643357296303161855679718554866678252",
        ),
        (
            "sin(1)*cos(1)/tan(1)",
            "0.291926581726428806501215885249618905116999614462227554622425",
        ),
    ];
    for (formula, digits) in cases {
        let b = ball(formula, &Assignment::new(), 180).expect("defined");
        let reference = Float::with_val(200, Float::parse(digits).expect("parses"));
        let enclosure = b.to_interval(180);
        // The reference is itself rounded at 60 digits: widen by 10^-59.
        let slack = Float::with_val(200, Float::parse("1e-59").expect("parses"));
        assert!(
            enclosure.lo <= Float::with_val(200, &reference + &slack)
                && Float::with_val(200, &reference - &slack) <= enclosure.hi,
            "{formula}: {enclosure:?} vs {digits}"
        );
        assert!(b.rad < Float::with_val(RADIUS_BITS, 1e-50), "{formula}: {b:?}");
    }
}

/// A ball around `mid` with radius `mid·2^−rel_bits`, at `bits`.
fn wide(mid: &Rational, rel_bits: u32, bits: u32) -> Ball {
    let mid = Float::with_val(bits, mid);
    let rad = up(RADIUS_BITS, mid.abs_ref()) >> i32::try_from(rel_bits).unwrap_or(2);
    Ball { mid, rad }
}

/// `[mid − rad, mid + rad]` exactly, without the outward rounding of [`Ball::to_interval`]
/// (which could hide a radius too small by up to an ulp).
fn exact_bounds(b: &Ball) -> (Rational, Rational) {
    let mid = b.mid.to_rational().expect("finite");
    let rad = b.rad.to_rational().expect("finite");
    (Rational::from(&mid - &rad), Rational::from(&mid + &rad))
}

/// `v` lies in `[lo, hi]`.
fn within(v: &Interval, (lo, hi): &(Rational, Rational)) -> bool {
    v.lo >= *lo && v.hi <= *hi
}

/// Exact points of a ball: both ends, the midpoint and two inner points.
fn points_of(b: &Ball) -> Vec<Rational> {
    let mid = b.mid.to_rational().expect("finite");
    let rad = b.rad.to_rational().expect("finite");
    [(-1, 1), (-1, 2), (0, 1), (3, 8), (1, 1)]
        .into_iter()
        .map(|(n, d)| &mid + &rad * Rational::from((n, d)))
        .collect()
}

fn rational_strategy() -> impl Strategy<Value = Rational> {
    (1i64..1_000_000, 1i64..1000, -40i32..40, any::<bool>()).prop_map(|(n, d, e, neg)| {
        let q = Rational::from((n, d)) * Rational::from(Integer::from(1) << e.unsigned_abs());
        let q = if e < 0 {
            Rational::from((n, d)) / Rational::from(Integer::from(1) << e.unsigned_abs())
        } else {
            q
        };
        if neg { -q } else { q }
    })
}

/// Checks that for every exact point `x` of the input ball(s), a tight enclosure of `f(x)` at
/// four times the precision lies inside the ball the operation returned.
fn check_unary(
    f: &dyn Fn(&Midrad<'_>, &Ball) -> Result<Ball, EvalError>,
    g: &dyn Fn(&Enclose<'_>, &Interval) -> Result<Interval, EvalError>,
    x: &Ball,
    bits: u32,
) -> Result<(), TestCaseError> {
    let at = Assignment::new();
    let Ok(result) = f(&Midrad { at: &at, bits }, x) else {
        return Ok(());
    };
    let result = exact_bounds(&result);
    let fine = Enclose {
        at: &at,
        bits: 4 * bits,
    };
    for p in points_of(x) {
        if let Ok(v) = g(&fine, &Interval::point(&p, Precision::from_bits(4 * bits))) {
            prop_assert!(within(&v, &result), "x = {p}: f(x) ∈ {v:?} outside {result:?}");
        }
    }
    Ok(())
}

fn check_binary(
    f: &dyn Fn(&Midrad<'_>, &Ball, &Ball) -> Result<Ball, EvalError>,
    g: &dyn Fn(&Enclose<'_>, &Interval, &Interval) -> Result<Interval, EvalError>,
    x: &Ball,
    y: &Ball,
    bits: u32,
) -> Result<(), TestCaseError> {
    let at = Assignment::new();
    let Ok(result) = f(&Midrad { at: &at, bits }, x, y) else {
        return Ok(());
    };
    let result = exact_bounds(&result);
    let fine = Enclose {
        at: &at,
        bits: 4 * bits,
    };
    let prec = Precision::from_bits(4 * bits);
    for p in points_of(x) {
        for q in points_of(y) {
            if let Ok(v) = g(&fine, &Interval::point(&p, prec), &Interval::point(&q, prec)) {
                prop_assert!(within(&v, &result), "({p}, {q}): {v:?} outside {result:?}");
            }
        }
    }
    Ok(())
}

/// [`check_unary`] for `x^(p/q)`, `exponent = p/q`.
fn check_root_power(x: &Ball, exponent: &Rational, root: &Root, bits: u32) -> Result<(), TestCaseError> {
    let at = Assignment::new();
    let unused = Expr::int(0);
    let exponent_ball = Midrad { at: &at, bits }.rational(exponent);
    check_unary(
        &|m, a| m.finish(m.root_power(&unused, a, &exponent_ball, root)?),
        &|e, a| {
            let y = e.rational(exponent);
            Arithmetic::root_power(e, &unused, a, &y, root)
        },
        x,
        bits,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The midpoint is `eval_float`'s value bit for bit (so a check may take its digits from the
    /// ball), a ball exists only where `eval_float` has a value, and the ball contains the value
    /// as enclosed at four times the precision.
    #[test]
    fn midpoints_are_eval_float_and_balls_enclose_the_value(
        e in crate::expr::strategies::expr(vec!["a", "b"], 4),
        a in (-40i64..40, 1i64..12),
        b in (-40i64..40, 1i64..12),
        bits in prop::sample::select(vec![64u32, 200, 1000]),
    ) {
        let at = point(&[("a", a), ("b", b)]);
        let float = eval_float(&e, &at, Precision::from_bits(bits));
        if let Ok(got) = eval_ball(&e, &at, Precision::from_bits(bits)) {
            let float = float.map_err(|err| TestCaseError::fail(format!("{e}: ball {got:?}, float {err}")))?;
            prop_assert_eq!(got.mid.prec(), float.prec());
            prop_assert!(got.mid == float && got.mid.is_sign_negative() == float.is_sign_negative(),
                "{}: ball mid {} vs float {}", e, got.mid, float);
            if let Ok(fine) = eval_interval(&e, &at, Precision::from_bits(4 * bits)) {
                let enclosure = got.to_interval(bits);
                prop_assert!(enclosure.lo <= fine.hi && fine.lo <= enclosure.hi,
                    "{}: ball {:?} misses {:?}", e, enclosure, fine);
            }
        }
    }

    /// Every function's radius covers the function's variation over a wide ball (relative
    /// radius 2^−2 … 2^−120), checked at exact points of the ball.
    #[test]
    fn function_radii_cover_the_variation_over_the_ball(
        mid in rational_strategy(),
        rel in 2u32..120,
        bits in prop::sample::select(vec![64u32, 256, 1024]),
        which in 0usize..Func::ALL.len(),
    ) {
        let f = Func::ALL[which];
        check_unary(
            &|m, x| m.finish(m.call(f, x)?),
            &|e, x| Arithmetic::call(e, f, x),
            &wide(&mid, rel, bits),
            bits,
        )?;
    }

    /// Sums, differences, products and quotients of wide balls.
    #[test]
    fn arithmetic_radii_cover_the_variation_over_the_balls(
        x in rational_strategy(),
        y in rational_strategy(),
        rel_x in 2u32..120,
        rel_y in 2u32..120,
        bits in prop::sample::select(vec![64u32, 256, 1024]),
    ) {
        let (x, y) = (wide(&x, rel_x, bits), wide(&y, rel_y, bits));
        check_binary(&|m, a, b| m.add(a, b), &|e, a, b| e.add(a, b), &x, &y, bits)?;
        check_binary(&|m, a, b| m.sub(a, b), &|e, a, b| e.sub(a, b), &x, &y, bits)?;
        check_binary(&|m, a, b| m.mul(a, b), &|e, a, b| e.mul(a, b), &x, &y, bits)?;
        check_binary(&|m, a, b| m.div(a, b), &|e, a, b| e.div(a, b), &x, &y, bits)?;
    }

    /// Integer, rational (root) and real powers of wide balls.
    #[test]
    fn power_radii_cover_the_variation_over_the_balls(
        x in rational_strategy(),
        y in rational_strategy(),
        rel_x in 2u32..120,
        rel_y in 2u32..120,
        n in -12i64..12,
        p in -40i64..40,
        q in 2u32..9,
        bits in prop::sample::select(vec![64u32, 256, 1024]),
    ) {
        let x = wide(&x.abs(), rel_x, bits);
        let unused = Expr::int(0);
        let n = Integer::from(n);
        check_unary(
            &|m, a| m.finish(m.integer_power(a, &n, &unused)?),
            &|e, a| Arithmetic::integer_power(e, a, &n, &unused),
            &x,
            bits,
        )?;
        if p != 0 {
            let exponent = Rational::from((p, i64::from(q)));
            let (p, q) = exponent.clone().into_numer_denom();
            if q != 1 {
                let root = Root { p, q: q.to_u32().unwrap_or(2) };
                check_root_power(&x, &exponent, &root, bits)?;
            }
        }
        // A real exponent of modest size, so that x^y stays in range.
        let y = wide(&(y / Rational::from(1_000_000)), rel_y, bits);
        check_binary(
            &|m, a, b| m.finish(m.real_power(&unused, a, b)?),
            &|e, a, b| Arithmetic::real_power(e, &unused, a, b),
            &x,
            &y,
            bits,
        )?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// On an exact base (radius zero) the whole radius of a root power is the bound of its
    /// rounding chain: it must cover the chain's error, which is not always within half an ulp.
    #[test]
    fn root_power_radius_covers_the_rounding_chain(
        x in rational_strategy(),
        p in 2i64..200,
        negative in any::<bool>(),
        q in 2u32..9,
        bits in prop::sample::select(vec![53u32, 64, 100, 256]),
    ) {
        let exponent = Rational::from((if negative { -p } else { p }, i64::from(q)));
        let (p, q) = exponent.clone().into_numer_denom();
        prop_assume!(q != 1);
        let root = Root { p, q: q.to_u32().unwrap_or(2) };
        let base = Ball { mid: Float::with_val(bits, x.abs()), rad: zero_radius() };
        check_root_power(&base, &exponent, &root, bits)?;
    }
}
