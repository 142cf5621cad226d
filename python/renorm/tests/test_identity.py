"""renorm.identity: true identities hold; a false one comes with a certified witness that an
independent evaluation (Python's decimal module at 80 digits) confirms."""

from decimal import Decimal, getcontext
from fractions import Fraction

import renorm
from renorm import Status


def test_a_true_identity_holds():
    r = renorm.identity("log(a*b)", "log(a) + log(b)")
    assert r.holds and bool(r)
    assert r.status in (Status.PROVED, Status.CONFIRMED)


def test_a_false_identity_is_refuted_at_a_point_an_independent_evaluation_confirms():
    r = renorm.identity("sqrt(a + b)", "sqrt(a) + sqrt(b)")
    assert r.status is Status.REFUTED and not r.holds
    w = r.witness
    getcontext().prec = 80
    a, b = (Fraction(w["point"][v]) for v in ("a", "b"))
    dec = lambda q: Decimal(q.numerator) / Decimal(q.denominator)
    residual = (dec(a) + dec(b)).sqrt() - dec(a).sqrt() - dec(b).sqrt()
    lo, hi = (Decimal(x) for x in w["enclosure"])
    assert lo <= residual <= hi, (lo, residual, hi)
    assert not (lo <= 0 <= hi)


def test_real_domain_distinguishes_abs():
    # sqrt(x^2) = x on the positive reals, not on the real line.
    assert renorm.identity("sqrt(x^2)", "x").holds
    assert renorm.identity("sqrt(x^2)", "x", real=True).status is Status.REFUTED
