"""Chapter 2's widgets: the activation explorer and the one-hidden-layer fit, driven as a learner
would drive them, against values computed independently."""

import io
import itertools
import math

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")

from nnlib import Adam, Dense, Sequential  # noqa: E402
from nnlib.widgets import activations as widget  # noqa: E402
from nnlib.widgets.activations import (  # noqa: E402
    ACTIVATION_CHOICES,
    activation_explorer,
    activation_state,
    fit_data,
    fit_explorer,
    fit_state,
    nice_limits,
)

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


def by_hand(name, z):
    """Each activation written out once more, independently of nnlib."""
    z = np.asarray(z, dtype=float)
    sig = 1 / (1 + np.exp(-z))
    return {
        "sigmoid": sig,
        "tanh": (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
        "relu": np.where(z > 0, z, 0.0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z),
        "silu": z * sig,
        "gelu": 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))),
        "linear": z,
    }[name]


# --- (a) the activation explorer --------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATION_CHOICES)
def test_activation_state_matches_a_hand_computation(name):
    x, w, b = 0.7, -1.3, 0.4
    state = activation_state(name, x, w, b)
    z = w * x + b
    assert state["z"] == pytest.approx(z)
    assert state["value"] == pytest.approx(float(by_hand(name, z)), rel=1e-12, abs=1e-15)
    h = 1e-6  # the slope of x -> f(w x + b), by centered differences
    slope = (by_hand(name, w * (x + h) + b) - by_hand(name, w * (x - h) + b)) / (2 * h)
    assert state["slope"] == pytest.approx(float(slope), rel=1e-7, abs=1e-9)
    np.testing.assert_allclose(state["curve"], by_hand(name, w * state["xs"] + b), atol=1e-12)


def test_explorer_shows_what_the_pure_function_computes():
    e = activation_explorer()
    for name, x, w, b in [("tanh", 1.2, 2.0, -0.5), ("relu", -2.0, 1.5, 1.0), ("gelu", 0.3, -1, 0)]:
        e.set(activation=name, x=x, w=w, b=b)
        expected = activation_state(name, *(e.values[k] for k in ("x", "w", "b")))
        assert e.state["value"] == pytest.approx(expected["value"], rel=1e-12)
        assert e.state["slope"] == pytest.approx(expected["slope"], rel=1e-12, abs=1e-15)
        assert f"value f(z) = {expected['value']:.4f}" in e.text
        assert f"= {expected['slope']:.4f}." in e.text
        assert e.losses == []  # no loss here, so no trace


def test_moving_a_control_changes_the_picture():
    e = activation_explorer()
    images = [e.image.value]
    for change in [dict(x=2.0), dict(w=-1.0), dict(b=1.0), dict(activation="relu")]:
        e.set(**change)
        assert e.image.value != images[-1], change
        images.append(e.image.value)


def test_rescaled_axes_are_redrawn_not_left_stale():
    """After the y-limits change, the frame is what a full draw of the figure gives, with
    ticks and grid at the new limits (a stale background would differ along every axis)."""
    moved = activation_explorer()
    before = [ax.get_ylim() for ax in moved.figure.axes]
    moved.set(activation="relu", x=-1.0, w=2.0, b=0.5)
    assert [ax.get_ylim() for ax in moved.figure.axes] != before
    blitted = np.asarray(Image.open(io.BytesIO(moved.image.value)))
    for artist in moved._animated:
        artist.set_animated(False)
    moved.figure.canvas.draw()
    full = np.asarray(moved.figure.canvas.buffer_rgba())[..., :3]
    # A few pixels where a marker meets a line of equal zorder may blend in the other order.
    assert np.count_nonzero(np.any(blitted != full, axis=2)) <= 20


def test_a_background_seen_before_is_reused_and_stays_right():
    """Going back to earlier axis limits reuses that background: no full draw, same frame."""
    e = activation_explorer()
    first = e.image.value
    e.set(activation="relu", x=-1.0, w=2.0, b=0.5)  # other y-limits: a second background
    assert len(e._backgrounds) == 2
    draws = []
    e.figure.canvas.draw = lambda: draws.append(1)  # a full draw would now be noticed
    e.reset()
    assert draws == [] and e.image.value == first


