"""Tests for nnlib.conv: Conv2D, MaxPooling2D and AveragePooling2D against independent references
(scipy.signal.correlate, naive loops, hand-computed TensorFlow padding), gradient checks, shapes,
dtypes, errors and the weights API."""

import itertools
import re

import numpy as np
import pytest
from scipy.signal import correlate

from nnlib import Adam, Dense, Flatten, Sequential, regularizers
from nnlib.conv import AveragePooling2D, Conv2D, MaxPooling2D, output_length
from nnlib.gradcheck import check_layer, check_model

pytestmark = pytest.mark.filterwarnings("error")


def built(layer, input_shape, seed=0, dtype=np.float64):
    layer.build(input_shape, np.random.default_rng(seed), dtype)
    return layer


def tf_same_padding(size, window, stride):
    """TensorFlow's documented SAME rule, written out independently of nnlib."""
    out = int(np.ceil(size / stride))
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def reference_conv(X, K, b, strides, padding):
    """Cross-correlation with scipy: every (example, output channel) summed over input channels."""
    (sh, sw), (kh, kw) = strides, K.shape[:2]
    if padding == "same":
        pads = [tf_same_padding(X.shape[1], kh, sh), tf_same_padding(X.shape[2], kw, sw)]
        X = np.pad(X, ((0, 0), *pads, (0, 0)))
    n, C, F = len(X), X.shape[3], K.shape[3]
    maps = np.array(
        [
            [
                sum(correlate(X[i, :, :, c], K[:, :, c, f], mode="valid") for c in range(C))
                for f in range(F)
            ]
            for i in range(n)
        ]
    )  # (n, F, H', W') at stride 1
    return maps[:, :, ::sh, ::sw].transpose(0, 2, 3, 1) + b


def naive_conv(X, K, b, strides):
    """The definition, one output number at a time (valid padding)."""
    (sh, sw), (kh, kw) = strides, K.shape[:2]
    Ho, Wo = (X.shape[1] - kh) // sh + 1, (X.shape[2] - kw) // sw + 1
    out = np.zeros((len(X), Ho, Wo, K.shape[3]))
    for n, r, c, f in itertools.product(*map(range, out.shape)):
        patch = X[n, r * sh : r * sh + kh, c * sw : c * sw + kw, :]
        out[n, r, c, f] = np.sum(patch * K[:, :, :, f]) + b[f]
    return out


def naive_pool(X, pool, strides, reduce, pad_value):
    """Pooling by the definition with 'same' padding where ``pad_value`` is not None."""
    (ph, pw), (sh, sw) = pool, strides
    mask = np.ones(X.shape[1:3])
    if pad_value is not None:
        pads = [tf_same_padding(X.shape[1], ph, sh), tf_same_padding(X.shape[2], pw, sw)]
        X = np.pad(X, ((0, 0), *pads, (0, 0)), constant_values=pad_value)
        mask = np.pad(mask, pads)
    Ho, Wo = (X.shape[1] - ph) // sh + 1, (X.shape[2] - pw) // sw + 1
    out = np.zeros((len(X), Ho, Wo, X.shape[3]))
    for n, r, c, k in itertools.product(*map(range, out.shape)):
        window = X[n, r * sh : r * sh + ph, c * sw : c * sw + pw, k]
        inside = mask[r * sh : r * sh + ph, c * sw : c * sw + pw] > 0
        out[n, r, c, k] = reduce(window[inside])
    return out


# (input H, W, C; filters; kernel; strides; padding): odd and even sizes, strides 1 and 2,
# square and rectangular kernels, several channels.
CONFIGS = [
    ((7, 7, 1), 2, 3, 1, "valid"),
    ((8, 6, 3), 4, 3, 1, "same"),
    ((7, 8, 2), 3, 3, 2, "valid"),
    ((7, 8, 2), 3, 3, 2, "same"),
    ((6, 6, 2), 2, 2, 2, "same"),
    ((5, 9, 3), 2, (2, 3), (1, 2), "same"),
    ((6, 5, 1), 3, (3, 2), (2, 1), "valid"),
    ((4, 4, 2), 1, 4, 1, "same"),
]


