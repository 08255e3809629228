"""Chapter 3's widget: hidden sigmoid units as steps, driven programmatically."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from nnlib import gradcheck  # noqa: E402
from nnlib.widgets.layers import (  # noqa: E402
    BIAS_RANGE,
    DEFAULTS,
    HEIGHT_RANGE,
    POSITION_RANGE,
    STEEPNESS_RANGE,
    TARGETS,
    bumps_explorer,
    bumps_fit,
    bumps_model,
    bumps_state,
    nielsen_curve,
    step_params,
    step_weights,
    steps_model,
    target_data,
)

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def by_hand(x, positions, steepness, heights, bias):
    """c + sum_i h_i sigmoid(k_i (x - s_i)), for moderate k only (this sigmoid can overflow)."""
    s, k, h = (np.asarray(v, dtype=float) for v in (positions, steepness, heights))
    return bias + sigmoid(k * (x[:, None] - s)) @ h


START = tuple(DEFAULTS[key] for key in ("positions", "steepness", "heights", "bias"))
HAND_SOLUTION = dict(
    s1=0.2,
    s2=0.4,
    s3=0.6,
    s4=0.8,
    h1=0.8,
    h2=-0.8,
    h3=0.4,
    h4=-0.4,
    k1=1000,
    k2=1000,
    k3=1000,
    k4=1000,
    c=0.0,
)


def values_of(positions, steepness, heights, bias):
    out = {"c": bias}
    for i in range(4):
        out.update({f"s{i + 1}": positions[i], f"k{i + 1}": steepness[i], f"h{i + 1}": heights[i]})
    return out


# --- the pure functions -----------------------------------------------------------------------


def test_step_weights_are_the_dense_weights_of_the_formula():
    s, k, h, c = [0.2, 0.7], [10.0, 25.0], [0.5, -1.5], 0.3
    W1, b1, W2, b2 = step_weights(s, k, h, c)
    assert W1.shape == (1, 2) and b1.shape == (2,) and W2.shape == (2, 1) and b2.shape == (1,)
    np.testing.assert_allclose(W1, [[10.0, 25.0]])
    np.testing.assert_allclose(b1, [-2.0, -17.5])  # b = -k s: the step sits where w x + b = 0
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(
        steps_model(s, k, h, c).predict(x[:, None])[:, 0], by_hand(x, s, k, h, c), rtol=1e-12
    )


def test_step_params_inverts_step_weights():
    s, k, h, c = np.array([0.1, 0.5, 0.9]), np.array([3.0, 40.0, 800.0]), np.array([1, -2, 0.5]), 4
    found = step_params(step_weights(s, k, h, c))
    for got, want in zip(found, (s, k, h, c), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_step_params_turns_a_step_down_into_a_step_up_with_the_same_function():
    rng = np.random.default_rng(0)
    weights = [
        rng.normal(0, 5, (1, 4)),
        rng.normal(0, 2, 4),
        rng.normal(0, 1, (4, 1)),
        np.array([0.2]),
    ]
    weights[0][0, :2] *= -np.sign(weights[0][0, :2])  # two units with negative weights
    weights[0][0, 3] = 0.0  # and a flat unit, which is a constant
    s, k, h, c = step_params(weights)
    assert np.all(k > 0) and h[3] == 0.0
    x = np.linspace(-1, 2, 50)[:, None]
    original = steps_model([0.0] * 4, [1.0] * 4, [0.0] * 4)
    original.set_weights(weights)
    np.testing.assert_allclose(
        steps_model(s, k, h, c).predict(x), original.predict(x), rtol=1e-10, atol=1e-12
    )


def test_bumps_model_is_a_sum_of_bumps():
    n, k = 5, 200.0
    model = bumps_model(nielsen_curve, n, k)
    assert model.count_params() == 3 * (2 * n) + 1
    edges = np.linspace(0, 1, n + 1)
    heights = nielsen_curve((edges[:-1] + edges[1:]) / 2)
    x = np.linspace(0, 1, 101)
    bumps = sum(
        h * (sigmoid(k * (x - a)) - sigmoid(k * (x - b)))
        for a, b, h in zip(edges[:-1], edges[1:], heights, strict=True)
    )
    np.testing.assert_allclose(model.predict(x[:, None])[:, 0], bumps, rtol=1e-12, atol=1e-15)


def test_more_bumps_approximate_better():
    """Inside [0, 1] the error shrinks like 1 / n_bumps (at x = 0 and 1 the outer steps are only
    half-way up: sigmoid(0) = 1/2)."""
    x = np.linspace(0.02, 0.98, 961)[:, None]
    errors = np.array(
        [
            np.max(np.abs(bumps_model(nielsen_curve, n, 50 * n).predict(x) - nielsen_curve(x)))
            for n in (5, 10, 20, 40, 80)
        ]
    )
    assert np.all(errors[1:] < 0.6 * errors[:-1]) and errors[-1] < 0.04


def test_bumps_state_matches_a_hand_computation():
    s, k, h, c = [0.15, 0.35, 0.55, 0.9], [20.0, 7.0, 50.0, 3.0], [0.6, -0.4, 1.2, -0.3], 0.1
    for target in TARGETS:
        state = bumps_state(s, k, h, c, target=target)
        x, y = target_data(target)
        y_hat = by_hand(x[:, 0], s, k, h, c)
        np.testing.assert_allclose(state["y_hat"], y_hat, rtol=1e-12)
        assert state["loss"] == pytest.approx(np.mean((y_hat - y[:, 0]) ** 2), rel=1e-12)
        np.testing.assert_allclose(state["steps"].sum(axis=0) + c, y_hat, rtol=1e-12)
        assert state["steps"].shape == (4, len(x))


def test_targets():
    x, y = target_data("two bumps")
    assert x.shape == y.shape == (200, 1) and x[0, 0] == 0.0 and x[-1, 0] == 1.0
    assert set(np.unique(y)) == {0.0, 0.4, 0.8}
    np.testing.assert_allclose(target_data("staircase")[1].max(), 0.9)
    np.testing.assert_allclose(target_data("sine")[1][:, 0], np.sin(2 * np.pi * x[:, 0]))


def test_bumps_fit_lowers_the_loss_for_every_target():
    for target in TARGETS:
        (s, k, h, c), losses = bumps_fit(*START, target=target, steps=200)
        after = bumps_state(s, k, h, c, target=target)["loss"]
        assert losses[0] == pytest.approx(bumps_state(*START, target=target)["loss"])
        assert after < 0.2 * losses[0], target


def test_bumps_fit_is_adam_on_the_same_network():
    """Adam's first step moves each weight by (almost) learning_rate against its gradient's sign:
    by ``lr * g / (|g| + eps / sqrt(1 - beta_2))`` in Keras's form."""
    lr = 1e-3
    x, y = target_data("sine")
    model = steps_model(*START)
    model.compile(loss="mse")

    grads = []
    for p in model.parameters():
        grads.append(gradcheck.numerical_gradient(lambda: model.evaluate(x, y), p.value))
    found, losses = bumps_fit(*START, target="sine", steps=1, learning_rate=lr)
    assert len(losses) == 1
    for got, w, g in zip(step_weights(*found), step_weights(*START), grads, strict=True):
        step = lr * g / (np.abs(g) + 1e-7 / np.sqrt(1 - 0.999))
        np.testing.assert_allclose(got, w - step, rtol=1e-7, atol=1e-10)


