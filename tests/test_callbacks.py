"""Tests for nnlib.callbacks: History and EarlyStopping (Keras's semantics, best weights)."""

import numpy as np
import pytest

from nnlib import SGD, Adam, Callback, Dense, EarlyStopping, History, Sequential, datasets

pytestmark = pytest.mark.filterwarnings("error")


class Scripted(Callback):
    """Writes a scripted value into the logs before EarlyStopping reads them."""

    def __init__(self, values, key="val_loss"):
        self.values, self.key = list(values), key

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def tiny_model(seed=0):
    model = Sequential([Dense(1, input_shape=(2,))], seed=seed)
    model.compile(optimizer=SGD(0.01), loss="mse")
    return model


def run(values, key="val_loss", epochs=None, **kwargs):
    """Fit a tiny model with scripted monitored values; returns (epochs run, callback)."""
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    stopper = EarlyStopping(monitor=key, **kwargs)
    history = tiny_model().fit(
        X, y, epochs=epochs or len(values), callbacks=[Scripted(values, key), stopper]
    )
    return len(history.epoch), stopper


def test_history_collects_logs_per_epoch():
    h = History()
    h.append(0, {"loss": 1.0})
    h.append(1, {"loss": 0.5, "val_loss": 0.7})
    assert h.epoch == [0, 1] and h.history == {"loss": [1.0, 0.5], "val_loss": [0.7]}


# --- when EarlyStopping stops ----------------------------------------------------------------


def test_patience_counts_epochs_without_improvement():
    values = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0, 1.0]
    # Best 3.0 at epoch 2; epochs 3, 4 and 5 do not improve: with patience 3, stop after 5.
    n, stopper = run(values, patience=3)
    assert n == 6 and stopper.stopped_epoch == 5
    assert stopper.best == 3.0 and stopper.best_epoch == 2
    # With patience 4 the improvement at epoch 6 arrives in time and training runs to the end.
    n, stopper = run(values, patience=4)
    assert n == 8 and stopper.stopped_epoch == 0 and stopper.best == 1.0
    assert stopper.best_epoch == 7 and stopper.wait == 0


def test_patience_zero_stops_at_the_first_epoch_that_does_not_improve():
    n, stopper = run([3.0, 2.0, 2.5, 1.0])
    assert n == 3 and stopper.stopped_epoch == 2 and stopper.best_epoch == 1


def test_min_delta_ignores_small_improvements():
    values = [1.0, 0.95, 0.91, 0.5]
    n, stopper = run(values, patience=2, min_delta=0.1)
    assert n == 3 and stopper.best == 1.0  # 0.95 and 0.91 are not 0.1 better than 1.0
    n, _ = run(values, patience=2, min_delta=-0.1)  # the sign of min_delta is ignored
    assert n == 3
    n, stopper = run(values, patience=2, min_delta=0.01)
    assert n == 4 and stopper.best == 0.5


def test_mode_max_and_auto_inference():
    n, stopper = run([0.5, 0.7, 0.6, 0.65, 0.9], key="val_accuracy", patience=2)
    assert stopper.mode == "max" and n == 4 and stopper.best == 0.7 and stopper.best_epoch == 1
    assert EarlyStopping("val_loss").mode == "min" and EarlyStopping("loss").mode == "min"
    assert EarlyStopping("val_mae").mode == "min" and EarlyStopping("accuracy").mode == "max"
    assert EarlyStopping("val_crossentropy").mode == "min"
    assert EarlyStopping("val_score", mode="max").mode == "max"
    with pytest.raises(ValueError, match="mode='min' or mode='max'"):
        EarlyStopping("val_score")
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_start_from_epoch_is_a_warm_up_without_monitoring():
    values = [1.0, 2.0, 3.0, 4.0, 3.5, 3.8, 3.9]
    n, _ = run(values)
    assert n == 2  # epoch 1 is worse than epoch 0
    n, stopper = run(values, start_from_epoch=3)
    assert n == 6 and stopper.best == 3.5 and stopper.best_epoch == 4


