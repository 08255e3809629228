"""Tests for nnlib.layers: Dense and Activation forward values, gradient checks, shape errors."""

import re

import numpy as np
import pytest

from nnlib import activations
from nnlib.conv import AveragePooling2D, Conv2D, MaxPooling2D
from nnlib.gradcheck import check_layer
from nnlib.layers import Activation, Dense, Dropout, Flatten, Parameter
from nnlib.recurrent import SimpleRNN

pytestmark = pytest.mark.filterwarnings("error")

ACTIVATIONS = [None, "linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]


def built_dense(n_in=3, units=4, activation=None, seed=0, dtype=np.float64, **kwargs):
    layer = Dense(units, activation=activation, **kwargs)
    layer.build((n_in,), np.random.default_rng(seed), dtype)
    return layer


def test_forward_is_affine_then_activation():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3))
    for name in ACTIVATIONS:
        layer = built_dense(activation=name)
        layer.set_weights([rng.standard_normal((3, 4)), rng.standard_normal(4)])
        W, b = layer.get_weights()
        Z = X @ W + b
        expected = activations.get(name)(Z)
        np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-14)
        np.testing.assert_allclose(layer.Z, Z, rtol=1e-14)


def test_forward_by_hand():
    # One neuron, two inputs: sigmoid(1*2 + (-1)*3 + 0.5) = sigmoid(-0.5).
    layer = Dense(1, activation="sigmoid")
    layer.set_weights([np.array([[1.0], [-1.0]]), np.array([0.5])])
    out = layer.forward(np.array([[2.0, 3.0]]))
    np.testing.assert_allclose(out, [[1 / (1 + np.exp(0.5))]], rtol=1e-15)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_gradient_check(activation):
    layer = built_dense(n_in=3, units=4, activation=activation, seed=1)
    X = np.random.default_rng(2).standard_normal((6, 3))
    # Keep every pre-activation away from the ReLU kink: a step of 1e-6 must not cross 0.
    assert np.abs(X @ layer.W.value + layer.b.value).min() > 1e-3
    errors = check_layer(layer, X)
    assert set(errors) == {"input", "W", "b"}
    for key, error in errors.items():
        assert error < 1e-6, (activation, key, error)


def test_dense_gradient_check_with_nonzero_bias():
    layer = built_dense(n_in=4, units=3, activation="tanh", seed=3)
    layer.set_weights([layer.W.value, np.array([0.3, -0.2, 0.1])])
    X = np.random.default_rng(4).standard_normal((5, 4))
    assert max(check_layer(layer, X).values()) < 1e-6


@pytest.mark.parametrize("activation", sorted(activations.ACTIVATIONS))
def test_activation_layer_gradient_check(activation):
    layer = Activation(activation)
    X = np.random.default_rng(5).standard_normal((4, 5))
    assert np.abs(X).min() > 1e-3
    errors = check_layer(layer, X)
    assert list(errors) == ["input"]  # no parameters
    assert errors["input"] < 1e-6


def test_activation_layer_forward_and_shape():
    layer = Activation("relu")
    X = np.array([[-1.0, 2.0], [3.0, -4.0]])
    np.testing.assert_array_equal(layer(X), [[0.0, 2.0], [3.0, 0.0]])
    assert layer.output_shape == (2,)
    assert layer.count_params() == 0
    assert layer.get_weights() == []


# --- shape errors name the layer, the expected shape and the received shape -------------------


def assert_names(excinfo, *parts):
    message = str(excinfo.value)
    for part in parts:
        assert part in message, (part, message)


def test_forward_shape_mismatch():
    layer = built_dense(n_in=3, units=2, name="hidden")
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((5, 4)))
    assert_names(excinfo, "hidden", "(None, 3)", "(5, 4)")
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones(3))  # one example without its batch axis
    assert_names(excinfo, "hidden", "(None, 3)", "(3,)")


def test_backward_shape_mismatch():
    layer = built_dense(n_in=3, units=2, name="out")
    layer.forward(np.ones((5, 3)))
    with pytest.raises(ValueError) as excinfo:
        layer.backward(np.ones((5, 3)))
    assert_names(excinfo, "out", "(5, 2)", "(5, 3)")


def _built(layer, input_shape):
    layer.build(input_shape, np.random.default_rng(0))
    return layer


