"""Small data sets for the book, and the helpers to split, encode and batch them.

Every generator returns ``X`` with one example per row, ``X.shape == (n_samples, n_features)``,
as float64. Classification labels ``y`` are int64 with shape ``(n_samples,)``; regression
targets are float64 with shape ``(n_samples, 1)``. Rows come in random order.

Every random function takes ``seed`` (an int, a ``np.random.Generator`` or None) and
passes it to ``np.random.default_rng``: the same int seed always gives the same numbers.
"""

import numpy as np

# ---------------------------------------------------------------------------------------------
# Input checks shared by the functions below. Each message starts with the function's name.


def _check_int(fn, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{fn}: {name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{fn}: {name} must be at least {minimum}, got {value}")
    return int(value)


def _check_nonnegative(fn, name, value):
    if not np.isscalar(value) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{fn}: {name} must be a non-negative number, got {value!r}")
    return float(value)


def _check_X(fn, X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{fn}: X must be 2-D (n_samples, n_features), got shape {X.shape}")
    return X


def _check_labels(fn, y):
    """Return ``y`` as a 1-D int64 array, or raise if it does not hold integer labels."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{fn}: y must be 1-D (n_samples,), got shape {y.shape}")
    is_int = np.issubdtype(y.dtype, np.integer)
    is_whole_float = np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y))
    if not (is_int or is_whole_float):
        raise ValueError(f"{fn}: y must hold integer class labels, got dtype {y.dtype}")
    if y.size and y.min() < 0:
        raise ValueError(f"{fn}: class labels must be >= 0, got {y.min()}")
    return y.astype(np.int64)


def _split_evenly(n, k):
    """Sizes of k groups that add up to n and differ by at most one: (k,)."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def _shuffle(rng, X, y):
    order = rng.permutation(len(X))
    return X[order], y[order]


# ---------------------------------------------------------------------------------------------
# Toy classification data in two dimensions.


def make_moons(n_samples=200, noise=0.1, seed=None):
    """Two interleaving half circles, as in scikit-learn's ``make_moons``.

    Class 0 is the upper arc, centre (0, 0); class 1 the lower arc, centre (1, 0.5); both
    have radius 1. Gaussian noise with standard deviation ``noise`` is added to each point.

    Parameters
    ----------
    n_samples : int
        Total number of points; the classes differ in size by at most one.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64, values in {0, 1}
    """
    n_samples = _check_int("make_moons", "n_samples", n_samples, 2)
    noise = _check_nonnegative("make_moons", "noise", noise)
    rng = np.random.default_rng(seed)
    n_upper, n_lower = n_samples // 2, n_samples - n_samples // 2
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_upper, n_lower])
    return _shuffle(rng, X, y)


def make_circles(n_samples=200, noise=0.1, factor=0.5, seed=None):
    """A small circle inside a large one, as in scikit-learn's ``make_circles``.

    Parameters
    ----------
    n_samples : int
        Total number of points; the classes differ in size by at most one.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float
        Radius of the inner circle, between 0 and 1 (the outer circle has radius 1).
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64; 1 for the inner circle, 0 for the outer one
    """
    n_samples = _check_int("make_circles", "n_samples", n_samples, 2)
    noise = _check_nonnegative("make_circles", "noise", noise)
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be between 0 and 1, got {factor!r}")
    rng = np.random.default_rng(seed)
    n_outer, n_inner = n_samples // 2, n_samples - n_samples // 2
    radius = np.repeat([1.0, factor], [n_outer, n_inner])
    t = np.concatenate([np.linspace(0, 2 * np.pi, n, endpoint=False) for n in (n_outer, n_inner)])
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    X = X + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_outer, n_inner])
    return _shuffle(rng, X, y)