@pytest.mark.parametrize(("shape", "filters", "kernel", "strides", "padding"), CONFIGS)
def test_conv_forward_matches_scipy_correlate(shape, filters, kernel, strides, padding):
    rng = np.random.default_rng(1)
    layer = built(Conv2D(filters, kernel, strides=strides, padding=padding), shape)
    b = rng.standard_normal(filters)
    layer.set_weights([layer.K.value, b])
    X = rng.standard_normal((3, *shape))
    expected = reference_conv(X, layer.K.value, b, layer.strides, padding)
    out = layer(X)
    assert out.shape == expected.shape == (3, *layer.output_shape)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kernel", "strides"), [(3, 1), (3, 2), ((2, 3), (2, 1)), (1, 1)])
def test_conv_forward_matches_the_definition(kernel, strides):
    rng = np.random.default_rng(2)
    layer = built(Conv2D(3, kernel, strides=strides), (7, 6, 2), seed=3)
    layer.set_weights([layer.K.value, rng.standard_normal(3)])
    X = rng.standard_normal((2, 7, 6, 2))
    np.testing.assert_allclose(
        layer(X), naive_conv(X, layer.K.value, layer.b.value, layer.strides), rtol=1e-12
    )


def test_conv_is_cross_correlation_not_convolution():
    """The kernel is not flipped: a kernel with a single 1 at the top left picks the pixel at
    the top left of each patch (a true convolution would pick the bottom right)."""
    X = np.arange(16.0).reshape(1, 4, 4, 1)
    K = np.zeros((3, 3, 1, 1))
    K[0, 0] = 1.0
    layer = Conv2D(1, 3, input_shape=(4, 4, 1))
    layer.set_weights([K, np.zeros(1)])
    np.testing.assert_array_equal(layer(X)[0, :, :, 0], X[0, :2, :2, 0])


def test_same_padding_puts_the_odd_row_at_the_bottom_right_as_tensorflow():
    # 4x4 ones, 2x2 kernel of ones, stride 1: one row/column of zeros is needed, and it goes
    # below and to the right, so only the last row and column see it.
    layer = Conv2D(1, 2, padding="same", input_shape=(4, 4, 1))
    layer.set_weights([np.ones((2, 2, 1, 1)), np.zeros(1)])
    out = layer(np.ones((1, 4, 4, 1)))[0, :, :, 0]
    np.testing.assert_array_equal(out, [[4, 4, 4, 2], [4, 4, 4, 2], [4, 4, 4, 2], [2, 2, 2, 1]])
    # 6x6, 3x3 kernel, stride 2: out 3, one row of padding, at the bottom: the first window is
    # X[0:3, 0:3], unpadded; the last is X[4:6, 4:6] plus the padding.
    X = np.arange(36.0).reshape(1, 6, 6, 1)
    layer = Conv2D(1, 3, strides=2, padding="same", input_shape=(6, 6, 1))
    layer.set_weights([np.ones((3, 3, 1, 1)), np.zeros(1)])
    out = layer(X)[0, :, :, 0]
    assert out.shape == (3, 3)
    assert out[0, 0] == X[0, 0:3, 0:3, 0].sum()
    assert out[2, 2] == X[0, 4:6, 4:6, 0].sum()
    # 5x5, 3x3, stride 2: two rows of padding, one on each side.
    layer = Conv2D(1, 3, strides=2, padding="same", input_shape=(5, 5, 1))
    layer.set_weights([np.ones((3, 3, 1, 1)), np.zeros(1)])
    X = np.arange(25.0).reshape(1, 5, 5, 1)
    out = layer(X)[0, :, :, 0]
    assert out[0, 0] == X[0, 0:2, 0:2, 0].sum() and out[1, 1] == X[0, 1:4, 1:4, 0].sum()