@pytest.mark.parametrize(
    ("layer", "X", "out"),
    [
        (_built(Dense(2, name="lay"), (3,)), np.ones((5, 3)), (5, 2)),
        (_built(Activation("softmax", name="lay"), (4,)), np.ones((5, 4)), (5, 4)),
        (_built(Dropout(0.5, name="lay"), (4,)), np.ones((5, 4)), (5, 4)),
        (_built(Conv2D(2, 3, name="lay"), (5, 5, 1)), np.ones((2, 5, 5, 1)), (2, 3, 3, 2)),
        (_built(SimpleRNN(3, name="lay"), (4, 2)), np.ones((2, 4, 2)), (2, 3)),
        (_built(MaxPooling2D(2, name="lay"), (4, 4, 1)), np.ones((2, 4, 4, 1)), (2, 2, 2, 1)),
        (_built(AveragePooling2D(2, name="lay"), (4, 4, 1)), np.ones((2, 4, 4, 1)), (2, 2, 2, 1)),
    ],
    ids=["Dense", "Activation", "Dropout", "Conv2D", "SimpleRNN", "MaxPool", "AveragePool"],
)
def test_every_backward_names_the_layer_and_both_gradient_shapes(layer, X, out):
    # A gradient of the wrong shape would otherwise broadcast, or leave W.grad the wrong shape.
    layer.forward(X, training=True)
    for wrong in [(1, *out[1:]), (*out[:-1], out[-1] + 1)]:
        for method in ("backward", "backward_from_z"):
            if not hasattr(layer, method):
                continue
            with pytest.raises(ValueError) as excinfo:
                getattr(layer, method)(np.ones(wrong))
            assert_names(excinfo, "'lay'", str(out), str(wrong))


@pytest.mark.parametrize(
    ("layer", "ndim"),
    [
        (Dense(3, name="lay"), 2),
        (Conv2D(2, 3, input_shape=(5, 5, 1), name="lay"), 4),
        (SimpleRNN(3, name="lay"), 2),
    ],
    ids=["Dense", "Conv2D", "SimpleRNN"],
)
def test_an_unbuilt_layer_says_which_kernel_set_weights_needs(layer, ndim):
    for weights, got in [([], "received no arrays"), ([np.ones(3)], "shape (3,)")]:
        with pytest.raises(ValueError) as excinfo:
            layer.set_weights(weights)
        assert_names(excinfo, "'lay' is not built", f"of {ndim} dimensions", got)


def test_activation_layer_shape_mismatch():
    layer = Activation("tanh", input_shape=(4,), name="squash")
    layer.build((4,))
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((2, 3)))
    assert_names(excinfo, "squash", "(None, 4)", "(2, 3)")
    layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError) as excinfo:
        layer.backward(np.ones((4, 2)))
    assert_names(excinfo, "squash", "(2, 4)", "(4, 2)")


def test_set_weights_shape_mismatch():
    layer = built_dense(n_in=3, units=2, name="d1")
    with pytest.raises(ValueError) as excinfo:
        layer.set_weights([np.ones((2, 3)), np.ones(2)])  # W transposed
    assert_names(excinfo, "d1", "(3, 2)", "(2, 3)")
    with pytest.raises(ValueError) as excinfo:
        layer.set_weights([np.ones((3, 2)), np.ones(3)])
    assert_names(excinfo, "d1", "(2,)", "(3,)")
    with pytest.raises(ValueError) as excinfo:
        layer.set_weights([np.ones((3, 2))])
    assert_names(excinfo, "d1", "expected 2 weight arrays", "received 1")


def test_set_weights_on_unbuilt_dense_with_wrong_units():
    layer = Dense(2, name="d2")
    with pytest.raises(ValueError) as excinfo:
        layer.set_weights([np.ones((3, 5)), np.ones(5)])
    assert_names(excinfo, "d2", "(3, 2)", "(3, 5)")


def test_dense_rejects_bad_units_and_inputs():
    for units in (0, -1, 2.5):
        with pytest.raises(ValueError, match="positive integer"):
            Dense(units)
    layer = Dense(2, name="flat")
    with pytest.raises(ValueError, match=re.escape("(None, 4, 4)")):
        layer.build((4, 4))
    with pytest.raises(ValueError, match="unknown activation"):
        Dense(2, activation="relu6")


# --- weights API -------------------------------------------------------------------------------


def test_get_set_weights_round_trip():
    layer = built_dense(n_in=3, units=4)
    W, b = layer.get_weights()
    assert W.shape == (3, 4)  # (n_in, units), as in Keras
    assert b.shape == (4,)
    np.testing.assert_array_equal(b, 0.0)  # biases start at zero
    rng = np.random.default_rng(0)
    new = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    layer.set_weights(new)
    for got, want in zip(layer.get_weights(), new, strict=True):
        np.testing.assert_array_equal(got, want)
    # get_weights returns copies and set_weights copies in: no aliasing either way.
    layer.get_weights()[0][0, 0] = 99.0
    new[0][0, 0] = 99.0
    assert layer.W.value[0, 0] != 99.0


