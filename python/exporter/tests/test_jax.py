"""The JAX path, checked against closed forms and finite differences computed in NumPy.

Skipped when JAX is not importable.
"""

import numpy as np
import pytest

# Central differences in float64 with step H: truncation error ~ H^2 |f'''| / 6 ~ 1e-12 and
# rounding error ~ eps |f| / H ~ 4e-10 for the O(1) values below (measured: 2e-10), so 1e-8
# leaves a margin of 25, while a wrong column order or a missing factor (errors ~ 1) and even a
# Jacobian computed in float32 (measured: 3e-7) fail.
H = 1e-6
FD_TOL = 1e-8


def _x_integer(b=5, d=3):
    # Small integers: X X^T is computed exactly in float64, so the comparison can be exact.
    return np.arange(b * d, dtype=np.float64).reshape(b, d) % 7 - 3


def test_linear_model_jacobian_is_x_and_gram_is_x_xt(jax):
    from renorm_export.jax import gram_from_fn

    x = _x_integer()
    params = {"w": np.array([0.3, -1.2, 2.0])}

    def apply_fn(p, batch):
        return batch @ p["w"]  # f(x) = w . x, so d f / d w = x

    gram, jac = gram_from_fn(apply_fn, params, x, block_size=2, return_jacobian=True)
    assert jac.dtype == np.float64 and gram.dtype == np.float64
    np.testing.assert_array_equal(jac, x)
    np.testing.assert_array_equal(gram, x @ x.T)


def _tanh_net_numpy(p, x):
    """The two-layer tanh net in plain NumPy: the independent reference."""
    hidden = np.tanh(x @ p["a"] + p["b"])
    return hidden @ p["c"]  # (B, K)


def _tanh_params(k, seed=3):
    rng = np.random.default_rng(seed)
    return {
        "a": rng.standard_normal((3, 4)),
        "b": rng.standard_normal(4),
        "c": rng.standard_normal((4, k)),
    }


def _finite_difference_jacobian(f, params, x):
    """Central differences of f(params, x).reshape(-1) over the entries of params, in sorted-key
    order and C order within each array: the order ravel_pytree uses for a dict."""
    columns = []
    for name in sorted(params):
        for idx in np.ndindex(params[name].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += H
            minus[name][idx] -= H
            columns.append((f(plus, x).reshape(-1) - f(minus, x).reshape(-1)) / (2 * H))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("k", [1, 2])
def test_tanh_net_jacobian_matches_finite_differences(jax, k):
    import jax.numpy as jnp

    from renorm_export.jax import jacobian_from_fn

    params = _tanh_params(k)
    x = np.random.default_rng(4).standard_normal((5, 3))

    def apply_fn(p, batch):
        return jnp.tanh(batch @ p["a"] + p["b"]) @ p["c"]

    jac = jacobian_from_fn(apply_fn, params, x, block_size=3)
    expected = _finite_difference_jacobian(_tanh_net_numpy, params, x)
    assert jac.shape == (5 * k, 3 * 4 + 4 + 4 * k)
    assert np.max(np.abs(jac - expected)) < FD_TOL


def test_block_size_does_not_change_the_result(jax):
    import jax.numpy as jnp

    from renorm_export.jax import gram_from_fn

    params = _tanh_params(2)
    x = np.random.default_rng(5).standard_normal((7, 3))

    def apply_fn(p, batch):
        return jnp.tanh(batch @ p["a"] + p["b"]) @ p["c"]

    one = gram_from_fn(apply_fn, params, x, block_size=1)
    all_ = gram_from_fn(apply_fn, params, x, block_size=64)
    np.testing.assert_allclose(one, all_, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(one, one.T)


def test_refuses_integer_parameters_and_empty_batch(jax):
    from renorm_export.jax import gram_from_fn

    with pytest.raises(ValueError, match="params: leaf of dtype"):
        gram_from_fn(lambda p, b: b @ p["w"], {"w": np.array([1, 2])}, np.ones((2, 2)))
    with pytest.raises(ValueError, match="inputs"):
        gram_from_fn(lambda p, b: b @ p["w"], {"w": np.ones(2)}, np.ones((0, 2)))
    with pytest.raises(ValueError, match="block_size"):
        gram_from_fn(lambda p, b: b @ p["w"], {"w": np.ones(2)}, np.ones((2, 2)), block_size=0)