def make_xor(n_samples=200, noise=0.1, seed=None):
    """Four Gaussian clusters at (±1, ±1); the label is 1 where x1 * x2 < 0.

    The label belongs to the cluster, so with large ``noise`` a few points stray across the
    axes into a neighbouring quadrant while keeping their cluster's label.

    Parameters
    ----------
    n_samples : int
        Total number of points; the clusters differ in size by at most one.
    noise : float
        Standard deviation of each cluster.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64, values in {0, 1}
    """
    n_samples = _check_int("make_xor", "n_samples", n_samples, 4)
    noise = _check_nonnegative("make_xor", "noise", noise)
    rng = np.random.default_rng(seed)
    centers = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    cluster = np.repeat(np.arange(4), _split_evenly(n_samples, 4))
    X = centers[cluster] + noise * rng.standard_normal((n_samples, 2))
    y = (centers[cluster, 0] * centers[cluster, 1] < 0).astype(np.int64)
    return _shuffle(rng, X, y)


def make_spiral(n_samples=300, n_classes=3, noise=0.2, seed=None):
    """Interleaved spiral arms, one per class, as in Stanford's CS231n notes.

    Arm ``k`` runs from the origin out to radius 1 while its angle turns from ``4k`` to
    ``4(k + 1)`` radians; the noise is added to the angle, not to the coordinates.

    Parameters
    ----------
    n_samples : int
        Total number of points; the classes differ in size by at most one.
    n_classes : int
        Number of arms (classes), at least 2.
    noise : float
        Standard deviation of the Gaussian noise added to each point's angle (radians).
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64, values in 0 .. n_classes - 1
    """
    n_classes = _check_int("make_spiral", "n_classes", n_classes, 2)
    n_samples = _check_int("make_spiral", "n_samples", n_samples, n_classes)
    noise = _check_nonnegative("make_spiral", "noise", noise)
    rng = np.random.default_rng(seed)
    sizes = _split_evenly(n_samples, n_classes)
    radius = np.concatenate([np.linspace(0, 1, n) for n in sizes])
    angle = np.concatenate([np.linspace(4 * k, 4 * (k + 1), n) for k, n in enumerate(sizes)])
    angle = angle + noise * rng.standard_normal(n_samples)
    X = radius[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    y = np.repeat(np.arange(n_classes, dtype=np.int64), sizes)
    return _shuffle(rng, X, y)


def make_blobs(n_samples=200, centers=3, cluster_std=1.0, n_features=2, seed=None):
    """Isotropic Gaussian clusters, one class per cluster.

    Parameters
    ----------
    n_samples : int
        Total number of points; the clusters differ in size by at most one.
    centers : int or array_like, shape (k, n_features)
        The number of clusters, whose centres are then drawn uniformly from the box
        [-10, 10]^n_features (as scikit-learn does), or the centres themselves. When an array
        is given, ``n_features`` is taken from its shape and the argument is ignored.
    cluster_std : float
        Standard deviation of every cluster.
    n_features : int
        Number of features when ``centers`` is an int.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, n_features), float64
    y : ndarray, shape (n_samples,), int64, values in 0 .. k - 1
    """
    cluster_std = _check_nonnegative("make_blobs", "cluster_std", cluster_std)
    rng = np.random.default_rng(seed)
    if np.isscalar(centers):
        centers = _check_int("make_blobs", "centers", centers, 1)
        n_features = _check_int("make_blobs", "n_features", n_features, 1)
        centers = rng.uniform(-10, 10, size=(centers, n_features))
    else:
        centers = np.asarray(centers, dtype=float)
        if centers.ndim != 2 or len(centers) == 0:
            raise ValueError(
                f"make_blobs: centers must have shape (k, n_features), got {centers.shape}"
            )
    n_samples = _check_int("make_blobs", "n_samples", n_samples, len(centers))
    y = np.repeat(np.arange(len(centers), dtype=np.int64), _split_evenly(n_samples, len(centers)))
    X = centers[y] + cluster_std * rng.standard_normal((n_samples, centers.shape[1]))
    return _shuffle(rng, X, y)


def make_gaussian(n_samples=200, noise=0.1, seed=None):
    """Two Gaussian clouds, the "Gaussian" data set of the TensorFlow Playground.

    Class 1 is centred at (2, 2) and class 0 at (-2, -2). As in the Playground, ``noise``
    sets the variance of each cloud: ``variance = 0.5 + 7 * noise``, so noise 0 gives
    variance 0.5 and noise 0.5 gives variance 4 and clouds that overlap.

    Parameters
    ----------
    n_samples : int
        Total number of points; the classes differ in size by at most one.
    noise : float
        Noise level, usually between 0 and 0.5.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64, values in {0, 1}
    """
    n_samples = _check_int("make_gaussian", "n_samples", n_samples, 2)
    noise = _check_nonnegative("make_gaussian", "noise", noise)
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array([0, 1], dtype=np.int64), _split_evenly(n_samples, 2))
    centers = np.array([[-2.0, -2.0], [2.0, 2.0]])
    std = np.sqrt(0.5 + 7 * noise)
    X = centers[y] + std * rng.standard_normal((n_samples, 2))
    return _shuffle(rng, X, y)


