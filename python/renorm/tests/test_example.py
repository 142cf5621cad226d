"""The notebook-style example runs start to finish and prints what it promises."""

import pathlib
import runpy


def test_the_notebook_example_runs(capsys):
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / "notebook.py"
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert "power_law — C*lam^(3/2)*t^(-1/2)" in out
    assert "power_law_in_spectrum — witness:" in out
    assert "refuted — lhs − rhs ∈" in out
    assert "conditions.md" in out and "velocity.html" in out
