"""Tests for nnlib.model.Sequential: the seed snippets, training, determinism, errors, dtypes."""

import re
import warnings

import numpy as np
import pytest

import nnlib
from nnlib import (
    SGD,
    Activation,
    Adam,
    Callback,
    Dense,
    DivergenceError,
    Sequential,
    SimpleRNN,
)
from nnlib.activations import sigmoid
from nnlib.datasets import make_moons, train_test_split
from nnlib.gradcheck import check_model
from nnlib.losses import BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy

pytestmark = pytest.mark.filterwarnings("error")


def regression_data(n=400, input_size=4, seed=0):
    """y = X w + 0.5 + noise: (n, input_size) inputs, (n, 1) targets."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, input_size))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0])[:input_size] + 0.5 + 0.05 * rng.standard_normal(n)
    return X, y[:, None]


def binary_data(n=200, n_features=10, seed=0):
    """Linearly separable labels in {0, 1} of shape (n,)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features))
    return X, (X @ rng.standard_normal(n_features) > 0).astype(np.int64)


def small_classifier(seed=0, **compile_args):
    model = Sequential(
        [Dense(8, activation="tanh", input_shape=(10,)), Dense(1, activation="sigmoid")], seed=seed
    )
    model.compile(
        **{
            "optimizer": Adam(0.01),
            "loss": "binary_crossentropy",
            "metrics": ["accuracy"],
            **compile_args,
        }
    )
    return model


# --- the seed snippets, with only the imports changed ------------------------------------------


def test_seed_001_regression_snippet():
    X, y = regression_data(n=2000)
    input_size = X.shape[1]
    X_train, X_test, y_train, y_test = X[:1600], X[1600:], y[:1600], y[1600:]

    # Seed 001, as written (its model is not seeded, so the checks below hold for any start).
    # fmt: off
    # Define the model architecture
    model = Sequential([
    Dense(32, activation='relu', input_shape=(input_size,)),
    Dense(1) # Output layer
    ])
    # Compile the model
    model.compile(optimizer='adam', loss='mse')
    # Train the model
    model.fit(X_train, y_train, epochs=10, batch_size=32)
    # Make predictions
    predictions = model.predict(X_test)
    # fmt: on

    assert predictions.shape == (400, 1)
    assert np.all(np.isfinite(predictions))
    # It learned: far better than predicting the mean (over 300 random starts, at worst 0.011).
    assert np.mean((predictions - y_test) ** 2) < 0.25 * np.var(y_test)
    assert model.count_params() == (input_size * 32 + 32) + (32 + 1)


def test_seed_002_classification_snippet(capsys):
    # Seed 002, as written.
    # fmt: off
    # Create a sequential model
    model = Sequential([
        Dense(64, activation='relu', input_shape=(10,)),
        Dense(32, activation='relu'),
        Dense(1, activation='sigmoid')
    ])

    # Compile the model
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])

    # Now the model is ready for training!
    # fmt: on
    assert model.count_params() == 2817
    assert [layer.count_params() for layer in model.layers] == [704, 2080, 33]
    model.summary()
    out = capsys.readouterr().out
    for number in ("704", "2080", "33", "2,817"):
        assert number in out
    assert "(None, 64)" in out and "(None, 32)" in out and "(None, 1)" in out

    X, y = binary_data()
    history = model.fit(X, y, epochs=5, batch_size=32)
    assert set(history.history) == {"loss", "accuracy"}
    assert capsys.readouterr().out == ""  # verbose=0 by default
    prediction = model.predict(X[:3])
    assert prediction.shape == (3, 1) and np.all((prediction > 0) & (prediction < 1))


def test_summary_lines_and_names():
    model = Sequential(
        [
            Dense(64, activation="relu", input_shape=(10,)),
            Dense(32, activation="relu"),
            Dense(1, activation="sigmoid"),
        ]
    )
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0].splitlines()
    assert re.search(r"dense \(Dense\)\s+\(None, 64\)\s+704\s*$", text[3])
    assert re.search(r"dense_1 \(Dense\)\s+\(None, 32\)\s+2080\s*$", text[4])
    assert re.search(r"dense_2 \(Dense\)\s+\(None, 1\)\s+33\s*$", text[5])
    assert text[-1] == "Total params: 2,817"