# ---------------------------------------------------------------------------------------------
# Toy regression data in one dimension.

_REGRESSION_FNS = {
    "sin": np.sin,
    "cubic": lambda x: x**3 / 9,  # about the same range as sin's on the default (-3, 3)
    "step": lambda x: (x >= 0).astype(float),
    "linear": lambda x: 0.5 * x + 1,
}


def make_regression_1d(n_samples=100, noise=0.1, fn="sin", seed=None, x_range=(-3, 3)):
    """Noisy samples ``y = f(x) + noise * N(0, 1)`` of a function of one variable.

    Parameters
    ----------
    n_samples : int
    noise : float
        Standard deviation of the Gaussian noise added to ``y``.
    fn : {"sin", "cubic", "step", "linear"} or callable
        ``"sin"`` is sin(x), ``"cubic"`` is x³/9, ``"step"`` is 1 for x >= 0 and 0 otherwise,
        ``"linear"`` is 0.5 x + 1. A callable receives x with shape (n_samples, 1) and
        returns n_samples values.
    seed : int, np.random.Generator or None
    x_range : (float, float)
        x is drawn uniformly from this interval (not sorted).

    Returns
    -------
    X : ndarray, shape (n_samples, 1), float64
    y : ndarray, shape (n_samples, 1), float64
    """
    n_samples = _check_int("make_regression_1d", "n_samples", n_samples, 1)
    noise = _check_nonnegative("make_regression_1d", "noise", noise)
    if not callable(fn) and fn not in _REGRESSION_FNS:
        raise ValueError(
            f"make_regression_1d: fn must be a callable or one of "
            f"{sorted(_REGRESSION_FNS)}, got {fn!r}"
        )
    low, high = x_range
    if not low < high:
        raise ValueError(
            f"make_regression_1d: x_range must be (low, high) with low < high, got {x_range!r}"
        )
    f = fn if callable(fn) else _REGRESSION_FNS[fn]
    rng = np.random.default_rng(seed)
    X = rng.uniform(low, high, size=(n_samples, 1))
    f_X = np.asarray(f(X), dtype=float)
    if f_X.size != n_samples:
        raise ValueError(
            f"make_regression_1d: fn returned {f_X.size} values for {n_samples} inputs"
        )
    y = f_X.reshape(n_samples, 1) + noise * rng.standard_normal((n_samples, 1))
    return X, y


# ---------------------------------------------------------------------------------------------
# A real data set.


def load_digits(return_images=False):
    """The 8×8 handwritten digits: 1797 greyscale images of the digits 0-9.

    The data is the test part of the UCI "Optical Recognition of Handwritten Digits" data
    set (Alpaydin & Kaynak, 1998), as shipped inside scikit-learn, so nothing is downloaded.
    Each pixel counts the "on" pixels in a 4×4 block of the original 32×32 bitmap (0-16); here
    it is divided by 16.

    Parameters
    ----------
    return_images : bool
        Return the images with shape (1797, 8, 8) instead of flattened rows.

    Returns
    -------
    X : ndarray, shape (1797, 64), float64 in [0, 1]; or images, shape (1797, 8, 8)
    y : ndarray, shape (1797,), int64, values in 0 .. 9

    References
    ----------
    https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits
    """
    from sklearn.datasets import load_digits as _sklearn_load_digits  # heavy: import on use

    digits = _sklearn_load_digits()
    images = digits.images.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    if return_images:
        return images, y
    return images.reshape(len(images), -1), y