def test_set_weights_on_unbuilt_dense_builds_it():
    layer = Dense(2, activation="relu")
    assert not layer.built
    W, b = np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0])
    layer.set_weights([W, b])
    assert layer.built
    assert layer.input_shape == (3,)
    assert layer.output_shape == (2,)
    np.testing.assert_array_equal(layer.W.value, W)
    np.testing.assert_array_equal(layer.forward(np.ones((1, 3))), [[7.0, 8.0]])


def test_set_weights_accepts_lists():
    layer = Dense(1)
    layer.set_weights([[[1.0], [2.0]], [0.5]])
    assert layer.W.value.dtype == np.float64
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 1.0]])), [[3.5]])


def test_count_params_and_parameters():
    layer = built_dense(n_in=10, units=64)
    assert layer.count_params() == 10 * 64 + 64
    assert [p.name for p in layer.parameters()] == ["W", "b"]
    assert all(isinstance(p, Parameter) for p in layer.parameters())
    assert Dense(3).count_params() == 0  # not built yet: no parameters


def test_build_is_seeded_and_uses_glorot_uniform():
    a, b = built_dense(n_in=50, units=30, seed=7), built_dense(n_in=50, units=30, seed=7)
    np.testing.assert_array_equal(a.W.value, b.W.value)
    assert not np.array_equal(a.W.value, built_dense(n_in=50, units=30, seed=8).W.value)
    assert np.abs(a.W.value).max() <= np.sqrt(6 / 80)


def test_call_builds_lazily():
    layer = Dense(4, activation="tanh")
    out = layer(np.ones((2, 3)))
    assert layer.built and layer.input_shape == (3,) and out.shape == (2, 4)


def test_backward_shapes_and_formulas():
    layer = built_dense(n_in=3, units=2)
    X = np.random.default_rng(1).standard_normal((4, 3))
    layer.forward(X)
    dZ = np.random.default_rng(2).standard_normal((4, 2))
    dX = layer.backward(dZ)  # linear activation: dL/dZ == dL/dA
    np.testing.assert_allclose(layer.W.grad, X.T @ dZ)
    np.testing.assert_allclose(layer.b.grad, dZ.sum(axis=0))
    np.testing.assert_allclose(dX, dZ @ layer.W.value.T)
    assert dX.shape == X.shape


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_layer_stays_float32(activation):
    layer = built_dense(n_in=3, units=4, activation=activation, dtype=np.float32)
    X = np.ones((2, 3), dtype=np.float32)
    out = layer.forward(X)
    dX = layer.backward(np.ones_like(out))
    assert layer.W.value.dtype == layer.b.value.dtype == np.float32
    assert out.dtype == dX.dtype == layer.W.grad.dtype == layer.b.grad.dtype == np.float32
    assert Dense(2)(X).dtype == np.float32  # lazily built from float32 data


def test_set_weights_on_unbuilt_dense_respects_its_input_shape():
    layer = Dense(2, input_shape=(4,), name="d3")
    with pytest.raises(ValueError) as excinfo:
        layer.set_weights([np.ones((3, 2)), np.ones(2)])
    assert_names(excinfo, "d3", "(4, 2)", "(3, 2)")


# --- lead: clear errors for calls out of order ---
def test_backward_before_forward_and_forward_before_build_say_what_to_do():
    dense = Dense(2, input_shape=(3,))
    dense.build((3,), np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="run forward on the batch first"):
        dense.backward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="not built yet"):
        Activation("relu").forward(np.ones((4, 3)))
    np.testing.assert_array_equal(Activation("relu")(np.array([[-1.0, 2.0]])), [[0.0, 2.0]])


# --- Dropout -------------------------------------------------------------------------------------


def built_dropout(rate=0.5, shape=(50,), seed=0, **kwargs):
    layer = Dropout(rate, seed=seed, **kwargs)
    layer.build(shape)
    return layer


