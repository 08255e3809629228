"""Weight penalties (Keras's names): ``Dense(..., kernel_regularizer=L2(1e-3))``.

A regularizer is a small object: ``reg(W)`` is the penalty added to the loss, and
``reg.gradient(W)`` (same shape as ``W``) is what it adds to ``W.grad``. ``Sequential`` adds both
during training and reports the penalised loss, as Keras does; ``model.penalty()`` is the
penalty on its own.
"""

import numpy as np


class Regularizer:
    """Base class: ``__call__(W) -> float`` and ``gradient(W) -> array`` shaped like ``W``."""

    def __call__(self, W):
        raise NotImplementedError

    def gradient(self, W):
        raise NotImplementedError

    def __repr__(self):
        settings = ", ".join(f"{key}={value!r}" for key, value in vars(self).items())
        return f"{type(self).__name__}({settings})"


def _strength(cls, name, value):
    value = float(value)
    if not value >= 0 or not np.isfinite(value):
        raise ValueError(f"{cls}: {name} must be a finite number >= 0, got {value!r}")
    return value


class L1L2(Regularizer):
    """``l1 * sum(|W|) + l2 * sum(W**2)``; its gradient is ``l1 * sign(W) + 2 * l2 * W``.

    At ``W = 0`` the L1 term has a kink; ``sign(0) = 0`` is the subgradient used (it keeps zero
    weights at zero, which is how L1 makes weights exactly sparse).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _strength(type(self).__name__, "l1", l1)
        self.l2 = _strength(type(self).__name__, "l2", l2)

    def __call__(self, W):
        penalty = 0.0  # a term whose strength is 0 is skipped: L2 alone costs no |W| pass
        if self.l1:
            penalty += self.l1 * float(np.abs(W).sum())
        if self.l2:
            penalty += self.l2 * float((W * W).sum())
        return penalty

    def gradient(self, W):
        # Python-float factors keep a float32 W's gradient float32.
        if not self.l1:
            return (2 * self.l2) * W
        if not self.l2:
            return self.l1 * np.sign(W)
        return self.l1 * np.sign(W) + (2 * self.l2) * W


class L1(L1L2):
    """``l1 * sum(|W|)`` (Keras's default strength 0.01): pushes weights to exactly zero."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def __repr__(self):
        return f"L1(l1={self.l1!r})"


class L2(L1L2):
    """``l2 * sum(W**2)`` (Keras's default strength 0.01), "weight decay": shrinks every weight
    in proportion to its size."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def __repr__(self):
        return f"L2(l2={self.l2!r})"


REGULARIZERS = {"l1": L1, "l2": L2, "l1_l2": L1L2}


def get(regularizer):
    """``None``, a name (``'l1'``, ``'l2'``, ``'l1_l2'``, with Keras's default strengths) or an
    object with ``__call__`` and ``gradient``, passed through."""
    if regularizer is None or isinstance(regularizer, Regularizer):
        return regularizer
    if isinstance(regularizer, str) and regularizer in REGULARIZERS:
        return REGULARIZERS[regularizer]()
    if callable(regularizer) and hasattr(regularizer, "gradient"):
        return regularizer
    raise ValueError(
        f"unknown regularizer {regularizer!r}; use None, one of {sorted(REGULARIZERS)} or an "
        "object with __call__(W) and gradient(W)"
    )
