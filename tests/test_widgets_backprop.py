"""Chapter 5's widget: the backprop stepper on the 2-2-1 network, driven programmatically."""

import itertools

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from nnlib import gradcheck  # noqa: E402
from nnlib.widgets import backprop as B  # noqa: E402

UPDATE = "Apply one update"

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


def by_hand(weights, x, y, loss):
    """Forward and backward pass of the 2-2-1 sigmoid network in plain numpy (moderate numbers).

    Returns the node values, dL/d(node) and dL/d(parameter) as dicts.
    """
    W1, b1, W2, b2 = (np.asarray(w, dtype=float) for w in weights)
    x = np.asarray(x, dtype=float)
    z1 = x @ W1 + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ W2[:, 0] + b2[0]
    y_hat = 1 / (1 + np.exp(-z2))
    if loss == "mse":
        value, d_y_hat = (y_hat - y) ** 2, 2 * (y_hat - y)
    else:
        value = -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
        d_y_hat = -y / y_hat + (1 - y) / (1 - y_hat)
    d_z2 = d_y_hat * y_hat * (1 - y_hat)
    d_a1 = d_z2 * W2[:, 0]
    d_z1 = d_a1 * a1 * (1 - a1)
    values = {
        "z¹₁": z1[0],
        "z¹₂": z1[1],
        "a¹₁": a1[0],
        "a¹₂": a1[1],
        "z²": z2,
        "ŷ": y_hat,
        "L": value,
    }
    nodes = {
        "L": 1.0,
        "ŷ": d_y_hat,
        "z²": d_z2,
        "a¹₁": d_a1[0],
        "a¹₂": d_a1[1],
        "z¹₁": d_z1[0],
        "z¹₂": d_z1[1],
    }
    params = {"W2[0, 0]": d_z2 * a1[0], "W2[1, 0]": d_z2 * a1[1], "b2[0]": d_z2}
    for j in range(2):
        params[f"W1[0, {j}]"] = d_z1[j] * x[0]
        params[f"W1[1, {j}]"] = d_z1[j] * x[1]
        params[f"b1[{j}]"] = d_z1[j]
    return values, nodes, params


def random_weights(seed):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(2, 2)),
        rng.normal(size=2),
        rng.normal(size=(2, 1)),
        rng.normal(size=1),
    ]


# --- the pure functions ----------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["binary_crossentropy", "mse"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trace_is_the_chain_rule_node_by_node(loss, seed):
    rng = np.random.default_rng(10 + seed)
    weights, x, y = random_weights(seed), rng.normal(size=2), float(rng.uniform())
    values, nodes, params = by_hand(weights, x, y, loss)
    trace = B.backprop_trace(weights, x, y, loss)
    assert len(trace) == B.N_STEPS == 23
    forward = [s for s in trace if s["phase"] == "forward"]
    backward = [s for s in trace if s["phase"] == "backward"]
    assert [s["node"] for s in forward] == B.NODES[2:]
    assert [s["node"] for s in backward] == [
        "L",
        "ŷ",
        "z²",
        "W2[0, 0]",
        "W2[1, 0]",
        "b2[0]",
        "a¹₁",
        "a¹₂",
        "z¹₁",
        "z¹₂",
        "W1[0, 0]",
        "W1[1, 0]",
        "b1[0]",
        "W1[0, 1]",
        "W1[1, 1]",
        "b1[1]",
    ]
    for s in forward:
        assert s["value"] == pytest.approx(values[s["node"]], rel=1e-12), s["node"]
    for s in backward:
        expected = {**nodes, **params}[s["node"]]
        assert s["grad"] == pytest.approx(expected, rel=1e-10, abs=1e-15), s["node"]
        assert s["grad"] == s["local"] * s["upstream"]  # every step is one product
    # Each step's upstream gradient is a gradient computed at an earlier step.
    seen = {"1": 1.0}
    for s in backward:
        name = s["upstream_text"].removeprefix("∂L/∂")
        assert s["upstream"] == seen[name], s["node"]
        seen[s["node"]] = s["grad"]