def test_readout_says_saturated_off_or_leaky():
    e = activation_explorer()
    e.set(activation="tanh", x=3.0, w=2.0, b=0.0)  # z = 6
    assert "Saturated" in e.text and e.state["derivative"] < 1e-4
    e.set(activation="sigmoid", x=0.0, w=1.0, b=0.0)
    assert "Saturated" not in e.text and e.state["slope"] == 0.25
    e.set(activation="relu", x=-1.0, w=1.0, b=0.0)
    assert "off" in e.text and e.state["slope"] == 0.0
    e.set(activation="leaky_relu")
    assert "small but not 0" in e.text and e.state["slope"] == pytest.approx(0.01)


@pytest.mark.parametrize("name", ACTIVATION_CHOICES)
def test_every_slider_extreme_neither_crashes_nor_warns(name):
    e = activation_explorer()
    for x, w, b in itertools.product([-4, 4], [-3, 0, 3], [-5, 5]):
        e.set(activation=name, x=x, w=w, b=b)
        assert np.isfinite(e.state["value"]) and np.isfinite(e.state["slope"])
        low, high = e.figure.axes[0].get_ylim()
        assert low <= e.state["curve"].min() and e.state["curve"].max() <= high


def test_nice_limits_contain_the_data_and_zero():
    for lo, hi in [(0, 1), (-1, 1), (0, 17), (-17, 0), (-0.01, 0.25), (0, 0)]:
        low, high = nice_limits(lo, hi)
        assert low < min(lo, 0) <= max(hi, 0) < high


# --- (b) one hidden layer fitting a curve -----------------------------------------------------


def train_by_hand(activation, width, target, epochs, seed=0):
    """The network fit_state describes, trained here step by step."""
    X, y = fit_data(target)
    model = Sequential([Dense(width, activation=activation, input_shape=(1,)), Dense(1)], seed=seed)
    model.compile(optimizer=Adam(0.02), loss="mse")
    losses = [model.train_step(X, y) for _ in range(epochs)]
    return model, losses, X, y


def test_fit_state_is_that_network_trained_with_full_batch_adam():
    model, losses, X, y = train_by_hand("tanh", 5, "sin", 200, seed=3)
    state = fit_state("tanh", 5, "sin", 200, seed=3)
    mse = np.mean((model.predict(X) - y) ** 2)
    assert state["loss"] == pytest.approx(mse, rel=1e-12)
    np.testing.assert_allclose(state["history"], losses, rtol=1e-12)
    np.testing.assert_allclose(state["fit"], model.predict(state["xs"][:, None])[:, 0], rtol=1e-12)
    # The grey lines add up to the output: sum_j v_j a_j(x) + output bias.
    output_bias = model.layers[1].b.value[0]
    np.testing.assert_allclose(state["parts"].sum(axis=0) + output_bias, state["fit"], atol=1e-12)
    assert state["parts"].shape == (5, 200) and state["n_params"] == 5 * 2 + 5 + 1


def test_resuming_from_the_cache_gives_the_numbers_of_training_from_scratch():
    widget._CHECKPOINTS.clear()
    direct = fit_state("relu", 6, "abs", 700, seed=2)
    widget._CHECKPOINTS.clear()
    fit_state("relu", 6, "abs", 300, seed=2)
    resumed = fit_state("relu", 6, "abs", 700, seed=2)
    assert resumed["loss"] == direct["loss"]
    np.testing.assert_array_equal(resumed["history"], direct["history"])
    np.testing.assert_array_equal(resumed["fit"], direct["fit"])
    back = fit_state("relu", 6, "abs", 300, seed=2)  # going back to fewer epochs
    np.testing.assert_array_equal(back["history"], direct["history"][:300])


