"""The Hypothesis suite: renorm must find the verdict each generated field has by construction
(renorm.strategies, expected values derived on paper from the closed forms)."""

from fractions import Fraction

from hypothesis import HealthCheck, given, settings

import renorm
from renorm import VerdictClass
from renorm import strategies as rs

# Each example is one full check (both covariances, the confirmation): keep the counts modest.
CHECKS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def agrees(field, r):
    assert r.verdict_class == field.verdict_class, (field, r.verdict)
    assert r.log_shift == field.log_shift, (field, r.log_shift)
    if field.degree is not None:
        assert Fraction(r.degree) == field.degree, (field, r.degree)
    if field.verdict_class is VerdictClass.POWER_LAW:
        assert r.time_covariant is True


@CHECKS
@given(rs.any_power_law())
def test_power_laws(field):
    agrees(field, field.check())


@CHECKS
@given(rs.weak_power_law())
def test_weak_power_laws(field):
    r = field.check()
    agrees(field, r)
    assert r.time_covariant is False


@CHECKS
@given(rs.scaling_form(Fraction(2)))
def test_scaling_forms(field):
    agrees(field, field.check())


@CHECKS
@given(rs.log_periodic())
def test_log_periodic_fields(field):
    agrees(field, field.check())


@CHECKS
@given(rs.two_power_sum())
def test_two_power_sums(field):
    agrees(field, field.check())


@CHECKS
@given(rs.toeplitz_coupling())
def test_toeplitz_couplings(field):
    r = field.check()
    agrees(field, r)
    assert r.time_covariant is field.time_covariant


@CHECKS
@given(rs.power_law_spectrum())
def test_power_law_spectra(field):
    agrees(field, field.check())


@settings(max_examples=20, deadline=None)
@given(rs.known_field())
def test_any_known_field(field):
    agrees(field, field.check())
