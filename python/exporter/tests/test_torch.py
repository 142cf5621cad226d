"""The PyTorch path, checked against closed forms and finite differences computed in NumPy.

Skipped when torch is not importable.
"""

import json

import numpy as np
import pytest

# Central differences in float64 with step H: truncation error ~ H^2 |f'''| / 6 ~ 1e-12,
# rounding error ~ eps |f| / H ~ 4e-10 for the O(1) values below, so 1e-8 leaves a margin of 25,
# while a wrong column order or a missing factor (errors ~ 1) and a Jacobian computed in float32
# rather than float64 (errors ~ 3e-7 on this net) fail.
H = 1e-6
FD_TOL = 1e-8


def _x_integer(b=5, d=3):
    # Small integers: X X^T is computed exactly in float64, so the comparison can be exact.
    return np.arange(b * d, dtype=np.float64).reshape(b, d) % 7 - 3


def _linear(torch, w):
    model = torch.nn.Linear(len(w), 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([w], dtype=torch.float32))
    return model


def test_linear_model_jacobian_is_x_and_gram_is_x_xt(torch):
    from renorm_export.torch import gram_from_model

    x = _x_integer()
    model = _linear(torch, [0.25, -1.5, 2.0])  # f(x) = w . x, so d f / d w = x
    gram, jac = gram_from_model(model, None, torch.tensor(x), block_size=2, return_jacobian=True)
    assert jac.dtype == np.float64 and gram.dtype == np.float64
    np.testing.assert_array_equal(jac, x)
    np.testing.assert_array_equal(gram, x @ x.T)


def _tanh_net(torch, k, seed=3):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, k))


def _numpy_params(model):
    """The model's parameters as float64 NumPy arrays, in named_parameters() order."""
    return {name: p.detach().double().numpy().copy() for name, p in model.named_parameters()}


def _tanh_net_numpy(p, x):
    """The same net in plain NumPy (nn.Linear computes x W^T + b): the independent reference."""
    hidden = np.tanh(x @ p["0.weight"].T + p["0.bias"])
    return hidden @ p["2.weight"].T + p["2.bias"]


