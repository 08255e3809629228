"""Tests for nnlib.losses: values by hand and from Keras's docs, gradients, stability, errors."""

import warnings

import numpy as np
import pytest

from nnlib import losses
from nnlib.activations import sigmoid, softmax
from nnlib.gradcheck import check_loss
from nnlib.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)

pytestmark = pytest.mark.filterwarnings("error")

rng = np.random.default_rng  # shorthand: every random array below is seeded


def one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


def no_float_trouble():
    return np.errstate(over="raise", divide="raise", invalid="raise")


# --- values ------------------------------------------------------------------------------------


def test_mse_by_hand():
    loss = MeanSquaredError()([[1.0], [2.0], [3.0]], [[1.5], [2.0], [2.0]])
    assert loss == pytest.approx((0.5**2 + 0 + 1**2) / 3)


def test_mse_averages_the_outputs_and_the_batch():
    # Keras's documented example: per example [0.5, 0.5], loss 0.5.
    y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]
    np.testing.assert_allclose(MeanSquaredError().per_example(y_true, y_pred), [0.5, 0.5])
    assert MeanSquaredError()(y_true, y_pred) == 0.5
    y_true, y_pred = [[0.0, 2.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 4.0]]
    assert MeanSquaredError()(y_true, y_pred) == pytest.approx(np.mean([(1 + 4) / 2, (0 + 9) / 2]))


def test_y_of_shape_n_is_matched_to_n_by_1():
    y, y_hat = np.array([1.0, 2.0]), np.array([[1.0], [3.0]])
    assert MeanSquaredError()(y, y_hat) == 0.5
    assert np.mean((y_hat - y) ** 2) != 0.5  # what silent broadcasting to (2, 2) would give
    p = np.array([[0.9], [0.2]])
    assert BinaryCrossentropy()(np.array([1, 0]), p) == BinaryCrossentropy()([[1], [0]], p)
    assert MeanSquaredError().gradient(y, y_hat).shape == (2, 1)


def test_bce_by_hand():
    expected = -(np.log(0.9) + np.log(1 - 0.2)) / 2
    assert BinaryCrossentropy()([[1.0], [0.0]], [[0.9], [0.2]]) == pytest.approx(
        expected, rel=1e-12
    )
    z = np.log(0.9 / 0.1)  # sigmoid(z) == 0.9
    assert BinaryCrossentropy(from_logits=True)([[1.0]], [[z]]) == pytest.approx(
        -np.log(0.9), rel=1e-12
    )


def test_bce_keras_examples():
    # keras.losses.binary_crossentropy docs: per example [0.916, 0.714], mean 0.815.
    y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]
    np.testing.assert_allclose(
        BinaryCrossentropy().per_example(y_true, y_pred), [0.916, 0.714], atol=5e-4
    )
    assert BinaryCrossentropy()(y_true, y_pred) == pytest.approx(0.815, abs=5e-4)
    # keras.losses.BinaryCrossentropy(from_logits=True) docs: 0.865.
    logits = np.array([[-18.6], [0.51], [2.94], [-12.8]])
    assert BinaryCrossentropy(from_logits=True)([0, 1, 0, 0], logits) == pytest.approx(
        0.865, abs=5e-4
    )


def test_cce_and_sparse_keras_example():
    # keras.losses.categorical_crossentropy docs: per example [0.0513, 2.303], mean 1.177.
    labels = np.array([1, 2])
    y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    expected = [-np.log(0.95), -np.log(0.1)]
    np.testing.assert_allclose(
        CategoricalCrossentropy().per_example(one_hot(labels, 3), y_pred), expected, rtol=1e-12
    )
    assert CategoricalCrossentropy()(one_hot(labels, 3), y_pred) == pytest.approx(1.177, abs=5e-4)
    assert SparseCategoricalCrossentropy()(labels, y_pred) == pytest.approx(
        np.mean(expected), rel=1e-12
    )


def test_sparse_accepts_column_and_whole_float_labels():
    y_pred = softmax(rng(0).standard_normal((4, 3)))
    labels = np.array([0, 2, 1, 2])
    loss = SparseCategoricalCrossentropy()
    assert loss(labels[:, None], y_pred) == loss(labels, y_pred)
    assert loss(labels.astype(float), y_pred) == loss(labels, y_pred)
    dense_loss = CategoricalCrossentropy()(one_hot(labels, 3), y_pred)
    assert loss(labels, y_pred) == pytest.approx(dense_loss, rel=1e-14)


