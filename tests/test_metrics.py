"""Tests for nnlib.metrics: accuracies on hand-made cases and Keras's choice of 'accuracy'."""

import numpy as np
import pytest

from nnlib import losses, metrics

pytestmark = pytest.mark.filterwarnings("error")


def test_binary_accuracy():
    y_true = np.array([1, 0, 1, 0])
    y_pred = np.array([[0.9], [0.4], [0.2], [0.6]])  # right, right, wrong, wrong
    assert metrics.binary_accuracy(y_true, y_pred) == 0.5
    assert metrics.binary_accuracy(y_true[:, None], y_pred) == 0.5
    assert metrics.binary_accuracy(y_true, y_pred, threshold=0.3) == 0.25  # only the first
    assert metrics.binary_accuracy([1, 1, 0], [[0.7], [0.51], [0.5]]) == 1.0  # 0.5 is not > 0.5


def test_binary_accuracy_on_logits():
    y_true = np.array([1, 0, 1, 0])
    logits = np.array([[0.3], [-0.1], [0.4], [-2.0]])
    assert metrics.binary_accuracy(y_true, logits, threshold=0.0) == 1.0
    assert metrics.binary_accuracy(y_true, logits) == 0.5  # a 0.5 threshold is wrong for logits


def test_categorical_accuracy():
    y_true = np.eye(3)[[0, 1, 2, 2]]
    y_pred = np.array([[0.8, 0.1, 0.1], [0.3, 0.4, 0.3], [0.5, 0.2, 0.3], [0.0, 0.1, 0.9]])
    assert metrics.categorical_accuracy(y_true, y_pred) == 0.75


def test_sparse_categorical_accuracy():
    y_pred = np.array([[0.8, 0.1, 0.1], [0.3, 0.4, 0.3], [0.5, 0.2, 0.3], [0.0, 0.1, 0.9]])
    assert metrics.sparse_categorical_accuracy(np.array([0, 1, 2, 2]), y_pred) == 0.75
    assert metrics.sparse_categorical_accuracy(np.array([[0], [1], [2], [2]]), y_pred) == 0.75
    assert metrics.sparse_categorical_accuracy(np.array([1, 0, 1, 0]), y_pred) == 0.0


def test_regression_metrics():
    y_true, y_pred = np.array([1.0, 2.0, 3.0]), np.array([[2.0], [2.0], [5.0]])
    assert metrics.mean_absolute_error(y_true, y_pred) == 1.0
    assert metrics.mean_squared_error(y_true, y_pred) == pytest.approx(5 / 3)


def test_metrics_return_python_floats():
    assert type(metrics.binary_accuracy([1], [[0.9]])) is float
    assert type(metrics.categorical_accuracy([[0, 1]], [[0.2, 0.8]])) is float


@pytest.mark.parametrize(
    ("loss", "output_size", "expected"),
    [
        (losses.BinaryCrossentropy(), 1, "binary"),
        (losses.MeanSquaredError(), 1, "binary"),
        (losses.CategoricalCrossentropy(), 3, "categorical"),
        (losses.CategoricalCrossentropy(from_logits=True), 3, "categorical"),
        (losses.SparseCategoricalCrossentropy(), 3, "sparse"),
        (losses.SparseCategoricalCrossentropy(from_logits=True), 3, "sparse"),
        (losses.MeanSquaredError(), 3, "categorical"),
    ],
)
def test_get_accuracy_picks_the_variant(loss, output_size, expected):
    name, fn = metrics.get("accuracy", loss, output_size)
    assert name == "accuracy"
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]])[:, :output_size]
    targets = {
        "binary": np.array([1, 0]),
        "categorical": np.eye(3)[[0, 2]],
        "sparse": np.array([0, 2]),
    }
    # Each variant gets 1.0 with its own kind of target; the others would fail or differ.
    if expected == "binary":
        assert fn(targets["binary"], y_pred) == 1.0
        assert fn(targets["binary"], np.array([[0.4], [0.6]])) == 0.0
    else:
        assert fn(targets[expected], y_pred) == 1.0
        assert fn(targets[expected], y_pred[::-1]) == 0.0
    assert metrics.get("acc", loss, output_size)[1].__name__ == fn.__name__


def test_get_accuracy_thresholds_logits_at_zero():
    _, from_probs = metrics.get("accuracy", losses.BinaryCrossentropy())
    _, from_logits = metrics.get("accuracy", losses.BinaryCrossentropy(from_logits=True))
    y_true, scores = np.array([1, 1, 0]), np.array([[0.3], [2.0], [-1.0]])
    assert from_logits(y_true, scores) == 1.0  # 0.3 is a positive logit: class 1
    assert from_probs(y_true, scores) == pytest.approx(2 / 3)  # 0.3 as a probability: class 0


def test_get_by_name_and_callable():
    assert metrics.get("mae") == ("mae", metrics.mean_absolute_error)
    assert metrics.get("mean_squared_error") == ("mean_squared_error", metrics.mean_squared_error)

    def hit_rate(y_true, y_pred):
        return 1.0

    assert metrics.get(hit_rate) == ("hit_rate", hit_rate)
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.get("f1")