def test_line_loss_is_least_squares_and_a_linear_network_cannot_beat_it():
    X, y = fit_data("sin")
    slope, intercept = np.polyfit(X[:, 0], y[:, 0], 1)
    line = np.mean((slope * X[:, 0] + intercept - y[:, 0]) ** 2)
    for width in (1, 8, 32):
        state = fit_state("linear", width, "sin", 1000)
        assert state["line_loss"] == pytest.approx(line, rel=1e-10)
        assert line - 1e-12 <= state["loss"] < line + 1e-4


def test_the_claims_of_the_chapter():
    line = fit_state("linear", 1, "sin", 0)["line_loss"]
    # One ReLU unit dies on sin with seed 0: its output is 0 on every input, worse than a line.
    dead = fit_state("relu", 1, "sin", 1000)
    assert np.all(dead["parts"] == 0) and dead["loss"] > line
    # The leaky unit with the same start keeps learning and beats the line.
    assert fit_state("leaky_relu", 1, "sin", 1000)["loss"] < line
    # Two ReLUs make |x|, with the right start.
    assert fit_state("relu", 2, "abs", 1000, seed=1)["loss"] < 0.012
    # A step is one sigmoid; 8 tanh units fit sin down to about the noise (0.01).
    assert (
        fit_state("sigmoid", 1, "step", 1000)["loss"]
        < 0.5 * fit_state("linear", 1, "step", 0)["line_loss"]
    )
    assert fit_state("tanh", 8, "sin", 1000)["loss"] < 0.012


def test_fit_explorer_shows_what_the_pure_function_computes():
    e = fit_explorer()
    assert e.widgets["width"].readout_format == ".0f"
    for values in [
        dict(activation="relu", width=4, target="abs", epochs=300, seed=0),
        dict(activation="sigmoid", width=3, target="step", epochs=200, seed=5),
        dict(activation="linear", width=32, target="sin", epochs=100, seed=0),
    ]:
        e.set(**values)
        expected = fit_state(**values)["loss"]
        assert e.state["loss"] == pytest.approx(expected, rel=1e-12)
        assert f"training MSE = {expected:.4f}" in e.text
        assert e.losses[-1] == pytest.approx(expected)
    assert "straight line, whatever its width" in e.text


def test_moving_a_fit_control_changes_the_picture():
    e = fit_explorer()
    images = [e.image.value]
    for change in [
        dict(width=2),
        dict(activation="relu"),
        dict(target="step"),
        dict(epochs=600),
        dict(seed=4),
    ]:
        e.set(**change)
        assert e.image.value != images[-1], change
        images.append(e.image.value)


def test_train_more_lowers_the_loss_and_traces_every_epoch():
    e = fit_explorer(activation="tanh", width=8, target="sin", epochs=300)
    before, n_trace = e.state["loss"], len(e.losses)
    e.run("Train 500 more epochs")
    assert e.values["epochs"] == 800 and e.state["loss"] < before
    history = fit_state("tanh", 8, "sin", 800)["history"]
    assert e.losses[n_trace:-1] == pytest.approx(list(history[300:800]))
    assert len(e.losses) == n_trace + 501


@pytest.mark.parametrize("name", ACTIVATION_CHOICES)
def test_every_fit_option_and_extreme_neither_crashes_nor_warns(name):
    e = fit_explorer()
    for width, target, seed in itertools.product([1, 32], ["sin", "step", "abs"], [0, 9]):
        e.set(activation=name, width=width, target=target, seed=seed, epochs=0)
        assert np.isfinite(e.state["loss"]) and str(width) in e.text
    e.set(epochs=100)
    e.run("Train 500 more epochs")
    assert np.isfinite(e.state["loss"]) and e.values["epochs"] == 600


def test_epochs_at_the_maximum():
    e = fit_explorer(activation="relu", width=32, epochs=3000)
    e.run("Train 500 more epochs")  # already at the end of the slider: nothing more to do
    assert e.values["epochs"] == 3000 and np.isfinite(e.state["loss"])
