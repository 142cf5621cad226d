"""The RG layer (docs/theory.md §3): learning curves of the power-law Gaussian process and
per-mode predictions of a model with weak interactions — ``renorm rg curve`` and
``renorm rg predict`` in-process."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Mapping, Optional, Union

from . import _renorm
from ._api import Number, _exact
from ._results import CurveResult, PredictResult


def curve(
    alpha: Number,
    beta: Number,
    p_over_r: Number,
    *,
    modes: Optional[int] = None,
    digits: int = 30,
) -> CurveResult:
    """The learning curve at spectral exponent ``alpha``, target exponent ``beta`` and
    ``x = P/r`` (exact numbers: ``"1/5"``, ``Fraction(3, 10)``, ``"1e3"``), summing all modes or
    only ``k ≤ modes``: bias, variance and loss per sample as certified enclosures to ``digits``
    significant digits, their log-log slopes and the continuum forms (``renorm rg curve``)."""
    return CurveResult(
        _renorm.rg_curve(_exact(alpha, "alpha"), _exact(beta, "beta"), _exact(p_over_r, "p_over_r"), modes, digits)
    )


def predict(
    model: Union[Mapping[str, Any], str, pathlib.Path],
    *,
    digits: int = 30,
    exact: bool = False,
) -> PredictResult:
    """Per-mode predictions of an RG model (``renorm rg predict``): the exact GP, first order in
    ``U`` and the renormalized theory, with validity flags. ``model`` is a mapping with the
    fields of a model spec (see ``examples/rg/``), TOML text, or a path to a TOML file;
    ``exact=True`` adds the exact moments by quadrature and each method's error."""
    if isinstance(model, Mapping):
        report = _renorm.rg_predict(model_json=json.dumps(model), origin="<model>", digits=digits, exact=exact)
    elif isinstance(model, pathlib.Path) or (isinstance(model, str) and "\n" not in model and model.endswith(".toml")):
        path = pathlib.Path(model)
        report = _renorm.rg_predict(model_toml=path.read_text(encoding="utf-8"), origin=str(path), digits=digits, exact=exact)
    else:
        report = _renorm.rg_predict(model_toml=str(model), origin="<model>", digits=digits, exact=exact)
    return PredictResult(report)


__all__ = ["curve", "predict"]
