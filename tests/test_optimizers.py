"""Tests for nnlib.optimizers: hand-computed steps, the quadratic's closed form, dtypes, errors."""

import re

import numpy as np
import pytest

from nnlib import optimizers
from nnlib.layers import Parameter
from nnlib.optimizers import SGD, Adam, flush_subnormals

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
    ("make", "message"),
    [
        (lambda: SGD(0.0), "SGD needs a positive learning_rate, got 0.0"),
        (lambda: SGD(-0.1), "SGD needs a positive learning_rate, got -0.1"),
        (lambda: SGD(float("nan")), "SGD needs a positive learning_rate, got nan"),
        (lambda: SGD(0.1, momentum=1.0), "SGD momentum must lie in [0, 1), got 1.0"),
        (lambda: SGD(0.1, momentum=-0.5), "SGD momentum must lie in [0, 1), got -0.5"),
        (lambda: Adam(0.0), "Adam needs a positive learning_rate, got 0.0"),
        (lambda: Adam(beta_1=1.0), "Adam betas must lie in [0, 1), got beta_1=1.0, beta_2=0.999"),
        (lambda: Adam(beta_2=1.5), "Adam betas must lie in [0, 1), got beta_1=0.9, beta_2=1.5"),
        (lambda: Adam(beta_1=-0.1), "Adam betas must lie in [0, 1), got beta_1=-0.1, beta_2=0.999"),
        (lambda: Adam(epsilon=0.0), "Adam needs a positive epsilon, got 0.0"),
    ],
)
def test_invalid_settings_raise(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):  # names the setting and value
        make()


def test_adam_zero_gradient_is_a_no_op():
    p = Parameter(np.array([0.5, -0.5]), "w")
    p.grad = np.zeros(2)
    Adam().step([p])  # epsilon keeps 0 / (sqrt(0) + eps) at 0, with no warning
    np.testing.assert_array_equal(p.value, [0.5, -0.5])


# --- chapter 6 ---------------------------------------------------------------------------------
# Momentum, Nesterov and Adam against closed forms on a 1-D quadratic f(w) = lam w^2 / 2 (and on a
# linear function), and learning-rate schedules inside the optimizers.


def quadratic_run(optimizer, lam, steps, w0=1.0):
    """Weights w_0 .. w_steps of ``optimizer`` on f(w) = lam w^2 / 2 (gradient lam w)."""
    p = Parameter(np.array([w0]), "w")
    trace = [w0]
    for _ in range(steps):
        p.grad = lam * p.value
        optimizer.step([p])
        trace.append(p.value[0])
    return np.array(trace)


def momentum_matrix(lr, mu, lam, nesterov=False):
    """(w, v) -> (w', v') for one momentum step on the quadratic: a linear map.

    v' = mu v - lr lam w; plain: w' = w + v'; Nesterov: w' = w + mu v' - lr lam w.
    """
    if nesterov:
        return np.array([[1 - lr * lam * (1 + mu), mu * mu], [-lr * lam, mu]])
    return np.array([[1 - lr * lam, mu], [-lr * lam, mu]])


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("lr, mu", [(0.1, 0.9), (0.5, 0.5), (0.05, 0.0), (0.9, 0.95)])
def test_momentum_matches_the_matrix_power_closed_form(lr, mu, nesterov):
    lam, steps = 2.0, 60
    M = momentum_matrix(lr, mu, lam, nesterov)
    expected = [(np.linalg.matrix_power(M, t) @ [1.0, 0.0])[0] for t in range(steps + 1)]
    got = quadratic_run(SGD(lr, momentum=mu, nesterov=nesterov), lam, steps)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_momentum_matches_the_two_root_closed_form():
    # w_{t+1} = (1 + mu - lr lam) w_t - mu w_{t-1}: w_t = A r1^t + B r2^t (complex roots here).
    lr, mu, lam = 0.1, 0.9, 2.0
    r1, r2 = np.roots([1.0, -(1 + mu - lr * lam), mu])
    w0, w1 = 1.0, 1.0 - lr * lam  # the first step is plain gradient descent (v starts at 0)
    A, B = np.linalg.solve([[1, 1], [r1, r2]], [w0, w1])
    t = np.arange(80)
    closed = (A * r1**t + B * r2**t).real
    np.testing.assert_allclose(quadratic_run(SGD(lr, momentum=mu), lam, 79), closed, atol=1e-12)
    # Complex roots of modulus sqrt(mu): the error shrinks like mu^(t/2), oscillating.
    assert abs(r1) == pytest.approx(np.sqrt(mu)) and np.iscomplex(r1)


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_momentum_is_stable_exactly_below_2_1_plus_mu_over_lambda(mu):
    lam = 4.0
    threshold = 2 * (1 + mu) / lam
    below = quadratic_run(SGD(0.97 * threshold, momentum=mu), lam, 400)
    above = quadratic_run(SGD(1.03 * threshold, momentum=mu), lam, 400)
    assert abs(below[-1]) < 1e-6 and abs(above[-1]) > 1e6
    radius = lambda lr: np.max(np.abs(np.linalg.eigvals(momentum_matrix(lr, mu, lam))))  # noqa: E731
    assert radius(0.97 * threshold) < 1 < radius(1.03 * threshold)