def test_dropout_is_the_identity_at_predict_time_and_with_rate_0():
    X = np.random.default_rng(0).standard_normal((7, 5))
    layer = built_dropout(0.5, (5,))
    np.testing.assert_array_equal(layer.forward(X), X)
    np.testing.assert_array_equal(layer(X), X)  # __call__ is predict mode by default
    assert layer.mask is None
    np.testing.assert_array_equal(layer.backward(np.ones_like(X)), np.ones_like(X))
    np.testing.assert_array_equal(built_dropout(0.0, (5,)).forward(X, training=True), X)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_drops_the_right_fraction_and_scales_the_rest(rate):
    X = np.random.default_rng(1).uniform(1.0, 2.0, (400, 500))  # no zeros of its own
    out = built_dropout(rate, (500,)).forward(X, training=True)
    dropped = out == 0
    # 200,000 Bernoulli(rate) draws: the fraction is within 5 standard deviations of rate.
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / X.size)
    np.testing.assert_allclose(out[~dropped], X[~dropped] / (1 - rate), rtol=1e-15)


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.9])
def test_inverted_dropout_preserves_every_units_mean(rate):
    X = np.array([[1.0, -2.0, 3.0, 0.5]])
    layer = built_dropout(rate, (4,), seed=2)
    samples = np.array([layer.forward(X, training=True)[0] for _ in range(20000)])
    # The mean of 20,000 draws of x * Bernoulli(1 - rate) / (1 - rate), within 5 of its sds.
    sd = np.abs(X[0]) * np.sqrt(rate / (1 - rate)) / np.sqrt(len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - X[0]) < 5 * sd)
    # Without the 1 / (1 - rate) the mean would shrink to (1 - rate) x: the classic mistake.
    assert np.all(np.abs((1 - rate) * samples.mean(axis=0) - X[0]) > 10 * sd)


def test_dropout_backward_uses_the_cached_mask():
    rng = np.random.default_rng(3)
    X, G = rng.standard_normal((6, 8)), rng.standard_normal((6, 8))
    layer = built_dropout(0.5, (8,))
    out = layer.forward(X, training=True)
    dX = layer.backward(G)
    np.testing.assert_array_equal(dX, G * layer.mask)
    assert np.all(dX[out == 0] == 0) and np.any(out == 0)
    np.testing.assert_array_equal(layer.backward(G), dX)  # no new mask without a new forward


def test_dropout_gradient_check_with_a_frozen_mask():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((5, 6))
    layer = built_dropout(0.4, (6,), seed=5)
    layer.forward(X, training=True)
    layer.freeze()
    assert np.any(layer.frozen_mask == 0)
    errors = check_layer(layer, X)
    assert list(errors) == ["input"] and errors["input"] < 1e-9
    np.testing.assert_array_equal(layer.forward(X), layer.forward(X, training=True))
    # An explicit 0/1 mask is scaled by 1 / (1 - rate); shape mismatches are named.
    keep = rng.random((5, 6)) > 0.4
    layer.freeze(keep)
    np.testing.assert_allclose(layer.forward(X), X * keep / 0.6)
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((3, 6)))
    assert_names(excinfo, "dropout", "(5, 6)", "(3, 6)")
    layer.unfreeze()
    np.testing.assert_array_equal(layer.forward(X), X)


def test_dropout_in_a_model_passes_check_model_and_the_check_restores_the_rng():
    from nnlib import Sequential
    from nnlib.gradcheck import check_model, numerical_gradient, relative_error

    def model():
        m = Sequential(
            [
                Dense(6, activation="tanh", input_shape=(3,)),
                Dropout(0.5),
                Dense(5, activation="tanh"),
                Dropout(0.3, seed=1),
                Dense(1, activation="sigmoid"),
            ],
            seed=0,
        )
        m.compile(optimizer="sgd", loss="binary_crossentropy")
        return m

    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((8, 3)), (rng.random((8, 1)) > 0.5).astype(float)
    checked, fresh = model(), model()
    errors = check_model(checked, X, y)
    assert len(errors) == 6 and max(errors.values()) < 1e-6, errors
    assert all(layer.frozen_mask is None for layer in checked.layers if isinstance(layer, Dropout))
    # The check consumed no random numbers: training continues exactly as without it.
    np.testing.assert_array_equal(
        checked.forward(X, training=True), fresh.forward(X, training=True)
    )
    # Without freezing, training's gradient (a random thinned network) is not the gradient of
    # evaluate's loss (the full network): the check would fail, which is why it freezes.
    fresh.compute_gradients(X, y)
    W = fresh.layers[0].W
    numeric = numerical_gradient(lambda: fresh.evaluate(X, y), W.value)
    assert relative_error(W.grad, numeric) > 0.05