# --- training ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(600, noise=0.15, seed=0)
    return train_test_split(X, y, test_size=0.25, seed=1)


def test_fit_learns_the_moons(moons):
    X_train, X_test, y_train, y_test = moons
    model = Sequential(
        [
            Dense(16, activation="relu", input_shape=(2,)),
            Dense(16, activation="relu"),
            Dense(1, activation="sigmoid"),
        ],
        seed=0,
    )
    model.compile(optimizer=Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(
        X_train, y_train, epochs=40, batch_size=32, validation_data=(X_test, y_test)
    )
    loss = history.history["loss"]
    assert loss[-1] < 0.2 * loss[0]
    assert np.mean(loss[-5:]) < np.mean(loss[5:10]) < loss[0]  # downhill, epoch by epoch blocks
    test_loss, test_accuracy = model.evaluate(X_test, y_test)
    assert test_accuracy >= 0.95
    assert history.history["val_accuracy"][-1] == test_accuracy
    predicted = (model.predict(X_test)[:, 0] > 0.5).astype(int)
    assert np.mean(predicted == y_test) == test_accuracy


def test_history_with_validation_data():
    X, y = binary_data()
    model = small_classifier()
    history = model.fit(
        X[:150], y[:150], epochs=4, batch_size=32, validation_data=(X[150:], y[150:])
    )
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 4 for values in history.history.values())
    assert history.epoch == [0, 1, 2, 3]
    assert all(type(v) is float for values in history.history.values() for v in values)
    # The last epoch's validation numbers are those of the trained model.
    last = [history.history["val_loss"][-1], history.history["val_accuracy"][-1]]
    assert last == model.evaluate(X[150:], y[150:])


def test_history_with_validation_split():
    X, y = binary_data()
    model = small_classifier()
    history = model.fit(X, y, epochs=3, batch_size=32, validation_split=0.2)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 3 for values in history.history.values())
    # As in Keras, the validation set is the last 20 % of the rows, taken before shuffling.
    assert history.history["val_loss"][-1] == model.evaluate(X[160:], y[160:])[0]
    assert history.history["val_loss"][-1] != model.evaluate(X[:40], y[:40])[0]


@pytest.mark.parametrize("split", [1.0, 1.5, -0.2])
def test_validation_split_that_leaves_an_empty_set_raises(split):
    X, y = binary_data(n=100)
    with pytest.raises(ValueError, match="validation_split"):
        small_classifier().fit(X, y, validation_split=split)


@pytest.mark.parametrize(
    ("n", "split", "n_val"), [(10, 0.25, 3), (100, 0.333, 34), (100, 0.001, 1)]
)
def test_validation_split_holds_out_as_many_samples_as_keras(n, split, n_val):
    # Keras trains on the first floor(n (1 - split)) samples and validates on the rest.
    X, y = binary_data(n=n)
    model = small_classifier()
    history = model.fit(X, y, epochs=1, validation_split=split, shuffle=False)
    assert history.history["val_loss"][0] == model.evaluate(X[n - n_val :], y[n - n_val :])[0]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_a_batch_size_that_is_not_a_positive_integer_raises(batch_size):
    X, y = binary_data(n=20)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        small_classifier().fit(X, y, batch_size=batch_size)


def test_epoch_loss_is_the_loss_before_the_step():
    X, y = binary_data(n=64)
    model = small_classifier(optimizer=SGD(0.1))
    before = model.evaluate(X, y, return_dict=True)
    history = model.fit(X, y, epochs=1, batch_size=64)  # one batch: one step
    assert history.history["loss"][0] == pytest.approx(before["loss"], rel=1e-12)
    assert history.history["accuracy"][0] == before["accuracy"]