# ---------------------------------------------------------------------------------------------
# Splitting, encoding, batching, scaling.


def train_test_split(X, y, test_size=0.25, seed=None, stratify=False):
    """Shuffle the rows and split them into a training and a test set.

    Parameters
    ----------
    X : array_like, shape (n_samples, ...)
    y : array_like, shape (n_samples, ...)
    test_size : float or int
        The fraction of rows for the test set (0 < test_size < 1, rounded up), or their number.
    seed : int, np.random.Generator or None
    stratify : bool
        If True, ``y`` must hold class labels and every class is split in the same proportion.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarrays
        In the same order as scikit-learn's ``train_test_split``.
    """
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X and y have different lengths ({n} and {len(y)})")
    if isinstance(test_size, (float, np.floating)) and 0 < test_size < 1:
        n_test = int(np.ceil(test_size * n))
    elif isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    else:
        raise ValueError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a count, "
            f"got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: test_size={test_size!r} leaves {n_test} of {n} "
            f"rows for testing; both sets must be non-empty"
        )
    rng = np.random.default_rng(seed)
    if not stratify:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        labels = _check_labels("train_test_split", y)
        classes, counts = np.unique(labels, return_counts=True)
        # Give each class its share of the test set, rounding so the shares add up to n_test.
        share = counts * n_test / n
        n_test_per_class = np.floor(share).astype(int)
        largest_remainders = np.argsort(n_test_per_class - share)[: n_test - n_test_per_class.sum()]
        n_test_per_class[largest_remainders] += 1
        test, train = [], []
        for c, k in zip(classes, n_test_per_class, strict=True):
            members = rng.permutation(np.flatnonzero(labels == c))
            test.append(members[:k])
            train.append(members[k:])
        test = rng.permutation(np.concatenate(test))
        train = rng.permutation(np.concatenate(train))
    return X[train], X[test], y[train], y[test]