@pytest.mark.parametrize(
    ("size", "window", "stride", "padding", "expected"),
    [
        (8, 3, 1, "valid", 6),
        (8, 3, 1, "same", 8),
        (8, 3, 2, "valid", 3),
        (8, 3, 2, "same", 4),
        (7, 3, 2, "valid", 3),
        (7, 3, 2, "same", 4),
        (28, 5, 1, "valid", 24),
        (5, 5, 1, "valid", 1),
        (5, 2, 2, "valid", 2),
        (5, 2, 2, "same", 3),
        (32, 3, 3, "same", 11),
    ],
)
def test_output_length_formula(size, window, stride, padding, expected):
    out, pads = output_length(size, window, stride, padding)
    assert out == expected
    assert pads == ((0, 0) if padding == "valid" else tf_same_padding(size, window, stride))
    assert out == ((size - window) // stride + 1 if padding == "valid" else -(-size // stride))


@pytest.mark.parametrize(("shape", "filters", "kernel", "strides", "padding"), CONFIGS)
@pytest.mark.parametrize("activation", [None, "tanh"])
def test_conv_gradient_check(shape, filters, kernel, strides, padding, activation):
    layer = built(
        Conv2D(filters, kernel, strides=strides, padding=padding, activation=activation), shape
    )
    layer.set_weights([layer.K.value, np.random.default_rng(5).standard_normal(filters)])
    X = np.random.default_rng(4).standard_normal((2, *shape))
    errors = check_layer(layer, X)
    assert set(errors) == {"input", "K", "b"}
    for key, error in errors.items():
        assert error < 1e-6, (key, error)


def test_conv_relu_gradient_check_away_from_the_kink():
    layer = built(Conv2D(3, 3, padding="same", activation="relu"), (6, 5, 2), seed=6)
    X = np.random.default_rng(7).standard_normal((2, 6, 5, 2))
    layer(X)
    assert np.abs(layer.Z).min() > 1e-4  # a 1e-6 step cannot cross zero
    assert (layer.Z < 0).any() and (layer.Z > 0).any()
    assert max(check_layer(layer, X).values()) < 1e-6
    np.testing.assert_array_equal(layer.A, np.maximum(layer.Z, 0))


def test_conv_backward_by_the_chain_rule():
    """dK[i, j, c, f] = sum over n, r, s of X[n, r + i, s + j, c] dZ[n, r, s, f] (stride 1)."""
    rng = np.random.default_rng(8)
    layer = built(Conv2D(2, 3), (5, 6, 2))
    X = rng.standard_normal((3, 5, 6, 2))
    dZ = rng.standard_normal((3, 3, 4, 2))
    layer(X)
    layer.backward(dZ)
    expected = np.zeros((3, 3, 2, 2))
    for i, j in itertools.product(range(3), range(3)):
        expected[i, j] = np.einsum("nrsc,nrsf->cf", X[:, i : i + 3, j : j + 4], dZ)
    np.testing.assert_allclose(layer.K.grad, expected, rtol=1e-12)
    np.testing.assert_allclose(layer.b.grad, dZ.sum(axis=(0, 1, 2)), rtol=1e-12)


# --- pooling ------------------------------------------------------------------------------------

POOL_CONFIGS = [
    ((6, 6, 2), 2, None, "valid"),
    ((7, 7, 1), 2, None, "valid"),
    ((7, 7, 1), 2, None, "same"),
    ((7, 6, 3), 3, 2, "valid"),  # overlapping windows
    ((7, 6, 3), 3, 2, "same"),
    ((5, 8, 2), (2, 3), (1, 2), "same"),
    ((4, 4, 1), 4, None, "valid"),
]


def untied(shape, seed):
    """Random values whose differences are all far larger than a finite-difference step."""
    size = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(size).reshape(shape) * 0.01 + 0.1


@pytest.mark.parametrize(("shape", "pool", "strides", "padding"), POOL_CONFIGS)
def test_max_pooling_matches_the_definition(shape, pool, strides, padding):
    layer = built(MaxPooling2D(pool, strides=strides, padding=padding), shape)
    X = np.random.default_rng(9).standard_normal((2, *shape))
    expected = naive_pool(
        X, layer.pool_size, layer.strides, np.max, -np.inf if padding == "same" else None
    )
    np.testing.assert_array_equal(layer(X), expected)
    assert layer.output_shape == expected.shape[1:]


@pytest.mark.parametrize(("shape", "pool", "strides", "padding"), POOL_CONFIGS)
def test_average_pooling_matches_the_definition(shape, pool, strides, padding):
    layer = built(AveragePooling2D(pool, strides=strides, padding=padding), shape)
    X = np.random.default_rng(10).standard_normal((2, *shape))
    expected = naive_pool(
        X, layer.pool_size, layer.strides, np.mean, 0.0 if padding == "same" else None
    )
    np.testing.assert_allclose(layer(X), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("shape", "pool", "strides", "padding"), POOL_CONFIGS)
@pytest.mark.parametrize("kind", [MaxPooling2D, AveragePooling2D])
def test_pooling_gradient_check(shape, pool, strides, padding, kind):
    layer = built(kind(pool, strides=strides, padding=padding), shape)
    X = untied((2, *shape), seed=11)  # no ties: the maximum of every window is unique
    errors = check_layer(layer, X)
    assert list(errors) == ["input"] and errors["input"] < 1e-6


def test_max_pooling_sends_the_gradient_to_the_maximum_only():
    X = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0]]).reshape(1, 2, 4, 1)
    layer = MaxPooling2D(2)
    np.testing.assert_array_equal(layer(X)[0, :, :, 0], [[5.0, 8.0]])
    dX = layer.backward(np.array([10.0, 20.0]).reshape(1, 1, 2, 1))
    np.testing.assert_array_equal(dX[0, :, :, 0], [[0, 10, 0, 0], [0, 0, 20, 0]])
    # A tie sends it to the first maximum in reading order (and not to both).
    tie = MaxPooling2D(2)
    tie(np.ones((1, 2, 2, 1)))
    np.testing.assert_array_equal(tie.backward(np.ones((1, 1, 1, 1)))[0, :, :, 0], [[1, 0], [0, 0]])


