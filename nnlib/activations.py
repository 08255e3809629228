"""Activation functions and their derivatives.

Every function works elementwise on an array ``z`` of pre-activations (any shape), except
``softmax``/``log_softmax``/``logsumexp``, which work along ``axis`` (default: the last, so a
batch of shape ``(n_samples, n_classes)`` is normalised row by row).

A derivative takes the *pre-activation* ``z``, never the activation's output. (A classic
mistake is ``sigmoid_derivative(a) = a * (1 - a)``: that formula is correct only when ``a`` is
already ``sigmoid(z)``.)

All functions are stable at ``|z| = 1000``: no overflow, no warnings, no NaN.
"""

import numpy as np


def linear(z):
    """Identity: ``z``."""
    return np.asarray(z)


def linear_derivative(z):
    """Derivative of the identity: ones shaped like ``z``."""
    return np.ones_like(z)


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, range (0, 1).

    Computed as ``exp(-|z|)`` branches so ``exp`` never sees a large positive number.
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z):
    """``sigmoid(z) * (1 - sigmoid(z))``; at most 0.25, at z = 0."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent, range (-1, 1)."""
    return np.tanh(z)


def tanh_derivative(z):
    """``1 - tanh(z)**2``."""
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    """Rectified linear unit ``max(0, z)``."""
    return np.maximum(z, 0)


def relu_derivative(z):
    """1 where ``z > 0``, else 0 (we pick 0 at the kink ``z = 0``)."""
    z = np.asarray(z)
    return (z > 0).astype(z.dtype if z.dtype.kind == "f" else float)


def leaky_relu(z, alpha=0.01):
    """``z`` for ``z > 0``, ``alpha * z`` otherwise."""
    z = np.asarray(z)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z, alpha=0.01):
    """1 for ``z > 0``, ``alpha`` otherwise."""
    z = np.asarray(z)
    dtype = z.dtype if z.dtype.kind == "f" else float
    return np.where(z > 0, 1.0, alpha).astype(dtype)


def silu(z):
    """SiLU (also called swish) ``z * sigmoid(z)``; range about (-0.278, inf).

    Smooth and non-monotonic: it dips to its minimum -0.2785 at z = -1.2785, then rises to 0.
    """
    z = np.asarray(z)
    return z * sigmoid(z)


def silu_derivative(z):
    """``sigmoid(z) * (1 + z * (1 - sigmoid(z)))``."""
    z = np.asarray(z)
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


# GELU(z) = z * Phi(z), Phi the standard normal CDF. NumPy has no erf, so we use the tanh
# approximation of Hendrycks & Gimpel (2016) that GPT-2 uses (Hugging Face's "gelu_new", PyTorch's
# approximate='tanh'); it is within 5e-4 of the exact GELU everywhere.
_GELU_C = float(np.sqrt(2.0 / np.pi))
_GELU_K = 0.044715
# Beyond |z| = 10 the tanh below is exactly +-1 in float32 and float64; clipping there changes
# no value and keeps z**3 from ever overflowing.
_GELU_CLIP = 10.0


def _gelu_tanh(z):
    zc = np.clip(z, -_GELU_CLIP, _GELU_CLIP)
    return zc, np.tanh(_GELU_C * (zc + _GELU_K * zc**3))


def gelu(z):
    """GELU, tanh approximation: ``0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z**3)))``.

    Range about (-0.17, inf); like SiLU it dips below 0 for negative z (minimum -0.17 near
    z = -0.75).
    """
    z = np.asarray(z)
    _, t = _gelu_tanh(z)
    return 0.5 * z * (1.0 + t)


def gelu_derivative(z):
    """``0.5 (1 + t) + 0.5 z (1 - t**2) sqrt(2/pi) (1 + 3 * 0.044715 z**2)``, t the tanh above."""
    z = np.asarray(z)
    zc, t = _gelu_tanh(z)
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _GELU_C * (1.0 + 3 * _GELU_K * zc * zc)


def logsumexp(z, axis=-1, keepdims=False):
    """``log(sum(exp(z), axis))``, shifted by the max so nothing overflows."""
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    out = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(z, axis=-1):
    """``exp(z) / sum(exp(z))`` along ``axis``; each slice sums to 1.

    Subtracting the max first changes nothing mathematically (softmax is invariant to adding a
    constant) but keeps every ``exp`` at most 1, so it never overflows.
    """
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """``log(softmax(z))`` computed as ``z - logsumexp(z)`` (finite even where softmax is 0)."""
    z = np.asarray(z)
    return z - logsumexp(z, axis=axis, keepdims=True)


def softmax_jacobian(z):
    """Jacobian of softmax for each row of ``z``.

    Parameters
    ----------
    z : ndarray, shape (n_samples, n_classes)

    Returns
    -------
    ndarray, shape (n_samples, n_classes, n_classes)
        ``J[n, i, j] = d softmax(z)[n, i] / d z[n, j] = s_i (delta_ij - s_j)``.
    """
    s = softmax(z)
    return s[:, :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[:, None, :])


class ActivationFunction:
    """An activation as an object: ``f(z)`` and the backward step through it.

    ``backward(z, a, grad)`` returns dL/dz given dL/da (``grad``), the pre-activation ``z`` and the
    output ``a = f(z)`` (both cached by the layer on the forward pass). For elementwise
    activations this is ``grad * f'(z)``; softmax overrides it with a Jacobian-vector product.
    """

    def __init__(self, name, fn, derivative):
        self.name, self.fn, self.derivative = name, fn, derivative

    def __call__(self, z):
        return self.fn(z)

    def backward(self, z, a, grad):
        return grad * self.derivative(z)

    def __repr__(self):
        return f"ActivationFunction({self.name!r})"


class _Softmax(ActivationFunction):
    def __init__(self):
        super().__init__("softmax", softmax, None)

    def backward(self, z, a, grad):
        # J^T g for each row without building J:  s * (g - <g, s>).
        return a * (grad - np.sum(grad * a, axis=-1, keepdims=True))


ACTIVATIONS = {
    "linear": ActivationFunction("linear", linear, linear_derivative),
    "sigmoid": ActivationFunction("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": ActivationFunction("tanh", tanh, tanh_derivative),
    "relu": ActivationFunction("relu", relu, relu_derivative),
    "leaky_relu": ActivationFunction("leaky_relu", leaky_relu, leaky_relu_derivative),
    "silu": ActivationFunction("silu", silu, silu_derivative),
    "gelu": ActivationFunction("gelu", gelu, gelu_derivative),
    "softmax": _Softmax(),
}


def get(activation):
    """Look up an activation by name (``None`` means ``'linear'``) or pass an object through."""
    if activation is None:
        return ACTIVATIONS["linear"]
    if isinstance(activation, ActivationFunction):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
