"""Small data sets for the book, and the helpers to split, encode and batch them.

Every generator returns ``X`` with one example per row, ``X.shape == (n_samples, n_features)``,
as float64. Classification labels ``y`` are int64 with shape ``(n_samples,)``; regression
targets are float64 with shape ``(n_samples, 1)``. Rows come in random order.

Every random function takes ``seed`` (an int, a ``np.random.Generator`` or None) and
passes it to ``np.random.default_rng``: the same int seed always gives the same numbers.
"""

import functools
import importlib.util
from pathlib import Path

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
    pixels, y = _digits_table()
    images = pixels.reshape(-1, 8, 8) / 16.0
    if return_images:
        return images, y.copy()
    return images.reshape(len(images), -1), y.copy()


@functools.cache
def _digits_table():
    """scikit-learn's ``digits.csv.gz`` read directly: 64 pixel counts and the label per row.

    Importing ``sklearn.datasets`` takes about 2 s (it pulls in SciPy); reading its data file
    takes 30 ms. The arrays are cached and never handed out (callers get copies).
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "load_digits reads the digits that ship with scikit-learn: pip install scikit-learn"
        )
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",")
    return table[:, :64], table[:, 64].astype(np.int64)


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
# A population with two groups, and biased samples of it (chapter 9).


def make_population(n_samples=1000, group_fraction=0.3, shift=1.0, noise=0.1, seed=None):
    """Two groups whose relation between features and label differs: for studying biased data.

    Each example is built in three steps:

    1. its group ``g`` is 1 with probability ``group_fraction`` (the minority, "group B") and 0
       otherwise ("group A");
    2. its features are drawn around its group's centre, ``x ~ N((-1, 0), I)`` for group A and
       ``x ~ N((1, 0), I)`` for group B, so the groups overlap but mostly live in different
       halves of the plane;
    3. its label is ``y = 1`` if ``x_2 + noise * e > shift * g`` with ``e ~ N(0, 1)``: the label
       rule is the horizontal line ``x_2 = 0`` in group A and the line ``x_2 = shift`` in group B.

    So where the groups overlap, the same features can carry different labels, and a model that
    sees few group-B examples learns group A's line everywhere. The group is returned but is
    not one of the features.

    Parameters
    ----------
    n_samples : int
    group_fraction : float
        Probability of belonging to group B, between 0 and 1.
    shift : float
        How far group B's label boundary lies above group A's.
    noise : float
        Standard deviation of the noise added to ``x_2`` before thresholding (label noise).
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64, values in {0, 1}
    group : ndarray, shape (n_samples,), int64; 1 for group B, 0 for group A
    """
    n_samples = _check_int("make_population", "n_samples", n_samples, 1)
    noise = _check_nonnegative("make_population", "noise", noise)
    if not 0 <= group_fraction <= 1:
        raise ValueError(
            f"make_population: group_fraction must lie in [0, 1], got {group_fraction!r}"
        )
    if not np.isfinite(shift):
        raise ValueError(f"make_population: shift must be a finite number, got {shift!r}")
    rng = np.random.default_rng(seed)
    group = (rng.random(n_samples) < group_fraction).astype(np.int64)
    centers = np.array([[-1.0, 0.0], [1.0, 0.0]])
    X = centers[group] + rng.standard_normal((n_samples, 2))
    y = (X[:, 1] + noise * rng.standard_normal(n_samples) > shift * group).astype(np.int64)
    return X, y, group


def biased_sample(group, n_samples, minority_fraction, seed=None):
    """Indices of a sample in which group 1 makes up ``minority_fraction`` of the rows.

    ``round(minority_fraction * n_samples)`` rows are drawn from group 1 and the rest from
    group 0, without replacement, then shuffled together.

    Parameters
    ----------
    group : array_like, shape (n,)
        Group labels, 0 or 1 (as returned by ``make_population``).
    n_samples : int
        Size of the sample.
    minority_fraction : float
        Share of group 1 in the sample, between 0 and 1.
    seed : int, np.random.Generator or None

    Returns
    -------
    ndarray, shape (n_samples,), int64
        Row indices into the arrays ``group`` belongs to.
    """
    group = _check_labels("biased_sample", group)
    n_samples = _check_int("biased_sample", "n_samples", n_samples, 1)
    if not 0 <= minority_fraction <= 1:
        raise ValueError(
            f"biased_sample: minority_fraction must lie in [0, 1], got {minority_fraction!r}"
        )
    n_minority = int(round(minority_fraction * n_samples))
    wanted = {1: n_minority, 0: n_samples - n_minority}
    rng = np.random.default_rng(seed)
    chosen = []
    for g, k in wanted.items():
        members = np.flatnonzero(group == g)
        if k > len(members):
            raise ValueError(
                f"biased_sample: the sample needs {k} rows of group {g} but there are only "
                f"{len(members)}"
            )
        chosen.append(rng.choice(members, size=k, replace=False))
    return rng.permutation(np.concatenate(chosen)).astype(np.int64)


# Data augmentation: new training images from old ones.


def _check_images(fn, images):
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{fn}: images must have shape (n, height, width) or (n, height, width, channels), "
            f"got {images.shape}"
        )
    if images.dtype not in (np.float32, np.float64):
        images = images.astype(np.float64)
    return images


def shift_images(images, dy, dx):
    """Move every image ``dy`` pixels down and ``dx`` pixels right, filling with zeros.

    ``out[i, r, c] = images[i, r - dy[i], c - dx[i]]`` where that pixel exists, else 0: pixels
    pushed over an edge are lost, and the ones coming in are blank.

    Parameters
    ----------
    images : array_like, shape (n, height, width) or (n, height, width, channels)
    dy, dx : int or array_like of int, shape (n,)
        The shift of each image (negative: up / left); one number shifts them all alike.

    Returns
    -------
    ndarray, the shape and (float) dtype of ``images``
    """
    images = _check_images("shift_images", images)
    n, height, width = images.shape[:3]
    dy = np.broadcast_to(np.asarray(dy), (n,))
    dx = np.broadcast_to(np.asarray(dx), (n,))
    if not (np.issubdtype(dy.dtype, np.integer) and np.issubdtype(dx.dtype, np.integer)):
        raise ValueError("shift_images: dy and dx must be integers (whole pixels)")
    # Source coordinates of every output pixel, for every image at once: (n, height), (n, width).
    rows = np.arange(height) - dy[:, None]
    cols = np.arange(width) - dx[:, None]
    inside = ((rows >= 0) & (rows < height))[:, :, None] & ((cols >= 0) & (cols < width))[:, None]
    gathered = images[
        np.arange(n)[:, None, None],
        np.clip(rows, 0, height - 1)[:, :, None],
        np.clip(cols, 0, width - 1)[:, None, :],
    ]
    if images.ndim == 4:
        inside = inside[..., None]
    return np.where(inside, gathered, images.dtype.type(0))


def augment_images(images, y=None, n_copies=1, max_shift=1, noise=0.0, value_range=None, seed=None):
    """Randomly shifted, noisy copies of images: more training data from the same examples.

    Each copy is its image moved by a whole number of pixels, ``dy`` and ``dx`` drawn uniformly
    from ``-max_shift .. max_shift`` (zero fill, see ``shift_images``), plus Gaussian noise of
    standard deviation ``noise``, clipped to ``value_range``. A label does not change when its
    digit moves by a pixel, so the copies keep their labels: that is the prior knowledge the
    augmentation adds.

    Parameters
    ----------
    images : array_like, shape (n, height, width) or (n, height, width, channels)
    y : array_like, shape (n, ...), optional
        Labels, repeated for the copies.
    n_copies : int
        Copies of every image (the originals are not included; concatenate them yourself).
    max_shift : int
        The largest shift in each direction, in pixels (0: no shifts).
    noise : float
        Standard deviation of the added noise (0: none).
    value_range : (float, float), optional
        The copies are clipped to it; by default the range of ``images`` itself.
    seed : int, numpy Generator or None

    Returns
    -------
    augmented : ndarray, shape (n_copies * n, ...), the dtype of ``images`` (float)
        Copy ``j`` of image ``i`` is row ``j * n + i``.
    y_augmented : ndarray, shape (n_copies * n, ...)
        Only if ``y`` is given: ``np.tile``-d labels, matching the rows of ``augmented``.
    """
    images = _check_images("augment_images", images)
    n_copies = _check_int("augment_images", "n_copies", n_copies, 1)
    max_shift = _check_int("augment_images", "max_shift", max_shift, 0)
    noise = _check_nonnegative("augment_images", "noise", noise)
    low, high = (images.min(), images.max()) if value_range is None else value_range
    if not low <= high:
        raise ValueError(f"augment_images: value_range must be (low, high), got {value_range!r}")
    rng = np.random.default_rng(seed)
    n = len(images)
    repeated = np.tile(images, (n_copies,) + (1,) * (images.ndim - 1))
    shifts = rng.integers(-max_shift, max_shift + 1, size=(2, n_copies * n))
    out = shift_images(repeated, shifts[0], shifts[1])
    if noise > 0:
        out = out + noise * rng.standard_normal(out.shape, dtype=out.dtype)
    out = np.clip(out, low, high).astype(images.dtype, copy=False)
    if y is None:
        return out
    y = np.asarray(y)
    if len(y) != n:
        raise ValueError(f"augment_images: {n} images but {len(y)} labels")
    return out, np.tile(y, (n_copies,) + (1,) * (y.ndim - 1))


# ---------------------------------------------------------------------------------------------
# The TensorFlow Playground's data sets (chapter 10), on the square [-6, 6] x [-6, 6].
#
# As in the Playground (github.com/tensorflow/playground, src/dataset.ts), ``noise`` is a
# fraction between 0 and 0.5 (its slider shows 0 to 50 %). For the circle, XOR and both
# regression sets it does not move the points: it moves the position *at which the label is
# read* by up to ``noise`` times the data's half-width, so labels flip near the boundary. The
# spiral adds uniform noise to the coordinates, and the Gaussians widen (see ``make_gaussian``).

#: Playground data sets for classification (labels 0/1) and for regression (targets about -1..1).
PLAYGROUND_CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
PLAYGROUND_REGRESSION = ("plane", "multi_gauss")


def _playground_args(fn, n_samples, noise, minimum=2):
    return _check_int(fn, "n_samples", n_samples, minimum), _check_nonnegative(fn, "noise", noise)


def make_playground_circle(n_samples=500, noise=0.0, seed=None):
    """A disc of class 1 inside a ring of class 0 (the Playground's "circle").

    Half the points have radius uniform in [0, 2.5], half in [3.5, 5], at uniform angles. A
    point is class 1 if it lies within radius 2.5 of the origin *after* a shift uniform in
    ``[-5 noise, 5 noise]`` along each axis, so with noise a few labels near the gap flip.

    Parameters
    ----------
    n_samples : int
    noise : float
        Between 0 and 0.5 in the Playground.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64, values in {0, 1}
    """
    n_samples, noise = _playground_args("make_playground_circle", n_samples, noise)
    rng = np.random.default_rng(seed)
    n_inner, n_outer = _split_evenly(n_samples, 2)
    radius = np.concatenate([rng.uniform(0, 2.5, n_inner), rng.uniform(3.5, 5.0, n_outer)])
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    X = radius[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    shifted = X + noise * rng.uniform(-5, 5, (n_samples, 2))
    y = (np.linalg.norm(shifted, axis=1) < 2.5).astype(np.int64)
    return _shuffle(rng, X, y)


def make_playground_xor(n_samples=500, noise=0.0, seed=None):
    """The four quadrants (the Playground's "XOR"): class 1 where ``x1 * x2 >= 0``.

    Coordinates are uniform in [-5, 5] and pushed 0.3 away from the axes (so that without noise
    no point sits on a boundary); the label is read after a shift uniform in
    ``[-5 noise, 5 noise]`` along each axis.

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64, inside [-5.3, 5.3]^2
    y : ndarray, shape (n_samples,), int64, values in {0, 1}
    """
    n_samples, noise = _playground_args("make_playground_xor", n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-5, 5, (n_samples, 2))
    X = X + 0.3 * np.where(X > 0, 1.0, -1.0)
    shifted = X + noise * rng.uniform(-5, 5, (n_samples, 2))
    y = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return _shuffle(rng, X, y)


def make_playground_spiral(n_samples=500, noise=0.0, seed=None):
    """Two interleaved spiral arms (the Playground's "spiral").

    Point ``i`` of ``n`` on an arm has radius ``5 i / n`` and angle ``3.5 pi i / n`` (plus pi for
    class 0), so each arm turns 1.75 times; uniform noise in ``[-noise, noise]`` is added to
    each coordinate.

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64; 1 for the arm that starts upwards, 0 for the other
    """
    n_samples, noise = _playground_args("make_playground_spiral", n_samples, noise)
    rng = np.random.default_rng(seed)
    sizes = _split_evenly(n_samples, 2)
    t = np.concatenate([np.arange(n) / n for n in sizes])
    y = np.repeat(np.array([1, 0], dtype=np.int64), sizes)
    angle = 3.5 * np.pi * t + np.pi * (y == 0)
    X = 5 * t[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    X = X + noise * rng.uniform(-1, 1, (n_samples, 2))
    return _shuffle(rng, X, y)


def make_plane(n_samples=1200, noise=0.0, seed=None):
    """Regression on a tilted plane (the Playground's "plane"): ``y = (x1 + x2) / 10``.

    Inputs are uniform on [-6, 6]^2, so targets lie in [-1.2, 1.2]; the target is read after a
    shift uniform in ``[-6 noise, 6 noise]`` along each axis.

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples, 1), float64
    """
    n_samples, noise = _playground_args("make_plane", n_samples, noise, minimum=1)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6, 6, (n_samples, 2))
    shifted = X + noise * rng.uniform(-6, 6, (n_samples, 2))
    return X, shifted.sum(axis=1, keepdims=True) / 10


#: The six bumps of ``make_multi_gaussian``: centre (x1, x2) and sign.
MULTI_GAUSSIAN_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=float,
)


def make_multi_gaussian(n_samples=1200, noise=0.0, seed=None):
    """Regression on six bumps of alternating sign (the Playground's "multi Gaussian").

    Each bump is a cone ``sign * max(0, 1 - d / 2)`` of radius 2 around its centre
    (``MULTI_GAUSSIAN_BUMPS``); the target is the bump value of largest magnitude, in [-1, 1],
    read after a shift uniform in ``[-6 noise, 6 noise]`` along each axis. Inputs are uniform
    on [-6, 6]^2.

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples, 1), float64
    """
    n_samples, noise = _playground_args("make_multi_gaussian", n_samples, noise, minimum=1)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6, 6, (n_samples, 2))
    shifted = X + noise * rng.uniform(-6, 6, (n_samples, 2))
    distance = np.linalg.norm(shifted[:, None, :] - MULTI_GAUSSIAN_BUMPS[:, :2], axis=2)
    bumps = MULTI_GAUSSIAN_BUMPS[:, 2] * np.clip(1 - distance / 2, 0, 1)  # (n_samples, 6)
    strongest = np.argmax(np.abs(bumps), axis=1)
    return X, bumps[np.arange(n_samples), strongest][:, None]


_PLAYGROUND_MAKERS = {
    "circle": make_playground_circle,
    "xor": make_playground_xor,
    "gauss": make_gaussian,
    "spiral": make_playground_spiral,
    "plane": make_plane,
    "multi_gauss": make_multi_gaussian,
}


def make_playground(name, n_samples=None, noise=0.0, seed=None):
    """One of the TensorFlow Playground's six data sets, by name.

    Parameters
    ----------
    name : {"circle", "xor", "gauss", "spiral", "plane", "multi_gauss"}
        The first four are classification sets, the last two regression sets.
    n_samples : int or None
        Defaults to the Playground's 500 (classification) or 1200 (regression).
    noise : float
        The Playground's noise level as a fraction, 0 to 0.5.
    seed : int, np.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, int64 labels of shape (n_samples,), or float64 targets of shape (n_samples, 1)
    """
    if name not in _PLAYGROUND_MAKERS:
        raise ValueError(
            f"make_playground: unknown data set {name!r}; choose one of {list(_PLAYGROUND_MAKERS)}"
        )
    if n_samples is None:
        n_samples = 1200 if name in PLAYGROUND_REGRESSION else 500
    return _PLAYGROUND_MAKERS[name](n_samples=n_samples, noise=noise, seed=seed)


def load_points(source, problem="classification"):
    """Your own 2-D points: a CSV file of ``x1,x2,label`` lines, or an array of such rows.

    Blank lines and lines starting with ``#`` are skipped; the first line may be a header such
    as ``x1,x2,label`` (a line none of whose fields is a number, before the first data line).

    Parameters
    ----------
    source : str, pathlib.Path, file-like, or array_like of shape (n_points, 3)
        A path or an open text file holding the CSV, or the rows ``[x1, x2, label]`` (for
        instance ``np.column_stack([X, y])``).
    problem : {"classification", "regression"}
        For classification the labels must be 0 and 1, or -1 and 1 (the Playground's
        convention; -1 becomes 0). For regression any finite number is a target.

    Returns
    -------
    X : ndarray, shape (n_points, 2), float64
    y : ndarray, shape (n_points,), int64 (classification) or shape (n_points, 1), float64

    Raises
    ------
    ValueError
        Naming the line (or row) at fault: a wrong number of fields, a field that is not a
        number, a value that is not finite, a label that is not a class, fewer than 2 points.
    """
    fn = "load_points"
    if problem not in ("classification", "regression"):
        raise ValueError(f"{fn}: problem must be 'classification' or 'regression', got {problem!r}")
    if hasattr(source, "read") or isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        rows, where = _read_points_csv(source), "line"
    else:
        try:
            table = np.asarray(source, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{fn}: could not read the points as numbers ({error})") from None
        if table.ndim != 2 or table.shape[1] != 3:
            raise ValueError(
                f"{fn}: an array of points must have shape (n_points, 3) holding x1, x2, label; "
                f"got shape {table.shape}"
            )
        rows, where = [(i, row) for i, row in enumerate(table)], "row"
    if len(rows) < 2:
        raise ValueError(
            f"{fn}: found {len(rows)} point(s); at least 2 are needed (one to train, one to test)"
        )
    numbers = [values for _, values in rows]
    table = np.array(numbers, dtype=float).reshape(len(rows), 3)
    bad = ~np.all(np.isfinite(table), axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(
            f"{fn}: {where} {rows[k][0]} holds a value that is not finite: {list(numbers[k])}"
        )
    X, labels = table[:, :2], table[:, 2]
    if problem == "regression":
        return X, labels[:, None]
    wrong = ~np.isin(labels, [-1.0, 0.0, 1.0])
    if wrong.any():
        k = int(np.argmax(wrong))
        raise ValueError(
            f"{fn}: {where} {rows[k][0]} has label {labels[k]:g}; classification labels must be "
            "0 and 1 (or -1 and 1)"
        )
    if np.any(labels == 0) and np.any(labels == -1):
        zero, minus = int(np.argmax(labels == 0)), int(np.argmax(labels == -1))
        raise ValueError(
            f"{fn}: the labels mix 0 ({where} {rows[zero][0]}) and -1 ({where} {rows[minus][0]}); "
            "use 0 and 1, or -1 and 1"
        )
    return X, (labels > 0).astype(np.int64)


def _read_points_csv(source):
    """``[(line_number, (x1, x2, label)), ...]`` from a CSV path or text file."""
    fn = "load_points"
    if hasattr(source, "read"):
        text = source.read()
    else:
        try:
            with open(source, encoding="utf-8") as file:
                text = file.read()
        except OSError as error:
            raise ValueError(f"{fn}: could not open {str(source)!r} ({error.strerror})") from None
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    rows, header_allowed = [], True
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split(",")]
        try:
            values = tuple(float(field) for field in fields)
        except ValueError:
            if header_allowed and not any(_is_number(f) for f in fields):  # "x1,x2,label"
                header_allowed = False
                continue
            bad = next(f for f in fields if not _is_number(f))
            raise ValueError(f"{fn}: line {number}: {bad!r} is not a number: {line!r}") from None
        header_allowed = False
        if len(values) != 3:
            raise ValueError(
                f"{fn}: line {number} has {len(values)} values, expected 3 (x1,x2,label): {line!r}"
            )
        rows.append((number, values))
    return rows


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


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
