"""renorm.check / check_spec: verdicts derived on paper from the fields' closed forms."""

import json
import pathlib
from fractions import Fraction

import pytest

import renorm
from renorm import Status, VerdictClass


def test_a_power_law_velocity_is_forced_into_its_form():
    # c λ^b t^(b−2) with b = 3/2: degree 3/2 in λ, time exponent b − w = −1/2 (weight 2).
    r = renorm.check("c * lam^b * t^(b - 2)", spectral=["lam"], time="t", kind="velocity",
                     params={"c": "1/2", "b": Fraction(3, 2)})
    assert r.verdict_class is VerdictClass.POWER_LAW
    assert r.verdict.exponent_spectral == "3/2"
    assert r.verdict.exponent_time == "-1/2"
    assert r.log_shift == "continuous" and r.degree == "3/2"
    assert r.statuses["log_shift"].holds and r.statuses["time_rescaling"].holds
    assert r.time_covariant is True
    assert r.witness is None


def test_a_weak_power_law_is_refuted_in_time_with_a_witness():
    # (1 + t) λ²: degree 2 in λ at every t, but (1 + t) is not a power of t.
    r = renorm.check("(1 + t) * lam^2", spectral=["lam"], time="t", kind="velocity")
    assert r.verdict_class is VerdictClass.POWER_LAW_IN_SPECTRUM
    assert r.statuses["time_rescaling"] is Status.REFUTED
    assert r.time_covariant is False
    assert r.witness is not None and "point" in r.witness


def test_two_powers_are_not_a_power_law():
    r = renorm.check("lam + lam^2", spectral="lam", time="t", kind="velocity")
    assert r.verdict_class is VerdictClass.NOT_POWER_LAW
    assert r.statuses["log_shift"] is Status.REFUTED


def test_parameter_ranges_and_explicit_weights():
    # c λ^(1/2) t^(1/2 − w) at w = −1/3 with c sampled in [1, 2]: power law of degree 1/2.
    r = renorm.check("c * lam^(1/2) * t^(1/2 + 1/3)", spectral=["lam"], time="t",
                     weight=Fraction(-1, 3), params={"c": (1, 2)})
    assert r.verdict_class is VerdictClass.POWER_LAW
    assert r.degree == "1/2"


def test_numeric_only_mode_confirms_but_does_not_prove():
    renorm.set_engine("off")
    try:
        assert renorm.engine() == "off"
        r = renorm.check("lam^2 * t^0", spectral=["lam"], time="t", kind="velocity")
        assert r.data["engine"] == "off"
        assert r.verdict_class is VerdictClass.POWER_LAW
        assert r.statuses["time_rescaling"] in (Status.PROVED, Status.CONFIRMED)
    finally:
        renorm.set_engine("on")
    assert renorm.engine() == "on"


def test_errors_are_located_python_exceptions():
    with pytest.raises(renorm.InvalidInputError) as e:
        renorm.check("lam^", spectral=["lam"], time="t", kind="velocity")
    assert "expr:1:5" in str(e.value) and "^" in str(e.value)
    assert isinstance(e.value, renorm.RenormError)
    with pytest.raises(renorm.InvalidInputError, match="float"):
        renorm.check("c*lam", spectral=["lam"], time="t", kind="velocity", params={"c": 0.1})
    with pytest.raises(renorm.InvalidInputError, match=r"digits: must lie in 1\.\.=100000 \(got 0\)"):
        renorm.check("lam", spectral=["lam"], time="t", kind="velocity", digits=0)
    # The command line's bounds: at most 1000 points per check.
    with pytest.raises(renorm.InvalidInputError, match=r"points: must lie in 1\.\.=1000"):
        renorm.check("lam", spectral=["lam"], time="t", kind="velocity", points=10**6)
    with pytest.raises(renorm.InvalidInputError, match="max_digits"):
        renorm.check("lam", spectral=["lam"], time="t", kind="velocity", max_digits=10**6)
    with pytest.raises(renorm.InvalidInputError):
        renorm.set_engine("maybe")


def test_reports_render_and_write_as_the_command_line_does(tmp_path):
    r = renorm.check("lam^2 * t", spectral=["lam"], time="t", kind="coupling")
    assert json.loads(r.render("json")) == r.data
    assert r.to_json() == r.render("json")
    assert set(r.formats) == {"json", "text", "md", "html", "tex"}
    written = r.write(tmp_path / "sub" / "check.html")
    assert written == [tmp_path / "sub" / "check.html"]
    assert "<html" in written[0].read_text()
    assert r.write(tmp_path / "check.json")[0].read_text() == r.to_json()
    assert "\\documentclass" in r.render("tex")
    with pytest.raises(renorm.InvalidInputError, match="format `csv`"):
        r.render("csv")
    with pytest.raises(renorm.InvalidInputError, match="extension"):
        r.write(tmp_path / "check.out")
    html = r._repr_html_()
    assert "power_law" in html and "<table" in html


def test_check_spec_reports_failed_expectations_without_raising(tmp_path):
    spec = tmp_path / "wrong.toml"
    spec.write_text('kind = "velocity"\nexpr = "lam^2"\nspectral = ["lam"]\ntime = "t"\n'
                    '[expect]\npower_law = false\n')
    r = renorm.check_spec(spec)
    assert r.verdict_class is VerdictClass.POWER_LAW
    assert [e.claim for e in r.failed_expectations] == ["expect.power_law"]
    text = spec.read_text()
    assert renorm.check_spec(text).verdict_class is VerdictClass.POWER_LAW
    with pytest.raises(renorm.InvalidInputError, match="<spec>"):
        renorm.check_spec('kind = "velocity"\nexpr = "lam^"\nspectral = ["lam"]\n')
