"""Tests for nnlib.activations: closed forms, finite differences and stability at |z| = 1000."""

import warnings

import numpy as np
import pytest

from nnlib import activations
from nnlib.gradcheck import check_function, numerical_gradient, relative_error

pytestmark = pytest.mark.filterwarnings("error")  # any RuntimeWarning fails the test

X_SEED = np.array([-2.0, 3.0, 0.5])  # the worked example in seed 004
ELEMENTWISE = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]


def no_float_trouble():
    """Overflow, division by zero and invalid operations raise instead of warning.

    Underflow is left alone on purpose: ``exp(-1e4) == 0`` is the correct answer, not an error.
    """
    return np.errstate(over="raise", divide="raise", invalid="raise")


def away_from_kinks(shape, seed=0):
    """Points in [-4, 4] with |z| > 1e-3, where every activation is smooth."""
    z = np.random.default_rng(seed).uniform(-4, 4, shape)
    return np.where(np.abs(z) < 1e-3, 0.5, z)


# --- values against closed forms ---------------------------------------------------------------


def test_seed_004_numbers():
    np.testing.assert_allclose(activations.relu(X_SEED), [0.0, 3.0, 0.5], rtol=0, atol=1e-8)
    np.testing.assert_allclose(
        activations.tanh(X_SEED), [-0.96402758, 0.99505475, 0.46211716], rtol=0, atol=1e-8
    )
    np.testing.assert_allclose(
        activations.softmax(X_SEED), [0.00618829, 0.91842297, 0.07538875], rtol=0, atol=1e-8
    )


