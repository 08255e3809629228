"""Chapter 8's widget: the overfitting lab (its pure run, its presets' stories, the explorer)."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from nnlib import SGD, Dense, EarlyStopping, Sequential, losses  # noqa: E402
from nnlib.widgets import overfitting as ov  # noqa: E402
from nnlib.widgets.overfitting import (  # noqa: E402
    DEFAULTS,
    MAX_EPOCHS,
    PRESETS,
    SIZES,
    describe_lab,
    lab_data,
    lab_model,
    lab_run,
    overfitting_lab,
    preset,
)

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py
BCE = losses.BinaryCrossentropy()


def clear_caches():
    ov._RUNS.clear()
    ov._STATES.clear()


# --- the data and the pure run ----------------------------------------------------------------


def test_lab_data_nests_the_training_sets_and_keeps_the_validation_set():
    sets = {n: lab_data(n, 0.3) for n in SIZES}
    for n, (X, y, X_val, _) in sets.items():
        assert X.shape == (n, 2) and y.shape == (n,) and X_val.shape == (200, 2)
        np.testing.assert_array_equal(X, sets[160][0][:n])  # more data adds points
        np.testing.assert_array_equal(X_val, sets[20][2])
        assert 0.2 < y.mean() < 0.8
    spread = [lab_data(80, noise)[0].std() for noise in (0.1, 0.5)]
    assert spread[1] > spread[0]
    with pytest.raises(ValueError, match="n_train must be one of"):
        lab_data(50)


def test_lab_run_is_a_plain_nnlib_fit_with_these_settings():
    clear_caches()
    run = lab_run(width=8, depth=2, n_train=40, noise=0.3, l2=1e-3, dropout=0.2, epochs=60)
    X, y, X_val, y_val = lab_data(40, 0.3)
    model = lab_model(8, 2, 1e-3, 0.2)
    model.fit(X, y, epochs=60, batch_size=40)
    assert run["epochs_run"] == 60 and run["n_params"] == model.count_params() == 24 + 72 + 9
    assert run["final_train_loss"] == pytest.approx(BCE(y, model.predict(X)), rel=1e-12)
    assert run["final_val_loss"] == pytest.approx(BCE(y_val, model.predict(X_val)), rel=1e-12)
    assert run["penalty"] == pytest.approx(model.penalty(), rel=1e-12)
    assert run["val_accuracy"] == np.mean((model.predict(X_val)[:, 0] > 0.5) == y_val)
    xx, yy = run["grid"]
    points = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_allclose(run["proba"].ravel(), model.predict(points)[:, 0], rtol=1e-12)
    assert run["val_loss"][-1] == run["final_val_loss"] and run["loss"] == run["final_val_loss"]
    assert run["best_epoch"] == int(np.argmin(run["val_loss"])) + 1


def test_early_stopping_in_the_lab_is_keras_early_stopping_on_the_validation_loss():
    clear_caches()
    run = lab_run(early_stopping="on", patience=10)
    # By hand, the other way: fit's own validation pass with a cross-entropy metric.
    X, y, X_val, y_val = lab_data(80, 0.4)
    model = lab_model()

    def ce(y_true, y_pred):
        return BCE(y_true, y_pred)

    model.compile(optimizer=model.optimizer, loss="binary_crossentropy", metrics=[ce])
    stopper = EarlyStopping("val_ce", patience=10, mode="min", restore_best_weights=True)
    history = model.fit(
        X, y, epochs=MAX_EPOCHS, batch_size=80, validation_data=(X_val, y_val), callbacks=[stopper]
    )
    np.testing.assert_allclose(run["val_loss"], history.history["val_ce"], rtol=1e-12)
    assert run["stopped_epoch"] == stopper.stopped_epoch + 1 == run["best_epoch"] + 10
    assert run["restored"] and run["restored_epoch"] == run["best_epoch"]
    assert run["final_val_loss"] == pytest.approx(run["best_val_loss"], rel=1e-12)
    assert run["final_val_loss"] < run["val_loss"][-1]  # restoring mattered


def test_extending_a_run_from_the_cache_gives_the_fresh_numbers():
    settings = dict(width=16, depth=2, n_train=40, dropout=0.4)
    clear_caches()
    fresh = lab_run(**settings, epochs=150)
    clear_caches()
    for epochs in (25, 60, 150):
        extended = lab_run(**settings, epochs=epochs)
    for key in ("train_loss", "val_loss", "proba"):
        np.testing.assert_array_equal(extended[key], fresh[key])
    shorter = lab_run(**settings, epochs=50)  # a checkpoint, then 0 epochs of training
    np.testing.assert_array_equal(shorter["val_loss"], fresh["val_loss"][:50])
    clear_caches()
    np.testing.assert_array_equal(lab_run(**settings, epochs=50)["proba"], shorter["proba"])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="early_stopping must be"):
        lab_run(early_stopping="yes")
    with pytest.raises(ValueError, match="width must be one of"):
        lab_run(width=3)
    with pytest.raises(ValueError, match="epochs must be between"):
        lab_run(epochs=500)
    with pytest.raises(ValueError, match="unknown preset"):
        preset("perfect fit")


def test_a_divergence_is_caught_and_reported():
    X, y, X_val, y_val = lab_data(20, 0.3)
    model = Sequential([Dense(4, activation="relu", input_shape=(2,)), Dense(1)], seed=0)
    model.compile(optimizer=SGD(1e8), loss="mse")
    logs = {}
    ov._fit(model, (X, y[:, None] * 1e3, X_val, y_val), 20, logs)
    assert logs["diverged"]
    state = {**lab_run(epochs=25), "diverged": True}
    assert "DIVERGED" in describe_lab(DEFAULTS, state)


# --- the presets tell true stories --------------------------------------------------------------


@pytest.fixture(scope="module")
def presets():
    return {p["name"]: lab_run(**preset(p["name"])) for p in PRESETS}


def rise(state):
    return state["val_loss"][-1] - state["best_val_loss"]


def test_there_are_four_to_eight_presets_with_stories():
    assert 4 <= len(PRESETS) <= 8
    for p in PRESETS:
        assert set(p) == {"name", "values", "story"} and set(p["values"]) <= set(DEFAULTS)


def test_the_underfit_and_overfit_presets(presets):
    under, over = presets["underfit: too small a network"], presets[PRESETS[1]["name"]]
    assert under["final_train_loss"] > 0.35 and under["final_val_loss"] > 0.35
    assert abs(under["final_val_loss"] - under["final_train_loss"]) < 0.05
    assert over["n_params"] == 2241 and "2,241 parameters" in PRESETS[1]["story"]
    assert over["final_train_loss"] < 0.1 < under["final_train_loss"] - 0.2
    assert 35 <= over["best_epoch"] <= 65  # "turns near epoch 50"
    assert over["final_val_loss"] > 3 * over["best_val_loss"]  # "several times its lowest"
    assert over["val_accuracy"] < under["val_accuracy"]


def test_the_l2_presets(presets):
    over, l2 = presets[PRESETS[1]["name"]], presets["L2 fixes it"]
    assert l2["final_val_loss"] < 0.5 * over["final_val_loss"] and rise(l2) < 0.01
    assert l2["penalty"] > 0
    too_much = presets["too much L2 underfits"]
    assert abs(too_much["final_train_loss"] - np.log(2)) < 0.03
    assert abs(too_much["final_val_loss"] - np.log(2)) < 0.03
    assert np.abs(too_much["proba"] - 0.5).max() < 0.2  # about 0.5 everywhere


def test_the_dropout_preset_helps_but_does_not_stop_the_rise(presets):
    over, drop = presets[PRESETS[1]["name"]], presets["dropout helps, partly"]
    assert drop["final_val_loss"] < 0.5 * over["final_val_loss"]
    assert rise(drop) > 0.05 and drop["final_val_loss"] > presets["L2 fixes it"]["final_val_loss"]


def test_the_early_stopping_presets(presets):
    es, hasty = presets["early stopping"], presets["impatient early stopping"]
    over = presets[PRESETS[1]["name"]]
    assert es["stopped_epoch"] == es["best_epoch"] + 20 and es["best_epoch"] == over["best_epoch"]
    assert es["final_val_loss"] == pytest.approx(over["best_val_loss"], rel=1e-12)
    others = [s["final_val_loss"] for name, s in presets.items() if name != "early stopping"]
    assert es["final_val_loss"] < min(others)  # "the best validation loss of all presets"
    assert hasty["stopped_epoch"] == 15 and "after 15 epochs" in PRESETS[6]["story"]
    assert hasty["final_val_loss"] > es["final_val_loss"] + 0.03


def test_the_more_data_preset(presets):
    over, more = presets[PRESETS[1]["name"]], presets["more data"]
    assert more["best_val_loss"] < over["best_val_loss"]
    assert more["best_epoch"] > over["best_epoch"] and rise(more) < 0.5 * rise(over)


# --- the explorer ---------------------------------------------------------------------------------


def test_the_explorer_shows_the_pure_run_and_says_its_numbers():
    e = overfitting_lab()
    state = lab_run(**DEFAULTS)
    np.testing.assert_array_equal(e.state["val_loss"], state["val_loss"])
    assert f"validation loss {state['final_val_loss']:.3f}" in e.text
    assert f"lowest, {state['best_val_loss']:.3f}, at epoch {state['best_epoch']}" in e.text
    assert "Overfitting: since epoch" in e.text and "2,241 parameters" in e.text
    e.set(**preset("early stopping"))
    assert "Early stopping ended training after epoch" in e.text
    e.set(**preset("too much L2 underfits"))
    assert "near log 2" in e.text


def test_the_train_button_adds_25_epochs_up_to_the_maximum():
    e = overfitting_lab(epochs=50)
    e.run("Train 25 epochs")
    assert e.values["epochs"] == 75 and e.state["epochs_run"] == 75
    np.testing.assert_array_equal(
        e.state["val_loss"], lab_run(**{**DEFAULTS, "epochs": 75})["val_loss"]
    )
    e.set(epochs=MAX_EPOCHS)
    e.run("Train 25 epochs")
    assert e.values["epochs"] == MAX_EPOCHS


def test_every_control_changes_the_picture():
    e = overfitting_lab(epochs=100, early_stopping="on", patience=10)
    changes = dict(  # patience first: it matters only while early stopping stops the run
        patience=40, width=8, depth=2, n_train=40, noise=0.2, l2=1e-3, dropout=0.2, epochs=50
    )
    for name, value in changes.items():
        before = e.image.value
        e.set(**{name: value})
        assert e.image.value != before, name
    before = e.image.value
    e.set(early_stopping="off")
    assert e.image.value != before


def test_extreme_values_neither_crash_nor_warn():
    e = overfitting_lab(epochs=25)
    lows = dict(width=2, depth=1, n_train=20, noise=0.1, l2=0.0, dropout=0.0, patience=5)
    highs = dict(width=32, depth=3, n_train=160, noise=0.5, l2=0.1, dropout=0.6, patience=40)
    for extremes in (lows, highs):
        for stopping in ("off", "on"):
            e.set(**extremes, early_stopping=stopping, epochs=25)
            _assert_readout_matches(e)
    e.reset()
    for name in lows:
        for value in (lows[name], highs[name]):
            e.set(**{name: value})
            assert e.values[name] == pytest.approx(value)
            _assert_readout_matches(e)
    e.set(**highs, early_stopping="on", epochs=MAX_EPOCHS)
    _assert_readout_matches(e)


def _assert_readout_matches(e):
    """A finite run (no divergence at any setting) whose readout states the settings, the
    parameter count of a 2-w-...-w-1 network and the final losses it computed."""
    v, state = e.values, e.state
    width, depth = int(v["width"]), int(v["depth"])
    n_params = 3 * width + (depth - 1) * (width + 1) * width + width + 1
    assert not state["diverged"] and state["n_params"] == n_params
    assert 1 <= state["epochs_run"] <= int(v["epochs"])
    assert np.all(np.isfinite(state["train_loss"])) and np.all(np.isfinite(state["val_loss"]))
    assert np.all((state["proba"] > 0) & (state["proba"] < 1))  # a sigmoid's output
    stopping = f"on (patience {v['patience']})" if v["early_stopping"] == "on" else "off"
    for words in (
        f"({n_params:,} parameters), {v['n_train']} training points",
        f"early stopping {stopping}",
        f"training loss {state['final_train_loss']:.3f}",
        f"validation loss {state['final_val_loss']:.3f}",
    ):
        assert words in e.text, (words, e.text)