def test_average_pooling_same_padding_counts_only_the_pixels_inside():
    layer = AveragePooling2D(2, padding="same")
    out = layer(np.ones((1, 3, 3, 1)))
    np.testing.assert_array_equal(out, np.ones((1, 2, 2, 1)))  # not 0.5 or 0.25 at the edges
    X = np.arange(9.0).reshape(1, 3, 3, 1)
    np.testing.assert_allclose(layer(X)[0, :, :, 0], [[2.0, 3.5], [6.5, 8.0]])


def test_max_pooling_same_padding_never_picks_the_padding():
    layer = MaxPooling2D(2, padding="same")
    X = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)  # all negative: zero padding would win
    np.testing.assert_array_equal(layer(X)[0, :, :, 0], [[-1.0, -3.0], [-7.0, -9.0]])


def test_pooling_keeps_channels_separate():
    X = np.zeros((1, 2, 2, 2))
    X[0, 0, 0, 0], X[0, 1, 1, 1] = 3.0, 7.0
    np.testing.assert_array_equal(MaxPooling2D(2)(X).reshape(2), [3.0, 7.0])
    np.testing.assert_array_equal(AveragePooling2D(2)(X).reshape(2), [0.75, 1.75])


# --- dtypes, errors, weights --------------------------------------------------------------------


@pytest.mark.parametrize(
    "layer",
    [
        Conv2D(3, 3, padding="same", activation="relu"),
        Conv2D(2, 2, strides=2),
        MaxPooling2D(2, padding="same"),
        AveragePooling2D(3, strides=1, padding="same"),
    ],
    ids=["conv-same-relu", "conv-stride2", "maxpool", "avgpool"],
)
def test_float32_stays_float32(layer):
    X = np.random.default_rng(12).standard_normal((2, 5, 5, 2)).astype(np.float32)
    out = layer(X)  # built lazily from float32 data
    dX = layer.backward(np.ones_like(out))
    assert out.dtype == dX.dtype == np.float32
    for p in layer.parameters():
        assert p.value.dtype == p.grad.dtype == np.float32