# --- the explorer -----------------------------------------------------------------------------


def test_explorer_shows_what_the_pure_function_computes():
    e = bumps_explorer()
    assert e.state["loss"] == pytest.approx(bumps_state(*START)["loss"])
    e.set(**HAND_SOLUTION)
    expected = bumps_state([0.2, 0.4, 0.6, 0.8], [1000] * 4, [0.8, -0.8, 0.4, -0.4], 0.0)
    assert e.state["loss"] == pytest.approx(expected["loss"], rel=1e-12)
    assert e.state["loss"] < 1e-3  # two bumps, built by hand, match the target
    assert f"mean squared error = {expected['loss']:.4f}" in e.text
    assert "unit 1: step at x = 0.20" in e.text and "b = -200" in e.text  # b = -k s
    assert e.losses[-1] == pytest.approx(expected["loss"])


def test_every_control_changes_the_picture():
    e = bumps_explorer()
    changes = dict(s1=0.6, h1=-1.0, k1=3.0, c=0.5, target="sine")
    for name, value in changes.items():
        before = e.image.value
        e.set(**{name: value})
        assert e.image.value != before, name
        assert e.state["loss"] == pytest.approx(
            bumps_state(*_values_tuple(e.values), target=e.values["target"])["loss"]
        )


def _values_tuple(values):
    n = range(1, 5)
    return (
        [values[f"s{i}"] for i in n],
        [values[f"k{i}"] for i in n],
        [values[f"h{i}"] for i in n],
        values["c"],
    )


def test_fit_button_trains_and_moves_the_sliders():
    e = bumps_explorer(target="staircase")
    start = e.state["loss"]
    e.widgets["fit_steps"].value = 100
    e.run("Fit")
    found, losses = bumps_fit(*START, target="staircase", steps=100)
    for key, value in values_of(*found).items():
        assert e.values[key] == pytest.approx(value), key
    assert losses[0] == pytest.approx(start) and e.state["loss"] < 0.2 * start
    assert e.losses[-101:-1] == pytest.approx(losses)
    assert "Training diverged" not in e.text


def test_bumps_explorer_rejects_unknown_controls():
    with pytest.raises(ValueError, match="no control"):
        bumps_explorer(w1=1.0)
    assert bumps_explorer(s1=0.25).values["s1"] == 0.25


SLIDER_RANGES = {
    **{f"s{i}": POSITION_RANGE for i in range(1, 5)},
    **{f"h{i}": HEIGHT_RANGE for i in range(1, 5)},
    **{f"k{i}": STEEPNESS_RANGE for i in range(1, 5)},
    "c": BIAS_RANGE,
}


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_slider_extreme_neither_crashes_nor_warns(target):
    e = bumps_explorer(target=target)
    for name, (low, high) in SLIDER_RANGES.items():
        for value in (low, high):
            e.set(**{name: value})
            assert e.values[name] == pytest.approx(value)
            assert np.isfinite(e.state["loss"])
        e.reset()
    for end in (0, 1):
        e.set(**{name: bounds[end] for name, bounds in SLIDER_RANGES.items()})
        assert np.isfinite(e.state["loss"])
        for steps in (50, 1000) if target == "sine" else (50,):
            e.widgets["fit_steps"].value = steps
            e.run("Fit")
            assert np.isfinite(e.state["loss"])
            for name, (low, high) in SLIDER_RANGES.items():
                assert low <= e.values[name] <= high, name