def test_dropout_masks_are_seeded_by_the_layer_or_by_the_model():
    from nnlib import Sequential

    X = np.ones((4, 10))
    a, b = built_dropout(0.5, (10,), seed=7), built_dropout(0.5, (10,), seed=7)
    np.testing.assert_array_equal(a.forward(X, training=True), b.forward(X, training=True))

    def masks(seed):
        m = Sequential([Dense(10, input_shape=(3,)), Dropout(0.5)], seed=seed)
        return m.layers[1], m

    (d1, m1), (d2, _), (d3, _) = masks(0), masks(0), masks(1)
    assert d1.rng is m1.rng  # unseeded: the model's own generator
    outs = [d.forward(X, training=True) for d in (d1, d2, d3)]
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])
    assert not np.array_equal(outs[0], d1.forward(X, training=True))  # a new mask every pass


def test_dropout_keeps_float32_and_rejects_bad_rates():
    layer = Dropout(0.25, seed=0)
    X = np.ones((3, 4), dtype=np.float32)
    out = layer(X)  # builds lazily
    assert out.dtype == np.float32
    out = layer.forward(X, training=True)
    assert out.dtype == layer.mask.dtype == layer.backward(np.ones_like(out)).dtype == np.float32
    assert layer.count_params() == 0 and layer.get_weights() == [] and layer.output_shape == (4,)
    for rate in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"rate in \[0, 1\)"):
            Dropout(rate)
    with pytest.raises(RuntimeError, match="no mask to freeze"):
        built_dropout().freeze()
    with pytest.raises(ValueError, match="0s and 1s"):
        built_dropout(0.5, (2,)).freeze(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError) as excinfo:
        built_dropout(0.5, (3,), name="drop").forward(np.ones((2, 4)), training=True)
    assert_names(excinfo, "drop", "(None, 3)", "(2, 4)")


# --- Flatten -----------------------------------------------------------------------------------


def test_flatten_uses_c_order_like_keras():
    X = np.arange(2 * 3 * 4 * 2, dtype=float).reshape(2, 3, 4, 2)  # (n, H, W, C)
    layer = Flatten()
    out = layer(X)
    assert out.shape == (2, 24) and layer.output_shape == (24,)
    r, c, k = 1, 2, 1  # pixel (1, 2) of channel 1 sits in column (r * W + c) * C + k
    assert out[1, (r * 4 + c) * 2 + k] == X[1, r, c, k]
    np.testing.assert_array_equal(out, X.reshape(2, -1))
    assert layer.count_params() == 0 and layer.get_weights() == []


@pytest.mark.parametrize("shape", [(3, 4, 2), (5, 3), (6,)])
def test_flatten_gradient_check_and_backward_shape(shape):
    layer = Flatten()
    X = np.random.default_rng(6).standard_normal((3, *shape))
    errors = check_layer(layer, X)
    assert list(errors) == ["input"] and errors["input"] < 1e-6
    grad = np.random.default_rng(7).standard_normal(layer.A.shape)
    np.testing.assert_array_equal(layer.backward(grad), grad.reshape(X.shape))


def test_flatten_errors_and_dtype():
    layer = Flatten(input_shape=(4, 4, 1), name="flat")
    layer.build((4, 4, 1))
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((2, 4, 4)))
    assert_names(excinfo, "flat", "(None, 4, 4, 1)", "(2, 4, 4)")
    layer.forward(np.ones((2, 4, 4, 1)))
    with pytest.raises(ValueError) as excinfo:
        layer.backward(np.ones((2, 15)))
    assert_names(excinfo, "flat", "(2, 16)", "(2, 15)")
    X = np.ones((2, 3, 3), dtype=np.float32)
    assert Flatten()(X).dtype == np.float32


@pytest.mark.parametrize(
    "make, weights",
    [
        (lambda: Dense(2), lambda dt: [np.ones((3, 2), dt), np.zeros(2, dt)]),
        (
            lambda: Conv2D(2, 3, input_shape=(5, 5, 1)),
            lambda dt: [np.ones((3, 3, 1, 2), dt), np.zeros(2, dt)],
        ),
        (
            lambda: SimpleRNN(2, input_shape=(4, 3)),
            lambda dt: [np.ones((3, 2), dt), np.eye(2, dtype=dt), np.zeros(2, dt)],
        ),
    ],
    ids=["Dense", "Conv2D", "SimpleRNN"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_set_weights_on_an_unbuilt_layer_keeps_the_weights_dtype(make, weights, dtype):
    layer = make()
    layer.set_weights(weights(dtype))
    assert all(p.value.dtype == dtype and p.grad.dtype == dtype for p in layer.parameters())