def test_closed_forms():
    z = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(activations.linear(z), z)
    np.testing.assert_allclose(activations.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    tanh = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    np.testing.assert_allclose(activations.tanh(z), tanh, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(activations.relu(z), np.where(z > 0, z, 0.0))
    np.testing.assert_allclose(activations.leaky_relu(z), np.where(z > 0, z, 0.01 * z), rtol=1e-15)
    np.testing.assert_allclose(
        activations.leaky_relu(z, alpha=0.2), np.where(z > 0, z, 0.2 * z), rtol=1e-15
    )
    np.testing.assert_allclose(activations.softmax(z), np.exp(z) / np.exp(z).sum(), rtol=1e-13)
    np.testing.assert_allclose(activations.logsumexp(z), np.log(np.exp(z).sum()), rtol=1e-14)
    np.testing.assert_allclose(
        activations.log_softmax(z), np.log(np.exp(z) / np.exp(z).sum()), rtol=1e-12
    )


def test_known_points():
    assert activations.sigmoid(0.0) == 0.5
    assert activations.sigmoid_derivative(0.0) == 0.25
    assert activations.tanh_derivative(0.0) == 1.0
    assert activations.relu_derivative(0.0) == 0.0  # the documented choice at the kink
    np.testing.assert_array_equal(activations.relu_derivative(np.array([-1.0, 2.0])), [0.0, 1.0])
    np.testing.assert_array_equal(
        activations.leaky_relu_derivative(np.array([-1.0, 2.0])), [0.01, 1.0]
    )
    np.testing.assert_array_equal(activations.linear_derivative(np.array([-3.0, 7.0])), [1.0, 1.0])


def test_sigmoid_symmetry():
    z = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(activations.sigmoid(-z), 1 - activations.sigmoid(z), atol=1e-15)


# --- derivatives against finite differences ----------------------------------------------------


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    fn = getattr(activations, name)
    derivative = getattr(activations, f"{name}_derivative")
    assert check_function(fn, derivative, away_from_kinks((200,))) < 1e-6


@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_leaky_relu_derivative_with_alpha(alpha):
    z = away_from_kinks((100,), seed=1)
    error = check_function(
        lambda x: activations.leaky_relu(x, alpha),
        lambda x: activations.leaky_relu_derivative(x, alpha),
        z,
    )
    assert error < 1e-6


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_object_backward_is_chain_rule(name):
    f = activations.get(name)
    z = away_from_kinks((6, 4), seed=2)
    g = np.random.default_rng(3).standard_normal(z.shape)
    derivative = getattr(activations, f"{name}_derivative")
    np.testing.assert_allclose(f.backward(z, f(z), g), g * derivative(z))


def test_softmax_jacobian_matches_finite_differences():
    z = np.random.default_rng(0).standard_normal((3, 4))
    J = activations.softmax_jacobian(z)
    assert J.shape == (3, 4, 4)
    for n in range(3):
        row = z[n].copy()
        for i in range(4):
            numeric = numerical_gradient(lambda i=i, row=row: activations.softmax(row)[i], row)
            assert relative_error(J[n, i], numeric) < 1e-6
    # Each row of softmax sums to 1, so each column of J sums to 0.
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_backward_is_jacobian_transpose_times_g():
    rng = np.random.default_rng(1)
    z, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    f = activations.get("softmax")
    expected = np.einsum("nij,ni->nj", activations.softmax_jacobian(z), g)  # J^T g per row
    np.testing.assert_allclose(f.backward(z, f(z), g), expected, rtol=1e-12, atol=1e-15)
    # And against finite differences of the scalar sum(softmax(z) * g).
    numeric = numerical_gradient(lambda: float(np.sum(activations.softmax(z) * g)), z)
    assert relative_error(f.backward(z, f(z), g), numeric) < 1e-6


def test_logsumexp_gradient_is_softmax():
    z = np.random.default_rng(4).standard_normal((2, 5))
    numeric = numerical_gradient(lambda: float(np.sum(activations.logsumexp(z))), z)
    assert relative_error(activations.softmax(z), numeric) < 1e-6  # d logsumexp / dz = softmax


# --- stability ---------------------------------------------------------------------------------


@pytest.mark.parametrize("big", [1000.0, 1e4])
def test_sigmoid_stable(big):
    with no_float_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = activations.sigmoid(np.array([-big, big]))
        d = activations.sigmoid_derivative(np.array([-big, big]))
    np.testing.assert_array_equal(s, [0.0, 1.0])
    np.testing.assert_array_equal(d, [0.0, 0.0])


@pytest.mark.parametrize("big", [1000.0, 1e4])
def test_softmax_family_stable(big):
    z = np.array([[big, 0.0, -big], [-big, -big, -big], [big, big, 0.0]])
    with no_float_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = activations.softmax(z)
        log_s = activations.log_softmax(z)
        lse = activations.logsumexp(z)
        back = activations.get("softmax").backward(z, s, np.ones_like(z))
        J = activations.softmax_jacobian(z)
    for out in (s, log_s, lse, back, J):
        assert np.all(np.isfinite(out))
    np.testing.assert_allclose(J[0], np.zeros((3, 3)), atol=1e-15)  # saturated: flat
    np.testing.assert_allclose(J[2][:2, :2], [[0.25, -0.25], [-0.25, 0.25]], atol=1e-15)
    np.testing.assert_allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], atol=1e-15)
    np.testing.assert_allclose(log_s[0], [0.0, -big, -2 * big])
    np.testing.assert_allclose(log_s[1], np.full(3, -np.log(3)))
    np.testing.assert_allclose(log_s[2], [-np.log(2), -np.log(2), -big - np.log(2)])
    np.testing.assert_allclose(lse, [big, -big + np.log(3), big + np.log(2)])


def test_tanh_and_relu_stable():
    z = np.array([-1e4, -1000.0, 1000.0, 1e4])
    with no_float_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(activations.tanh(z), [-1, -1, 1, 1])
        np.testing.assert_array_equal(activations.tanh_derivative(z), [0, 0, 0, 0])
        np.testing.assert_array_equal(activations.relu(z), [0, 0, 1000, 1e4])
        np.testing.assert_allclose(activations.leaky_relu(z), [-100, -10, 1000, 1e4])


