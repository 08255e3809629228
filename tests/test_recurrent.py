"""Tests for nnlib.recurrent: SimpleRNN and LSTM against step-by-step computations with Keras's
formulas and weight layout, back-propagation through time against finite differences and closed
forms, shapes, dtypes, errors and the weights API."""

import math

import numpy as np
import pytest

from nnlib import Adam, Dense, Sequential, regularizers
from nnlib.gradcheck import check_layer, check_model
from nnlib.recurrent import LSTM, SimpleRNN

pytestmark = pytest.mark.filterwarnings("error")


def built(layer, input_shape=(6, 3), seed=0, dtype=np.float64):
    layer.build(input_shape, np.random.default_rng(seed), dtype)
    return layer


def randomize(layer, seed=1, scale=0.5):
    """Non-trivial weights, biases included."""
    rng = np.random.default_rng(seed)
    layer.set_weights([scale * rng.standard_normal(w.shape) for w in layer.get_weights()])
    return layer


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def keras_simple_rnn(X, W, U, b, f=np.tanh):
    """Keras's SimpleRNNCell, one step at a time: h = f(x W + b + h_prev U)."""
    h, out = np.zeros((len(X), U.shape[0])), []
    for t in range(X.shape[1]):
        h = f(X[:, t] @ W + b + h @ U)
        out.append(h)
    return np.stack(out, axis=1)


def keras_lstm(X, W, U, b):
    """Keras's LSTMCell, one step at a time, gates split in its order i, f, c, o."""
    u = U.shape[0]
    h, c = np.zeros((len(X), u)), np.zeros((len(X), u))
    hs, cs = [], []
    for t in range(X.shape[1]):
        z = X[:, t] @ W + h @ U + b
        z0, z1, z2, z3 = z[:, :u], z[:, u : 2 * u], z[:, 2 * u : 3 * u], z[:, 3 * u :]
        i, f, o = sigmoid(z0), sigmoid(z1), sigmoid(z3)
        c = f * c + i * np.tanh(z2)
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


# --- forward against Keras's formulas ----------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_simple_rnn_forward_is_keras_step_by_step(activation):
    layer = randomize(built(SimpleRNN(4, activation=activation, return_sequences=True)))
    X = np.random.default_rng(2).standard_normal((5, 6, 3))
    W, U, b = layer.get_weights()
    f = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": sigmoid}.get(
        activation, lambda z: z
    )
    expected = keras_simple_rnn(X, W, U, b, f)
    np.testing.assert_allclose(layer(X), expected, rtol=1e-12, atol=1e-14)
    last = built(SimpleRNN(4, activation=activation))
    last.set_weights([W, U, b])
    np.testing.assert_allclose(last(X), expected[:, -1], rtol=1e-12, atol=1e-14)