def test_momentum_steady_state_on_a_slope_is_lr_over_1_minus_mu():
    # Constant gradient g: v_t = -lr g (1 - mu^t) / (1 - mu), so the step tends to lr g / (1 - mu).
    lr, mu, g = 0.01, 0.9, 3.0
    p, opt = Parameter(np.array([0.0]), "w"), SGD(lr, momentum=mu)
    positions = [0.0]
    for _ in range(200):
        p.grad = np.array([g])
        opt.step([p])
        positions.append(p.value[0])
    t = np.arange(201)
    closed = -lr * g / (1 - mu) * (t - mu * (1 - mu**t) / (1 - mu))
    np.testing.assert_allclose(positions, closed, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(opt.state[p]["velocity"], -lr * g / (1 - mu), rtol=1e-9)


@pytest.mark.parametrize("b1, b2", [(0.9, 0.999), (0.5, 0.9), (0.0, 0.0)])
def test_adam_first_step_is_lr_times_sign_of_g_with_bias_correction(b1, b2):
    # m_1 = (1 - b1) g and v_1 = (1 - b2) g^2; bias correction divides them back out, so the first
    # step is exactly lr g / (|g| + eps / sqrt(1 - b2)): lr sign(g) up to epsilon.
    lr, eps = 0.01, 1e-7
    g = np.array([0.1, -5.0, 200.0, 0.0])
    p = Parameter(np.zeros(4), "w")
    p.grad = g
    Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps).step([p])
    np.testing.assert_allclose(p.value, -lr * g / (np.abs(g) + eps / np.sqrt(1 - b2)), rtol=1e-12)
    np.testing.assert_allclose(p.value, -lr * np.sign(g), rtol=1e-3)


def test_adam_on_a_slope_moves_lr_per_step():
    # Constant gradient: m_t = (1 - b1^t) g and v_t = (1 - b2^t) g^2 exactly, so every step is
    # lr g / (|g| + eps / sqrt(1 - b2^t)).
    lr, eps, b2, g = 0.05, 1e-7, 0.999, -0.3
    p, opt = Parameter(np.array([0.0]), "w"), Adam(lr, epsilon=eps)
    steps = []
    for t in range(1, 101):
        before = p.value[0]
        p.grad = np.array([g])
        opt.step([p])
        steps.append(p.value[0] - before)
        assert steps[-1] == pytest.approx(-lr * g / (abs(g) + eps / np.sqrt(1 - b2**t)), rel=1e-10)


def test_adam_without_averaging_is_sign_descent_on_a_quadratic():
    # beta_1 = beta_2 = 0: the step is lr g / (|g| + eps), i.e. lr sign(g) (eps aside): from
    # w0 = 0.35 with lr = 0.1 the path is 0.25, 0.15, 0.05, -0.05, 0.05, -0.05, ... (it never
    # settles: the step does not shrink near the minimum).
    got = quadratic_run(Adam(0.1, beta_1=0.0, beta_2=0.0, epsilon=1e-12), 3.0, 8, w0=0.35)
    np.testing.assert_allclose(
        got, [0.35, 0.25, 0.15, 0.05, -0.05, 0.05, -0.05, 0.05, -0.05], atol=1e-10
    )


def test_a_schedule_sets_every_step_of_sgd():
    from nnlib.schedules import PiecewiseConstantDecay

    schedule = PiecewiseConstantDecay(boundaries=[2], values=[0.1, 0.01])
    opt = SGD(learning_rate=schedule)
    assert opt.learning_rate == 0.1 and opt.schedule is schedule
    # Steps 0, 1, 2 use 0.1 (Keras: the boundary belongs to the earlier piece), then 0.01.
    trace = run(opt, gradients=[1.0] * 5, w0=0.0)
    np.testing.assert_allclose(np.diff([0.0, *trace]), [-0.1, -0.1, -0.1, -0.01, -0.01])
    assert opt.iterations == 5 and opt.learning_rate == 0.01


