"""renorm.rg: learning curves against the certified references of docs/theory.md §3.4 and an
exact rational sum; predictions equal the command line's."""

import json
import pathlib
from decimal import Decimal
from fractions import Fraction

import pytest

import renorm
from conftest import ROOT, renorm_binary, run_cli

# docs/theory.md §3.4, α = 1/5, β = 3/10, x = 10³ (reproduced there by an independent mpmath route).
B_REF = Decimal("0.493792885139288898364200668141723713289")
V_REF = Decimal("1.655264765762167616538164091832279236469")


def inside(enclosure, exact):
    return Fraction(Decimal(enclosure.lo)) <= exact <= Fraction(Decimal(enclosure.hi))


def test_the_curve_matches_the_theory_references():
    c = renorm.rg.curve("1/5", "3/10", "1e3", digits=30)
    assert c.bias.digits_certified >= 30 and c.variance.digits_certified >= 30
    # The references have 39 digits; the enclosures are 30-digit wide, so they must contain them.
    assert inside(c.bias, Fraction(B_REF)) and inside(c.variance, Fraction(V_REF))
    assert Decimal(c.loss.value).quantize(Decimal("1e-28")) == (B_REF + V_REF).quantize(Decimal("1e-28"))
    assert float(c.loss) == pytest.approx(float(B_REF + V_REF), rel=1e-15)


def test_a_finite_sum_is_enclosed_exactly():
    # With N = 4 modes and α = 1, β = 1 the sums are rational: compute them exactly.
    alpha, beta, x, n = Fraction(1), Fraction(1), Fraction(10), 4
    b = sum(Fraction(1, k ** 2) / (1 + x / k ** 2) ** 2 for k in range(1, n + 1))
    v = sum(Fraction(1, k ** 2) / (1 + x / k ** 2) for k in range(1, n + 1))
    c = renorm.rg.curve(alpha, beta, x, modes=n, digits=25)
    assert inside(c.bias, b) and inside(c.variance, v) and inside(c.loss, b + v)


def test_exact_numbers_only():
    with pytest.raises(renorm.InvalidInputError, match="float"):
        renorm.rg.curve(0.2, "3/10", "1e3")
    with pytest.raises(renorm.InvalidInputError, match="alpha"):
        renorm.rg.curve("one fifth", "3/10", "1e3")
    with pytest.raises(renorm.InvalidInputError, match="1e15"):
        renorm.rg.curve("1/5", "3/10", "1e16")


def test_predictions_from_a_mapping_equal_the_command_lines(tmp_path):
    model = {"alpha": "1/5", "beta": "3/10", "modes": 8, "P": 16, "r": "1/10",
             "interaction": [{"kind": "separable", "U": "0.05"}]}
    p = renorm.rg.predict(model)
    assert len(p.rows) == 8
    assert set(p.formats) == {"json", "md", "csv"}
    assert p.render("csv").count("\n") >= 9
    toml = 'alpha = "1/5"\nbeta = "3/10"\nmodes = 8\nP = 16\nr = "1/10"\n[[interaction]]\nkind = "separable"\nU = "0.05"\n'
    assert renorm.rg.predict(toml).data == p.data
    with pytest.raises(renorm.InvalidInputError, match="alpha"):
        renorm.rg.predict({**model, "alpha": "-1"})
    if renorm_binary() is None:
        pytest.skip("no renorm binary to compare against")
    path = tmp_path / "model.toml"
    path.write_text(toml)
    code, out, err = run_cli("rg", "predict", path, "--format", "json")
    assert code == 0, err
    assert json.loads(out) == renorm.rg.predict(path).data
    assert out == renorm.rg.predict(path).to_json()


def test_curve_json_is_the_command_lines():
    if renorm_binary() is None:
        pytest.skip("no renorm binary to compare against")
    code, out, err = run_cli("rg", "curve", "--alpha", "1/5", "--beta", "3/10", "--p-over-r", "100", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == renorm.rg.curve("1/5", "3/10", "100").data
    assert out == renorm.rg.curve("1/5", "3/10", "100").to_json()