def assert_names(excinfo, *parts):
    message = str(excinfo.value)
    for part in parts:
        assert part in message, (part, message)


def test_images_without_a_channel_axis_get_a_clear_error():
    layer = Conv2D(4, 3, input_shape=(8, 8, 1), name="conv")
    layer.build((8, 8, 1), np.random.default_rng(0))
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((5, 8, 8)))
    assert_names(excinfo, "Conv2D", "'conv'", "(None, 8, 8, 1)", "(5, 8, 8)", "X[..., None]")
    with pytest.raises(ValueError) as excinfo:
        Conv2D(4, 3, name="lazy")(np.ones((5, 8, 8)))  # lazily built from a 3-D batch
    assert_names(
        excinfo, "'lazy'", "(None, height, width, channels)", "(None, 8, 8)", "[..., None]"
    )
    with pytest.raises(ValueError) as excinfo:
        Sequential([Conv2D(4, 3, input_shape=(8, 8), name="first")])
    assert_names(excinfo, "'first'", "(None, 8, 8)")
    with pytest.raises(ValueError) as excinfo:
        MaxPooling2D(2, name="pool")(np.ones((5, 8)))
    assert_names(excinfo, "MaxPooling2D", "'pool'", "(None, 8)")


def test_wrong_channels_and_sizes_name_the_layer_and_shapes():
    layer = built(Conv2D(4, 3, name="c1"), (8, 8, 3))
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((2, 8, 8, 1)))
    assert_names(excinfo, "'c1'", "(None, 8, 8, 3)", "(2, 8, 8, 1)")
    with pytest.raises(RuntimeError, match="run forward"):
        layer.backward(np.ones((2, 6, 6, 4)))  # backward before forward
    layer.forward(np.ones((2, 8, 8, 3)))
    with pytest.raises(ValueError) as excinfo:
        layer.backward(np.ones((2, 8, 8, 4)))
    assert_names(excinfo, "'c1'", "(2, 6, 6, 4)", "(2, 8, 8, 4)")
    with pytest.raises(ValueError, match=re.escape("5x5 window does not fit in a 4x4 input")):
        built(Conv2D(1, 5), (4, 4, 1))
    with pytest.raises(ValueError, match="does not fit"):
        built(MaxPooling2D(3), (2, 8, 1))
    assert built(Conv2D(1, 5, padding="same"), (4, 4, 1)).output_shape == (4, 4, 1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Conv2D(0, 3), "positive integer number of filters"),
        (lambda: Conv2D(2.5, 3), "positive integer number of filters"),
        (lambda: Conv2D(2, 0), "kernel_size"),
        (lambda: Conv2D(2, (3, 3, 3)), "kernel_size"),
        (lambda: Conv2D(2, 3, strides=0), "strides"),
        (lambda: Conv2D(2, 3, padding="full"), "padding must be 'valid' or 'same'"),
        (lambda: Conv2D(2, 3, activation="softmax"), "elementwise"),
        (lambda: MaxPooling2D(0), "pool_size"),
        (lambda: AveragePooling2D(2, strides=(1,)), "strides"),
    ],
)
def test_bad_arguments_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_keras_layout_and_glorot_fans():
    layer = built(Conv2D(16, (3, 5), input_shape=(10, 12, 3)), (10, 12, 3), seed=1)
    K, b = layer.get_weights()
    assert K.shape == (3, 5, 3, 16) and b.shape == (16,)  # (kh, kw, C_in, C_out) and (C_out,)
    assert layer.count_params() == 3 * 5 * 3 * 16 + 16
    limit = np.sqrt(6 / (15 * 3 + 15 * 16))  # fan_in = kh kw C_in, fan_out = kh kw C_out
    assert np.abs(K).max() <= limit and np.abs(K).max() > 0.95 * limit
    np.testing.assert_array_equal(b, 0.0)
    assert layer.output_shape == (8, 8, 16)