def test_bce_and_sigmoid_simplify_to_prediction_minus_target():
    weights, x, y = B.start_weights(), B.START_X, B.START_Y
    trace = {s["node"]: s for s in B.backprop_trace(weights, x, y) if s["phase"] == "backward"}
    y_hat = B.backprop_state(7, weights, *x, y)["values"]["ŷ"]
    assert trace["z²"]["grad"] == pytest.approx(y_hat - y, rel=1e-12)


@pytest.mark.parametrize("loss", ["binary_crossentropy", "mse"])
def test_state_agrees_with_nnlib_and_finite_differences(loss):
    weights = random_weights(5)
    state = B.backprop_state(B.N_STEPS, weights, 0.7, -1.2, 0.3, loss)
    _, _, params = by_hand(weights, [0.7, -1.2], 0.3, loss)
    model = B.network_model(weights, loss)
    X, Y = np.array([[0.7, -1.2]]), np.array([[0.3]])
    assert state["loss"] == pytest.approx(model.evaluate(X, Y), rel=1e-12)
    for key, grad in params.items():
        assert state["grads"][key] == pytest.approx(grad, rel=1e-10)
        assert state["nnlib"][key] == pytest.approx(grad, rel=1e-10)
        assert state["numerical"][key] == pytest.approx(grad, rel=1e-5, abs=1e-9)
    assert B.max_relative_error(state) < 1e-7


def test_state_reveals_values_then_gradients_step_by_step():
    weights, (x1, x2), y = B.start_weights(), B.START_X, B.START_Y
    start = B.backprop_state(0, weights, x1, x2, y)
    assert start["current"] is None
    assert start["values"]["x₁"] == x1 and start["values"]["z¹₁"] is None
    assert all(g is None for g in start["grads"].values())
    for step in range(1, B.N_STEPS + 1):
        state = B.backprop_state(step, weights, x1, x2, y)
        known = [n for n, v in state["values"].items() if v is not None]
        assert len(known) == 2 + min(step, 7)
        assert sum(g is not None for g in state["grads"].values()) == max(step - 7, 0)
        assert state["current"] == state["trace"][step - 1]
    assert B.backprop_state(99, weights, x1, x2, y)["step"] == B.N_STEPS  # clipped
    assert B.backprop_state(-3, weights, x1, x2, y)["step"] == 0


def test_apply_update_is_gradient_descent_and_lowers_the_loss():
    weights, x, y, lr = B.start_weights(), B.START_X, B.START_Y, 0.8
    state = B.backprop_state(B.N_STEPS, weights, *x, y)
    new, losses = B.apply_update(weights, x, y, learning_rate=lr)
    assert losses == [pytest.approx(state["loss"])]
    for key in B.PARAMETERS:
        expected = B.get_weight(weights, key) - lr * state["numerical"][key]
        assert B.get_weight(new, key) == pytest.approx(expected, rel=1e-7, abs=1e-10)
    assert B.backprop_state(0, new, *x, y)["loss"] < state["loss"]
    assert B.get_weight(weights, "W1[0, 0]") == 0.6  # pure: the input is untouched


def test_apply_update_keeps_the_weights_in_range():
    new, losses = B.apply_update(B.start_weights(), (2.0, -2.0), 0.0, learning_rate=10.0, steps=50)
    assert all(np.abs(w).max() <= B.LIMIT for w in new)
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown loss"):
        B.backprop_trace(B.start_weights(), B.START_X, 1.0, loss="hinge")
    with pytest.raises(ValueError, match="unknown parameter"):
        B.get_weight(B.start_weights(), "W3[0, 0]")


# --- the diagram -----------------------------------------------------------------------------


def test_update_returns_only_artists_that_change_and_shows_the_numbers():
    fig = plt.figure(figsize=(9, 4), layout="constrained")
    state = B.backprop_state(12, B.start_weights(), *B.START_X, B.START_Y)
    update = B.draw_backprop(fig, state)
    changed = update(state)
    texts = [a.get_text() for a in changed if hasattr(a, "get_text")]
    assert "0.900" in texts and "0.6378" in texts  # z¹₁ and ŷ, inside their nodes
    assert "−0.362" in texts  # dL/dz², below its node
    assert any("−0.0746" in t and "a¹₂" in t for t in texts)  # the step's product
    table = next(t for t in texts if "−0.2575" in t)
    assert table.count("\n") == 8 and table.count("−0.0746") == 2  # backprop = finite diff.
    static = [t.get_text() for t in fig.axes[0].texts if t not in changed]
    assert {"x₁", "z¹₁", "ŷ", "L", "W1[0, 0]", "σ"} <= set(static)
    assert not any(a in changed for a in fig.legends)
    plt.close(fig)