def test_a_schedule_sets_every_step_of_momentum_and_adam():
    from nnlib.schedules import CosineDecay, StepDecay

    constant = run(SGD(0.1, momentum=0.9), gradients=[1.0] * 6, w0=0.0)
    scheduled = run(SGD(StepDecay(0.1, drop=0.5, every=3), momentum=0.9), [1.0] * 6, w0=0.0)
    np.testing.assert_allclose(scheduled[:3], constant[:3], rtol=1e-15)  # same until the drop
    v, w, by_hand = 0.0, 0.0, []
    for t in range(6):
        v = 0.9 * v - 0.1 * 0.5 ** (t // 3)
        w += v
        by_hand.append(w)
    np.testing.assert_allclose(scheduled, by_hand, rtol=1e-14)

    schedule = CosineDecay(0.05, decay_steps=4)
    opt = Adam(schedule, epsilon=1e-12)
    trace = run(opt, gradients=[2.0] * 6, w0=0.0)
    # On a slope each Adam step is (almost exactly) the current rate.
    np.testing.assert_allclose(-np.diff([0.0, *trace]), [schedule(t) for t in range(6)], atol=1e-9)
    assert trace[-1] == trace[-2]  # the cosine reached 0 at step 4


def test_a_diverging_schedule_reports_the_current_rate():
    from nnlib import Dense, DivergenceError, Sequential
    from nnlib.schedules import ExponentialDecay

    X = np.linspace(-3, 3, 20)[:, None]
    schedule = ExponentialDecay(2.0, decay_steps=10, decay_rate=1.5)  # grows: diverges
    model = Sequential([Dense(1, input_shape=(1,))], seed=0)
    model.compile(optimizer=SGD(schedule), loss="mse")
    with pytest.raises(DivergenceError) as error:
        model.fit(X, 2 * X, epochs=10000, batch_size=20)
    # One step per epoch: the loss of epoch E is computed after E - 1 updates, and the step it
    # refused would have used schedule(E - 1), the rate the message must name.
    epoch = int(re.search(r"at epoch (\d+), step 1 ", str(error.value)).group(1))
    assert model.optimizer.iterations == epoch - 1 and epoch > 2
    rate = schedule(epoch - 1)
    assert rate > 2.0 and f"learning rate {rate}:" in str(error.value)


def test_a_number_is_still_checked_and_a_schedule_is_shown_in_the_repr():
    from nnlib.schedules import StepDecay

    with pytest.raises(ValueError, match="positive learning_rate"):
        SGD(learning_rate=-1.0)
    opt = SGD(0.1)
    opt.learning_rate = StepDecay(0.2, 0.5, 10)  # a schedule can replace a number later
    assert opt.learning_rate == 0.2
    assert repr(opt) == (
        "SGD(learning_rate=StepDecay(initial_learning_rate=0.2, drop=0.5, every=10))"
    )


# --- subnormal numbers and in-place updates ----------------------------------------------------
# Where a weight's gradient stays zero, Adam's moments decay geometrically into the subnormal
# floats (nonzero, below np.finfo(dtype).tiny), where CPUs are 10-100x slower; nnlib flushes them.


def is_subnormal(x):
    x = np.asarray(x)
    return (x != 0) & (np.abs(x) < np.finfo(x.dtype).tiny)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flush_subnormals_zeroes_subnormals_and_keeps_the_rest(dtype):
    info = np.finfo(dtype)
    rng = np.random.default_rng(0)
    # Magnitudes from well below the subnormal range up to 1e3, both signs, and exact zeros.
    exponents = rng.uniform(np.log10(info.tiny) - 8, 3, 20000)
    x = (rng.choice([-1.0, 1.0], 20000) * 10.0**exponents).astype(dtype)
    x[:100] = 0.0
    assert is_subnormal(x).sum() > 200  # the input has plenty of them
    y = flush_subnormals(x.copy())
    assert y.dtype == dtype and not is_subnormal(y).any()
    np.testing.assert_array_equal(y[np.abs(x) < info.tiny], 0.0)  # every subnormal became 0
    c = info.tiny / info.eps**2
    large = np.abs(x) >= 4 * c / info.eps  # 2**-55 in float32: every moment that matters
    np.testing.assert_array_equal(y[large], x[large])  # unchanged bit for bit
    change = np.abs(y.astype(np.float64) - x.astype(np.float64))
    assert np.all(change <= np.maximum(info.eps * np.abs(x), c * info.eps / 2))


def test_flush_subnormals_is_in_place():
    x = np.array([1e-40, 1.0, -1e-39], dtype=np.float32)
    assert flush_subnormals(x) is x
    np.testing.assert_array_equal(x, [0.0, 1.0, 0.0])
    with pytest.raises(TypeError, match="float32 or float64"):
        flush_subnormals(np.ones(3, dtype=np.float16))


def textbook_adam(gradients, w0, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, dtype=np.float64):
    """Adam's formulas written plainly in ``dtype``, without flushing: weights and moments."""
    w = np.array(w0, dtype=dtype)
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gradients, start=1):
        g = np.asarray(g, dtype=dtype)
        m = dtype(b1) * m + dtype(1 - b1) * g
        v = dtype(b2) * v + dtype(1 - b2) * g * g
        lr_t = dtype(lr * np.sqrt(1 - b2**t) / (1 - b1**t))
        w = w - lr_t * m / (np.sqrt(v) + dtype(eps))
    return w, m, v


