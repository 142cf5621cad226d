"""The gallery (examples/couplings): every spec gets its [expect]ed verdict from Python, through
check_spec and through keyword arguments, and the same verdict and statuses as the command line."""

import pytest

import renorm
from conftest import GALLERY

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None


def test_the_gallery_is_there():
    assert len(GALLERY) >= 15


@pytest.mark.parametrize("spec", GALLERY, ids=lambda p: p.stem)
def test_gallery_spec_gets_its_expected_verdict(spec):
    r = renorm.check_spec(spec)
    assert r.expectations, "every gallery spec states its expected verdict"
    assert not r.failed_expectations, r.failed_expectations


def kwargs_of(doc):
    """renorm.check keyword arguments from a spec's fields."""
    params = {}
    for name, value in doc.get("params", {}).items():
        params[name] = tuple(value["range"]) if isinstance(value, dict) else value
    return dict(
        expr=doc["expr"],
        spectral=doc["spectral"],
        time=doc.get("time"),
        kind=doc.get("kind"),
        weight=doc.get("weight"),
        params=params,
    )


@pytest.mark.skipif(tomllib is None, reason="tomllib needs Python 3.11")
@pytest.mark.parametrize("spec", GALLERY, ids=lambda p: p.stem)
def test_keyword_arguments_give_the_verdict_of_the_spec(spec):
    doc = tomllib.loads(spec.read_text())
    if "scales" in doc:
        pytest.skip("spec sets its own scales")
    by_spec = renorm.check_spec(spec)
    by_kwargs = renorm.check(**kwargs_of(doc))
    assert by_kwargs.verdict == by_spec.verdict
    assert by_kwargs.statuses == by_spec.statuses


@pytest.mark.parametrize("spec", GALLERY, ids=lambda p: p.stem)
def test_python_gives_the_command_lines_verdicts(spec, cli_gallery):
    cli = cli_gallery[spec.name]["reports"][0]
    py = renorm.check_spec(spec)
    assert py.data["reports"][0]["verdict"] == cli["verdict"]
    for check in ("log_shift", "time_rescaling"):
        assert py.data["reports"][0]["checks"][check]["status"] == cli["checks"][check]["status"]
    assert py.data["reports"][0]["expectations"] == cli["expectations"]
    assert py.data["engine"] == cli_gallery[spec.name]["engine"]
    # Beyond the verdicts: the whole document, evidence and derivation trail included — except
    # the engine's printed normal forms, whose term order follows the order in which the process
    # first met each symbol (one fresh process per CLI run; one long-lived process here).
    assert without_engine_text(py.data) == without_engine_text(cli_gallery[spec.name])


def without_engine_text(doc):
    """`doc` with the text the symbolic engine printed (`symbolic.note`, `symbolic.normal_form`)
    blanked; everything else, verdicts and numbers included, is kept."""
    if isinstance(doc, dict):
        return {
            k: ("<engine text>" if k in ("note", "normal_form") and isinstance(v, str) and within_symbolic else without_engine_text(v))
            for k, v, within_symbolic in ((k, v, "verdict" in doc and "error" in doc) for k, v in doc.items())
        }
    if isinstance(doc, list):
        return [without_engine_text(x) for x in doc]
    return doc
