"""Loss functions, each a small object with a value and a gradient.

``loss(y_true, y_pred)`` is the mean over the batch of a per-example loss (Keras's semantics:
for several outputs per example, the per-example loss averages them, except for cross-entropy
over classes, which sums over the classes). ``loss.gradient(y_true, y_pred)`` is dL/dy_pred with
the shape of ``y_pred``; it already includes the ``1 / n_samples`` of the mean.

``from_logits=True`` means ``y_pred`` holds raw scores ``z`` rather than probabilities; the loss
then applies the sigmoid/softmax itself in a numerically stable way, and its gradient is simply
``(prediction - target) / n``.
"""

import math

import numpy as np

from .activations import log_softmax, sigmoid, softmax

EPSILON = 1e-7  # Keras's clip for probabilities, so log(0) never happens


def matched(y_true, y_pred, name):
    """Float arrays of equal shape; ``y_true`` of shape (n,) is matched to ``y_pred`` (n, 1).

    Else ``ValueError`` naming ``name`` (the loss or metric) and both shapes.
    """
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true, dtype=y_pred.dtype if y_pred.dtype.kind == "f" else float)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{name} expected y_true of shape {y_pred.shape} (the shape of y_pred), received "
            f"{y_true.shape}"
        )
    return y_true, y_pred


class Loss:
    """Base class: ``__call__`` averages ``per_example``; subclasses give ``gradient``."""

    name = "loss"
    from_logits = False

    def __call__(self, y_true, y_pred):
        return float(np.mean(self.per_example(y_true, y_pred)))

    def per_example(self, y_true, y_pred):
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        raise NotImplementedError

    def value_and_gradient(self, y_true, y_pred):
        """``(loss(y_true, y_pred), gradient(y_true, y_pred))``, what a training step needs.

        Subclasses may compute both at once, sharing the work (the softmax, say).
        """
        return self(y_true, y_pred), self.gradient(y_true, y_pred)

    def _prepare(self, y_true, y_pred):
        return matched(y_true, y_pred, type(self).__name__)

    def __repr__(self):
        return f"{type(self).__name__}(from_logits={self.from_logits})"


class MeanSquaredError(Loss):
    """``mean((y_pred - y_true)**2)``: for regression."""

    name = "mean_squared_error"

    def per_example(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        return np.mean((y_pred - y_true) ** 2, axis=-1)

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        return 2.0 * (y_pred - y_true) / y_pred.size


class BinaryCrossentropy(Loss):
    """``-[y log p + (1 - y) log(1 - p)]``: for yes/no outputs in (0, 1)."""

    name = "binary_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = from_logits

    def per_example(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        if self.from_logits:
            z = y_pred  # log(1 + exp(-|z|)) never overflows
            loss = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
        else:
            p = np.clip(y_pred, EPSILON, 1 - EPSILON)
            loss = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
        return np.mean(loss, axis=-1)

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        if self.from_logits:
            return (sigmoid(y_pred) - y_true) / y_pred.size
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        inside = (y_pred > EPSILON) & (y_pred < 1 - EPSILON)  # the clip's gradient is 0 outside
        return inside * (p - y_true) / (p * (1 - p)) / y_pred.size


class CategoricalCrossentropy(Loss):
    """``-sum_k y_k log p_k`` with one-hot (or soft) targets ``y`` of shape (n, n_classes).

    More axes work as in Keras: ``(n, T, n_classes)`` (a class at every step of a sequence, or
    every pixel) is averaged over all of ``n × T`` predictions.
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = from_logits

    def per_example(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        if self.from_logits:
            return -np.sum(y_true * log_softmax(y_pred), axis=-1)
        return -np.sum(y_true * np.log(np.clip(y_pred, EPSILON, 1.0)), axis=-1)

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        n = math.prod(y_pred.shape[:-1])  # the predictions the loss averages over
        if self.from_logits:
            return (softmax(y_pred) * y_true.sum(axis=-1, keepdims=True) - y_true) / n
        inside = y_pred > EPSILON
        return -(inside * y_true) / np.clip(y_pred, EPSILON, 1.0) / n


class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer labels ``y`` of shape (n,) instead of one-hot."""

    name = "sparse_categorical_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = from_logits

    def _labels(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        labels = np.asarray(y_true)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.shape != y_pred.shape[:1] or y_pred.ndim != 2:
            raise ValueError(
                f"SparseCategoricalCrossentropy expected integer labels of shape "
                f"({y_pred.shape[0]},) for y_pred of shape (n, n_classes), received labels "
                f"{labels.shape} and y_pred {y_pred.shape}"
            )
        if labels.dtype.kind not in "iu" and not np.all(labels == np.round(labels)):
            raise ValueError("SparseCategoricalCrossentropy expected integer class labels")
        labels = labels.astype(np.int64, copy=False)
        if labels.size and (labels.min() < 0 or labels.max() >= y_pred.shape[1]):
            raise ValueError(
                f"SparseCategoricalCrossentropy labels must lie in [0, {y_pred.shape[1] - 1}], "
                f"received values from {labels.min()} to {labels.max()}"
            )
        return labels, y_pred

    def per_example(self, y_true, y_pred):
        labels, y_pred = self._labels(y_true, y_pred)
        rows = np.arange(len(labels))
        if self.from_logits:
            return -log_softmax(y_pred)[rows, labels]
        return -np.log(np.clip(y_pred[rows, labels], EPSILON, 1.0))

    def gradient(self, y_true, y_pred):
        labels, y_pred = self._labels(y_true, y_pred)
        n, rows = len(labels), np.arange(len(labels))
        if self.from_logits:
            grad = softmax(y_pred)
            grad[rows, labels] -= 1.0
            return grad / n
        grad = np.zeros_like(y_pred)
        p = y_pred[rows, labels]
        grad[rows, labels] = -(p > EPSILON).astype(grad.dtype) / np.clip(p, EPSILON, 1.0) / n
        return grad

    def value_and_gradient(self, y_true, y_pred):
        """Both at once; from logits, one log-softmax serves the loss and (as its exp) the
        gradient ``(softmax(z) - onehot(y)) / n``."""
        if not self.from_logits:
            return super().value_and_gradient(y_true, y_pred)
        labels, z = self._labels(y_true, y_pred)
        n, rows = len(labels), np.arange(len(labels))
        log_p = log_softmax(z)
        loss = -float(log_p[rows, labels].sum()) / n  # the mean; ndarray.mean is slower on a batch
        grad = np.exp(log_p)  # softmax(z)
        grad[rows, labels] -= 1.0
        grad /= n
        return loss, grad


LOSSES = {
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get(loss):
    """Look up a loss by name (``'mse'``, ``'binary_crossentropy'``, …) or pass one through."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]()
    raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)}")


# The pairs where a model computes the loss from the last layer's pre-activation z instead of
# its output: the same value, but stable, and the gradient at z is simply (prediction - target).
FUSED_WITH = {
    (BinaryCrossentropy, "sigmoid"),
    (CategoricalCrossentropy, "softmax"),
    (SparseCategoricalCrossentropy, "softmax"),
}


def from_logits_version(loss, activation_name):
    """The ``from_logits=True`` twin of ``loss`` if it pairs with ``activation_name``, else None."""
    if not loss.from_logits and (type(loss), activation_name) in FUSED_WITH:
        return type(loss)(from_logits=True)
    return None