def test_from_logits_equals_probability_version_where_nothing_is_clipped():
    z = rng(1).uniform(-5, 5, (10, 1))
    y = (rng(2).random((10, 1)) > 0.5).astype(float)
    assert BinaryCrossentropy(from_logits=True)(y, z) == pytest.approx(
        BinaryCrossentropy()(y, sigmoid(z)), rel=1e-12
    )
    Z = rng(3).uniform(-5, 5, (10, 4))
    labels = rng(4).integers(0, 4, 10)
    for loss, target in [
        (CategoricalCrossentropy, one_hot(labels, 4)),
        (SparseCategoricalCrossentropy, labels),
    ]:
        assert loss(from_logits=True)(target, Z) == pytest.approx(
            loss()(target, softmax(Z)), rel=1e-12
        )


# --- gradients against finite differences ------------------------------------------------------


def test_mse_gradient():
    y_true, y_pred = rng(0).standard_normal((6, 3)), rng(1).standard_normal((6, 3))
    assert check_loss(MeanSquaredError(), y_true, y_pred) < 1e-6
    assert check_loss(MeanSquaredError(), y_true[:, 0], y_pred[:, :1]) < 1e-6


@pytest.mark.parametrize("soft", [False, True])
def test_bce_gradient(soft):
    y_true = rng(0).random((8, 2)) if soft else (rng(0).random((8, 2)) > 0.5).astype(float)
    p = rng(1).uniform(0.05, 0.95, (8, 2))
    assert check_loss(BinaryCrossentropy(), y_true, p) < 1e-6
    z = rng(2).uniform(-6, 6, (8, 2))
    assert check_loss(BinaryCrossentropy(from_logits=True), y_true, z) < 1e-6


@pytest.mark.parametrize("from_logits", [False, True])
def test_cce_gradient(from_logits):
    labels = rng(0).integers(0, 4, 7)
    y_pred = rng(1).standard_normal((7, 4))
    if not from_logits:
        y_pred = softmax(y_pred)
    assert check_loss(CategoricalCrossentropy(from_logits), one_hot(labels, 4), y_pred) < 1e-6
    soft_targets = softmax(rng(2).standard_normal((7, 4)))  # not one-hot: every class counts
    assert check_loss(CategoricalCrossentropy(from_logits), soft_targets, y_pred) < 1e-6


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("shape", [(4,), (2, 3, 4), (2, 2, 3, 4)])
def test_cce_gradient_with_other_than_two_axes(from_logits, shape):
    # One example without a batch axis, a class at every step, at every pixel: the loss is the
    # mean over all but the last axis, and so must the gradient be (it once divided by shape[0]).
    y_pred = rng(1).standard_normal(shape)
    if not from_logits:
        y_pred = softmax(y_pred)
    targets = softmax(rng(2).standard_normal(shape))
    loss = CategoricalCrossentropy(from_logits)
    assert check_loss(loss, targets, y_pred) < 1e-6
    flat = loss(targets.reshape(-1, 4), y_pred.reshape(-1, 4))
    assert loss(targets, y_pred) == pytest.approx(flat, rel=1e-12)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_cce_gradient(from_logits):
    labels = rng(0).integers(0, 4, 7)
    y_pred = rng(1).standard_normal((7, 4))
    if not from_logits:
        y_pred = softmax(y_pred)
    assert check_loss(SparseCategoricalCrossentropy(from_logits), labels, y_pred) < 1e-6


def test_sparse_gradient_equals_one_hot_gradient():
    labels = rng(0).integers(0, 3, 5)
    Z = rng(1).standard_normal((5, 3))
    for from_logits, y_pred in [(True, Z), (False, softmax(Z))]:
        np.testing.assert_allclose(
            SparseCategoricalCrossentropy(from_logits).gradient(labels, y_pred),
            CategoricalCrossentropy(from_logits).gradient(one_hot(labels, 3), y_pred),
            rtol=1e-14,
        )


def test_from_logits_gradient_is_prediction_minus_target_over_n():
    z, y = rng(0).standard_normal((4, 1)), np.array([[1.0], [0.0], [1.0], [0.0]])
    np.testing.assert_allclose(
        BinaryCrossentropy(from_logits=True).gradient(y, z), (sigmoid(z) - y) / 4, rtol=1e-14
    )
    Z, Y = rng(1).standard_normal((4, 3)), one_hot([0, 1, 2, 1], 3)
    np.testing.assert_allclose(
        CategoricalCrossentropy(from_logits=True).gradient(Y, Z), (softmax(Z) - Y) / 4, rtol=1e-14
    )


