"""A synthetic, MNIST-sized data set with MNIST's traps, generated (seeded), never downloaded.

60,000 images of 28 × 28 pixels in [0, 1], float32, 10 classes; about 19% of the pixels are
inked, as in MNIST. What matters for speed is MNIST's structure at the edges:

- a 1-pixel frame that is never inked: those pixels' weights always get a zero gradient;
- a band 3 pixels wide inside it whose pixels are inked in only a handful of images (or none):
  their weights' gradients are zero nearly always, so an optimizer's state decays towards 0;
- the digits themselves, smooth strokes in the central 20 × 20 box: each class has its own
  strokes, varied by a random mix of smooth shapes, brightened until they saturate like ink.

With Adam and ReLU units some units die during training, as on MNIST.
"""

import numpy as np

SIDE = 28
N_CLASSES = 10


def _blobs(rng, k, low, high, width):
    """``k`` Gaussian blobs with random centres in [low, high) and widths: (k, SIDE * SIDE)."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    cy, cx = rng.uniform(low, high, (2, k, 1, 1))
    w = rng.uniform(*width, (k, 1, 1))
    return np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * w**2)).reshape(k, -1)


def make_mnist_like(n_samples=60000, seed=0):
    """Images ``X`` (n_samples, 784) float32 in [0, 1] and labels ``y`` (n_samples,) int64."""
    rng = np.random.default_rng(seed)
    strokes = np.stack([_blobs(rng, 4, 8, 20, (1.5, 3.0)).sum(0) for _ in range(N_CLASSES)])
    shapes = _blobs(rng, 40, 6, 22, (1.5, 3.5))
    y = rng.integers(0, N_CLASSES, n_samples)
    mix = rng.standard_normal((n_samples, len(shapes)), dtype=np.float32) * 0.35
    X = strokes[y] * rng.uniform(0.6, 1.2, (n_samples, 1)).astype(np.float32) + mix @ shapes
    X = np.clip(2.2 * (X - 0.45), 0.0, 1.0).astype(np.float32)
    # The band of rarely inked pixels (1 to 3 pixels from the edge), then the blank frame.
    band = np.zeros((SIDE, SIDE), bool)
    band[1:-1, 1:-1] = True
    band[4:-4, 4:-4] = False
    band = np.flatnonzero(band)
    p_ink = 10.0 ** rng.uniform(-6.0, -4.3, band.size)  # 0.06 to 3 images in 60,000
    inked = rng.random((n_samples, band.size), dtype=np.float32) < p_ink
    X[:, band] = inked * rng.uniform(0.2, 1.0, (n_samples, band.size)).astype(np.float32)
    images = X.reshape(n_samples, SIDE, SIDE)
    images[:, [0, -1], :] = 0.0
    images[:, :, [0, -1]] = 0.0
    return X, y


def describe(X):
    """Facts about the pixels that matter for the traps."""
    inked = np.count_nonzero(X, axis=0)
    return {
        "pixels never inked": int(np.sum(inked == 0)),
        "pixels inked in 1-10 images": int(np.sum((inked > 0) & (inked <= 10))),
        "fraction of inked pixels": float(np.mean(X > 0)),
        "mean, std of the pixels": (float(X.mean()), float(X.std())),
    }
