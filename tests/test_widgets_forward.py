"""Chapter 4's widget: the 3-4-2 network explorer, driven programmatically."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from nnlib import gradcheck  # noqa: E402
from nnlib.widgets import forward as F  # noqa: E402

TRAIN = "Train on this example: 10 steps"


pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


def by_hand(x, weights, target):
    """The forward pass and both losses in plain numpy, for moderate numbers."""
    W1, b1, W2, b2 = weights
    z1 = np.asarray(x) @ W1 + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ W2 + b2
    a2 = 1 / (1 + np.exp(-z2))
    t = np.asarray(target)
    mse = np.mean((a2 - t) ** 2)
    bce = -np.mean(t * np.log(a2) + (1 - t) * np.log(1 - a2))
    return z1, a1, z2, a2, {"mse": mse, "binary_crossentropy": bce}


def random_weights(seed):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(3, 4)),
        rng.normal(size=4),
        rng.normal(size=(4, 2)),
        rng.normal(size=2),
    ]


# --- the pure functions ----------------------------------------------------------------------


def test_the_article_network_gives_the_printed_output():
    # The article computes W @ x with (n_out, n_in) matrices; nnlib's are the transposes.
    a1 = 1 / (1 + np.exp(-(F.SEED_W_HIDDEN @ F.SEED_INPUT + F.SEED_B_HIDDEN)))
    article = 1 / (1 + np.exp(-(F.SEED_W_OUTPUT @ a1 + F.SEED_B_OUTPUT)))
    state = F.forward_state(F.SEED_INPUT, F.seed_weights(), [0.0, 1.0])
    np.testing.assert_allclose(state["output"], F.SEED_OUTPUT, rtol=0, atol=1e-8)
    np.testing.assert_allclose(state["output"], article, rtol=0, atol=1e-15)
    np.testing.assert_allclose(state["z1"], [1.37, 1.53, -1.18, 0.38], rtol=0, atol=1e-12)
    assert [w.shape for w in F.seed_weights()] == [(3, 4), (4,), (4, 2), (2,)]


@pytest.mark.parametrize("loss", ["mse", "binary_crossentropy"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_state_matches_a_hand_computation(loss, seed):
    rng = np.random.default_rng(100 + seed)
    x, target, weights = rng.normal(size=3), rng.uniform(size=2), random_weights(seed)
    z1, a1, z2, a2, loss_values = by_hand(x, weights, target)
    state = F.forward_state(x, weights, target, loss)
    for key, expected in [("z1", z1), ("a1", a1), ("z2", z2), ("a2", a2), ("output", a2)]:
        np.testing.assert_allclose(state[key], expected, rtol=1e-12, err_msg=key)
    assert state["loss"] == pytest.approx(loss_values[loss], rel=1e-12)
    assert state["loss_name"] == loss


def test_forward_state_does_not_keep_references_to_its_inputs():
    weights = F.seed_weights()
    state = F.forward_state(F.SEED_INPUT, weights, [0, 1])
    state["weights"][0][0, 0] = 99.0
    assert weights[0][0, 0] == 0.5


def test_parameters_are_named_by_their_place_in_nnlibs_arrays():
    assert len(F.PARAMETERS) == 26 == len(F.WEIGHT_OPTIONS)
    weights = F.seed_weights()
    assert F.PARAMETERS["W1[1, 2]"][2] == "x2 → h3"
    assert F.get_weight(weights, "W1[1, 2]") == 0.9 == F.SEED_W_HIDDEN[2, 1]
    assert F.PARAMETERS["W2[3, 1]"][2] == "h4 → ŷ2"
    assert F.get_weight(weights, "W2[3, 1]") == 0.2 == F.SEED_W_OUTPUT[1, 3]
    assert F.PARAMETERS["b2[1]"][2] == "bias of ŷ2" and F.get_weight(weights, "b2[1]") == 0.2
    for label, key in F.WEIGHT_OPTIONS:
        assert label.endswith(key)
    with pytest.raises(ValueError, match="unknown weight"):
        F.get_weight(weights, "W3[0, 0]")


def test_with_weight_is_pure():
    weights = F.seed_weights()
    new = F.with_weight(weights, "b1[3]", -2.5)
    assert F.get_weight(new, "b1[3]") == -2.5 and F.get_weight(weights, "b1[3]") == 0.4
    for old, changed in zip(weights, F.seed_weights(), strict=True):
        np.testing.assert_array_equal(old, changed)


def test_train_on_example_is_gradient_descent_on_the_loss():
    """One step moves every parameter by -lr * (finite-difference gradient of the loss)."""
    weights = F.seed_weights()
    x, target, lr = F.SEED_INPUT, [0.0, 1.0], 0.7
    for loss in ("mse", "binary_crossentropy"):

        def value(loss=loss):
            return F.forward_state(x, weights, target, loss)["loss"]

        grads = [gradcheck.numerical_gradient(value, w) for w in weights]
        new, losses = F.train_on_example(x, weights, target, loss, learning_rate=lr, steps=1)
        assert losses == [pytest.approx(value())]
        for w, g, n in zip(weights, grads, new, strict=True):
            np.testing.assert_allclose(n, w - lr * g, rtol=1e-7, atol=1e-10)


def test_train_on_example_keeps_weights_within_the_slider_range():
    weights, losses = F.train_on_example(
        [3.0, -3.0, 3.0], F.seed_weights(), [1.0, 0.0], "binary_crossentropy", 10.0, steps=200
    )
    assert all(np.abs(w).max() <= F.LIMIT for w in weights)
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


# --- the diagram -----------------------------------------------------------------------------


def _diagram(state, selected=None):
    ax = F.plot_network(state, selected=selected)
    (lines,) = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
    return ax, lines


def test_lines_show_a_weight_by_width_colour_and_style():
    weights = F.with_weight(F.seed_weights(), "W1[0, 0]", -3.0)
    ax, lines = _diagram(F.forward_state(F.SEED_INPUT, weights, [0, 1]))
    keys = [key for key in F.PARAMETERS if key.startswith("W")]
    widths, colours = lines.get_linewidths(), lines.get_colors()
    styles = lines.get_linestyles()
    for k, key in enumerate(keys):
        w = F.get_weight(weights, key)
        assert widths[k] == pytest.approx(F.edge_style(w)[0])
        dashed = styles[k][1] is not None
        assert dashed == (w < 0), key  # the sign is a line style...
        expected = F.NEGATIVE if w < 0 else F.POSITIVE
        np.testing.assert_allclose(colours[k], to_rgba(expected))  # ...and a colour
    assert widths[keys.index("W1[0, 0]")] == max(widths)  # |w| = 3 is the largest
    plt.close(ax.figure)


def test_neurons_are_filled_by_their_activation_and_labelled_with_it():
    state = F.forward_state(F.SEED_INPUT, F.seed_weights(), [0, 1])
    ax, _ = _diagram(state)
    neurons = [c for c in ax.collections if c.get_array() is not None]
    (filled,) = neurons
    np.testing.assert_allclose(filled.get_array(), np.concatenate([state["a1"], state["a2"]]))
    texts = [t.get_text() for t in ax.texts]
    for value in ["0.70", "-1.50", "0.20", "0.80", "0.82", "0.24", "0.59", "0.605", "0.650"]:
        assert value in texts, value
    for z in ["1.37", "1.53", "-1.18", "0.38", "0.43", "0.62"]:
        assert z in texts, z
    assert ax.get_title() == "MSE loss = 0.2444"
    plt.close(ax.figure)


def test_update_returns_only_the_artists_that_change():
    fig = plt.figure(layout="constrained")
    ax = fig.subplots()
    update = F.draw_network(ax, F.forward_state(F.SEED_INPUT, F.seed_weights(), [0, 1]), "figure")
    changed = update(F.forward_state([0, 0, 0], F.seed_weights(), [1, 1]))
    assert all(artist.axes is ax for artist in changed)
    assert not any(artist in changed for artist in fig.legends)
    static = [t for t in ax.texts if t not in changed]
    assert {"x1", "x2", "x3", "h1: z = ", "target "} <= {t.get_text() for t in static}
    plt.close(fig)


# --- the explorer ----------------------------------------------------------------------------


def test_explorer_starts_on_the_article_network():
    e = F.network_explorer()
    expected = F.forward_state(F.SEED_INPUT, F.seed_weights(), [0.0, 1.0])
    np.testing.assert_allclose(e.state["output"], F.SEED_OUTPUT, atol=1e-8)
    assert e.state["loss"] == pytest.approx(expected["loss"], rel=1e-12)
    assert e.losses == [pytest.approx(expected["loss"])]
    for number in ["0.6053", "0.6501", "0.2444", "(1.37, 1.53, -1.18, 0.38)", "x1 → h1"]:
        assert number in e.text, number
    assert e.image.value[:4] == b"\x89PNG"


def test_every_control_shows_what_a_hand_computation_gives():
    e = F.network_explorer()
    settings = dict(x1=-1.2, x2=0.4, x3=2.5, t1=0.25, t2=0.6, loss="binary_crossentropy")
    e.set(**settings)
    z1, a1, _, a2, loss_values = by_hand([-1.2, 0.4, 2.5], F.seed_weights(), [0.25, 0.6])
    np.testing.assert_allclose(e.state["z1"], z1, rtol=1e-12)
    np.testing.assert_allclose(e.state["a1"], a1, rtol=1e-12)
    np.testing.assert_allclose(e.state["output"], a2, rtol=1e-12)
    assert e.state["loss"] == pytest.approx(loss_values["binary_crossentropy"], rel=1e-12)
    assert f"binary cross-entropy = {loss_values['binary_crossentropy']:.4f}" in e.text
    assert e.losses[-1] == pytest.approx(e.state["loss"])


@pytest.mark.parametrize(
    "change",
    [
        dict(x1=-2.0),
        dict(value=-3.0),
        dict(weight="b2[0]"),
        dict(t1=1.0),
        dict(loss="binary_crossentropy"),
    ],
)
def test_every_control_changes_the_picture(change):
    e = F.network_explorer()
    before = e.image.value
    e.set(**change)
    assert e.image.value != before


def test_picking_a_weight_shows_its_value_and_edits_add_up():
    e = F.network_explorer()
    # As a learner would: choose a weight in the dropdown, then drag the slider.
    e.widgets["weight"].value = "W2[1, 0]"  # h2 → ŷ1
    assert e.widgets["value"].value == pytest.approx(-0.1)
    assert e.losses == [pytest.approx(e.losses[0])] * 2  # picking alone changes nothing
    e.widgets["value"].value = 1.5
    e.widgets["weight"].value = "W1[0, 0]"
    assert e.widgets["value"].value == 0.5  # the slider follows the newly picked weight...
    e.widgets["value"].value = -1.0
    expected = F.with_weight(F.with_weight(F.seed_weights(), "W2[1, 0]", 1.5), "W1[0, 0]", -1.0)
    for got, want in zip(e.weights, expected, strict=True):  # ...and both edits are kept
        np.testing.assert_array_equal(got, want)
    z1, a1, _, a2, loss_values = by_hand(F.SEED_INPUT, expected, [0.0, 1.0])
    np.testing.assert_allclose(e.state["output"], a2, rtol=1e-12)
    assert e.state["loss"] == pytest.approx(loss_values["mse"], rel=1e-12)
    assert "x1 → h1 (W1[0, 0]) = -1.00" in e.text


def test_set_weight_and_value_together_edits_that_weight():
    e = F.network_explorer()
    e.set(weight="b1[2]", value=-4.0, x1=1.0)
    assert F.get_weight(e.weights, "b1[2]") == -4.0
    assert F.get_weight(e.weights, "W1[0, 0]") == 0.5  # the previously selected one is intact
    e.set(value=4.0, weight="W2[0, 1]")  # the order of the keywords does not matter
    assert F.get_weight(e.weights, "W2[0, 1]") == 4.0 and F.get_weight(e.weights, "b1[2]") == -4.0
    e.set(weight="b1[2]")  # picking alone shows the stored value
    assert e.values["value"] == -4.0
    assert e.state["selected"] == "b1[2]"


def test_train_button_lowers_the_loss_and_agrees_with_the_pure_function():
    e = F.network_explorer()
    e.widgets["learning_rate"].value = 2.0
    start = e.state["loss"]
    e.run(TRAIN)
    weights, losses = F.train_on_example(F.SEED_INPUT, F.seed_weights(), [0.0, 1.0], "mse", 2.0)
    for got, want in zip(e.weights, weights, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert losses[0] == pytest.approx(start) and np.all(np.diff(losses) < 0)
    assert e.state["loss"] < losses[-1] < start
    assert e.losses[-11:-1] == pytest.approx(losses)
    assert e.values["value"] == pytest.approx(F.get_weight(weights, "W1[0, 0]"))


def test_reset_restores_the_article_network():
    e = F.network_explorer()
    e.set(weight="W2[3, 0]", value=-5.0)
    e.run(TRAIN)
    e.reset()
    for got, want in zip(e.weights, F.seed_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    assert e.values["weight"] == "W1[0, 0]" and e.values["value"] == 0.5
    np.testing.assert_allclose(e.state["output"], F.SEED_OUTPUT, atol=1e-8)
    assert len(e.losses) == 1


def test_every_extreme_neither_crashes_nor_warns():
    e = F.network_explorer()
    for loss in F.LOSSES:
        for end in ("min", "max"):
            values = {c.name: getattr(c, end) for c in e.controls if hasattr(c, "step")}
            e.set(loss=loss, **values)
            assert np.isfinite(e.state["loss"]) and "nan" not in e.text
    for _, key in F.WEIGHT_OPTIONS:
        for value in (-F.LIMIT, F.LIMIT):
            e.set(weight=key, value=value)
            assert np.isfinite(e.state["loss"])
    for lr in (0.1, 10.0):
        e.widgets["learning_rate"].value = lr
        e.run(TRAIN)
        assert np.isfinite(e.state["loss"]) and all(np.abs(w).max() <= F.LIMIT for w in e.weights)