def test_epoch_loss_is_the_mean_over_samples():
    # Batches of 64 and 36 samples: the epoch's loss weights each batch by its size.
    X, y = binary_data(n=100)
    model = small_classifier(optimizer=SGD(0.1))
    seen = []

    class Batches(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

    history = model.fit(X, y, epochs=1, batch_size=64, shuffle=False, callbacks=[Batches()])
    assert history.history["loss"][0] == pytest.approx(
        (64 * seen[0] + 36 * seen[1]) / 100, rel=1e-12
    )


# --- determinism -------------------------------------------------------------------------------


def train(seed, X, y):
    model = small_classifier(seed=seed)
    history = model.fit(X, y, epochs=3, batch_size=16, validation_split=0.25)
    return model, history


def test_same_seed_same_numbers():
    X, y = binary_data()
    a, history_a = train(7, X, y)
    b, history_b = train(7, X, y)
    assert history_a.history == history_b.history
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_different_seeds_differ():
    X, y = binary_data()
    a, history_a = train(7, X, y)
    b, history_b = train(8, X, y)
    assert history_a.history["loss"] != history_b.history["loss"]
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])
    W_a = Sequential([Dense(3, input_shape=(2,))], seed=7).get_weights()[0]
    W_b = Sequential([Dense(3, input_shape=(2,))], seed=7).get_weights()[0]
    W_c = Sequential([Dense(3, input_shape=(2,))], seed=8).get_weights()[0]
    np.testing.assert_array_equal(W_a, W_b)
    assert not np.array_equal(W_a, W_c)


# --- divergence --------------------------------------------------------------------------------


def test_divergence_raises_a_named_error():
    X, y = regression_data(n=200)
    model = Sequential([Dense(8, activation="tanh", input_shape=(4,)), Dense(1)], seed=0)
    model.compile(optimizer=SGD(learning_rate=1e4), loss="mse")
    steps = []

    class Steps(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_batch_end(self, batch, logs=None):
            steps.append((self.epoch + 1, batch + 1))  # 1-based, as the message counts

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way to the error
        with pytest.raises(DivergenceError) as excinfo:
            model.fit(X, y, epochs=100, batch_size=32, callbacks=[Steps()])
    message = str(excinfo.value)
    match = re.search(r"epoch (\d+), step (\d+)", message)
    assert match, message
    epoch, step = int(match[1]), int(match[2])
    # The failing step is the one after the last step that completed.
    n_steps = 7  # ceil(200 / 32) steps per epoch
    last = steps[-1] if steps else (1, 0)
    assert (epoch, step) == ((last[0], last[1] + 1) if last[1] < n_steps else (last[0] + 1, 1))
    assert "learning rate 10000.0" in message
    # The step that met the bad loss was not applied: the weights are still finite numbers.
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert isinstance(excinfo.value, FloatingPointError)
    assert nnlib.DivergenceError is DivergenceError


def test_moderate_learning_rate_does_not_raise():
    X, y = regression_data(n=200)
    model = Sequential([Dense(8, activation="tanh", input_shape=(4,)), Dense(1)], seed=0)
    model.compile(optimizer=SGD(learning_rate=0.05), loss="mse")
    history = model.fit(X, y, epochs=5, batch_size=32)
    assert history.history["loss"][-1] < history.history["loss"][0]


# --- the fused sigmoid + BCE and softmax + CCE path ---------------------------------------------


def fixed_model(units, activation, loss, n_in=3, scale=1.0):
    model = Sequential([Dense(units, activation=activation, input_shape=(n_in,))], seed=0)
    rng = np.random.default_rng(1)
    model.set_weights([scale * rng.standard_normal((n_in, units)), rng.standard_normal(units)])
    model.compile(optimizer=SGD(0.1), loss=loss)
    return model


def test_fused_loss_equals_unfused_where_nothing_is_clipped():
    X = np.random.default_rng(2).standard_normal((6, 3))
    labels = np.array([0, 1, 2, 1, 0, 2])
    cases = [
        (1, "sigmoid", BinaryCrossentropy(), (labels > 0).astype(float)),
        (3, "softmax", CategoricalCrossentropy(), np.eye(3)[labels]),
        (3, "softmax", SparseCategoricalCrossentropy(), labels),
    ]
    for units, activation, loss, y in cases:
        model = fixed_model(units, activation, loss)
        y_pred = model.predict(X)
        assert y_pred.min() > 1e-6 and y_pred.max() < 1 - 1e-6  # no clipping happens here
        assert model.evaluate(X, y) == pytest.approx(loss(y, y_pred), rel=1e-12)
        assert model.compute_gradients(X, y) == pytest.approx(loss(y, y_pred), rel=1e-12)
        # Same gradient as back-propagating the unfused loss through the activation.
        fused_grads = [p.grad.copy() for p in model.parameters()]
        model.backward(loss.gradient(y, y_pred))
        for fused, unfused in zip(fused_grads, [p.grad for p in model.parameters()], strict=True):
            np.testing.assert_allclose(fused, unfused, rtol=1e-10)


def test_fused_loss_stays_finite_for_saturated_outputs():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))], seed=0)
        model.set_weights([np.array([[50.0], [-50.0], [0.0]]), np.zeros(1)])
        model.compile(optimizer=SGD(0.1), loss="binary_crossentropy")
        y = np.array([0, 1])  # both confidently wrong: z = 50 for class 0, z = -50 for class 1
        np.testing.assert_array_equal(model.predict(X), [[1.0], [sigmoid(-50.0)]])
        assert model.evaluate(X, y) == 50.0  # not the clipped -log(1e-7) = 16.1
        assert model.compute_gradients(X, y) == 50.0
        np.testing.assert_allclose(model.layers[0].W.grad, [[0.5], [-0.5], [0.0]])
        model.set_weights([np.array([[1000.0], [-1000.0], [0.0]]), np.zeros(1)])  # |z| = 1000
        assert model.evaluate(X, y) == 1000.0 and model.compute_gradients(X, y) == 1000.0
        np.testing.assert_allclose(model.layers[0].W.grad, [[0.5], [-0.5], [0.0]])

        model = Sequential([Dense(3, activation="softmax", input_shape=(3,))], seed=0)
        model.set_weights([np.diag([1000.0, 1000.0, 1000.0]), np.zeros(3)])
        model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy")
        assert model.evaluate(X, np.array([2, 0])) == 1000.0
        model.train_step(X, np.array([2, 0]))
        assert all(np.all(np.isfinite(p.value)) for p in model.parameters())


