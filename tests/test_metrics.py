"""Tests for nnlib.metrics: accuracies on hand-made cases and Keras's choice of 'accuracy'."""

import re

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


def test_binary_accuracy_names_itself_in_a_shape_error():
    with pytest.raises(
        ValueError, match=re.escape("binary_accuracy expected y_true of shape (3,)")
    ):
        metrics.binary_accuracy(np.ones((3, 1)), np.ones(3))


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
        (losses.CategoricalCrossentropy(), 1, "binary"),  # by the shape, as Keras: one output
        (losses.BinaryCrossentropy(), 3, "categorical"),  # several: the argmax, as Keras
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
    short = metrics.get("acc", loss, output_size)[1]  # the same variant: the same answers
    for target in targets.values():
        for pred in (y_pred, y_pred[::-1]):
            try:
                want = fn(target, pred)
            except ValueError:
                with pytest.raises(ValueError):
                    short(target, pred)
                continue
            assert short(target, pred) == want


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


# --- confusion, per-group rates, calibration (chapter 9) ----------------------------------------

LABELS_RNG = np.random.default_rng(0)
Y_TRUE = LABELS_RNG.integers(0, 2, 300)
Y_PRED = np.where(LABELS_RNG.random(300) < 0.8, Y_TRUE, 1 - Y_TRUE)
GROUPS = LABELS_RNG.choice(["a", "b", "c"], 300)


def test_confusion_matrix_matches_scikit_learn():
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    np.testing.assert_array_equal(
        metrics.confusion_matrix(y_true, y_pred), confusion_matrix(y_true, y_pred)
    )
    C = metrics.confusion_matrix([0, 1, 1], [1, 1, 1], num_classes=4)
    assert C.shape == (4, 4) and C[0, 1] == 1 and C[1, 1] == 2 and C.sum() == 3
    with pytest.raises(ValueError, match="num_classes=2"):
        metrics.confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="same length"):
        metrics.confusion_matrix([0, 1], [0])


def test_rates_match_scikit_learn():
    from sklearn.metrics import confusion_matrix, recall_score

    tn, fp, fn, tp = confusion_matrix(Y_TRUE, Y_PRED).ravel()
    assert metrics.true_positive_rate(Y_TRUE, Y_PRED) == pytest.approx(recall_score(Y_TRUE, Y_PRED))
    assert metrics.true_positive_rate(Y_TRUE, Y_PRED) == pytest.approx(tp / (tp + fn))
    assert metrics.false_positive_rate(Y_TRUE, Y_PRED) == pytest.approx(fp / (fp + tn))
    assert metrics.selection_rate(Y_TRUE, Y_PRED) == pytest.approx((tp + fp) / 300)
    assert np.isnan(metrics.true_positive_rate([0, 0], [1, 0]))  # no positives: undefined
    assert metrics.false_positive_rate([0, 0], [1, 0]) == 0.5


def test_group_metrics_are_the_metrics_within_each_group():
    out = metrics.group_metrics(Y_TRUE, Y_PRED, GROUPS)
    assert list(out) == ["a", "b", "c"]
    for g, row in out.items():
        t, p = Y_TRUE[GROUPS == g], Y_PRED[GROUPS == g]
        assert row["n"] == len(t)
        assert row["accuracy"] == pytest.approx(np.mean(t == p))
        assert row["true_positive_rate"] == pytest.approx(metrics.true_positive_rate(t, p))
        assert row["false_positive_rate"] == pytest.approx(metrics.false_positive_rate(t, p))
        assert row["selection_rate"] == pytest.approx(np.mean(p == 1))
    assert sum(row["n"] for row in out.values()) == 300
    assert list(metrics.group_metrics([1, 0], [1, 1], np.array([1, 0]))) == [0, 1]
    with pytest.raises(ValueError, match="one entry per example"):
        metrics.group_metrics(Y_TRUE, Y_PRED, GROUPS[:10])


def test_calibration_curve_by_hand():
    # Top-class confidences 0.95, 0.9, 0.55, 0.6 (the last is class 0 of a binary one).
    y_true = np.array([0, 1, 1, 1])
    proba = np.array([[0.95, 0.05], [0.1, 0.9], [0.45, 0.55], [0.6, 0.4]])
    confidence, accuracy, count = metrics.calibration_curve(y_true, proba, n_bins=2)
    np.testing.assert_array_equal(count, [0, 4])  # every top-class probability is above 0.5
    np.testing.assert_allclose(confidence[1], np.mean([0.95, 0.9, 0.55, 0.6]))
    assert accuracy[1] == 0.75 and np.isnan(accuracy[0]) and np.isnan(confidence[0])
    confidence, accuracy, count = metrics.calibration_curve(y_true, proba, n_bins=10)
    np.testing.assert_array_equal(np.flatnonzero(count), [5, 8, 9])
    np.testing.assert_allclose(accuracy[[5, 8, 9]], [0.5, 1.0, 1.0])
    ece = metrics.expected_calibration_error(y_true, proba, n_bins=10)
    expected = (2 * abs(0.5 - 0.575) + abs(1 - 0.9) + abs(1 - 0.95)) / 4
    assert ece == pytest.approx(expected)


def test_a_calibrated_model_has_zero_calibration_error_and_binary_input_works():
    # 10 examples at confidence 0.8, 8 of them right; 5 at 0.6, 3 right.
    y_true = np.array([1] * 8 + [0] * 2 + [1] * 3 + [0] * 2)
    p1 = np.array([0.8] * 10 + [0.6] * 5)
    assert metrics.expected_calibration_error(y_true, p1) == pytest.approx(0.0, abs=1e-12)
    assert metrics.expected_calibration_error(y_true, p1[:, None]) == pytest.approx(0.0, abs=1e-12)
    # Always saying "1 with certainty" on these is off by the error rate: 4 of 15 wrong.
    assert metrics.expected_calibration_error(y_true, np.ones(15)) == pytest.approx(4 / 15)
    with pytest.raises(ValueError, match="probabilities of shape"):
        metrics.expected_calibration_error(y_true, np.ones((14, 2)))
