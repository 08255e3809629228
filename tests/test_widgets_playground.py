"""Chapter 10's playground: the pure core against hand computations, the exported code, and the
widget driven as a learner would (controls, buttons, Play in the background), extremes included."""

import asyncio
import base64
import dataclasses
import io
import subprocess
import sys
import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")

from nnlib import datasets, regularizers  # noqa: E402
from nnlib.widgets import playground as pg  # noqa: E402
from nnlib.widgets.playground import (  # noqa: E402
    Playground,
    PlaygroundConfig,
    Trainer,
    build_model,
    export_code,
    features,
    make_data,
    run,
    snapshot,
    targets,
)

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py
ROOT = Path(__file__).resolve().parents[1]

SMALL = PlaygroundConfig(n_samples=200)  # the default network on fewer points: fast tests


def same_snapshot(a, b):
    """True if two snapshots hold exactly the same numbers."""
    for key in ("epoch", "loss_train", "loss_test", "penalty", "accuracy_train", "diverged"):
        assert a[key] == b[key], key
    np.testing.assert_array_equal(a["output"], b["output"])
    for x, y in zip(
        a["weights"] + a["biases"] + a["neurons"],
        b["weights"] + b["biases"] + b["neurons"],
        strict=True,
    ):
        np.testing.assert_array_equal(x, y)
    return True


# --- the settings ----------------------------------------------------------------------------


def test_the_defaults_are_the_tensorflow_playgrounds():
    c = PlaygroundConfig()
    assert (c.problem, c.dataset, c.noise, c.ratio, c.batch_size) == (
        "classification",
        "circle",
        0,
        50,
        10,
    )
    assert (c.features, c.hidden, c.activation, c.learning_rate) == (
        ("x1", "x2"),
        (4, 2),
        "tanh",
        0.03,
    )
    assert (c.regularization, c.regularization_rate, c.loss) == ("none", 0.0, "mse")
    assert c.n_points == 500 and c.n_train == 250 and c.extent == 6.0
    assert PlaygroundConfig(problem="regression", dataset="plane").n_points == 1200


def test_config_is_frozen_hashable_and_normalised():
    c = PlaygroundConfig(features=["x1*x2", "x1"], hidden=[3], noise=20.0)
    assert c.features == ("x1", "x1*x2") and c.hidden == (3,) and c.noise == 20
    assert isinstance(c.noise, int) and hash(c) == hash(
        PlaygroundConfig(features=("x1", "x1*x2"), hidden=(3,), noise=20)
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.noise = 5
    assert c.replace(stop_after=10).same_run(c) and not c.replace(seed=1).same_run(c)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"dataset": "moons"}, "dataset must be one of"),
        ({"problem": "regression", "dataset": "circle"}, "dataset must be one of"),
        ({"problem": "clustering"}, "problem must be one of"),
        ({"noise": 60}, "noise must be between 0 and 50"),
        ({"noise": 2.5}, "noise must be a whole number"),
        ({"ratio": 100}, "ratio must be between 1 and 99"),
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"features": ()}, "features must be distinct names"),
        ({"features": ("x1", "cos(x1)")}, "features must be distinct names"),
        ({"hidden": (4,) * 7}, "at most 6 layers of 1 to 8 neurons"),
        ({"hidden": (9,)}, "at most 6 layers of 1 to 8 neurons"),
        ({"hidden": (0,)}, "at most 6 layers"),
        ({"activation": "swish"}, "activation must be one of"),
        ({"learning_rate": 0}, "learning_rate must be a finite number > 0"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number"),
        ({"regularization_rate": -1}, "regularization_rate must be a finite number >= 0"),
        ({"regularization": "L3"}, "regularization must be one of"),
        ({"initializer": "ones"}, "initializer must be one of"),
        (
            {"problem": "regression", "dataset": "plane", "loss": "binary_crossentropy"},
            "regression is trained on the squared error",
        ),
        ({"dataset": "custom"}, "dataset='custom' needs points"),
        ({"points": [[0, 0, 1], [1, 1, 0]]}, "points are only used with dataset='custom'"),
        ({"dataset": "custom", "points": [[0, 0, 2], [1, 1, 0]]}, "has label 2"),
        ({"n_samples": 1}, "n_samples must be at least 2"),
        ({"seed": -1}, "seed must be at least 0"),
    ],
)
def test_config_rejects_bad_settings_clearly(settings, message):
    with pytest.raises(ValueError, match=f"PlaygroundConfig: {message}|{message}"):
        PlaygroundConfig(**settings)


def test_replace_rejects_unknown_settings():
    with pytest.raises(ValueError, match=r"no setting\(s\) \['colour'\]"):
        PlaygroundConfig().replace(colour="red")


# --- the pure core -------------------------------------------------------------------------------