def test_lstm_forward_is_keras_step_by_step():
    layer = randomize(built(LSTM(4, return_sequences=True)))
    X = np.random.default_rng(3).standard_normal((5, 6, 3))
    H, C = keras_lstm(X, *layer.get_weights())
    np.testing.assert_allclose(layer(X), H, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.c, C, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(layer.h, layer.H)
    # The stored gates are what the formulas say, step by step.
    u = 4
    W, U, b = layer.get_weights()
    H_prev = np.concatenate([np.zeros((5, 1, u)), H[:, :-1]], axis=1)
    z = X @ W + H_prev @ U + b
    np.testing.assert_allclose(layer.i, sigmoid(z[..., :u]), rtol=1e-12)
    np.testing.assert_allclose(layer.f, sigmoid(z[..., u : 2 * u]), rtol=1e-12)
    np.testing.assert_allclose(layer.g, np.tanh(z[..., 2 * u : 3 * u]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.o, sigmoid(z[..., 3 * u :]), rtol=1e-12)
    last = built(LSTM(4))
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(X), H[:, -1], rtol=1e-12, atol=1e-14)


def test_lstm_by_hand_one_unit_two_steps():
    """A 1-unit LSTM, worked with pen and paper (math module only)."""
    wi, wf, wc, wo = 0.5, -0.3, 0.8, 0.2  # kernel (1, 4): input weights of i, f, c, o
    ui, uf, uc, uo = 0.1, 0.4, -0.6, 0.3  # recurrent kernel (1, 4)
    bi, bf, bc, bo = 0.0, 1.0, 0.1, -0.2
    layer = LSTM(1, return_sequences=True)
    layer.set_weights([[[wi, wf, wc, wo]], [[ui, uf, uc, uo]], [bi, bf, bc, bo]])
    x1, x2 = 1.0, -2.0
    s = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    # Step 1, from h0 = c0 = 0.
    i1, f1, g1, o1 = s(wi * x1 + bi), s(wf * x1 + bf), math.tanh(wc * x1 + bc), s(wo * x1 + bo)
    c1 = f1 * 0 + i1 * g1
    h1 = o1 * math.tanh(c1)
    # Step 2.
    i2 = s(wi * x2 + ui * h1 + bi)
    f2 = s(wf * x2 + uf * h1 + bf)
    g2 = math.tanh(wc * x2 + uc * h1 + bc)
    o2 = s(wo * x2 + uo * h1 + bo)
    c2 = f2 * c1 + i2 * g2
    h2 = o2 * math.tanh(c2)
    out = layer(np.array([[[x1], [x2]]]))
    np.testing.assert_allclose(out[0, :, 0], [h1, h2], rtol=1e-14)
    np.testing.assert_allclose(layer.c[0, :, 0], [c1, c2], rtol=1e-14)
    np.testing.assert_allclose(layer.f[0, :, 0], [f1, f2], rtol=1e-14)
    # On paper: i1 = s(0.5) = 0.6225, g1 = tanh(0.9) = 0.7163, c1 = i1 g1 = 0.4459,
    # o1 = s(0) = 0.5, h1 = 0.5 tanh(0.4459) = 0.2092.
    assert round(c1, 4) == 0.4459 and round(h1, 4) == 0.2092


def test_lstm_with_open_gates_is_a_running_sum():
    """With i = f = 1 (huge biases) and g = tanh(x), the cell adds up tanh of the inputs."""
    layer = LSTM(1, return_sequences=True)
    big = 50.0
    layer.set_weights([[[0.0, 0.0, 1.0, 0.0]], [[0.0, 0.0, 0.0, 0.0]], [big, big, 0.0, big]])
    x = np.array([0.3, -0.1, 0.5, 0.2])
    layer(x.reshape(1, 4, 1))
    np.testing.assert_allclose(layer.c[0, :, 0], np.cumsum(np.tanh(x)), rtol=1e-12)
    np.testing.assert_allclose(layer.H[0, :, 0], np.tanh(np.cumsum(np.tanh(x))), rtol=1e-12)


# --- back-propagation through time ---------------------------------------------------------------


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
def test_simple_rnn_gradient_check(return_sequences, activation):
    layer = randomize(built(SimpleRNN(5, activation=activation, return_sequences=return_sequences)))
    X = np.random.default_rng(4).standard_normal((3, 6, 3))
    errors = check_layer(layer, X)
    assert set(errors) == {"input", "W", "U", "b"}
    for key, error in errors.items():
        assert error < 1e-6, (key, error)


def test_simple_rnn_relu_gradient_check_away_from_the_kink():
    layer = randomize(built(SimpleRNN(4, activation="relu", return_sequences=True), (5, 3)), seed=5)
    X = np.random.default_rng(6).standard_normal((3, 5, 3))
    layer(X)
    assert np.abs(layer.Zs).min() > 1e-4
    assert max(check_layer(layer, X).values()) < 1e-6


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize(("units", "T", "F"), [(4, 6, 3), (1, 3, 1), (6, 10, 2)])
def test_lstm_gradient_check(return_sequences, units, T, F):
    layer = randomize(built(LSTM(units, return_sequences=return_sequences), (T, F)), scale=0.8)
    X = np.random.default_rng(7).standard_normal((3, T, F))
    errors = check_layer(layer, X)
    assert set(errors) == {"input", "W", "U", "b"}
    for key, error in errors.items():
        assert error < 1e-6, (key, error)


def test_linear_rnn_gradient_is_a_matrix_power():
    """For h_t = x_t W + h_{t-1} U, d(g . h_T)/dx_t = g (U^T)^(T-1-t) W^T: what vanishes or
    explodes with the number of steps is a power of U."""
    T = 7
    layer = randomize(built(SimpleRNN(3, activation="linear"), (T, 2)), seed=8)
    layer.set_weights([layer.W.value, layer.U.value, np.zeros(3)])
    X = np.random.default_rng(9).standard_normal((1, T, 2))
    g = np.array([[1.0, -2.0, 0.5]])
    layer(X)
    dX = layer.backward(g)
    W, U = layer.W.value, layer.U.value
    for t in range(T):
        expected = g @ np.linalg.matrix_power(U.T, T - 1 - t) @ W.T
        np.testing.assert_allclose(dX[0, t], expected[0], rtol=1e-12)


def test_gradient_norm_shrinks_or_grows_like_the_singular_value_to_the_power_of_the_distance():
    T, u = 12, 4
    for scale in (0.5, 1.0, 1.5):
        layer = built(SimpleRNN(u, activation="linear"), (T, u), seed=10)
        Q = layer.U.value  # orthogonal at initialisation: every singular value is 1
        layer.set_weights([np.eye(u), scale * Q, np.zeros(u)])
        layer(np.zeros((1, T, u)))
        dX = layer.backward(np.ones((1, u)))
        norms = np.linalg.norm(dX[0], axis=1)
        distance = T - 1 - np.arange(T)
        np.testing.assert_allclose(norms, 2.0 * scale**distance, rtol=1e-12)  # |ones(4)| = 2


def test_fused_sigmoid_output_uses_the_last_pre_activation():
    """A SimpleRNN(1, 'sigmoid') output layer with binary cross-entropy takes the fused path
    (gradient at z); it must agree with finite differences."""
    model = Sequential([SimpleRNN(1, activation="sigmoid", input_shape=(5, 2))], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    assert model._fused_loss() is not None
    X = np.random.default_rng(11).standard_normal((6, 5, 2))
    y = np.array([0, 1, 1, 0, 1, 0])
    assert max(check_model(model, X, y).values()) < 1e-6
    z = model.layers[0].Z
    assert z.shape == (6, 1)
    np.testing.assert_array_equal(z, model.layers[0].Zs[:, -1])


@pytest.mark.parametrize(
    "layers",
    [
        lambda: [SimpleRNN(4, input_shape=(5, 3)), Dense(1)],
        lambda: [LSTM(3, input_shape=(5, 3)), Dense(2, activation="softmax")],
        lambda: [
            SimpleRNN(4, return_sequences=True, input_shape=(5, 3)),
            LSTM(3),
            Dense(2, activation="softmax"),
        ],
        lambda: [LSTM(3, return_sequences=True, input_shape=(5, 3)), SimpleRNN(2), Dense(1)],
    ],
    ids=["rnn-dense", "lstm-softmax", "rnn-seq-lstm", "lstm-seq-rnn"],
)
def test_check_model_on_small_recurrent_networks(layers):
    model = Sequential(layers(), seed=2)
    out = model.layers[-1].units
    X = np.random.default_rng(12).standard_normal((4, 5, 3))
    if out == 1:
        model.compile(optimizer="sgd", loss="mse")
        y = np.random.default_rng(13).standard_normal((4, 1))
    else:
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        y = np.array([0, 1, 1, 0])
    errors = check_model(model, X, y)
    assert max(errors.values()) < 1e-6, errors


def test_lstm_learns_to_remember_the_sign_of_the_first_input():
    rng = np.random.default_rng(0)
    n, T = 256, 8
    X = 0.5 * rng.standard_normal((n, T, 1))
    y = (X[:, 0, 0] > 0).astype(int)
    X[:, 0, 0] = np.where(y == 1, 1.0, -1.0)
    model = Sequential([LSTM(4, input_shape=(T, 1)), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X[:200], y[:200], epochs=25, batch_size=32)
    assert model.evaluate(X[200:], y[200:])[1] >= 0.95


# --- initialisation, layout, dtypes, errors ------------------------------------------------------


def test_keras_weight_layout_and_initialisation():
    rnn = built(SimpleRNN(5), (7, 3))
    W, U, b = rnn.get_weights()
    assert (W.shape, U.shape, b.shape) == ((3, 5), (5, 5), (5,))
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-12)  # orthogonal recurrent kernel
    np.testing.assert_array_equal(b, 0.0)
    assert np.abs(W).max() <= np.sqrt(6 / (3 + 5))  # glorot_uniform kernel
    assert rnn.count_params() == 3 * 5 + 5 * 5 + 5

    lstm = built(LSTM(5), (7, 3))
    W, U, b = lstm.get_weights()
    assert (W.shape, U.shape, b.shape) == ((3, 20), (5, 20), (20,))
    np.testing.assert_allclose(U @ U.T, np.eye(5), atol=1e-12)  # wide: orthonormal rows
    np.testing.assert_array_equal(b, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])  # i f c o
    assert lstm.count_params() == 4 * (3 * 5 + 5 * 5 + 5)
    no_bias = built(LSTM(5, unit_forget_bias=False), (7, 3))
    np.testing.assert_array_equal(no_bias.b.value, 0.0)


def test_same_seed_same_weights():
    a, b = built(LSTM(3), seed=4), built(LSTM(3), seed=4)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.U.value, built(LSTM(3), seed=5).U.value)