def test_softmax_invariant_to_a_constant_and_rows_sum_to_one():
    z = np.random.default_rng(5).standard_normal((8, 4)) * 10
    s = activations.softmax(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(activations.softmax(z + 123.4), s, atol=1e-15)
    np.testing.assert_allclose(activations.softmax(z - 1000), s, atol=1e-15)
    # Each row is normalised on its own: shifting one row changes nothing in the others.
    shifted = z.copy()
    shifted[0] += 50
    np.testing.assert_allclose(activations.softmax(shifted), s, atol=1e-15)
    # axis=0 normalises columns instead.
    np.testing.assert_allclose(activations.softmax(z, axis=0).sum(axis=0), 1.0, rtol=1e-15)


# --- lookup and dtypes -------------------------------------------------------------------------


def test_get():
    assert activations.get(None).name == "linear"
    for name in [*ELEMENTWISE, "softmax"]:
        assert activations.get(name).name == name
    relu = activations.get("relu")
    assert activations.get(relu) is relu


@pytest.mark.parametrize("bad", ["ReLu", "swish", "", 3])
def test_get_unknown_raises(bad):
    with pytest.raises(ValueError, match="unknown activation"):
        activations.get(bad)


@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax"])
def test_float32_stays_float32(name):
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    f = activations.get(name)
    a = f(z)
    assert a.dtype == np.float32
    assert f.backward(z, a, np.ones_like(z)).dtype == np.float32
    if name != "softmax":
        assert getattr(activations, f"{name}_derivative")(z).dtype == np.float32
    else:
        assert activations.log_softmax(z).dtype == np.float32
        assert activations.logsumexp(z).dtype == np.float32
        assert activations.softmax_jacobian(z).dtype == np.float32


# --- chapter 2: SiLU and GELU (tanh approximation) ---------------------------------------------

MODERN = ["silu", "gelu"]


def exact_gelu(z):
    """``z Phi(z)`` with the exact normal CDF, via ``math.erf`` (NumPy has no erf)."""
    import math

    return np.array([x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in np.ravel(z)])


def test_silu_and_gelu_closed_forms():
    z = np.linspace(-6, 6, 49)
    np.testing.assert_allclose(activations.silu(z), z / (1 + np.exp(-z)), rtol=1e-14, atol=1e-16)
    c = np.sqrt(2 / np.pi)
    gelu = 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z**3)))
    np.testing.assert_allclose(activations.gelu(z), gelu, rtol=1e-14, atol=1e-16)
    # The tanh approximation stays within 5e-4 of the exact GELU.
    z = np.linspace(-8, 8, 1601)
    assert np.max(np.abs(activations.gelu(z) - exact_gelu(z))) < 5e-4


def test_silu_and_gelu_known_points():
    for name in MODERN:
        f, d = getattr(activations, name), getattr(activations, f"{name}_derivative")
        assert f(0.0) == 0.0 and d(0.0) == 0.5
        assert activations.get(name).name == name
    # SiLU's minimum: silu'(z*) = 0 at z* = -1.27846, where silu(z*) = z* + 1.
    z_star = -1.2784645427610738
    assert abs(activations.silu_derivative(z_star)) < 1e-12
    assert activations.silu(z_star) == pytest.approx(z_star + 1, rel=1e-12)
    assert activations.gelu(-0.7525) == pytest.approx(-0.170041, abs=1e-6)


@pytest.mark.parametrize("name", MODERN)
def test_modern_derivatives_match_finite_differences(name):
    fn = getattr(activations, name)
    derivative = getattr(activations, f"{name}_derivative")
    z = np.concatenate([away_from_kinks((200,), seed=6), [-12.0, -9.0, 9.0, 12.0]])
    assert check_function(fn, derivative, z) < 1e-6


@pytest.mark.parametrize("name", MODERN)
def test_modern_activation_object_backward_is_chain_rule(name):
    f = activations.get(name)
    z = away_from_kinks((6, 4), seed=7)
    g = np.random.default_rng(8).standard_normal(z.shape)
    derivative = getattr(activations, f"{name}_derivative")
    np.testing.assert_allclose(f.backward(z, f(z), g), g * derivative(z))


@pytest.mark.parametrize("name", MODERN)
def test_modern_activations_in_a_dense_layer_pass_gradcheck(name):
    from nnlib import Dense
    from nnlib.gradcheck import check_layer

    layer = Dense(3, activation=name)
    X = np.random.default_rng(9).standard_normal((5, 4))
    errors = check_layer(layer, X)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("name", MODERN)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_modern_activations_stable_at_large_z(name, dtype):
    z = np.array([-1e300 if dtype == np.float64 else -1e30, -1e4, -1000, 1000, 1e4], dtype=dtype)
    f, d = getattr(activations, name), getattr(activations, f"{name}_derivative")
    with no_float_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        out, slope = f(z), d(z)
    assert out.dtype == slope.dtype == dtype
    np.testing.assert_array_equal(out, np.array([0, 0, 0, 1000, 1e4], dtype=dtype))
    np.testing.assert_array_equal(slope, np.array([0, 0, 0, 1, 1], dtype=dtype))


@pytest.mark.parametrize("name", MODERN)
def test_modern_float32_stays_float32(name):
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    f = activations.get(name)
    a = f(z)
    assert a.dtype == np.float32
    assert f.backward(z, a, np.ones_like(z)).dtype == np.float32
    assert getattr(activations, f"{name}_derivative")(z).dtype == np.float32