# --- dtypes ------------------------------------------------------------------------------------


def test_float32_end_to_end():
    X, y = binary_data()
    X = X.astype(np.float32)
    model = small_classifier()  # built as float64 from input_shape; float32 data switches it
    model.fit(X, y, epochs=2, batch_size=32, validation_split=0.1)
    for p in model.parameters():
        assert p.value.dtype == np.float32 and p.grad.dtype == np.float32
    slots = [s for state in model.optimizer.state.values() for s in state.values()]
    assert len(slots) == 8 and all(s.dtype == np.float32 for s in slots)  # m, v for 2 W, 2 b
    assert model.predict(X).dtype == np.float32
    assert model.predict(X.astype(np.float64)).dtype == np.float32  # inputs follow the model
    assert model.dtype == np.float32


def test_float32_unbuilt_model_and_sgd_momentum():
    X, y = regression_data(n=64)
    model = Sequential([Dense(4, activation="relu"), Dense(1)], seed=0)
    model.compile(optimizer=SGD(0.01, momentum=0.9), loss="mse")
    model.fit(X.astype(np.float32), y.astype(np.float32), epochs=2)
    assert {p.value.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert {s.dtype for st in model.optimizer.state.values() for s in st.values()} == {
        np.dtype(np.float32)
    }


def test_float64_by_default():
    X, y = binary_data()
    for data in (X, X.astype(np.int64)):
        model = Sequential([Dense(4), Dense(1, activation="sigmoid")], seed=0)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(data, y, epochs=1)
        assert {p.value.dtype for p in model.parameters()} == {np.dtype(np.float64)}
        assert model.predict(data).dtype == np.float64


def test_switching_to_float32_continues_the_same_training():
    # One epoch in float64, then one in float32: the optimizer's state comes along, so the
    # weights end close to two epochs in float64 (not reset, as if Adam started again).
    X, y = binary_data()

    def run(second_dtype):
        model = small_classifier()
        model.fit(X, y, epochs=1, batch_size=32, shuffle=False)
        model.fit(X.astype(second_dtype), y, epochs=1, batch_size=32, shuffle=False)
        return model

    ref, mixed = run(np.float64), run(np.float32)
    assert mixed.optimizer.iterations == ref.optimizer.iterations == 14
    for a, b in zip(ref.get_weights(), mixed.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


# --- verbose and callbacks ---------------------------------------------------------------------


def test_verbose(capsys):
    X, y = binary_data(n=64)
    small_classifier().fit(X, y, epochs=3, verbose=0)
    assert capsys.readouterr().out == ""
    small_classifier().fit(X, y, epochs=40, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert 2 <= len(lines) <= 21  # about 20 progress lines, not 40
    assert lines[0].startswith("Epoch 1/40") and lines[-1].startswith("Epoch 40/40")
    assert all("loss: " in line and "accuracy: " in line for line in lines)
    small_classifier().fit(X, y, epochs=3, verbose=2)
    assert len(capsys.readouterr().out.splitlines()) == 3  # one line per epoch


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"epoch_begin {epoch}")

    def on_batch_end(self, batch, logs=None):
        self.calls.append(f"batch_end {batch}")
        assert set(logs) == {"loss", "accuracy"}

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch}")
        self.last_logs = logs

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def test_callbacks_are_called_in_order():
    X, y = binary_data(n=10)
    model, recorder = small_classifier(), Recorder()
    model.fit(X, y, epochs=2, batch_size=4, callbacks=[recorder], validation_data=(X, y))
    batches = ["batch_end 0", "batch_end 1", "batch_end 2"]  # 4 + 4 + 2 samples
    assert recorder.calls == [
        "train_begin",
        "epoch_begin 0",
        *batches,
        "epoch_end 0",
        "epoch_begin 1",
        *batches,
        "epoch_end 1",
        "train_end",
    ]
    assert recorder.model is model
    assert set(recorder.last_logs) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_a_callback_can_stop_training_before_it_starts():
    class StopAtOnce(Callback):  # Keras resets the flag before on_train_begin, not after
        def on_train_begin(self, logs=None):
            self.model.stop_training = True

    X, y = binary_data(n=32)
    history = small_classifier().fit(X, y, epochs=5, callbacks=[StopAtOnce()])
    assert history.epoch == [0]


def test_callback_can_stop_training():
    class StopAfterSecondEpoch(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    X, y = binary_data(n=32)
    model, recorder = small_classifier(), Recorder()
    history = model.fit(X, y, epochs=10, callbacks=[StopAfterSecondEpoch(), recorder])
    assert history.epoch == [0, 1]
    assert len(history.history["loss"]) == 2
    assert recorder.calls[-2:] == ["epoch_end 1", "train_end"]
    # The flag is reset, so the next fit trains again.
    assert len(model.fit(X, y, epochs=3).history["loss"]) == 3


# --- evaluate and predict ----------------------------------------------------------------------


def test_evaluate_return_types():
    X, y = binary_data(n=50)
    plain = small_classifier(metrics=None)
    loss = plain.evaluate(X, y)
    assert type(loss) is float
    model = small_classifier()
    result = model.evaluate(X, y)
    assert isinstance(result, list) and len(result) == 2 and all(type(v) is float for v in result)
    assert result[0] == loss  # same seed, same weights
    assert model.evaluate(X, y, return_dict=True) == {"loss": result[0], "accuracy": result[1]}
    assert result[1] == np.mean((model.predict(X)[:, 0] > 0.5) == y)


def test_evaluate_on_an_unbuilt_model_with_metrics():
    X, y = binary_data(n=50)
    model = Sequential([Dense(4, activation="tanh"), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(X, y)
    assert np.isfinite(loss) and 0 <= accuracy <= 1


def test_predict_in_batches():
    X, _ = binary_data(n=50)
    model = small_classifier()
    np.testing.assert_allclose(model.predict(X, batch_size=7), model.predict(X), rtol=1e-14)


def test_accuracy_metric_follows_the_loss():
    X, y = make_moons(60, noise=0.1, seed=3)
    model = Sequential([Dense(3, activation="softmax", input_shape=(2,))], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, accuracy = model.evaluate(X, y)
    assert accuracy == np.mean(np.argmax(model.predict(X), axis=1) == y)
    logits = Sequential([Dense(1, input_shape=(2,))], seed=0)
    logits.compile(
        optimizer="adam", loss=BinaryCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    _, accuracy = logits.evaluate(X, y)
    assert accuracy == np.mean((logits.predict(X)[:, 0] > 0) == y)  # logits thresholded at 0


# --- gradient check of whole models ------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "units", "activation"),
    [
        ("mse", 2, None),
        ("binary_crossentropy", 1, "sigmoid"),
        ("categorical_crossentropy", 3, "softmax"),
        ("sparse_categorical_crossentropy", 3, "softmax"),
        (BinaryCrossentropy(from_logits=True), 1, None),
        (CategoricalCrossentropy(from_logits=True), 3, None),
    ],
)
def test_check_model(loss, units, activation):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3))
    labels = rng.integers(0, max(units, 2), 6)
    if loss == "mse":
        y = rng.standard_normal((6, units))
    elif loss == "sparse_categorical_crossentropy":
        y = labels
    elif units == 1:  # binary cross-entropy: (n, 1) of 0/1
        y = labels[:, None].astype(float)
    else:  # categorical cross-entropy: one-hot
        y = np.eye(units)[labels]
    model = Sequential(
        [Dense(4, activation="tanh", input_shape=(3,)), Dense(units, activation=activation)], seed=1
    )
    model.compile(optimizer="sgd", loss=loss)
    errors = check_model(model, X, y)
    assert len(errors) == 4
    assert max(errors.values()) < 1e-6, errors


def test_check_model_with_a_separate_activation_layer():
    # Dense -> Activation('softmax') with categorical cross-entropy also takes the fused path.
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 3)), np.eye(3)[[0, 1, 2, 0, 1]]
    model = Sequential(
        [Dense(4, activation="relu", input_shape=(3,)), Dense(3), Activation("softmax")], seed=2
    )
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.predict(X)
    assert np.abs(model.layers[0].Z).min() > 1e-3  # away from the ReLU kink
    assert max(check_model(model, X, y).values()) < 1e-6
    assert model.evaluate(X, y) == pytest.approx(
        CategoricalCrossentropy()(y, model.predict(X)), rel=1e-12
    )


# --- structure and errors ----------------------------------------------------------------------


def test_layer_names_are_unique_and_weights_round_trip():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(4), Dense(2)], seed=0)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4, 4), (4,), (4, 2), (2,)]
    new = [np.full_like(w, k) for k, w in enumerate(weights)]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new, strict=True):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expected 6 weight arrays, received 5"):
        model.set_weights(new[:5])