def test_get_set_weights_round_trip_and_errors():
    layer = built(Conv2D(2, 3, name="c2"), (5, 5, 3))
    rng = np.random.default_rng(2)
    new = [rng.standard_normal((3, 3, 3, 2)), rng.standard_normal(2)]
    layer.set_weights(new)
    for got, want in zip(layer.get_weights(), new, strict=True):
        np.testing.assert_array_equal(got, want)
    layer.get_weights()[0][0, 0, 0, 0] = 99.0
    assert layer.K.value[0, 0, 0, 0] != 99.0
    with pytest.raises(ValueError) as excinfo:
        layer.set_weights([np.ones((3, 3, 2, 3)), np.ones(2)])
    assert_names(excinfo, "'c2'", "(3, 3, 3, 2)", "(3, 3, 2, 3)")
    unbuilt = Conv2D(1, 3, input_shape=(4, 4, 1))
    unbuilt.set_weights([np.ones((3, 3, 1, 1)), np.zeros(1)])  # builds from input_shape
    assert unbuilt.built and unbuilt(np.ones((1, 4, 4, 1))).shape == (1, 2, 2, 1)
    with pytest.raises(ValueError, match="input_shape"):
        Conv2D(1, 3).set_weights([np.ones((3, 3, 1, 1)), np.zeros(1)])


def test_regularizer_penalties_reach_the_loss_and_the_gradients():
    reg = regularizers.L2(0.1)
    layer = Conv2D(2, 3, kernel_regularizer=reg, bias_regularizer="l1", input_shape=(5, 5, 1))
    model = Sequential([layer, Flatten(), Dense(1)], seed=0)
    assert [p.name for p, _ in layer.penalties()] == ["K", "b"]
    model.compile(optimizer="sgd", loss="mse")
    X = np.random.default_rng(3).standard_normal((4, 5, 5, 1))
    y = np.random.default_rng(4).standard_normal((4, 1))
    assert model.penalty() == pytest.approx(0.1 * np.sum(layer.K.value**2))
    assert max(check_model(model, X, y).values()) < 1e-6


def test_check_model_on_a_small_cnn():
    model = Sequential(
        [
            Conv2D(3, 3, padding="same", activation="tanh", input_shape=(6, 6, 2)),
            MaxPooling2D(2),
            Conv2D(2, 2, activation="sigmoid"),
            AveragePooling2D(2),
            Flatten(),
            Dense(3, activation="softmax"),
        ],
        seed=1,
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    X = untied((4, 6, 6, 2), seed=2)  # distinct values: no ties in the max pooling
    y = np.array([0, 2, 1, 2])
    errors = check_model(model, X, y)
    assert len(errors) == 6
    assert max(errors.values()) < 1e-6, errors


def test_a_small_cnn_learns_to_tell_vertical_from_horizontal_bars():
    rng = np.random.default_rng(0)
    n = 200
    y = rng.integers(0, 2, n)
    X = 0.1 * rng.standard_normal((n, 6, 6, 1))
    where = rng.integers(0, 6, n)
    X[y == 1, :, where[y == 1], 0] += 1.0  # a vertical bar in a random column
    X[y == 0, where[y == 0], :, 0] += 1.0  # a horizontal bar in a random row
    model = Sequential(
        [
            Conv2D(4, 3, activation="relu", input_shape=(6, 6, 1)),
            MaxPooling2D(4),
            Flatten(),
            Dense(1, activation="sigmoid"),
        ],
        seed=0,
    )
    model.compile(optimizer=Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X[:150], y[:150], epochs=30, batch_size=16)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate(X[150:], y[150:])[1] >= 0.95


def test_summary_lists_the_shapes_and_parameter_counts():
    model = Sequential(
        [
            Conv2D(8, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
            MaxPooling2D(2),
            Flatten(),
            Dense(10, activation="softmax"),
        ]
    )
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    for part in [
        "conv2d (Conv2D)",
        "(None, 8, 8, 8)",
        "max_pooling2d (MaxPooling2D)",
        "(None, 4, 4, 8)",
        "(None, 128)",
        "Total params: 1,370",
    ]:
        assert part in text, part
    assert model.layers[0].count_params() == 3 * 3 * 1 * 8 + 8
