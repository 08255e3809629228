"""Tests for nnlib.optimizers: hand-computed steps, the quadratic's closed form, dtypes, errors."""

import numpy as np
import pytest

from nnlib import optimizers
from nnlib.layers import Parameter
from nnlib.optimizers import SGD, Adam

pytestmark = pytest.mark.filterwarnings("error")

GRADIENTS = [1.0, 2.0, -1.0]  # a fixed gradient sequence for the hand-computed runs


def run(optimizer, gradients=GRADIENTS, w0=1.0):
    """Weights after each step of ``optimizer`` on one scalar parameter fed ``gradients``."""
    p = Parameter(np.array([w0]), "w")
    trace = []
    for g in gradients:
        p.grad = np.array([g])
        optimizer.step([p])
        trace.append(p.value[0])
    return trace


def test_sgd_step_is_exact():
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p = Parameter(w.copy(), "W")
    p.grad = g
    SGD(learning_rate=0.05).step([p])
    np.testing.assert_array_equal(p.value, w - 0.05 * g)


def test_momentum_by_hand():
    # v <- 0.9 v - 0.1 g ; w <- w + v
    # v: -0.1, -0.29, -0.161 ; w: 0.9, 0.61, 0.449
    np.testing.assert_allclose(run(SGD(0.1, momentum=0.9)), [0.9, 0.61, 0.449], rtol=1e-14)


def test_nesterov_by_hand():
    # Same velocities; w <- w + 0.9 v - 0.1 g:  0.81, 0.349, 0.3041
    np.testing.assert_allclose(
        run(SGD(0.1, momentum=0.9, nesterov=True)), [0.81, 0.349, 0.3041], rtol=1e-14
    )


def test_adam_by_hand():
    # Keras's form, t = 1, 2, 3:  m <- 0.9 m + 0.1 g ; v <- 0.999 v + 0.001 g^2 ;
    # w <- w - lr sqrt(1 - 0.999^t) / (1 - 0.9^t) * m / (sqrt(v) + 1e-7).
    # Step 1 by hand: m = 0.1, v = 0.001, so w = 1 - 0.1 / (1 + 1e-7 / sqrt(0.001)).
    expected = [0.900000316226766, 0.8034822501553991, 0.7614733740587298]
    assert expected[0] == pytest.approx(1 - 0.1 / (1 + 1e-7 / np.sqrt(0.001)), rel=1e-15)
    np.testing.assert_allclose(run(Adam(learning_rate=0.1)), expected, rtol=1e-14)


def test_adam_textbook_form():
    # Kingma & Ba's bias-corrected form with eps_hat = eps / sqrt(1 - b2^t) is the same update.
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-3
    rng = np.random.default_rng(1)
    gradients = rng.standard_normal(5)
    w, m, v, expected = 0.5, 0.0, 0.0, []
    for t, g in enumerate(gradients, start=1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w -= lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
        expected.append(w)
    got = run(Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps), gradients, w0=0.5)
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_adam_first_step_has_size_lr():
    p = Parameter(np.zeros(4), "w")
    p.grad = np.array([0.1, -5.0, 200.0, 0.0])
    Adam(learning_rate=0.01).step([p])
    np.testing.assert_allclose(p.value, [-0.01, 0.01, -0.01, 0.0], rtol=1e-4)  # ±lr, whatever |g|


def test_iterations_and_state_per_parameter():
    a, b = Parameter(np.zeros(2), "a"), Parameter(np.zeros(3), "b")
    a.grad, b.grad = np.ones(2), np.ones(3)
    opt = Adam()
    opt.step([a, b])
    opt.step([a, b])
    assert opt.iterations == 2
    assert opt.state[a]["m"].shape == (2,) and opt.state[b]["v"].shape == (3,)


# --- the quadratic f(w) = 0.5 w^T A w, gradient A w ---------------------------------------------


EIGENVALUES = np.array([1.0, 4.0, 10.0])
Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
A = Q @ np.diag(EIGENVALUES) @ Q.T  # symmetric positive definite, lambda_max = 10