def test_output_shapes_and_summary():
    model = Sequential(
        [
            LSTM(8, return_sequences=True, input_shape=(20, 5)),
            SimpleRNN(4),
            Dense(3, activation="softmax"),
        ]
    )
    assert model.layers[0].output_shape == (20, 8) and model.layers[1].output_shape == (4,)
    lines = []
    model.summary(print_fn=lines.append)
    for part in ["lstm (LSTM)", "(None, 20, 8)", "448", "simple_rnn (SimpleRNN)", "52"]:
        assert part in lines[0], part
    assert model.layers[0].count_params() == 4 * (5 * 8 + 8 * 8 + 8) == 448


@pytest.mark.parametrize("make", [lambda: SimpleRNN(3, return_sequences=True), lambda: LSTM(3)])
def test_float32_stays_float32(make):
    X = np.random.default_rng(14).standard_normal((2, 5, 3)).astype(np.float32)
    layer = make()
    out = layer(X)
    dX = layer.backward(np.ones_like(out))
    assert out.dtype == dX.dtype == np.float32
    for p in layer.parameters():
        assert p.value.dtype == p.grad.dtype == np.float32


def assert_names(excinfo, *parts):
    message = str(excinfo.value)
    for part in parts:
        assert part in message, (part, message)


def test_shape_errors_name_the_layer_and_the_shapes():
    layer = built(LSTM(4, name="memory"), (6, 3))
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((2, 6, 2)))
    assert_names(excinfo, "LSTM", "'memory'", "(None, 6, 3)", "(2, 6, 2)")
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((2, 5, 3)))
    assert_names(excinfo, "(None, 6, 3)", "(2, 5, 3)")
    layer.forward(np.ones((2, 6, 3)))
    with pytest.raises(ValueError) as excinfo:
        layer.backward(np.ones((2, 6, 4)))
    assert_names(excinfo, "'memory'", "(2, 4)", "(2, 6, 4)")
    one_feature = built(SimpleRNN(2, name="rnn"), (6, 1))
    with pytest.raises(ValueError) as excinfo:
        one_feature.forward(np.ones((2, 6)))  # a batch of sequences without the feature axis
    assert_names(excinfo, "'rnn'", "(None, 6, 1)", "(2, 6)", "X[..., None]")
    with pytest.raises(ValueError) as excinfo:
        SimpleRNN(2, name="lazy")(np.ones((2, 6)))
    assert_names(excinfo, "'lazy'", "(None, timesteps, features)", "(None, 6)", "X[..., None]")
    with pytest.raises(ValueError) as excinfo:
        Sequential([LSTM(2, input_shape=(6, 6, 1), name="img")])
    assert_names(excinfo, "'img'", "(None, 6, 6, 1)")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SimpleRNN(0), "positive integer number of units"),
        (lambda: LSTM(1.5), "positive integer number of units"),
        (lambda: SimpleRNN(2, activation="softmax"), "elementwise"),
        (lambda: LSTM(2, recurrent_initializer="unknown"), "unknown initializer"),
    ],
)
def test_bad_arguments_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_any_length_with_input_shape_none():
    layer = LSTM(3, input_shape=(None, 2), return_sequences=True)
    model = Sequential([layer, SimpleRNN(2)], seed=0)
    assert layer.output_shape == (None, 3)
    for T in (3, 9):
        X = np.random.default_rng(T).standard_normal((2, T, 2))
        assert model(X).shape == (2, 2)
        assert layer.A.shape == (2, T, 3)
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((2, 4, 3)))
    assert_names(excinfo, "LSTM layer 'lstm'", "(None, None, 2)", "(2, 4, 3)")