def test_a_missing_monitor_is_a_clear_error():
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"'val_loss'.*validation_data"):
        tiny_model().fit(X, y, epochs=3, callbacks=[EarlyStopping()])


def test_the_keras_documentation_example_runs_four_epochs():
    # keras.io's example: monitor='loss', patience=3 on a model whose loss only grows, so the
    # first epoch is the best and training stops after epochs 1, 2 and 3 fail to improve.
    callback = EarlyStopping(monitor="loss", patience=3)
    model = Sequential([Dense(10)], seed=0)
    model.compile(SGD(), loss="mse")
    with np.errstate(over="ignore"):
        history = model.fit(
            np.arange(100.0).reshape(5, 20),
            np.zeros((5, 10)),  # Keras broadcasts np.zeros(5); nnlib wants the shape
            epochs=10,
            batch_size=1,
            callbacks=[callback],
        )
    assert len(history.history["loss"]) == 4
    assert np.all(np.diff(history.history["loss"]) > 0)


# --- restoring the best weights -------------------------------------------------------------


class WeightsPerEpoch(Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def overfitting_run(restore, patience=15, epochs=400):
    X, y = datasets.make_moons(230, noise=0.35, seed=0)
    X_train, y_train, X_val, y_val = X[:30], y[:30], X[30:], y[30:]
    model = Sequential(
        [
            Dense(64, activation="relu", input_shape=(2,)),
            Dense(64, activation="relu"),
            Dense(1, activation="sigmoid"),
        ],
        seed=0,
    )
    model.compile(optimizer=Adam(0.01), loss="binary_crossentropy")
    stopper = EarlyStopping(patience=patience, restore_best_weights=restore)
    recorder = WeightsPerEpoch()
    history = model.fit(
        X_train,
        y_train,
        epochs=epochs,
        batch_size=30,
        validation_data=(X_val, y_val),
        callbacks=[recorder, stopper],
    )
    return model, stopper, recorder, history, (X_val, y_val)


def test_restore_best_weights_really_restores_them():
    model, stopper, recorder, history, (X_val, y_val) = overfitting_run(restore=True)
    val = np.array(history.history["val_loss"])
    assert 0 < stopper.stopped_epoch < 399  # it did stop early, on an overfitting network
    assert stopper.best_epoch == int(np.argmin(val)) and stopper.best == val.min()
    assert stopper.stopped_epoch == stopper.best_epoch + stopper.patience
    for got, want in zip(model.get_weights(), recorder.weights[stopper.best_epoch], strict=True):
        np.testing.assert_array_equal(got, want)
    assert model.evaluate(X_val, y_val) == pytest.approx(val.min(), rel=1e-12)
    last = recorder.weights[-1]
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), last, strict=True))
    assert val[-1] > val.min()  # the last epoch is worse: that is why restoring matters


def test_without_restoring_the_model_keeps_its_last_weights():
    model, stopper, recorder, history, (X_val, y_val) = overfitting_run(restore=False)
    assert stopper.best_weights is None
    for got, want in zip(model.get_weights(), recorder.weights[-1], strict=True):
        np.testing.assert_array_equal(got, want)
    assert model.evaluate(X_val, y_val) == pytest.approx(history.history["val_loss"][-1])


def test_restores_the_best_weights_even_without_stopping_and_can_be_reused():
    values = [3.0, 1.0, 2.0, 2.5]
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    model, recorder = tiny_model(), WeightsPerEpoch()
    stopper = EarlyStopping(patience=10, restore_best_weights=True)
    model.fit(X, y, epochs=4, callbacks=[Scripted(values), recorder, stopper])
    assert stopper.stopped_epoch == 0 and stopper.best_epoch == 1
    for got, best in zip(model.get_weights(), recorder.weights[1], strict=True):
        np.testing.assert_array_equal(got, best)  # the kernel and the bias
    # A second fit starts afresh: best, wait and best weights are reset.
    model.fit(X, y, epochs=2, callbacks=[Scripted([9.0, 8.0]), stopper])
    assert stopper.best == 8.0 and stopper.best_epoch == 1 and stopper.stopped_epoch == 0
