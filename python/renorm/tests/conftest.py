"""Shared fixtures. The command-line references are computed when the session starts, before
this process uses the symbolic engine: the engine is one process at a time, and a `renorm`
subprocess started while this process holds it would wait for it."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
GALLERY = sorted((ROOT / "examples" / "couplings").glob("*.toml"))


def renorm_binary():
    """The `renorm` command line to compare against: $RENORM_BIN, else a built one in target/."""
    env = os.environ.get("RENORM_BIN")
    if env:
        return pathlib.Path(env)
    for profile in ("release", "debug"):
        candidate = ROOT / "target" / profile / "renorm"
        if candidate.is_file():
            return candidate
    return None


def run_cli(*args, stdin=None):
    """Runs the command line; returns (exit code, stdout, stderr)."""
    out = subprocess.run(
        [str(renorm_binary()), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SYMBOLICA_HIDE_BANNER": "1"},
    )
    return out.returncode, out.stdout, out.stderr


_CLI_GALLERY = {}


def pytest_sessionstart(session):
    if renorm_binary() is None:
        return
    for spec in GALLERY:
        code, out, err = run_cli("check", spec, "--format", "json")
        # Exit 1 would mean a failed [expect] claim; the gallery has none (tests/gallery.rs).
        assert code == 0, f"renorm check {spec}: exit {code}: {err}"
        _CLI_GALLERY[spec.name] = json.loads(out)


@pytest.fixture(scope="session")
def cli_gallery():
    """`renorm check SPEC --format json` of every gallery spec, parsed (skips the test when no
    `renorm` binary is built: set RENORM_BIN or run `cargo build`)."""
    if renorm_binary() is None:
        pytest.skip("no renorm binary to compare against (set RENORM_BIN or run cargo build)")
    return _CLI_GALLERY