def test_get_set_weights_round_trip_and_building_from_weights():
    layer = built(SimpleRNN(3, name="r"), (4, 2))
    rng = np.random.default_rng(15)
    new = [rng.standard_normal((2, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)]
    layer.set_weights(new)
    for got, want in zip(layer.get_weights(), new, strict=True):
        np.testing.assert_array_equal(got, want)
    layer.get_weights()[1][0, 0] = 99.0
    assert layer.U.value[0, 0] != 99.0
    with pytest.raises(ValueError) as excinfo:
        layer.set_weights([new[0], np.ones((3, 4)), new[2]])
    assert_names(excinfo, "'r'", "(3, 3)", "(3, 4)")
    fresh = LSTM(2)
    fresh.set_weights([np.ones((5, 8)), np.ones((2, 8)), np.zeros(8)])  # builds, any length
    assert fresh.built and fresh.input_shape == (None, 5)
    assert fresh(np.ones((1, 7, 5))).shape == (1, 2)
    with pytest.raises(ValueError) as excinfo:  # 3 gate blocks, not 4
        LSTM(2).set_weights([np.ones((5, 6)), np.ones((2, 6)), np.zeros(6)])
    assert_names(excinfo, "'lstm'", "'W' of shape (5, 8)", "received (5, 6)")


def test_regularizer_penalties():
    layer = SimpleRNN(
        3,
        kernel_regularizer=regularizers.L2(0.1),
        recurrent_regularizer=regularizers.L1(0.2),
        input_shape=(4, 2),
    )
    model = Sequential([layer, Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    assert [p.name for p, _ in layer.penalties()] == ["W", "U"]
    expected = 0.1 * np.sum(layer.W.value**2) + 0.2 * np.sum(np.abs(layer.U.value))
    assert model.penalty() == pytest.approx(expected)
    X = np.random.default_rng(16).standard_normal((5, 4, 2))
    y = np.random.default_rng(17).standard_normal((5, 1))
    assert max(check_model(model, X, y).values()) < 1e-6


def test_integer_inputs_get_float_gradients():
    layer = built(SimpleRNN(2), (3, 1))
    X = np.array([[[1], [0], [2]]])  # ints, e.g. token counts
    out = layer(X)
    dX = layer.backward(np.ones_like(out))
    grads = [p.grad.copy() for p in layer.parameters()]
    assert dX.dtype == np.float64 and all(g.dtype == np.float64 for g in grads)
    # The same numbers as for the same inputs as floats: nothing was rounded to an integer.
    np.testing.assert_array_equal(out, layer(X.astype(float)))
    np.testing.assert_array_equal(dX, layer.backward(np.ones_like(out)))
    for before, p in zip(grads, layer.parameters(), strict=True):
        np.testing.assert_array_equal(before, p.grad)
    assert np.abs(dX).sum() > 0 and all(np.abs(g).sum() > 0 for g in grads)


def test_an_lstm_can_be_built_again_after_a_forward_pass():
    # forward keeps the gate values in ``gates``; that must not hide the number of gate blocks
    # that ``build`` sizes W, U and b by (it once did: TypeError on the second build).
    layer = LSTM(3)
    X = np.random.default_rng(0).normal(size=(2, 5, 4))
    layer(X)
    assert layer.gates.shape == (2, 5, 12)
    layer.build((5, 4), np.random.default_rng(1))
    assert [w.shape for w in layer.get_weights()] == [(4, 12), (3, 12), (12,)]
    assert layer(X).shape == (2, 3)
