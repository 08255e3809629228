"""Weight initialisers: ``init(shape, rng, dtype) -> ndarray``.

For a weight matrix of shape ``(n_in, n_out)``, Glorot/Xavier keeps the variance of signals
roughly constant forwards *and* backwards (good for tanh/sigmoid); He doubles it to make up for
ReLU zeroing half its inputs.
"""

import numpy as np


def _fans(shape):
    """(fan_in, fan_out) of a weight array: ``(n_in, n_out)`` or ``(*kernel, c_in, c_out)``."""
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def zeros(shape, rng=None, dtype=np.float64):
    """All zeros (the default for biases)."""
    return np.zeros(shape, dtype=dtype)


def ones(shape, rng=None, dtype=np.float64):
    """All ones."""
    return np.ones(shape, dtype=dtype)


def random_normal(shape, rng, dtype=np.float64, stddev=0.05):
    """Normal with mean 0 and a fixed small ``stddev`` (Keras's default 0.05)."""
    return (stddev * rng.standard_normal(shape)).astype(dtype)


def glorot_uniform(shape, rng, dtype=np.float64):
    """Uniform on ``[-l, l]`` with ``l = sqrt(6 / (fan_in + fan_out))`` (Keras's default)."""
    fan_in, fan_out = _fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(dtype)


def glorot_normal(shape, rng, dtype=np.float64):
    """Normal with ``std = sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    return (np.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal(shape)).astype(dtype)


def he_uniform(shape, rng, dtype=np.float64):
    """Uniform on ``[-l, l]`` with ``l = sqrt(6 / fan_in)`` (for ReLU layers)."""
    fan_in, _ = _fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, shape).astype(dtype)


def he_normal(shape, rng, dtype=np.float64):
    """Normal with ``std = sqrt(2 / fan_in)`` (for ReLU layers)."""
    fan_in, _ = _fans(shape)
    return (np.sqrt(2.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)


def lecun_normal(shape, rng, dtype=np.float64):
    """Normal with ``std = sqrt(1 / fan_in)``."""
    fan_in, _ = _fans(shape)
    return (np.sqrt(1.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)


def orthogonal(shape, rng, dtype=np.float64, gain=1.0):
    """A random matrix with orthonormal columns (or rows, if it is wide), times ``gain``.

    Keras's ``Orthogonal`` (the default ``recurrent_initializer`` of its RNN layers): the array
    is viewed as a matrix of ``prod(shape[:-1])`` rows and ``shape[-1]`` columns, and is the Q
    of the QR decomposition of a standard normal matrix, with the signs of R's diagonal moved
    into Q so that Q is uniformly distributed. Every singular value equals ``gain``, so
    multiplying a vector by a square orthogonal matrix never changes its length: the product
    ``h @ U`` of a recurrent layer that starts like this neither shrinks nor stretches the
    hidden state, whatever the number of steps (chapter 7).
    """
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape of at least 2 dimensions, got {tuple(shape)}")
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)  # q: (max, min) with orthonormal columns
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype)


INITIALIZERS = {
    f.__name__: f
    for f in (
        zeros,
        ones,
        random_normal,
        glorot_uniform,
        glorot_normal,
        he_uniform,
        he_normal,
        lecun_normal,
        orthogonal,
    )
}


def get(initializer):
    """Look up an initialiser by name, or pass a callable ``(shape, rng, dtype)`` through."""
    if callable(initializer):
        return initializer
    if initializer in INITIALIZERS:
        return INITIALIZERS[initializer]
    raise ValueError(f"unknown initializer {initializer!r}; choose one of {sorted(INITIALIZERS)}")