def descend(lr, steps):
    """Coordinates of w in A's eigenbasis after each of ``steps`` SGD steps: (steps + 1, 3)."""
    p = Parameter(Q @ np.array([1.0, 1.0, 1.0]), "w")
    opt, coords = SGD(learning_rate=lr), [Q.T @ p.value]
    for _ in range(steps):
        p.grad = A @ p.value
        opt.step([p])
        coords.append(Q.T @ p.value)
    return np.array(coords)


def check_closed_form(lr, coords):
    """Along eigenvector i the error is multiplied by (1 - lr * lambda_i) at every step."""
    factors = 1 - lr * EIGENVALUES
    t = np.arange(len(coords))[:, None]
    expected = factors**t  # the start has coordinates (1, 1, 1)
    scale = np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(coords / scale, expected / scale, rtol=0, atol=1e-12)
    # Once the slowest mode dominates, the norm shrinks or grows by rho = max |1 - lr lambda|.
    rho = np.max(np.abs(factors))
    norms = np.linalg.norm(coords, axis=1)
    np.testing.assert_allclose(norms[-1] / norms[-2], rho, rtol=1e-6)
    return rho, norms


@pytest.mark.parametrize("lr", [0.05, 0.15, 0.19])
def test_sgd_converges_below_2_over_lambda_max(lr):
    assert lr < 2 / EIGENVALUES.max()
    rho, norms = check_closed_form(lr, descend(lr, 300))
    assert rho < 1
    assert np.all(np.diff(norms) < 0)
    assert norms[-1] < 1e-6


@pytest.mark.parametrize("lr", [0.21, 0.3])
def test_sgd_diverges_above_2_over_lambda_max(lr):
    assert lr > 2 / EIGENVALUES.max()
    rho, norms = check_closed_form(lr, descend(lr, 300))
    assert rho > 1
    assert np.all(np.diff(norms[150:]) > 0)
    assert norms[-1] > 1e6


# --- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(0.1),
        SGD(0.1, momentum=0.9),
        SGD(0.1, momentum=0.9, nesterov=True),
        Adam(0.1),
        SGD(np.float64(0.1), momentum=np.float64(0.5)),
        Adam(np.float64(0.1), beta_1=np.float64(0.9)),
    ],
    ids=["sgd", "momentum", "nesterov", "adam", "sgd-numpy-settings", "adam-numpy-settings"],
)
def test_float32_stays_float32(optimizer):
    p = Parameter(np.ones((2, 3), dtype=np.float32), "W")
    for k in range(3):
        p.grad = np.full((2, 3), 0.5 + k, dtype=np.float32)
        optimizer.step([p])
    assert p.value.dtype == np.float32 and p.grad.dtype == np.float32
    assert not np.array_equal(p.value, np.ones((2, 3)))
    for slot in optimizer.state[p].values():
        assert slot.dtype == np.float32


# --- lookup and errors -------------------------------------------------------------------------


def test_get():
    sgd, adam = optimizers.get("sgd"), optimizers.get("Adam")
    assert type(sgd) is SGD and sgd.learning_rate == 0.01 and sgd.momentum == 0.0  # Keras defaults
    assert type(adam) is Adam and adam.learning_rate == 0.001
    assert (adam.beta_1, adam.beta_2, adam.epsilon) == (0.9, 0.999, 1e-7)
    opt = SGD(0.5)
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match="unknown optimizer"):
        optimizers.get("rmsprop")


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(0.0),
        lambda: SGD(-0.1),
        lambda: SGD(float("nan")),
        lambda: SGD(0.1, momentum=1.0),
        lambda: SGD(0.1, momentum=-0.5),
        lambda: Adam(0.0),
        lambda: Adam(beta_1=1.0),
        lambda: Adam(beta_2=1.5),
        lambda: Adam(beta_1=-0.1),
        lambda: Adam(epsilon=0.0),
    ],
)
def test_invalid_settings_raise(make):
    with pytest.raises(ValueError):
        make()


def test_adam_zero_gradient_is_a_no_op():
    p = Parameter(np.array([0.5, -0.5]), "w")
    p.grad = np.zeros(2)
    Adam().step([p])  # epsilon keeps 0 / (sqrt(0) + eps) at 0, with no warning
    np.testing.assert_array_equal(p.value, [0.5, -0.5])