def _finite_difference_jacobian(f, params, x, names):
    """Central differences of f(params, x).reshape(-1) over the entries of params[names], in
    that order and C order within each array: the documented column order."""
    columns = []
    for name in names:
        for idx in np.ndindex(params[name].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += H
            minus[name][idx] -= H
            columns.append((f(plus, x).reshape(-1) - f(minus, x).reshape(-1)) / (2 * H))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("k", [1, 2])
def test_tanh_net_jacobian_matches_finite_differences(torch, k):
    from renorm_export.torch import jacobian_from_model

    model = _tanh_net(torch, k)  # float32 parameters: the exporter differentiates in float64
    x = np.random.default_rng(4).standard_normal((5, 3))
    jac = jacobian_from_model(model, None, torch.tensor(x), block_size=3)
    params = _numpy_params(model)
    expected = _finite_difference_jacobian(_tanh_net_numpy, params, x, list(params))
    # Parameters: W1 (4×3), b1 (4), W2 (k×4), b2 (k).
    assert jac.shape == (5 * k, 3 * 4 + 4 + 4 * k + k)
    assert np.max(np.abs(jac - expected)) < FD_TOL


def test_last_layer_only_jacobian_is_hidden_features(torch):
    # Differentiating only the last layer of f = h(x) . w2 + b2: d f / d w2 = h(x), d f / d b2 = 1.
    from renorm_export.torch import gram_from_model

    model = _tanh_net(torch, 1)
    x = np.random.default_rng(6).standard_normal((4, 3))
    params = {name: p for name, p in model.named_parameters() if name.startswith("2.")}
    gram, jac = gram_from_model(model, params, torch.tensor(x), return_jacobian=True)
    p = _numpy_params(model)
    hidden = np.tanh(x @ p["0.weight"].T + p["0.bias"])
    np.testing.assert_allclose(jac, np.hstack([hidden, np.ones((4, 1))]), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(gram, hidden @ hidden.T + 1.0, rtol=1e-13, atol=1e-13)


def test_block_size_does_not_change_the_result(torch):
    from renorm_export.torch import gram_from_model

    model = _tanh_net(torch, 2)
    x = torch.tensor(np.random.default_rng(5).standard_normal((7, 3)))
    one = gram_from_model(model, None, x, block_size=1)
    all_ = gram_from_model(model, None, x, block_size=64)
    np.testing.assert_allclose(one, all_, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(one, one.T)


def test_record_run_linear_model_follows_closed_form(torch, tmp_path):
    # Gradient descent on 0.5 |X w - y|^2: the residual obeys e_{s+1} = (I - lr X X^T) e_s and
    # the Gram matrix X X^T does not change. Computed here in NumPy, independently.
    from renorm_export.torch import record_run

    x = _x_integer(b=4, d=3) / 4.0
    y = np.array([1.0, -0.5, 0.25, 2.0])
    w0 = [0.25, -1.5, 2.0]
    lr, steps, checkpoints = 0.05, 30, [0, 1, 7, 30]
    model = _linear(torch, w0)
    path = tmp_path / "run.npz"
    run = record_run(
        model,
        None,
        torch.tensor(x),
        torch.tensor(y[:, None]),
        steps,
        lr,
        checkpoints,
        path=path,
        meta={"model": "linear"},
    )

    m = x @ x.T
    e = x @ np.array(w0) - y
    expected = {}
    for s in range(steps + 1):
        if s in checkpoints:
            expected[s] = e.copy()
        e = e - lr * m @ e
    np.testing.assert_allclose(run.times, [s * lr for s in checkpoints], rtol=0, atol=0)
    for i, s in enumerate(checkpoints):
        np.testing.assert_allclose(run.residual[i], expected[s], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(run.gram[i], m, rtol=1e-14, atol=1e-14)
    assert run.losses[0] == pytest.approx(0.5 * np.sum((x @ np.array(w0) - y) ** 2), rel=1e-14)
    # The model object itself is left as it was.
    np.testing.assert_array_equal(model.weight.detach().numpy(), np.array([w0], dtype=np.float32))

    with np.load(path) as z:
        assert sorted(z.files) == ["gram", "meta", "residual", "times"]
        np.testing.assert_array_equal(z["times"], run.times)
        np.testing.assert_array_equal(z["gram"], run.gram)
        np.testing.assert_array_equal(z["residual"], run.residual)
        meta = json.loads(str(z["meta"]))
    assert meta == {"lr": lr, "steps": steps, "checkpoints": checkpoints, "model": "linear"}


def test_record_run_with_jacobian_and_custom_loss(torch):
    from renorm_export.torch import record_run

    model = _tanh_net(torch, 1)
    x = torch.tensor(np.random.default_rng(8).standard_normal((6, 3)))
    y = torch.zeros(6, 1, dtype=torch.float64)
    run = record_run(
        model, lambda out, t: ((out - t) ** 2).mean(), x, y, 5, 0.1, [0, 5], record_jacobian=True
    )
    assert run.jacobian is not None and run.jacobian.shape == (2, 6, 3 * 4 + 4 + 4 + 1)
    for t in range(2):
        np.testing.assert_allclose(run.gram[t], run.jacobian[t] @ run.jacobian[t].T, rtol=1e-13)
    # Mean squared error decreases under small steps.
    assert run.losses[-1] < run.losses[0]


@pytest.mark.parametrize(
    "steps, lr, checkpoints, message",
    [
        (-1, 0.1, [0], "steps"),
        (10, 0.0, [0], "lr"),
        (10, float("nan"), [0], "lr"),
        (10, 0.1, [], "checkpoints"),
        (10, 0.1, [0, 11], r"checkpoints\[1\]"),
        (10, 0.1, [3, 3], r"checkpoints\[1\]"),
        (10, 0.1, [0.5], "checkpoints"),
    ],
)
def test_record_run_refusals(torch, steps, lr, checkpoints, message):
    from renorm_export.torch import record_run

    model = _linear(torch, [1.0, 2.0, 3.0])
    x = torch.tensor(_x_integer())
    y = torch.zeros(5, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match=message):
        record_run(model, None, x, y, steps, lr, checkpoints)


def test_record_run_refuses_misshaped_targets(torch):
    from renorm_export.torch import record_run

    model = _linear(torch, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="targets"):
        record_run(model, None, torch.tensor(_x_integer()), torch.zeros(5), 1, 0.1, [0])
