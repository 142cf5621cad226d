"""renorm from Python.

Verify the conditions under which learning dynamics obey power laws — the same library as the
``renorm`` command line, called in-process:

>>> import renorm
>>> r = renorm.check("c * lam^b * t^(b - 2)", spectral=["lam"], time="t", kind="velocity",
...                  params={"c": "1/2", "b": "3/2"})
>>> r.verdict_class
<VerdictClass.POWER_LAW: 'power_law'>
>>> renorm.identity("log(a*b)", "log(a) + log(b)").holds
True

* :func:`check`, :func:`check_spec` — a field's log-shift and time-rescaling covariance and the
  verdict they force (``renorm check``).
* :func:`identity` — an identity decided by the symbolic engine and certified arithmetic
  (``renorm identity``).
* :func:`conditions` — the GRSD sufficient conditions on NumPy arrays (``renorm conditions``).
* :mod:`renorm.rg` — learning curves and per-mode predictions (``renorm rg curve/predict``).
* :mod:`renorm.strategies` — Hypothesis strategies of fields with known answers.

Results are typed (:class:`CheckResult`, …), show themselves in notebooks, and render or write
every report format the command line offers (``result.write("report.html")``). Errors are
:class:`RenormError` subclasses carrying the command line's located message.

The symbolic engine is Symbolica, which runs unlicensed here: non-commercial use only, one
Symbolica thread per user; set ``SYMBOLICA_LICENSE`` to use a licence key. One process at a time
uses it (a second waits, up to ``RENORM_ENGINE_WAIT`` seconds); ``set_engine("off")`` runs on
numeric evidence only.
"""

import os as _os

# Symbolica's banner must never reach standard output (set before the native module loads).
_os.environ.setdefault("SYMBOLICA_HIDE_BANNER", "1")

from . import _renorm  # noqa: E402
from ._api import check, check_spec, conditions, engine, identity, set_engine  # noqa: E402
from ._renorm import ClaimFailedError, InternalError, InvalidInputError, RenormError  # noqa: E402
from ._results import (  # noqa: E402
    CheckResult,
    ConditionsResult,
    CurveResult,
    Enclosure,
    Expectation,
    IdentityResult,
    PredictResult,
    Rule,
    Status,
    Verdict,
    VerdictClass,
)
from . import rg  # noqa: E402

__version__: str = _renorm.__version__

__all__ = [
    "check",
    "check_spec",
    "identity",
    "conditions",
    "set_engine",
    "engine",
    "rg",
    "RenormError",
    "InvalidInputError",
    "InternalError",
    "ClaimFailedError",
    "CheckResult",
    "IdentityResult",
    "ConditionsResult",
    "CurveResult",
    "PredictResult",
    "Enclosure",
    "Expectation",
    "Rule",
    "Status",
    "Verdict",
    "VerdictClass",
]