def assert_names(excinfo, *parts):
    message = str(excinfo.value)
    for part in parts:
        assert part in message, (part, message)


def test_add_builds_and_checks_shapes():
    model = Sequential(seed=0)
    model.add(Dense(5, input_shape=(2,)))
    model.add(Dense(3))
    assert model.built and model.count_params() == (2 * 5 + 5) + (5 * 3 + 3)
    wrong = Dense(1, name="late")
    wrong.build((4,))
    with pytest.raises(ValueError) as excinfo:
        model.add(wrong)
    assert_names(excinfo, "'late' was built", "(None, 4)", "receives (None, 3)")
    assert len(model.layers) == 2  # the rejected layer is not half-added


def test_shapes_that_do_not_chain_are_rejected_naming_the_layer():
    # A declared input_shape that the layer before contradicts (it used to be ignored).
    with pytest.raises(ValueError) as excinfo:
        Sequential([Dense(3, input_shape=(4,)), Dense(2, input_shape=(7,), name="second")])
    assert_names(excinfo, "'second' was declared", "(None, 7)", "receives (None, 3)")
    # A layer built before the model is, checked when the model builds.
    early = Dense(2, name="early")
    early.build((5,))
    model = Sequential([Dense(3), early])
    with pytest.raises(ValueError) as excinfo:
        model.build((4,))
    assert_names(excinfo, "'early' was built", "(None, 5)", "receives (None, 3)")
    # (None, F) takes sequences of any length, after a layer or as the first one.
    rnn = Sequential([SimpleRNN(3, input_shape=(None, 2))], seed=0)
    assert rnn.predict(np.ones((1, 7, 2))).shape == (1, 3)
    stacked = Sequential([SimpleRNN(4, return_sequences=True, input_shape=(6, 2))], seed=0)
    stacked.add(SimpleRNN(3, input_shape=(None, 4)))
    assert stacked.predict(np.ones((1, 6, 2))).shape == (1, 3)


