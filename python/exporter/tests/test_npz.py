"""The NumPy core: what write_run writes (read back with numpy.load) and what it refuses."""

import json
import os
import stat

import numpy as np
import pytest

from conftest import drifting_run
from renorm_export.npz import PSD_RTOL, SYMMETRY_RTOL, check_run, write_run

LAYOUT = ("times", "gram", "residual", "layer_jacobian_norms", "jacobian")


def leftovers(folder):
    """Files in ``folder`` that look like write_run's temporary files."""
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_round_trip_all_members(tmp_path):
    run = drifting_run()
    meta = {"model": "toy", "lr": 0.01, "seed": 7}
    path = write_run(tmp_path / "run.npz", **run, meta=meta)
    assert path == tmp_path / "run.npz"
    with np.load(path) as z:  # allow_pickle stays False: nothing needs it
        assert sorted(z.files) == sorted(LAYOUT + ("meta",))
        for name in LAYOUT:
            got = z[name]
            assert got.dtype == np.dtype("<f8"), name
            assert got.flags.c_contiguous, name
            # Bit for bit: float64 in, float64 out.
            np.testing.assert_array_equal(got, run[name], err_msg=name)
        assert json.loads(str(z["meta"])) == meta
    assert leftovers(tmp_path) == []


def test_round_trip_required_only_and_conversions(tmp_path):
    # float32 and integer inputs are converted exactly; Fortran order becomes C order.
    gram = np.asfortranarray(np.array([[[2.0, 1.0], [1.0, 2.0]]] * 3, dtype=np.float32))
    times = np.array([0, 10, 100], dtype=np.int64)
    residual = [[1, -1], [0.5, -0.5], [0.25, -0.25]]
    path = write_run(tmp_path / "sub" / "dir" / "run.npz", times, gram, residual)
    with np.load(path) as z:
        assert sorted(z.files) == ["gram", "residual", "times"]
        np.testing.assert_array_equal(z["times"], [0.0, 10.0, 100.0])
        assert z["times"].dtype == np.dtype("<f8")
        np.testing.assert_array_equal(z["gram"], np.array([[[2.0, 1.0], [1.0, 2.0]]] * 3))
        np.testing.assert_array_equal(z["residual"], np.array(residual, dtype=np.float64))


def test_compressed(tmp_path):
    run = drifting_run()
    path = write_run(tmp_path / "c.npz", run["times"], run["gram"], run["residual"], compressed=True)
    with np.load(path) as z:
        np.testing.assert_array_equal(z["gram"], run["gram"])


def test_overwrites_regular_file_and_keeps_name(tmp_path):
    target = tmp_path / "run"  # no .npz suffix: numpy.savez would append one, write_run must not
    target.write_bytes(b"old")
    run = drifting_run()
    write_run(target, run["times"], run["gram"], run["residual"])
    assert sorted(os.listdir(tmp_path)) == ["run"]
    with np.load(target) as z:
        np.testing.assert_array_equal(z["residual"], run["residual"])


def test_file_mode_follows_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = write_run(tmp_path / "run.npz", [0.0], [[[1.0]]], [[0.5]])
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def _bad(**changes):
    run = drifting_run()
    run.update(changes)
    return run


def _nan_at(name, index):
    run = drifting_run()
    array = run[name].copy()
    array[index] = np.nan
    return {name: array}


def _asymmetric():
    gram = drifting_run()["gram"].copy()
    scale = np.max(np.abs(gram[2]))
    gram[2, 1, 4] += 1e3 * SYMMETRY_RTOL * scale
    return gram


def _indefinite():
    gram = drifting_run()["gram"].copy()
    # Shift the spectrum down so the smallest eigenvalue becomes -1e-3 * lambda_max, five orders
    # beyond PSD_RTOL; a shift by a multiple of I keeps the matrix exactly symmetric.
    lam = np.linalg.eigvalsh(gram[1])
    gram[1] -= (lam[0] + 1e-3 * lam[-1]) * np.eye(gram.shape[1])
    return gram