def one_hot(y, num_classes=None):
    """One-hot encode integer class labels.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Integer labels in 0 .. num_classes - 1.
    num_classes : int or None
        Number of columns; defaults to ``y.max() + 1``.

    Returns
    -------
    Y : ndarray, shape (n_samples, num_classes), float64
        ``Y[i, y[i]] == 1`` and every other entry is 0.
    """
    y = _check_labels("one_hot", y)
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    num_classes = _check_int("one_hot", "num_classes", num_classes, 0)
    if y.size and y.max() >= num_classes:
        raise ValueError(f"one_hot: label {y.max()} does not fit in num_classes={num_classes}")
    Y = np.zeros((len(y), num_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def batches(X, y=None, batch_size=32, shuffle=True, seed=None):
    """Split the rows into mini-batches: one pass over the data (one epoch).

    Every row appears in exactly one batch; the last batch may be smaller. To get a new order
    every epoch, pass the same ``np.random.Generator`` each time (an int seed gives the same
    order every time).

    Parameters
    ----------
    X : array_like, shape (n_samples, ...)
    y : array_like, shape (n_samples, ...), or None
    batch_size : int
    shuffle : bool
        Visit the rows in random order (otherwise in their stored order).
    seed : int, np.random.Generator or None

    Returns
    -------
    generator
        Yields ``(X_batch, y_batch)``, or ``X_batch`` alone if ``y`` is None; each has
        ``batch_size`` rows or fewer.
    """
    X = np.asarray(X)
    if y is not None:
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"batches: X and y have different lengths ({len(X)} and {len(y)})")
    batch_size = _check_int("batches", "batch_size", batch_size, 1)
    order = np.random.default_rng(seed).permutation(len(X)) if shuffle else np.arange(len(X))
    chunks = [order[i : i + batch_size] for i in range(0, len(X), batch_size)]
    if y is None:
        return (X[idx] for idx in chunks)
    return ((X[idx], y[idx]) for idx in chunks)


def standardize(X_train, *others):
    """Scale every feature to mean 0 and standard deviation 1, using the training set's statistics.

    The mean and standard deviation are computed on ``X_train`` only and then applied to
    ``X_train`` and to every array in ``others`` (test data must not leak into them).
    A feature that is constant in ``X_train`` is only shifted, not scaled.

    Parameters
    ----------
    X_train : array_like, shape (n_samples, n_features)
    *others : array_like, shape (m, n_features)

    Returns
    -------
    ndarray or tuple of ndarrays
        ``X_train`` scaled if no ``others`` are given, else ``(X_train_scaled, *others_scaled)``.
    """
    X_train = _check_X("standardize", X_train)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    scaled = []
    for X in (X_train, *others):
        X = _check_X("standardize", X)
        if X.shape[1] != X_train.shape[1]:
            raise ValueError(
                f"standardize: X_train has {X_train.shape[1]} features but another "
                f"array has {X.shape[1]}"
            )
        scaled.append((X - mean) / std)
    return scaled[0] if not others else tuple(scaled)


# ---------------------------------------------------------------------------------------------
# Toy sequence data: batches of shape (n_samples, timesteps, features).


def make_sine_sequences(n_samples=1000, length=20, noise=0.05, seed=None):
    """Forecasting: noisy windows of sine waves and the next, noise-free, value of each.

    Sequence ``k`` is ``a_k sin(w_k t + p_k) + noise * N(0, 1)`` for ``t = 0 .. length - 1``,
    with amplitude ``a_k ~ U(0.5, 1)``, angular frequency ``w_k ~ U(0.2, 0.6)`` radians per step
    (a period of 10 to 31 steps) and phase ``p_k ~ U(0, 2 pi)``; the target is
    ``a_k sin(w_k * length + p_k)``. The frequency differs from sequence to sequence, so a
    model has to infer it from the window.

    Parameters
    ----------
    n_samples : int
    length : int
        Steps per sequence, at least 2.
    noise : float
        Standard deviation of the Gaussian noise added to every input step.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, length, 1), float64
    y : ndarray, shape (n_samples, 1), float64
    """
    n_samples = _check_int("make_sine_sequences", "n_samples", n_samples, 1)
    length = _check_int("make_sine_sequences", "length", length, 2)
    noise = _check_nonnegative("make_sine_sequences", "noise", noise)
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(0.5, 1.0, (n_samples, 1))
    frequency = rng.uniform(0.2, 0.6, (n_samples, 1))
    phase = rng.uniform(0, 2 * np.pi, (n_samples, 1))
    wave = amplitude * np.sin(frequency * np.arange(length + 1) + phase)  # (n, length + 1)
    X = wave[:, :length] + noise * rng.standard_normal((n_samples, length))
    return X[:, :, None], wave[:, length:]


def make_recall_sequences(n_samples=1000, length=40, n_symbols=4, seed=None):
    """Memory: name the first symbol of a sequence of random symbols.

    Every step shows one of ``n_symbols`` symbols, one-hot, and the label is the symbol at step
    0. A last feature, the *marker*, is 1 at step 0 and 0 elsewhere, saying "this one counts".
    The other ``length - 1`` symbols are distractors drawn from the same symbols, so a model
    must carry the first one through all of them: a long-range dependency, the kind of task on
    which plain recurrent networks struggle and LSTMs shine (Hochreiter & Schmidhuber, 1997).

    Parameters
    ----------
    n_samples : int
    length : int
        Steps per sequence, at least 1.
    n_symbols : int
        At least 2; chance level is ``1 / n_symbols``.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, length, n_symbols + 1), float64 in {0, 1}
    y : ndarray, shape (n_samples,), int64, values in 0 .. n_symbols - 1
    """
    n_samples = _check_int("make_recall_sequences", "n_samples", n_samples, 1)
    length = _check_int("make_recall_sequences", "length", length, 1)
    n_symbols = _check_int("make_recall_sequences", "n_symbols", n_symbols, 2)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, n_symbols, (n_samples, length))
    X = np.zeros((n_samples, length, n_symbols + 1))
    X[np.arange(n_samples)[:, None], np.arange(length), symbols] = 1.0
    X[:, 0, n_symbols] = 1.0
    return X, symbols[:, 0].astype(np.int64)