def test_lazy_build_from_data():
    X, y = binary_data(n=40)
    model = Sequential([Dense(6, activation="relu"), Dense(1, activation="sigmoid")], seed=0)
    assert not model.built
    with pytest.raises(ValueError, match="not built"):
        model.summary()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X, y, epochs=1)
    assert model.built and model.count_params() == (10 * 6 + 6) + (6 + 1)


def test_errors():
    X, y = binary_data(n=20)
    model = Sequential([Dense(1, input_shape=(10,))], seed=0)
    with pytest.raises(RuntimeError, match="compiled"):
        model.fit(X, y)
    with pytest.raises(RuntimeError, match="compiled"):
        model.evaluate(X, y)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="20 and 19"):
        model.fit(X, y[:19])
    with pytest.raises(ValueError, match=re.escape("(None, 10)")):
        model.predict(X[:, :9])
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile(optimizer="sgdd", loss="mse")
    with pytest.raises(ValueError, match="unknown loss"):
        model.compile(optimizer="sgd", loss="mae_typo")


# --- lead: Keras conveniences ---
def test_fit_keeps_its_history_on_the_model_and_batch_size_none_means_32():
    X = np.random.default_rng(0).normal(size=(70, 3))
    model = Sequential([Dense(1, input_shape=(3,))], seed=0)
    model.compile("sgd", "mse")
    history = model.fit(X, X.sum(axis=1), epochs=2, batch_size=None)
    assert model.history is history and len(history.history["loss"]) == 2