# --- stability ---------------------------------------------------------------------------------


def test_bce_from_logits_stable():
    loss = BinaryCrossentropy(from_logits=True)
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    z = np.array([[-1000.0], [1000.0], [1000.0], [-1000.0]])
    with no_float_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(loss.per_example(y, z), [1000.0, 1000.0, 0.0, 0.0])
        grad = loss.gradient(y, z)
    assert loss([[1.0]], [[-1000.0]]) == 1000.0
    np.testing.assert_array_equal(grad, [[-0.25], [0.25], [0.0], [0.0]])


def test_cce_from_logits_stable():
    Z = np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]])
    labels = np.array([1, 0])
    with no_float_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss, target in [
            (CategoricalCrossentropy(True), one_hot(labels, 3)),
            (SparseCategoricalCrossentropy(True), labels),
        ]:
            np.testing.assert_array_equal(loss.per_example(target, Z), [2000.0, 0.0])
            grad = loss.gradient(target, Z)
            np.testing.assert_array_equal(grad, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]])


def test_probabilities_of_exactly_0_and_1_are_clipped():
    cap = -np.log(losses.EPSILON)  # about 16.1
    with no_float_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        bce = BinaryCrossentropy()
        assert bce([[1.0], [0.0]], [[0.0], [1.0]]) == pytest.approx(cap, rel=1e-6)
        assert np.all(np.isfinite(bce.gradient([[1.0], [0.0]], [[0.0], [1.0]])))
        assert bce([[1.0]], [[1.0]]) == pytest.approx(0.0, abs=1e-6)
        cce = CategoricalCrossentropy()
        assert cce([[0.0, 1.0]], [[1.0, 0.0]]) == pytest.approx(cap, rel=1e-6)
        assert np.all(np.isfinite(cce.gradient([[0.0, 1.0]], [[1.0, 0.0]])))
        sparse = SparseCategoricalCrossentropy()
        assert sparse([1], [[1.0, 0.0]]) == pytest.approx(cap, rel=1e-6)
        assert np.all(np.isfinite(sparse.gradient([1], [[1.0, 0.0]])))


def test_gradient_is_zero_where_the_probability_is_clipped():
    # Below EPSILON (or above 1 - EPSILON) the clipped loss is flat, so its gradient is 0.
    tiny = losses.EPSILON / 100
    cases = [
        (BinaryCrossentropy(), [[1.0], [0.0], [1.0]], [[tiny], [1 - tiny], [0.5]]),
        (CategoricalCrossentropy(), [[1.0, 0.0], [0.0, 1.0]], [[tiny, 1 - tiny], [0.3, 0.7]]),
        (SparseCategoricalCrossentropy(), [0, 1], [[tiny, 1 - tiny], [0.3, 0.7]]),
    ]
    for loss, y_true, y_pred in cases:
        grad = loss.gradient(y_true, np.array(y_pred))
        assert np.all(grad[:-1] == 0), type(loss).__name__  # the clipped rows
        assert np.any(grad[-1] != 0)  # the last row is not clipped
        assert check_loss(loss, y_true, y_pred, eps=1e-8) < 1e-6  # steps stay inside the clip


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0], [0.5, 1.0], [np.nan, 0]])
def test_sparse_labels_out_of_range_or_not_integer(labels):
    y_pred = np.full((2, 3), 1 / 3)
    loss = SparseCategoricalCrossentropy()
    integer = np.all(np.isfinite(labels)) and np.all(np.asarray(labels) % 1 == 0)
    why = "labels must lie in" if integer else "expected integer class labels"
    with pytest.raises(ValueError, match=f"SparseCategoricalCrossentropy {why}"):
        loss(labels, y_pred)
    with pytest.raises(ValueError, match=f"SparseCategoricalCrossentropy {why}"):
        loss.gradient(labels, y_pred)


@pytest.mark.parametrize(
    "loss",
    [
        MeanSquaredError(),
        BinaryCrossentropy(),
        BinaryCrossentropy(from_logits=True),
        CategoricalCrossentropy(),
    ],
)
def test_shape_mismatch(loss):
    y_true, y_pred = np.zeros((4, 2)), np.full((4, 3), 0.5)
    for call in (loss, loss.gradient):
        with pytest.raises(ValueError) as excinfo:
            call(y_true, y_pred)
        message = str(excinfo.value)
        assert type(loss).__name__ in message and "(4, 3)" in message and "(4, 2)" in message