REFUSALS = [
    # (changes to a valid run, expected start of the message)
    (dict(times=np.zeros((4, 1))), "times: has shape (4, 1)"),
    (dict(times=np.array([])), "times:"),
    (dict(times=[0.0, 1.0, 1.0, 2.0]), "times[2]:"),
    (dict(times=[0.0, 1.0, 0.5, 2.0]), "times[2]:"),
    (dict(times=np.array([0, 1, 2, 2**53 + 1], dtype=np.int64)), "times[3]: integer"),
    (dict(times=np.array([0, 1, 2, 3], dtype=np.complex128)), "times: dtype complex128"),
    (dict(times=np.array(["0", "1", "2", "3"])), "times: dtype <U1"),
    (dict(times=np.array([True, False, True, False])), "times: dtype bool"),
    (dict(times=[0.0, 1.0, 2.0]), "gram: holds 4 checkpoints, expected T = 3"),
    (dict(gram=np.zeros((4, 6))), "gram: has shape (4, 6)"),
    (dict(gram=np.zeros((4, 6, 5))), "gram: has shape (4, 6, 5)"),
    (dict(gram=np.zeros((4, 0, 0))), "gram: N = 0"),
    (dict(residual=np.zeros((4, 5))), "residual: has shape (4, 5), expected (4, 6)"),
    (dict(residual=np.zeros((3, 6))), "residual: has shape (3, 6), expected (4, 6)"),
    (dict(residual=np.zeros(6)), "residual: has shape (6,)"),
    (dict(residual=None), "residual: required array is missing"),
    (dict(layer_jacobian_norms=np.ones((3, 2))), "layer_jacobian_norms: holds 3 checkpoints"),
    (dict(layer_jacobian_norms=np.ones((4, 0))), "layer_jacobian_norms: L = 0"),
    (dict(jacobian=np.ones((4, 5, 10))), "jacobian: has shape (4, 5, 10)"),
    (dict(jacobian=np.ones((4, 6, 0))), "jacobian: P = 0"),
    (_nan_at("gram", (1, 0, 1)), "gram[1, 0, 1]: value is NaN"),
    (_nan_at("residual", (3, 5)), "residual[3, 5]: value is NaN"),
    (_nan_at("times", (0,)), "times[0]: value is NaN"),
    (dict(residual=np.full((4, 6), np.inf)), "residual[0, 0]: value is +inf"),
    (dict(jacobian=np.full((4, 6, 10), -np.inf)), "jacobian[0, 0, 0]: value is -inf"),
    (dict(gram=_asymmetric()), "gram[2, 1, 4]:"),
    (dict(gram=_indefinite()), "gram[1]: smallest eigenvalue"),
    (dict(layer_jacobian_norms=-np.ones((4, 3))), "layer_jacobian_norms[0, 0]: value -1.0 is negative"),
    (dict(meta={"x": object()}), "meta: not serializable"),
    (dict(meta={"x": float("nan")}), "meta: not serializable"),
    (dict(meta=[1, 2]), "meta: expected a mapping"),
]


@pytest.mark.parametrize("changes, message", REFUSALS, ids=[m for _, m in REFUSALS])
def test_refusals_name_the_member_and_write_nothing(tmp_path, changes, message):
    run = _bad(**changes)
    target = tmp_path / "run.npz"
    with pytest.raises(ValueError) as info:
        write_run(target, **run)
    assert str(info.value).startswith(message), str(info.value)
    assert os.listdir(tmp_path) == []


def test_tolerances_match_renorm():
    # The values of rundata::SYMMETRY_RTOL and rundata::PSD_RTOL in src/grsd/rundata/mod.rs.
    assert SYMMETRY_RTOL == 1e-9
    assert PSD_RTOL == 1e-8


def test_rounding_level_asymmetry_and_negative_eigenvalue_pass():
    # What a float J J^T really looks like: asymmetry and negative eigenvalues at rounding level.
    j = np.arange(12, dtype=np.float64).reshape(4, 3) / 7.0  # rank 2: two zero eigenvalues
    gram = j @ j.T
    gram[0, 1] *= 1 + 1e-13
    check_run([0.0], gram[None], np.zeros((1, 4)))


@pytest.mark.parametrize("kind", ["folder", "symlink", "fifo"])
def test_refuses_to_replace_non_regular_file(tmp_path, kind):
    target = tmp_path / "run.npz"
    if kind == "folder":
        target.mkdir()
        (target / "keep").write_text("x")
    elif kind == "symlink":
        (tmp_path / "elsewhere").write_text("x")
        target.symlink_to(tmp_path / "elsewhere")
    else:
        os.mkfifo(target)
    before = os.lstat(target)
    with pytest.raises(FileExistsError, match="not a regular file|is a folder|is a symbolic link"):
        write_run(target, [0.0], [[[1.0]]], [[0.5]])
    after = os.lstat(target)
    assert (before.st_mode, before.st_ino) == (after.st_mode, after.st_ino)
    assert leftovers(tmp_path) == []
    if kind == "symlink":
        assert (tmp_path / "elsewhere").read_text() == "x"


def test_failed_rename_leaves_old_file_and_no_temporary(tmp_path, monkeypatch):
    import renorm_export.npz as npz

    target = tmp_path / "run.npz"
    target.write_bytes(b"old run")

    def failing_replace(src, dst):
        raise OSError("simulated failure")

    monkeypatch.setattr(npz.os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated failure"):
        write_run(target, [0.0], [[[1.0]]], [[0.5]])
    assert target.read_bytes() == b"old run"
    assert leftovers(tmp_path) == []


def test_refuses_path_without_file_name(tmp_path):
    with pytest.raises(ValueError, match="no file name"):
        write_run(tmp_path / "..", [0.0], [[[1.0]]], [[0.5]])
