"""Metrics: ``metric(y_true, y_pred) -> float``, averaged over the batch like Keras's."""

import numpy as np

from . import losses


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Fraction of outputs on the right side of ``threshold``; ``y_pred`` of shape (n, 1)."""
    y_true, y_pred = losses.MeanSquaredError()._prepare(y_true, y_pred)
    return float(np.mean((y_pred > threshold) == (y_true > 0.5)))


def categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose largest output is the one-hot target's class."""
    return float(np.mean(np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose largest output is the integer label ``y_true``."""
    return float(np.mean(np.argmax(y_pred, axis=-1) == np.asarray(y_true).reshape(-1)))


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_pred - y_true|)``."""
    y_true, y_pred = losses.MeanSquaredError()._prepare(y_true, y_pred)
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

    As in Keras, ``'accuracy'`` means binary accuracy after binary cross-entropy (thresholding
    logits at 0 when the loss takes logits), sparse categorical accuracy after sparse
    cross-entropy and categorical accuracy after categorical cross-entropy.
    """
    if callable(metric):
        return metric.__name__, metric
    if metric in ("accuracy", "acc"):
        if isinstance(loss, losses.SparseCategoricalCrossentropy):
            return "accuracy", sparse_categorical_accuracy
        if isinstance(loss, losses.CategoricalCrossentropy) or output_size > 1:
            return "accuracy", categorical_accuracy
        threshold = 0.0 if getattr(loss, "from_logits", False) else 0.5
        return "accuracy", lambda y_true, y_pred: binary_accuracy(y_true, y_pred, threshold)
    if metric in METRICS:
        return metric, METRICS[metric]
    raise ValueError(f"unknown metric {metric!r}; choose 'accuracy' or one of {sorted(METRICS)}")