# --- training skips the gradient with respect to the data --------------------------------------


def test_training_skips_the_first_layers_input_gradient_and_changes_no_parameter_gradient():
    X, y = binary_data(n=16)
    model = small_classifier()
    first = model.layers[0]
    returned = []
    backward_from_z = first.backward_from_z
    first.backward_from_z = lambda dZ: returned.append(backward_from_z(dZ)) or returned[-1]
    model.compute_gradients(X, y)  # training: the first layer computes no dL/dX
    assert returned == [None] and first.needs_input_grad  # the flag is restored afterwards
    trained = [p.grad.copy() for p in model.parameters()]
    # The full backward pass gives the same parameter gradients, and dL/dX as well.
    y_pred = model.forward(X, training=True)
    dX = model.backward(model.loss.gradient(y, y_pred))
    assert dX.shape == X.shape and returned[-1] is dX
    for a, b in zip(trained, [p.grad for p in model.parameters()], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-15)
    assert model.backward(model.loss.gradient(y, y_pred), input_grad=False) is None


def test_a_dense_layer_on_its_own_still_returns_its_input_gradient():
    layer = Dense(3, activation="tanh")
    layer.build((2,), np.random.default_rng(0))
    out = layer.forward(np.ones((4, 2)))
    assert layer.backward(np.ones_like(out)).shape == (4, 2)


def test_unbuilt_and_scalar_inputs_get_a_clear_error():
    with pytest.raises(ValueError, match="model 'sequential' is not built"):
        Sequential([Dense(3), Dense(1)]).set_weights([np.ones((2, 3))] * 4)
    model = Sequential([Dense(1, input_shape=(2,))], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=re.escape("received shapes (4, 2) and ()")):
        model.fit(np.ones((4, 2)), 1.0)