def test_make_data_is_the_playgrounds_data_split_by_the_ratio():
    c = PlaygroundConfig(dataset="xor", noise=10, ratio=30, data_seed=4)
    X_train, y_train, X_test, y_test = make_data(c)
    assert len(X_train) == 150 and len(X_test) == 350
    X, y = datasets.make_playground("xor", n_samples=500, noise=0.1, seed=4)
    np.testing.assert_array_equal(np.sort(np.r_[X_train, X_test], axis=0), np.sort(X, axis=0))
    again = make_data(c)
    for a, b in zip(again, (X_train, y_train, X_test, y_test), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(make_data(c.replace(data_seed=5))[0], X_train)
    tiny = make_data(PlaygroundConfig(n_samples=3, ratio=10))  # at least one point each
    assert len(tiny[0]) == 1 and len(tiny[2]) == 2


def test_features_are_the_formulas_in_order():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    F = features(X, ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"))
    x1, x2 = X.T
    np.testing.assert_array_equal(
        F, np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    )
    np.testing.assert_array_equal(features(X, ("x1*x2",)), (x1 * x2)[:, None])
    with pytest.raises(ValueError, match="unknown feature"):
        features(X, ("x3",))
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        features(np.zeros((3, 3)), ("x1",))


def test_targets_follow_the_output_neuron():
    y = np.array([0, 1, 1])
    np.testing.assert_array_equal(targets(y, PlaygroundConfig()), [[-1.0], [1.0], [1.0]])
    bce = PlaygroundConfig(loss="binary_crossentropy")
    np.testing.assert_array_equal(targets(y, bce), [[0.0], [1.0], [1.0]])
    reg = PlaygroundConfig(problem="regression", dataset="plane")
    np.testing.assert_array_equal(targets(np.array([[0.5], [-1.0]]), reg), [[0.5], [-1.0]])


def test_build_model_builds_the_configured_network():
    model = build_model(
        PlaygroundConfig(features=("x1", "x2", "x1*x2"), hidden=(5, 3), activation="relu")
    )
    assert [layer.units for layer in model.layers] == [5, 3, 1]
    assert [layer.activation.name for layer in model.layers] == ["relu", "relu", "tanh"]
    assert model.layers[0].W.value.shape == (3, 5)
    assert model.optimizer.learning_rate == 0.03 and model.loss.name == "mean_squared_error"
    W = np.concatenate([layer.W.value.ravel() for layer in model.layers])
    assert np.all(np.abs(W) <= 0.5) and W.std() > 0.2  # uniform in [-0.5, 0.5]: std 0.29
    assert all(np.all(layer.b.value == 0.1) for layer in model.layers)
    again = build_model(
        PlaygroundConfig(features=("x1", "x2", "x1*x2"), hidden=(5, 3), activation="relu")
    )
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    other = build_model(PlaygroundConfig(features=("x1", "x2", "x1*x2"), hidden=(5, 3), seed=1))
    assert not np.array_equal(other.layers[0].W.value, model.layers[0].W.value)
    bce = build_model(PlaygroundConfig(loss="binary_crossentropy", hidden=()))
    assert bce.layers[-1].activation.name == "sigmoid" and len(bce.layers) == 1
    reg = build_model(
        PlaygroundConfig(
            problem="regression", dataset="plane", regularization="L1", regularization_rate=0.01
        )
    )
    assert reg.layers[-1].activation.name == "linear"
    assert all(
        isinstance(layer.kernel_regularizer, regularizers.L1)
        and layer.kernel_regularizer.l1 == 0.01
        for layer in reg.layers
    )
    assert all(layer.bias_regularizer is None for layer in reg.layers)
    zeros = build_model(PlaygroundConfig(initializer="zeros"))
    assert all(np.all(w == 0) for w in zeros.get_weights())


def _by_hand(model, F):
    """The network's output and hidden activations, computed with numpy from its weights."""
    activations = []
    a = F
    for layer in model.layers:
        z = a @ layer.W.value + layer.b.value
        a = np.tanh(z) if layer.activation.name == "tanh" else (1 / (1 + np.exp(-z)))
        activations.append(a)
    return a, activations[:-1]


def test_snapshot_matches_a_hand_computation():
    c = PlaygroundConfig(n_samples=80, regularization="L2", regularization_rate=0.003)
    model, data = build_model(c), make_data(c)
    state = snapshot(model, data, c, epoch=7)
    X_train, y_train, X_test, y_test = data
    out_train, _ = _by_hand(model, X_train)
    out_test, _ = _by_hand(model, X_test)
    t_train, t_test = 2.0 * y_train - 1, 2.0 * y_test - 1
    assert state["epoch"] == 7
    assert state["loss_train"] == pytest.approx(
        np.mean((out_train[:, 0] - t_train) ** 2), rel=1e-12
    )
    assert state["loss_test"] == pytest.approx(np.mean((out_test[:, 0] - t_test) ** 2), rel=1e-12)
    penalty = 0.003 * sum(np.sum(layer.W.value**2) for layer in model.layers)
    assert state["penalty"] == pytest.approx(penalty, rel=1e-12)
    assert state["accuracy_test"] == pytest.approx(np.mean((out_test[:, 0] > 0) == (y_test == 1)))
    # The output map: row i, column j is the point (x1, x2) = (g[j], g[i]).
    g = np.linspace(-6, 6, pg.RESOLUTION)
    i, j = 5, 47
    out, hidden = _by_hand(model, np.array([[g[j], g[i]]]))
    assert state["output"].dtype == np.float32 and state["output"].shape == (pg.RESOLUTION,) * 2
    assert state["output"][i, j] == pytest.approx(out[0, 0], abs=1e-6)
    # Each neuron's map is its output averaged over 3 x 3 blocks of the same grid.
    xx, yy = np.meshgrid(g[:3], g[:3])
    _, block = _by_hand(model, np.column_stack([xx.ravel(), yy.ravel()]))
    assert [n.shape for n in state["neurons"]] == [(4, 20, 20), (2, 20, 20)]
    np.testing.assert_allclose(state["neurons"][1][:, 0, 0], block[1].mean(axis=0), atol=1e-6)
    assert [w.shape for w in state["weights"]] == [(2, 4), (4, 2), (2, 1)]
    assert all(w.dtype == np.float32 for w in state["weights"] + state["biases"])
    assert not state["diverged"]


def test_sigmoid_outputs_are_shown_on_the_same_scale():
    c = PlaygroundConfig(n_samples=60, loss="binary_crossentropy")
    model = build_model(c)
    state = snapshot(model, make_data(c), c)
    p = model.predict(features(pg.plane_grid(c), c.features))[:, 0]
    np.testing.assert_allclose(state["output"].ravel(), 2 * p - 1, atol=1e-6)
    assert -1 <= state["output"].min() and state["output"].max() <= 1


def test_run_is_deterministic_and_the_default_learns_the_circle():
    snapshots = run(SMALL, 100, every=25)
    assert [s["epoch"] for s in snapshots] == [0, 25, 50, 75, 100]
    again = run(SMALL, 100, every=25)
    assert all(same_snapshot(a, b) for a, b in zip(snapshots, again, strict=True))
    assert snapshots[-1]["loss_train"] < 0.3 * snapshots[0]["loss_train"]
    assert snapshots[-1]["accuracy_test"] > 0.9
    assert not np.array_equal(snapshots[0]["output"], snapshots[-1]["output"])
    assert not same_snapshot_safe(run(SMALL.replace(seed=1), 25)[-1], snapshots[1])


def same_snapshot_safe(a, b):
    try:
        return same_snapshot(a, b)
    except AssertionError:
        return False


def test_run_stops_where_training_diverges():
    c = PlaygroundConfig(
        problem="regression",
        dataset="plane",
        n_samples=60,
        activation="linear",
        hidden=(8,) * 6,
        learning_rate=10.0,
    )
    snapshots = run(c, 50)
    assert snapshots[-1]["diverged"] and snapshots[-1]["epoch"] < 50
    assert not np.isfinite(snapshots[-1]["loss_train"])
    assert not any(s["diverged"] for s in snapshots[:-1])


def test_a_saturated_tanh_output_counts_as_diverged():
    """lr 10 on a deep linear network: the first steps push the output neuron's z far beyond
    +-10, where tanh is flat; the wrong points stay wrong, the loss stays put for good."""
    c = PlaygroundConfig(n_samples=60, activation="linear", hidden=(8,) * 6, learning_rate=10.0)
    trainer = Trainer(c)
    assert not trainer.state["diverged"] and trainer.state["saturated"] == 0
    state = trainer.train(3)
    assert state["saturated"] > 0.5 and state["accuracy_train"] < 1 and state["diverged"]
    assert "saturated on every misclassified training point" in trainer.diverged
    out = trainer.model.predict(trainer.F_train)
    wrong = np.sign(out[:, 0]) != trainer.t_train[:, 0]
    z = trainer.model.layers[-1].Z[wrong, 0]
    assert wrong.any() and np.all(1 - np.tanh(z) ** 2 < 1e-8)  # no gradient left to fix them
    before = trainer.history[-1][1]
    trainer.diverged = None  # train on regardless: nothing changes
    trainer.train(5)
    assert abs(trainer.history[-1][1] - before) < 1e-6
    # Cross-entropy keeps a gradient p - y at saturation: never "stuck".
    bce = run(c.replace(loss="binary_crossentropy", learning_rate=0.03), 3)[-1]
    assert not bce["diverged"]


def test_the_trainer_and_run_agree():
    trainer = Trainer(SMALL)
    for _ in range(3):
        trainer.train(5)
    assert same_snapshot(trainer.state, run(SMALL, 15)[-1])
    assert [h[0] for h in trainer.history] == list(range(16))
    assert trainer.history[-1][1] == trainer.state["loss_train"]


# --- export -----------------------------------------------------------------------------------

EXPORTED = [
    SMALL,
    PlaygroundConfig(dataset="xor", n_samples=100, features=("x1*x2",), hidden=(), noise=15),
    PlaygroundConfig(
        dataset="spiral",
        n_samples=90,
        features=("x1", "x2", "sin(x1)", "sin(x2)", "x1^2"),
        hidden=(3, 3),
        activation="relu",
        loss="binary_crossentropy",
        initializer="he_normal",
        regularization="L1",
        regularization_rate=0.003,
        batch_size=7,
        ratio=70,
        seed=3,
        data_seed=2,
    ),
    PlaygroundConfig(
        problem="regression",
        dataset="multi_gauss",
        n_samples=150,
        hidden=(4,),
        regularization="L2",
        regularization_rate=0.001,
        initializer="glorot_uniform",
    ),
    PlaygroundConfig(
        dataset="custom", points=[[0.5, 1.0, 1], [-2, 3, 0], [4.25, -1, 1], [0, -3.5, 0]]
    ),
]


@pytest.mark.parametrize(
    "config", EXPORTED, ids=["default", "xor", "spiral", "regression", "custom"]
)
def test_exported_code_runs_and_reproduces_the_playground(config):
    code = export_code(config, epochs=12)
    namespace = {}
    exec(compile(code, "<exported>", "exec"), namespace)  # noqa: S102 -- that is the point
    expected = run(config, 12)[-1]
    assert namespace["train_loss"] == expected["loss_train"]
    assert namespace["test_loss"] == expected["loss_test"]
    for a, b in zip(namespace["model"].get_weights()[::2], expected["weights"], strict=True):
        np.testing.assert_array_equal(a.astype(np.float32), b)


def test_exported_code_is_readable(capsys):
    code = export_code(
        PlaygroundConfig(features=("x1", "x1*x2"), regularization="L2", regularization_rate=0.01),
        epochs=3,
    )
    assert "np.column_stack([x1, x1 * x2])" in code
    assert '    "kernel_regularizer": regularizers.L2(0.01),' in code
    assert "model.fit(F_train, t_train, epochs=3, batch_size=10)" in code
    assert max(len(line) for line in code.splitlines()) <= 100
    exec(code, {})  # noqa: S102
    assert "after 3 epochs: training loss" in capsys.readouterr().out
    assert "epochs=100," in export_code(PlaygroundConfig())
    assert "epochs=40," in export_code(PlaygroundConfig(stop_after=40))


# --- the widget, driven as a learner would ------------------------------------------------------


@pytest.fixture
def small():
    return Playground(n_samples=200)


def test_playground_shows_the_state_and_describes_it(small):
    assert small.image.value[:2] == b"\xff\xd8"  # a JPEG
    assert small.epoch == 0 and "Epoch 0." in small.text and "aria-live" in small.readout.value
    assert "accuracy" in small.text and "circle data" in small.text
    assert "4 → 2 → 1" in small.text
    bundle = small._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/jpeg" in data and "application/vnd.jupyter.widget-view+json" in data


def test_the_image_sent_is_the_figure_as_drawn(small):
    # The JPEG is encoded from the canvas's RGBA buffer in place (alpha dropped by Pillow):
    # decoded, it has the canvas's size, row order and colours, up to JPEG's small errors.
    small.step(3)
    canvas = np.asarray(small.figure.canvas.buffer_rgba())[..., :3].astype(float)
    sent = np.asarray(Image.open(io.BytesIO(small.image.value)).convert("RGB"), dtype=float)
    assert sent.shape == canvas.shape
    assert np.abs(sent - canvas).mean() < 4
    assert np.abs(sent - canvas[::-1]).mean() > 4 * np.abs(sent - canvas).mean()  # not flipped
    assert np.abs(sent - canvas[..., ::-1]).mean() > 2 * np.abs(sent - canvas).mean()  # RGB order


def test_the_output_map_leaves_the_spines_of_its_axes_visible(small):
    # The map fills its axes; blitted over static spines it used to hide the left one entirely.
    small.step(3)
    frame = np.asarray(Image.open(io.BytesIO(small.image.value)).convert("L"), dtype=float)
    plane = next(ax for ax in small.figure.axes if ax.get_title() == "output over the plane")
    box, height = plane.get_window_extent(), frame.shape[0]
    rows = slice(int(height - box.y1) + 5, int(height - box.y0) - 5)
    for x in (box.x0, box.x1):  # the left and right spines: black lines, 1 pixel or so
        edge = frame[rows, int(round(x)) - 2 : int(round(x)) + 2]
        assert np.all(edge.min(axis=1) < 90), f"no dark spine along x = {x:.0f}"


def test_choose_a_data_set_add_a_layer_train_and_watch_the_loss_fall(small):
    small.controls["dataset"].value = "xor"  # as a learner picking from the menu
    assert small.config.dataset == "xor" and small.epoch == 0
    small.buttons["Add layer"].click()
    assert small.config.hidden == (4, 2, 2)
    assert (
        small.neuron_sliders[2].layout.display is None
        and small.neuron_sliders[3].layout.display == "none"
    )
    small.neuron_sliders[2].value = 5
    assert small.config.hidden == (4, 2, 5) and len(small.state["neurons"]) == 3
    before_image, before_loss = small.image.value, small.state["loss_train"]
    small.step(40)
    assert small.epoch == 40 and small.state["loss_train"] < 0.5 * before_loss
    assert small.image.value != before_image and "Epoch 40." in small.text
    assert len(small.history) == 41
    small.buttons["Step"].click()
    assert small.epoch == 41
    small.buttons["Remove layer"].click()
    assert small.config.hidden == (4, 2) and small.epoch == 0


def test_features_learning_rate_and_menus_reach_the_config(small):
    small.feature_boxes["x1*x2"].value = True
    small.feature_boxes["x2"].value = False
    assert small.config.features == ("x1", "x1*x2")
    small.controls["learning_rate"].value = 0.3
    small.controls["activation"].value = "relu"
    small.controls["regularization"].value = "L2"
    small.controls["regularization_rate"].value = 0.01
    small.controls["noise"].value = 25
    small.controls["ratio"].value = 70
    small.controls["batch_size"].value = 5
    small.controls["initializer"].value = "he_normal"
    small.controls["loss"].value = "binary_crossentropy"
    small.controls["seed"].value = 9
    c = small.config
    assert (c.learning_rate, c.activation, c.regularization, c.regularization_rate) == (
        0.3,
        "relu",
        "L2",
        0.01,
    )
    assert (c.noise, c.ratio, c.batch_size, c.initializer, c.loss, c.seed) == (
        25,
        70,
        5,
        "he_normal",
        "binary_crossentropy",
        9,
    )
    assert small.trainer.model.layers[-1].activation.name == "sigmoid"


def test_the_last_feature_cannot_be_unticked(small):
    small.feature_boxes["x2"].value = False
    small.feature_boxes["x1"].value = False  # the last one: refused, and the box ticks again
    assert small.config.features == ("x1",) and small.feature_boxes["x1"].value
    assert "Not changed" in small.readout.value


def test_problem_type_switches_data_sets_and_loss(small):
    small.set(loss="binary_crossentropy")
    small.controls["problem"].value = "regression"
    c = small.config
    assert (c.problem, c.dataset, c.loss) == ("regression", "plane", "mse")
    assert [v for _, v in small.controls["dataset"].options] == ["plane", "multi_gauss"]
    assert small.controls["loss"].disabled and small.state["accuracy_train"] is None
    assert "accuracy" not in small.text
    small.step(5)
    small.controls["dataset"].value = "multi_gauss"
    assert small.config.dataset == "multi_gauss" and small.epoch == 0


def test_reset_reproduces_the_same_run_exactly(small):
    small.step(25)
    first, image = small.state, small.image.value
    small.buttons["Reset"].click()
    assert small.epoch == 0
    small.step(25)
    assert same_snapshot(small.state, first) and small.image.value == image
    assert same_snapshot(small.state, run(small.config, 25)[-1])


def test_regenerate_draws_new_points_and_restarts(small):
    small.step(3)
    X_before = small.trainer.data[0]
    small.buttons["Regenerate"].click()
    assert small.config.data_seed == 1 and small.epoch == 0
    assert not np.array_equal(small.trainer.data[0], X_before)


def test_display_toggles_change_the_picture_not_the_run(small):
    small.step(10)
    state, image = small.state, small.image.value
    small.show_test_box.value = False
    assert small.image.value != image and small.state is state and small.epoch == 10
    hidden_test = small.image.value
    small.discretize_box.value = True
    assert small.image.value not in (image, hidden_test) and small.epoch == 10
    small.controls["stop_after"].value = 50  # only stops Play: no restart either
    assert small.epoch == 10 and small.config.stop_after == 50


def test_export_button_shows_code_that_reproduces_the_current_epoch(small):
    small.step(6)
    small.buttons["Export"].click()
    code = small.export_area.value
    assert small.export_area.layout.display is None and "epochs=6," in code
    namespace = {}
    exec(code, namespace)  # noqa: S102
    assert namespace["test_loss"] == small.state["loss_test"]


def test_your_own_points_from_a_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-8, 8, (40, 2))
    y = (X[:, 0] > 0).astype(int)
    path = tmp_path / "mine.csv"
    path.write_text(
        "x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y, strict=True))
    )
    p = Playground(points=path, hidden=())
    assert p.config.dataset == "custom" and p.config.n_points == 40 and p.config.extent == 9
    assert ("your points", "custom") in p.controls["dataset"].options
    p.step(30)
    assert p.state["accuracy_train"] > 0.9
    p.controls["dataset"].value = "circle"
    assert p.config.points is None
    p.controls["dataset"].value = "custom"  # the points are remembered
    assert p.config.n_points == 40
    code = p.export(epochs=5)
    namespace = {}
    exec(code, namespace)  # noqa: S102
    assert namespace["train_loss"] == run(p.config, 5)[-1]["loss_train"]
    with pytest.raises(ValueError, match="load_points: line 2"):
        Playground(points=io.StringIO("1,2,1\n3,x,0\n"))


# --- Play, in the background ----------------------------------------------------------------------


def test_play_trains_in_the_background_and_pause_stops_it():
    p = Playground(n_samples=60)
    p.frame_interval = 0.01

    async def learner():
        p.buttons["Play"].click()
        assert p.playing and p.play_button.description == "Pause"
        await asyncio.sleep(0.5)  # the event loop is free: frames run between the awaits
        playing_epoch = p.epoch
        assert playing_epoch > 0
        p.buttons["Play"].click()  # pause
        await asyncio.sleep(0.1)
        paused_epoch = p.epoch
        await asyncio.sleep(0.2)
        return playing_epoch, paused_epoch, p.epoch

    playing, paused, later = asyncio.run(learner())
    assert paused >= playing and later == paused and not p.playing
    assert p.play_button.description == "Play" and f"Paused at epoch {paused}" in p.text


def test_play_stops_after_n_epochs_and_at_divergence():
    p = Playground(n_samples=60, stop_after=7)
    p.frame_interval = 0.0

    async def until_stopped():
        p.play()
        for _ in range(500):
            await asyncio.sleep(0.01)
            if not p.playing:
                break

    asyncio.run(until_stopped())
    assert p.epoch == 7 and "Stopped after 7 epochs" in p.text
    asyncio.run(until_stopped())  # Play again at the limit does nothing
    assert p.epoch == 7
    p.set(activation="linear", hidden=(8,) * 6, learning_rate=10.0, stop_after=0)
    asyncio.run(until_stopped())
    assert p.trainer.diverged and "Training diverged" in p.text and not p.playing


def test_play_needs_an_event_loop(small):
    with pytest.raises(RuntimeError, match="use step"):
        small.play()


# --- extremes: nothing crashes, nothing warns ---------------------------------------------------


def test_the_extremes_show_divergence_without_crashing():
    p = Playground(
        activation="linear",
        hidden=(8,) * 6,
        learning_rate=10.0,
        noise=50,
        n_samples=20,
        features=tuple(pg.FEATURES),
    )
    p.step(20)
    assert p.trainer.diverged and p.state["diverged"] and p.epoch <= 20
    assert "Training diverged" in p.text and "learning rate is too large" in p.text
    assert p.image.value[:2] == b"\xff\xd8"
    p.export()  # still exportable
    p.set(discretize=True, show_test=False)
    p.reset()
    assert p.epoch == 0 and not p.trainer.diverged


def test_one_training_point_is_fitted_not_called_divergence():
    """With 6 points and 10 % for training, the network has one point to fit, and fits it even
    at learning rate 10: the readout says so rather than crying divergence."""
    p = Playground(
        activation="linear", hidden=(8,) * 6, learning_rate=10.0, noise=50, n_samples=6, ratio=10
    )
    p.step(20)
    assert p.config.n_train == 1 and p.epoch == 20
    assert p.state["loss_train"] == 0.0 and not p.trainer.diverged and "diverged" not in p.text


@pytest.mark.parametrize(
    "settings",
    [
        {"dataset": "spiral", "noise": 50, "batch_size": 1, "ratio": 90},
        {
            "activation": "relu",
            "regularization": "L1",
            "regularization_rate": 10.0,
            "learning_rate": 3.0,
        },
        {"activation": "sigmoid", "initializer": "zeros", "learning_rate": 0.00001},
        {
            "problem": "regression",
            "dataset": "multi_gauss",
            "hidden": (8,) * 6,
            "learning_rate": 10.0,
        },
        {
            "loss": "binary_crossentropy",
            "activation": "relu",
            "learning_rate": 10.0,
            "batch_size": 30,
        },
        {"dataset": "gauss", "noise": 50, "features": tuple(pg.FEATURES), "hidden": ()},
        {"n_samples": 2, "ratio": 1, "batch_size": 30},
        {"initializer": "lecun_normal", "hidden": (1,) * 6, "learning_rate": 10.0},
        {"initializer": "random_normal", "hidden": (1,), "activation": "sigmoid"},
    ],
)
def test_extreme_settings_do_not_crash_or_warn(settings):
    p = Playground(**settings)
    p.step(3)
    assert 1 <= p.epoch <= 3 and p.image.value[:2] == b"\xff\xd8"
    assert f"Epoch {p.epoch}." in p.text and (p.epoch == 3 or "Training diverged" in p.text)


@pytest.mark.parametrize(
    "config", EXPORTED, ids=["default", "xor", "spiral", "regression", "custom"]
)
def test_exported_code_passes_the_books_linter(config, tmp_path):
    pytest.importorskip("ruff")
    path = tmp_path / "exported.py"
    path.write_text(export_code(config, epochs=5))
    for command in (
        ["check", "--config", str(ROOT / "pyproject.toml")],
        ["format", "--check", "--config", str(ROOT / "pyproject.toml")],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, str(path)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_new_layout_redraws_only_the_diagram_and_looks_the_same_as_a_fresh_figure():
    p = Playground(n_samples=200)
    p.step(3)
    p.add_layer()
    p.feature_boxes["sin(x1)"].value = True
    p.step(5)
    fresh = Playground(n_samples=200, hidden=(4, 2, 2), features=("x1", "x2", "sin(x1)"))
    fresh.step(5)
    np.testing.assert_array_equal(
        np.asarray(p.figure.canvas.buffer_rgba()), np.asarray(fresh.figure.canvas.buffer_rgba())
    )
    p.set(problem="regression")  # a new problem: the whole figure is rebuilt
    fresh = Playground(
        n_samples=200,
        hidden=(4, 2, 2),
        features=("x1", "x2", "sin(x1)"),
        problem="regression",
        dataset="plane",
    )
    np.testing.assert_array_equal(
        np.asarray(p.figure.canvas.buffer_rgba()), np.asarray(fresh.figure.canvas.buffer_rgba())
    )


def test_the_readout_does_not_blame_the_learning_rate_for_a_stuck_network():
    # All-zero weights: the loss only wobbles around its start (1.0006 against 1.0000), which
    # is symmetry, not overshooting (section 10.9).
    p = Playground(initializer="zeros")
    for _ in range(50):
        p.step(1)
        assert "higher than at epoch 0" not in p.text
    assert p.state["loss_train"] > p.trainer.history[0][1]  # the wobble is there


def test_the_readout_explains_a_learning_rate_that_is_too_large():
    p = Playground(n_samples=200, learning_rate=10.0)
    p.step(20)
    assert not p.trainer.diverged  # no overflow: the steps overshoot and the neurons saturate
    assert "higher than at epoch 0" in p.text and "Most of the network is saturated" in p.text
    assert p.state["saturated_hidden"] > 0.5
    p.set(learning_rate=0.03)
    p.step(20)
    assert "saturated" not in p.text and "higher than" not in p.text
    assert p.state["saturated_hidden"] == 0.0


def test_every_preset_is_valid_and_runs_deterministically():
    for name, (config, epochs) in pg.PRESETS.items():
        assert isinstance(config, PlaygroundConfig) and epochs > 0, name
        first, second = run(config, 2)[-1], run(config, 2)[-1]
        assert same_snapshot(first, second), name


def test_play_in_a_real_kernel_trains_while_idle_and_hears_pause():
    """In a Jupyter kernel, as a learner clicks: Play trains while no cell runs, the kernel still
    answers (a cell executes between frames), and the Pause click is processed."""
    jupyter_client = pytest.importorskip("jupyter_client")
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")

    def execute(code):
        outputs = []
        client.execute_interactive(code, timeout=120, output_hook=outputs.append)
        return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")

    def click(comm_id):
        content = {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
        client.shell_channel.send(client.session.msg("comm_msg", content))

    def wait_for(condition, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            epoch, playing = execute("print(p.epoch, p.playing)").split()
            if condition(int(epoch), playing == "True"):
                return int(epoch)
            time.sleep(0.2)
        raise AssertionError("timed out")

    try:
        comm_id = execute(
            "import matplotlib; matplotlib.use('Agg')\n"
            "from nnlib.widgets.playground import Playground\n"
            "p = Playground(n_samples=60)\n"
            "p.frame_interval = 0.01\n"
            "print(p.play_button.comm.comm_id)"
        ).strip()
        click(comm_id)  # Play
        playing = wait_for(lambda epoch, playing: playing and epoch >= 3)
        assert playing >= 3
        click(comm_id)  # Pause
        paused = wait_for(lambda epoch, playing: not playing)
        time.sleep(0.5)
        assert wait_for(lambda epoch, playing: True) == paused  # no more epochs after Pause
        assert "Paused at epoch" in execute("print(p.text)")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


# --- the presets replayed: what the static HTML book shows ------------------------------------


def test_replay_epochs_cover_each_run_from_start_to_end_in_as_many_steps():
    for name, (_, epochs) in pg.PRESETS.items():
        stops = pg.replay_epochs(epochs)
        assert len(stops) == len(pg.REPLAY_FRACTIONS), name
        assert stops[0] == 0 and stops[-1] == epochs and all(np.diff(stops) > 0), name
    assert pg.replay_epochs(30)[:6] == [0, 1, 2, 3, 4, 6]
    with pytest.raises(ValueError, match="too short"):
        pg.replay_epochs(5)


def test_a_replayed_state_is_the_run_at_that_epoch_whatever_the_order():
    pg._REPLAYS.clear()
    config, _ = pg.PRESETS["XOR, 4 hidden neurons"]
    snapshots = run(config, 12, every=3)  # epochs 0, 3, 6, 9, 12
    trainer = Trainer(config)
    trainer.train(12)
    for epoch in (6, 12, 3, 0, 9):  # forwards, then backwards (a retrain), then on
        state = pg.replay_state("XOR, 4 hidden neurons", epoch)
        assert same_snapshot(state, snapshots[epoch // 3])
        assert state["history"] == trainer.history[: epoch + 1] and state["why"] is None
        assert state["config"] == config and state["loss"] == state["loss_test"]
        assert state["first_loss"] == trainer.history[0][1]
    with pytest.raises(ValueError, match="unknown preset"):
        pg.replay_state("nope", 3)


def test_a_replay_that_diverged_stays_at_its_last_epoch_and_says_why(monkeypatch):
    exploding = PlaygroundConfig(
        problem="regression",
        dataset="plane",
        n_samples=60,
        activation="linear",
        hidden=(8,) * 6,
        learning_rate=10.0,
    )  # as in test_run_stops_where_training_diverges
    monkeypatch.setitem(pg.PRESETS, "exploding", (exploding, 40))
    pg._REPLAYS.pop("exploding", None)
    late = pg.replay_state("exploding", 40)
    assert late["diverged"] and late["why"] and late["epoch"] < 40
    assert "Training diverged" in pg.describe_replay({}, late)
    again = pg.replay_state("exploding", late["epoch"] + 1)
    assert again["epoch"] == late["epoch"] and again["why"] == late["why"]
    before = pg.replay_state("exploding", late["epoch"] - 1)  # retrained: not diverged yet
    assert not before["diverged"] and before["why"] is None
    assert before["epoch"] == late["epoch"] - 1


def test_the_replay_explorer_switches_presets_as_a_fresh_one_draws_them():
    e = pg.replay_explorer("playground default", 4)
    assert e.source == {
        "factory": "nnlib.widgets.playground:replay_explorer",
        "kwargs": {"preset": "playground default", "epoch": 4},
    }
    assert e.text.startswith("Preset “playground default”. Epoch 4.")
    for preset, epoch in [
        ("spiral, sin features", 5),
        ("plane, linear", 5),
        ("XOR, x1x2 alone", 3),
    ]:
        e.set(preset=preset, epoch=epoch)  # another network, another problem, another network
        fresh = pg.replay_explorer(preset, epoch)
        assert e.text == fresh.text and e.image.value == fresh.image.value, preset
    state = e.state
    assert "Epoch 3." in e.text and pg.describe(state["config"], state) in e.text


def test_another_network_on_the_same_panels_redraws_only_the_diagram(monkeypatch):
    # A full draw of the figure costs several times the diagram's part: the replay redraws that
    # part alone when the right-hand panels keep their limits, and shows the same picture.
    redrawn = []
    real = pg._redraw_diagram
    monkeypatch.setattr(pg, "_redraw_diagram", lambda *a: redrawn.append(1) or real(*a))
    e = pg.replay_explorer("playground default", 0)
    for preset in ["XOR, no hidden layer", "XOR, x1x2 alone", "XOR, 4 hidden neurons"]:
        before = len(redrawn)
        e.set(preset=preset)
        assert len(redrawn) == before + 1, preset  # the diagram alone, on the old background
        assert e.image.value == pg.replay_explorer(preset, 0).image.value, preset
    e.set(preset="plane, linear")  # a regression: other panels, so the whole figure
    assert len(redrawn) == 3
    assert e.image.value == pg.replay_explorer("plane, linear", 0).image.value


def test_in_the_book_build_the_playground_makes_no_widget_and_shows_the_replay(monkeypatch):
    from ipywidgets.widgets.widget import _instances

    from nnlib.widgets import static

    monkeypatch.setenv(static.STATIC_ENV, "1")
    before = set(_instances)
    p = Playground()
    p.step(30)
    p.set(dataset="xor")  # the chapter drives it from code: all of that still works
    p.add_layer()
    assert p.export().startswith('"""')
    assert set(_instances) == before and p.widget is None
    p.controls["dataset"].value = "gauss"  # ... and so does moving its stand-in controls
    p.buttons["Add layer"].click()
    assert p.config.dataset == "gauss" and len(p.config.hidden) == 4 and p.epoch == 0
    p.set(dataset="circle", hidden=(4, 2))
    p.step(30)
    view = p.static_view()
    assert view.values == {"preset": "playground default", "epoch": 30}
    other = Playground(dataset="gauss", n_samples=100).static_view()
    assert other.values == {"preset": "playground default", "epoch": 0}  # no preset runs it
    spec = view.static_spec()
    the_plan = static.plan(view.controls, view.values, spec, view.title)
    assert len(the_plan) == len(pg.PRESETS) * len(pg.REPLAY_FRACTIONS)
    epochs = the_plan.controls[1]
    assert epochs["by_preset"]["values"][0] == pg.replay_epochs(100)
    assert epochs["values"][epochs["start"]] == 30
    assert "need a live kernel" in spec.note


def test_the_maps_are_the_right_way_up_in_the_notebook_and_in_the_static_book():
    """Map rows run upwards (row 0 at the bottom of its box, as the plane grid's x2)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from nnlib.widgets import static

    figure = Figure(figsize=(1, 1), dpi=100)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_axes([0, 0, 1, 1])
    ax.set(xlim=(0, 1), ylim=(0, 1))
    maps = pg._pixel_maps_class()(ax, [(0, 1, 0, 1)])
    values = np.zeros((1, 10, 10))
    values[0, 0] = 1.0  # the bottom row is +1: orange
    maps.set_data(values)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3]
    np.testing.assert_array_equal(pixels[95, 50], pg._LUT[255, :3])  # near the bottom
    np.testing.assert_array_equal(pixels[5, 50], pg._LUT[128, :3])  # 0 elsewhere
    # The static book's recorder gets the indices top row first, as an image file has them.
    recorder = static._make_recorder()(canvas.get_renderer(), static._Page())
    maps.draw(recorder)
    (record,) = recorder.records
    assert record["k"] == "map"
    png = io.BytesIO(base64.b64decode(recorder.page.images[record["src"]]["p"]))
    indices = np.asarray(Image.open(png))
    assert indices[-1].tolist() == [255] * 10 and indices[0].tolist() == [128] * 10