def test_adam_moments_of_a_weight_whose_gradient_stops_never_become_subnormal():
    # 200 weights get one gradient (1e-3 down to 1e-20: some g**2 are already subnormal), then
    # zeros for 1500 steps: a dead unit. Without flushing, m is subnormal after ~800 steps.
    rng = np.random.default_rng(0)
    first = (rng.choice([-1.0, 1.0], 200) * 10.0 ** rng.uniform(-20, -3, 200)).astype(np.float32)
    gradients = [first] + [np.zeros(200, np.float32)] * 1500
    _, m_plain, v_plain = textbook_adam(gradients, np.zeros(200), dtype=np.float32)
    assert is_subnormal(m_plain).sum() > 100 and is_subnormal(v_plain).any()  # the trap is real

    p, opt = Parameter(np.zeros(200, np.float32), "w"), Adam()
    for g in gradients:
        p.grad = g
        opt.step([p])
        slots = opt.state[p]
        assert not (is_subnormal(slots["m"]).any() or is_subnormal(slots["v"]).any())
    assert not is_subnormal(p.value).any()
    assert all(s.dtype == np.float32 for s in (p.value, slots["m"], slots["v"]))


def test_adam_updates_are_unchanged_to_float32_rounding_where_gradients_are_nonzero():
    # Random gradients, with a stretch of 1000 zero gradients on half the weights in between
    # (their moments decay, are flushed, then training resumes): float32 nnlib follows the
    # float64 textbook formulas to within float32 rounding.
    rng = np.random.default_rng(1)
    n = 64
    w0 = rng.standard_normal(n)
    gradients = [rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 0, n) for _ in range(50)]
    pause = np.zeros(n)
    pause[: n // 2] = 1.0
    gradients += [g * (1 - pause) for g in gradients[:20] * 50]  # 1000 steps, half the weights 0
    gradients += [rng.standard_normal(n) for _ in range(50)]

    expected, _, _ = textbook_adam(gradients, w0, lr=0.01)
    p, opt = Parameter(w0.astype(np.float32), "w"), Adam(0.01)
    for g in gradients:
        p.grad = g.astype(np.float32)
        opt.step([p])
    assert p.value.dtype == np.float32
    # Each weight moved by up to ~lr per step; float32 keeps ~7 digits of it.
    np.testing.assert_allclose(p.value, expected, rtol=2e-5, atol=2e-5)
    # And the same float32 numbers as Adam's formulas in float32, unflushed, up to rounding.
    plain32, _, _ = textbook_adam(gradients, w0, lr=0.01, dtype=np.float32)
    np.testing.assert_allclose(p.value, plain32, rtol=1e-5, atol=1e-5)


def test_adam_updates_its_state_and_the_weights_in_place():
    p = Parameter(np.ones(5, np.float32), "w")
    opt = Adam(0.1)
    p.grad = np.full(5, 0.5, np.float32)
    opt.step([p])
    value, m, v = p.value, opt.state[p]["m"], opt.state[p]["v"]
    for k in range(3):
        p.grad = np.full(5, 0.5 + k, np.float32)
        opt.step([p])
    assert p.value is value and opt.state[p]["m"] is m and opt.state[p]["v"] is v
    assert p.value.dtype == m.dtype == v.dtype == np.float32
