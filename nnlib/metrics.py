"""Metrics: ``metric(y_true, y_pred) -> float``, averaged over the batch like Keras's."""

import numpy as np

from . import losses


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Fraction of outputs on the right side of ``threshold``; ``y_pred`` of shape (n, 1)."""
    y_true, y_pred = losses.matched(y_true, y_pred, "binary_accuracy")
    return float(np.mean((y_pred > threshold) == (y_true > 0.5)))


def categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose largest output is the one-hot target's class."""
    return float(np.mean(np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose largest output is the integer label ``y_true``."""
    return float(np.mean(np.argmax(y_pred, axis=-1) == np.asarray(y_true).reshape(-1)))


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_pred - y_true|)``."""
    y_true, y_pred = losses.matched(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(y_pred - y_true)))


def mean_squared_error(y_true, y_pred):
    """``mean((y_pred - y_true)**2)``."""
    return losses.MeanSquaredError()(y_true, y_pred)


METRICS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mae": mean_absolute_error,
    "mean_absolute_error": mean_absolute_error,
    "mse": mean_squared_error,
    "mean_squared_error": mean_squared_error,
}


def get(metric, loss=None, output_size=1):
    """``(name, function)`` for a metric name; ``'accuracy'`` picks the variant that fits ``loss``.

    As in Keras, the choice goes by the output's shape first: one output means binary accuracy
    (thresholding at 0.5, or logits at 0 when the loss takes logits); several mean sparse
    categorical accuracy after sparse cross-entropy and categorical accuracy (the argmax) after
    any other loss. (So several yes/no outputs trained with binary cross-entropy get the
    argmax, as in Keras: for multi-label accuracy, pass ``binary_accuracy`` itself.)
    """
    if callable(metric):
        return metric.__name__, metric
    if metric in ("accuracy", "acc"):
        if output_size == 1:
            threshold = 0.0 if getattr(loss, "from_logits", False) else 0.5
            return "accuracy", lambda y_true, y_pred: binary_accuracy(y_true, y_pred, threshold)
        if isinstance(loss, losses.SparseCategoricalCrossentropy):
            return "accuracy", sparse_categorical_accuracy
        return "accuracy", categorical_accuracy
    if metric in METRICS:
        return metric, METRICS[metric]
    raise ValueError(f"unknown metric {metric!r}; choose 'accuracy' or one of {sorted(METRICS)}")


# ---------------------------------------------------------------------------------------------
# Confusion, calibration and per-group rates (chapter 9). These take predicted *labels* (not
# probabilities), except the calibration functions, which take probabilities.


def _labels(fn, y):
    y = np.asarray(y).reshape(-1)
    if y.size and (y.min() < 0 or not np.all(y == np.round(y))):
        raise ValueError(f"{fn}: expected integer class labels >= 0")
    return y.astype(np.int64)


