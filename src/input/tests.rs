use super::*;
use crate::expr::{BinOp, Expr};
use rug::Rational;
use std::ops::{Add, Div, Mul, Neg, Sub};

fn p(s: &str) -> Expr {
    parse(s).unwrap_or_else(|e| panic!("{}", e.render(s, "test")))
}

fn err(s: &str) -> ParseError {
    parse(s).expect_err(s)
}

#[test]
fn precedence_follows_convention() {
    assert_eq!(p("-x^2"), Expr::var("x").pow(Expr::int(2)).neg());
    assert_eq!(p("a^b^c"), Expr::var("a").pow(Expr::var("b").pow(Expr::var("c"))));
    assert_eq!(p("a-b-c"), Expr::var("a").sub(Expr::var("b")).sub(Expr::var("c")));
    assert_eq!(p("a/b/c"), Expr::var("a").div(Expr::var("b")).div(Expr::var("c")));
    assert_eq!(p("a+b*c"), Expr::var("a").add(Expr::var("b").mul(Expr::var("c"))));
    assert_eq!(p("x^-2"), Expr::var("x").pow(Expr::int(2).neg()));
    assert_eq!(
        p("2^-x^2"),
        Expr::int(2).pow(Expr::var("x").pow(Expr::int(2)).neg())
    );
}

#[test]
fn numbers_are_exact() {
    assert_eq!(p("0.1"), Expr::Num(Rational::from((1, 10))));
    assert_eq!(p("2.5e-3"), Expr::Num(Rational::from((1, 400))));
    assert_eq!(p("1E2"), Expr::Num(Rational::from(100)));
    assert_eq!(
        p("3/2"),
        Expr::Bin(BinOp::Div, Box::new(Expr::int(3)), Box::new(Expr::int(2)))
    );
}

#[test]
fn functions_constants_and_unicode_names() {
    assert_eq!(p("exp(λ)"), Expr::var("λ").call(Func::Exp));
    assert_eq!(p("pi"), Expr::Pi);
    assert_eq!(p("pi2"), Expr::var("pi2"));
    for f in Func::ALL {
        assert_eq!(p(&format!("{}(x)", f.name())), Expr::var("x").call(f));
    }
}

#[test]
fn printing_round_trips_examples() {
    for s in [
        "c*lam^b*t^(b - 2)",
        "-x^2",
        "(-x)^2",
        "a - (b - c)",
        "a/(b*c)",
        "(a^b)^c",
        "exp(log(lam)*log(mu))",
        "x^-1",
        "2.5e-40*x",
        "sqrt(lam)/(1 + lam*t)",
        "--x",
        "a*-b",
    ] {
        let e = p(s);
        assert_eq!(p(&e.to_string()), e, "{s} printed as {e}");
    }
}

#[test]
fn errors_are_located() {
    let e = err("lam^^2");
    assert_eq!(e.span, 4..5);
    assert!(e.to_string().contains("expected"), "{e}");

    let e = err("lam*foo(x)");
    assert_eq!(e.kind, ParseErrorKind::UnknownFunction("foo".into()));
    assert_eq!(e.span, 4..7);
    let rendered = e.render("lam*foo(x)", "--expr");
    assert!(rendered.contains("--expr:1:5"), "{rendered}");
    assert!(rendered.contains("    ^^^"), "{rendered}");

    assert_eq!(err("2x").kind, ParseErrorKind::MissingOperator);
    assert_eq!(err("(a+b").kind, ParseErrorKind::UnclosedParen);
    assert_eq!(err("a+b)").kind, ParseErrorKind::UnmatchedParen);
    assert_eq!(err("").kind, ParseErrorKind::Empty);
    assert_eq!(err("   ").kind, ParseErrorKind::Empty);
    assert_eq!(
        err("exp").kind,
        ParseErrorKind::FunctionWithoutArgument("exp".into())
    );
    assert_eq!(err("exp(a, b)").kind, ParseErrorKind::WrongArity("exp".into()));
    assert_eq!(err("exp()").kind, ParseErrorKind::WrongArity("exp".into()));
    assert_eq!(err("1.2.3").kind, ParseErrorKind::BadNumber);
    assert_eq!(err("2e").kind, ParseErrorKind::BadNumber);
    assert_eq!(err("x # y").kind, ParseErrorKind::UnexpectedChar('#'));
    assert!(matches!(err("x**2").kind, ParseErrorKind::Unexpected { .. }));
}

#[test]
fn multi_line_errors_point_at_the_right_line() {
    let src = "a +\n  b * $";
    let e = err(src);
    assert_eq!(e.line_col(src), (2, 7));
    let rendered = e.render(src, "spec.toml");
    assert!(rendered.contains("spec.toml:2:7"), "{rendered}");
    assert!(rendered.contains("2 |   b * $"), "{rendered}");
}

#[test]
fn limits_are_enforced() {
    let huge = "(".repeat(1 << 20);
    assert!(matches!(err(&huge).kind, ParseErrorKind::InputTooLong { .. }));

    let deep = format!("{}x{}", "(".repeat(500), ")".repeat(500));
    assert!(matches!(err(&deep).kind, ParseErrorKind::TooDeep { .. }));

    let minus = format!("{}x", "-".repeat(500));
    assert!(matches!(err(&minus).kind, ParseErrorKind::TooDeep { .. }));

    let tower = "x^".repeat(300) + "x";
    assert!(matches!(err(&tower).kind, ParseErrorKind::TooDeep { .. }));

    let wide = vec!["x"; 6000].join("+");
    assert!(matches!(err(&wide).kind, ParseErrorKind::TooManyNodes { .. }));

    assert!(matches!(err("x^5000").kind, ParseErrorKind::PowerTooLarge { .. }));
    assert!(matches!(
        err("x^(-5000)").kind,
        ParseErrorKind::PowerTooLarge { .. }
    ));
    assert!(matches!(
        err("2^2^2^2^2").kind,
        ParseErrorKind::PowerTooLarge { .. }
    ));
    assert!(matches!(
        err("((10^1000)^1000)^1000").kind,
        ParseErrorKind::PowerTooLarge { .. }
    ));
    assert!(matches!(
        err("1e5000").kind,
        ParseErrorKind::LiteralTooLarge { .. }
    ));
    let long_literal = "1".repeat(2000);
    assert!(matches!(
        err(&long_literal).kind,
        ParseErrorKind::LiteralTooLarge { .. }
    ));
    // Within the limits, large but sane inputs are fine.
    assert!(parse("x^1000").is_ok());
    assert!(parse("2^2^2^2").is_ok());
}

#[test]
fn invalid_utf8_is_reported_at_its_offset() {
    let e = parse_bytes(b"lam*\xff", &Limits::default()).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidUtf8);
    assert_eq!(e.span.start, 4);
}

mod properties {
    use super::*;
    use crate::expr::strategies;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_print_round_trips(e in strategies::expr(vec!["lam", "mu", "t", "c"], 6)) {
            let printed = e.to_string();
            let back = parse(&printed).map_err(|err| TestCaseError::fail(err.render(&printed, "printed")))?;
            prop_assert_eq!(back, e);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,64}") {
            let _ = parse(&s);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_bytes(&bytes, &Limits::default());
        }
    }
}