# --- the explorer ----------------------------------------------------------------------------


def test_explorer_starts_where_asked_and_says_what_it_shows():
    e = B.backprop_explorer(step=12)
    expected = B.backprop_state(12, B.start_weights(), *B.START_X, B.START_Y)
    assert e.state["step"] == 12 and e.state["loss"] == pytest.approx(expected["loss"])
    for text in [
        "Step 12 of 23",
        "∂L/∂W2[1, 0]",
        "a¹₂ = 0.2059",
        "∂L/∂z² = −0.3622",
        "−0.0746",
        "binary cross-entropy L = 0.4497",
        "2 of 9 parameters",
    ]:
        assert text in e.text, text
    assert e.image.value[:4] == b"\x89PNG"


def test_controls_show_what_a_hand_computation_gives():
    e = B.backprop_explorer()
    e.set(step=B.N_STEPS, x1=-1.3, x2=0.8, y=0.25, loss="mse")
    values, nodes, params = by_hand(B.start_weights(), [-1.3, 0.8], 0.25, "mse")
    assert e.state["loss"] == pytest.approx(values["L"], rel=1e-12)
    for key, grad in params.items():
        assert e.state["grads"][key] == pytest.approx(grad, rel=1e-10)
    assert e.state["grads"]["ŷ"] == pytest.approx(nodes["ŷ"], rel=1e-12)
    assert f"squared error L = {values['L']:.4f}" in e.text
    assert "9 of 9 parameters" in e.text


def test_moving_the_step_changes_the_picture_but_not_the_trace():
    e = B.backprop_explorer()
    images = {e.image.value}
    for step in (1, 5, 9, 15):
        e.set(step=step)
        images.add(e.image.value)
    assert len(images) == 5
    assert len(e.losses) == 1  # the loss did not change, so the trace did not grow
    e.set(x1=0.0)
    assert len(e.losses) == 2


def test_update_button_lowers_the_loss_and_matches_the_pure_function():
    e = B.backprop_explorer(step=B.N_STEPS)
    e.widgets["learning_rate"].value = 2.0
    before = e.state["loss"]
    expected, _ = B.apply_update(B.start_weights(), B.START_X, B.START_Y, learning_rate=2.0)
    e.run(UPDATE)
    for w, x in zip(e.weights, expected, strict=True):
        np.testing.assert_allclose(w, x, rtol=1e-12)
    assert e.state["loss"] < before and e.losses == [before, e.state["loss"]]
    for _ in range(5):
        e.run(UPDATE)
    assert np.all(np.diff(e.losses) < 0)
    e.reset()
    assert e.state["loss"] == pytest.approx(before) and len(e.losses) == 1
    for w, x in zip(e.weights, B.start_weights(), strict=True):
        np.testing.assert_array_equal(w, x)


def test_the_gradient_check_holds_after_updates():
    e = B.backprop_explorer(step=B.N_STEPS)
    for _ in range(3):
        e.run(UPDATE)
    state = e.state
    for key in B.PARAMETERS:
        assert state["grads"][key] == pytest.approx(state["nnlib"][key], rel=1e-10, abs=1e-14)
        assert gradcheck.relative_error(state["grads"][key], state["numerical"][key]) < 1e-6


@pytest.mark.parametrize("loss", ["binary_crossentropy", "mse"])
def test_every_extreme_neither_crashes_nor_warns(loss):
    e = B.backprop_explorer(loss=loss)
    for step, x1, x2, y in itertools.product((0, B.N_STEPS), (-2, 2), (-2, 2), (0, 1)):
        e.set(step=step, x1=x1, x2=x2, y=y)
        assert np.isfinite(e.state["loss"]), (step, x1, x2, y)
    for lr in (0.1, 10.0):
        e.widgets["learning_rate"].value = lr
        for _ in range(20):
            e.run(UPDATE)
        assert np.isfinite(e.state["loss"]) and all(np.abs(w).max() <= B.LIMIT for w in e.weights)
    e.reset()