def _pair(fn, y_true, y_pred):
    y_true, y_pred = _labels(fn, y_true), _labels(fn, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn}: y_true and y_pred must have the same length, received {y_true.shape} and "
            f"{y_pred.shape}"
        )
    return y_true, y_pred


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as class ``j``.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n_samples,)
        Integer class labels.
    num_classes : int or None
        Size of the matrix; defaults to the largest label + 1.

    Returns
    -------
    ndarray, shape (num_classes, num_classes), int64
        Rows are true classes and columns predicted ones, as in scikit-learn.
    """
    y_true, y_pred = _pair("confusion_matrix", y_true, y_pred)
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if y_true.size and max(y_true.max(), y_pred.max()) >= num_classes:
        raise ValueError(f"confusion_matrix: a label does not fit in num_classes={num_classes}")
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)


def selection_rate(y_true, y_pred):
    """Fraction of examples predicted positive (label 1); ``y_true`` is ignored.

    It takes ``y_true`` anyway so that every metric here has the same signature.
    """
    _, y_pred = _pair("selection_rate", y_true, y_pred)
    return float(np.mean(y_pred == 1)) if y_pred.size else float("nan")


def true_positive_rate(y_true, y_pred):
    """Among the examples whose label is 1, the fraction predicted 1 (recall); nan if none."""
    y_true, y_pred = _pair("true_positive_rate", y_true, y_pred)
    positives = y_true == 1
    return float(np.mean(y_pred[positives] == 1)) if positives.any() else float("nan")


def false_positive_rate(y_true, y_pred):
    """Among the examples whose label is 0, the fraction predicted 1; nan if none."""
    y_true, y_pred = _pair("false_positive_rate", y_true, y_pred)
    negatives = y_true == 0
    return float(np.mean(y_pred[negatives] == 1)) if negatives.any() else float("nan")


def group_metrics(y_true, y_pred, group):
    """Accuracy and the rates that fairness criteria compare, computed within each group.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n_samples,)
        True and predicted labels (0/1 for the rates; accuracy works for any classes).
    group : array_like, shape (n_samples,)
        Group membership, any hashable values.

    Returns
    -------
    dict
        ``{g: {"n", "accuracy", "selection_rate", "true_positive_rate",
        "false_positive_rate"}}`` for every group ``g`` present, in sorted order. Equal
        selection rates across groups is *demographic parity*; equal true-positive rates is
        *equal opportunity*; equal true- and false-positive rates is *equalised odds*.
    """
    y_true, y_pred = _pair("group_metrics", y_true, y_pred)
    group = np.asarray(group).reshape(-1)
    if group.shape != y_true.shape:
        raise ValueError(
            f"group_metrics: group must have one entry per example ({y_true.shape}), received "
            f"{group.shape}"
        )
    out = {}
    for g in np.unique(group):
        t, p = y_true[group == g], y_pred[group == g]
        key = g.item() if hasattr(g, "item") else g
        out[key] = {
            "n": int(len(t)),
            "accuracy": float(np.mean(t == p)),
            "selection_rate": selection_rate(t, p),
            "true_positive_rate": true_positive_rate(t, p),
            "false_positive_rate": false_positive_rate(t, p),
        }
    return out


def _confidence_and_correct(fn, y_true, proba):
    """Top-class probability and whether the top class is right: two arrays of shape (n,)."""
    proba = np.asarray(proba, dtype=float)
    if proba.ndim == 1 or (proba.ndim == 2 and proba.shape[1] == 1):  # P(class 1) of a binary one
        p1 = proba.reshape(-1)
        proba = np.column_stack([1 - p1, p1])
    y_true = _labels(fn, y_true)
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError(
            f"{fn}: expected probabilities of shape (n_samples, n_classes) for {len(y_true)} "
            f"labels, received {proba.shape}"
        )
    return proba.max(axis=1), (proba.argmax(axis=1) == y_true).astype(float)


def calibration_curve(y_true, proba, n_bins=10):
    """Confidence against accuracy, in equal-width bins of the top-class probability.

    Parameters
    ----------
    y_true : array_like, shape (n_samples,)
        Integer class labels.
    proba : array_like, shape (n_samples, n_classes), or (n_samples,) for P(class 1)
    n_bins : int
        Bins ``(0, 1/n_bins], ..., ((n_bins-1)/n_bins, 1]``.

    Returns
    -------
    confidence, accuracy : ndarray, shape (n_bins,)
        Mean top-class probability and fraction correct of the examples in each bin (nan for an
        empty bin). A calibrated model has ``accuracy == confidence`` in every bin.
    count : ndarray, shape (n_bins,), int64
    """
    confidence, correct = _confidence_and_correct("calibration_curve", y_true, proba)
    bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(bins, confidence, minlength=n_bins) / count
        accuracy = np.bincount(bins, correct, minlength=n_bins) / count
    return mean_confidence, accuracy, count.astype(np.int64)


def expected_calibration_error(y_true, proba, n_bins=10):
    """``sum_b (n_b / n) |accuracy_b - confidence_b|`` over the bins of ``calibration_curve``.

    0 for a calibrated model; Guo, Pleiss, Sun and Weinberger (2017) use 15 bins.
    """
    confidence, accuracy, count = calibration_curve(y_true, proba, n_bins)
    used = count > 0
    return float(np.sum(count[used] * np.abs(accuracy[used] - confidence[used])) / count.sum())