def test_sparse_shape_mismatch():
    with pytest.raises(ValueError) as excinfo:
        SparseCategoricalCrossentropy()([0, 1, 2], np.full((4, 3), 1 / 3))
    message = str(excinfo.value)
    assert message.startswith("SparseCategoricalCrossentropy expected")
    assert "(4,)" in message and "(3,)" in message and "(4, 3)" in message


# --- lookup and dtypes -------------------------------------------------------------------------


def test_get():
    assert isinstance(losses.get("mse"), MeanSquaredError)
    assert isinstance(losses.get("mean_squared_error"), MeanSquaredError)
    assert isinstance(losses.get("binary_crossentropy"), BinaryCrossentropy)
    assert isinstance(losses.get("categorical_crossentropy"), CategoricalCrossentropy)
    assert isinstance(losses.get("sparse_categorical_crossentropy"), SparseCategoricalCrossentropy)
    assert not losses.get("binary_crossentropy").from_logits
    loss = BinaryCrossentropy(from_logits=True)
    assert losses.get(loss) is loss
    with pytest.raises(ValueError, match="unknown loss"):
        losses.get("hinge")


def test_from_logits_version():
    twin = losses.from_logits_version(BinaryCrossentropy(), "sigmoid")
    assert isinstance(twin, BinaryCrossentropy) and twin.from_logits
    assert losses.from_logits_version(CategoricalCrossentropy(), "softmax").from_logits
    assert losses.from_logits_version(SparseCategoricalCrossentropy(), "softmax").from_logits
    assert losses.from_logits_version(BinaryCrossentropy(), "linear") is None
    assert losses.from_logits_version(BinaryCrossentropy(from_logits=True), "sigmoid") is None
    assert losses.from_logits_version(MeanSquaredError(), "sigmoid") is None
    assert losses.from_logits_version(CategoricalCrossentropy(), "sigmoid") is None


@pytest.mark.parametrize(
    ("loss", "y_true"),
    [
        (MeanSquaredError(), [[0.5], [1.0]]),
        (BinaryCrossentropy(), [[1.0], [0.0]]),
        (BinaryCrossentropy(True), [[1.0], [0.0]]),
        (CategoricalCrossentropy(), [[1.0], [1.0]]),
        (SparseCategoricalCrossentropy(True), [0, 0]),
    ],
)
def test_float32_gradient_stays_float32(loss, y_true):
    y_pred = np.array([[0.3], [0.6]], dtype=np.float32)
    assert loss.gradient(y_true, y_pred).dtype == np.float32
    assert loss.per_example(y_true, y_pred).dtype == np.float32


# --- value and gradient at once (what a training step calls) ----------------------------------


@pytest.mark.parametrize(
    "loss, y_true",
    [
        (MeanSquaredError(), rng(0).standard_normal((5, 3))),
        (BinaryCrossentropy(), rng(1).integers(0, 2, (5, 3)).astype(float)),
        (BinaryCrossentropy(from_logits=True), rng(1).integers(0, 2, (5, 3)).astype(float)),
        (CategoricalCrossentropy(), one_hot(rng(2).integers(0, 3, 5), 3)),
        (CategoricalCrossentropy(from_logits=True), one_hot(rng(2).integers(0, 3, 5), 3)),
        (SparseCategoricalCrossentropy(), rng(3).integers(0, 3, 5)),
        (SparseCategoricalCrossentropy(from_logits=True), rng(3).integers(0, 3, 5)),
    ],
    ids=["mse", "bce", "bce-logits", "cce", "cce-logits", "sparse", "sparse-logits"],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_and_gradient_equal_the_loss_and_its_gradient(loss, y_true, dtype):
    z = rng(4).standard_normal((5, 3))
    y_pred = z if loss.from_logits or isinstance(loss, MeanSquaredError) else softmax(z)
    y_pred = y_pred.astype(dtype)
    value, grad = loss.value_and_gradient(y_true, y_pred)
    assert isinstance(value, float) and grad.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert value == pytest.approx(loss(y_true, y_pred), rel=rtol)
    np.testing.assert_allclose(grad, loss.gradient(y_true, y_pred), rtol=rtol, atol=rtol * 1e-3)


def test_sparse_value_and_gradient_from_logits_is_stable_at_1000():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    with no_float_trouble():
        value, grad = SparseCategoricalCrossentropy(True).value_and_gradient([2, 1], z)
    assert value == pytest.approx((1000.0 + np.log1p(np.exp(-1.0))) / 2)
    np.testing.assert_allclose(grad, (softmax(z) - one_hot([2, 1], 3)) / 2, atol=1e-15)
