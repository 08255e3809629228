import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets

from nnlib import datasets as ds

CLASSIFICATION = [
    ds.make_moons,
    ds.make_circles,
    ds.make_xor,
    ds.make_spiral,
    ds.make_blobs,
    ds.make_gaussian,
]
GENERATORS = [*CLASSIFICATION, ds.make_regression_1d]


def sort_rows(X):
    """Rows in lexicographic order, to compare two data sets as sets of points."""
    return X[np.lexsort(X.T[::-1])]


def lstsq_accuracy(X, y):
    """Training accuracy of the best linear classifier found by least squares on +-1 targets."""
    A = np.column_stack([X, np.ones(len(X))])
    w = np.linalg.lstsq(A, 2 * y - 1.0, rcond=None)[0]
    return np.mean((A @ w > 0) == y)


# --- every generator ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", CLASSIFICATION)
@pytest.mark.parametrize("n_samples", [7, 120])
def test_classification_shapes_and_dtypes(make, n_samples):
    X, y = make(n_samples=n_samples, seed=0)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))


def test_regression_shapes_and_dtypes():
    X, y = ds.make_regression_1d(n_samples=50, seed=0)
    assert X.shape == (50, 1) and y.shape == (50, 1)
    assert X.dtype == y.dtype == np.float64


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data_different_seed_different_data(make):
    X1, y1 = make(seed=3)
    X2, y2 = make(seed=3)
    X3, _ = make(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("make", GENERATORS)
def test_accepts_a_generator_as_seed(make):
    X1, _ = make(seed=np.random.default_rng(5))
    X2, _ = make(seed=np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X2)


@pytest.mark.parametrize(
    ("make", "n_samples", "kwargs", "expected"),
    [
        (ds.make_moons, 201, {}, [100, 101]),
        (ds.make_circles, 200, {}, [100, 100]),
        (ds.make_xor, 202, {}, [101, 101]),
        (ds.make_spiral, 300, {"n_classes": 3}, [100, 100, 100]),
        (ds.make_spiral, 10, {"n_classes": 4}, [3, 3, 2, 2]),
        (ds.make_blobs, 200, {"centers": 3}, [67, 67, 66]),
        (ds.make_gaussian, 99, {}, [50, 49]),
    ],
)
def test_classes_are_balanced(make, n_samples, kwargs, expected):
    _, y = make(n_samples=n_samples, seed=0, **kwargs)
    assert np.bincount(y).tolist() == expected


@pytest.mark.parametrize("make", CLASSIFICATION)
def test_rows_are_shuffled(make):
    _, y = make(n_samples=100, seed=0)
    assert np.any(np.diff(y) < 0), "labels should not come sorted by class"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ds.make_moons(n_samples=0), "make_moons: n_samples"),
        (lambda: ds.make_moons(n_samples=2.5), "make_moons: n_samples"),
        (lambda: ds.make_moons(noise=-0.1), "make_moons: noise"),
        (lambda: ds.make_circles(factor=1.5), "make_circles: factor"),
        (lambda: ds.make_xor(n_samples=3), "make_xor: n_samples"),
        (lambda: ds.make_spiral(n_classes=1), "make_spiral: n_classes"),
        (lambda: ds.make_blobs(centers=0), "make_blobs: centers"),
        (lambda: ds.make_blobs(centers=[1.0, 2.0]), "make_blobs: centers"),
        (lambda: ds.make_blobs(cluster_std=-1), "make_blobs: cluster_std"),
        (lambda: ds.make_gaussian(noise=float("nan")), "make_gaussian: noise"),
        (lambda: ds.make_regression_1d(fn="tanh"), "make_regression_1d: fn"),
        (lambda: ds.make_regression_1d(x_range=(3, -3)), "make_regression_1d: x_range"),
        (lambda: ds.make_regression_1d(fn=lambda x: x[:3]), "make_regression_1d: fn returned"),
    ],
)
def test_generators_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- geometry of each data set ------------------------------------------------------------------


def test_moons_match_scikit_learn_without_noise():
    X, y = ds.make_moons(n_samples=101, noise=0.0, seed=0)
    X_ref, y_ref = sklearn.datasets.make_moons(n_samples=101, noise=0.0, shuffle=False)
    for c in (0, 1):
        np.testing.assert_allclose(sort_rows(X[y == c]), sort_rows(X_ref[y_ref == c]), atol=1e-12)


def test_moons_lie_on_their_arcs_and_are_not_linearly_separable():
    X, y = ds.make_moons(n_samples=1000, noise=0.05, seed=0)
    centre = np.where(y[:, None] == 0, [0.0, 0.0], [1.0, 0.5])
    radius = np.linalg.norm(X - centre, axis=1)
    assert np.mean(np.abs(radius - 1)) < 0.06
    assert lstsq_accuracy(X, y) < 0.95


def test_circles_match_scikit_learn_and_have_the_right_radii():
    X, y = ds.make_circles(n_samples=100, noise=0.0, factor=0.3, seed=0)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    X_ref, y_ref = sklearn.datasets.make_circles(100, noise=0.0, factor=0.3, shuffle=False)
    np.testing.assert_allclose(sort_rows(X), sort_rows(X_ref), atol=1e-12)
    np.testing.assert_array_equal(np.sort(y), np.sort(y_ref))


def test_xor_follows_the_sign_rule():
    X, y = ds.make_xor(n_samples=100, noise=0.0, seed=0)
    assert set(map(tuple, X)) == {(1, 1), (-1, 1), (-1, -1), (1, -1)}
    np.testing.assert_array_equal(y, X[:, 0] * X[:, 1] < 0)
    X, y = ds.make_xor(n_samples=1000, noise=0.1, seed=0)
    assert np.mean(y == (X[:, 0] * X[:, 1] < 0)) > 0.99
    assert lstsq_accuracy(X, y) < 0.75


def test_spiral_arms_stay_in_the_unit_disc_and_start_at_the_origin():
    X, y = ds.make_spiral(n_samples=300, n_classes=3, noise=0.0, seed=0)
    radius = np.linalg.norm(X, axis=1)
    assert radius.max() == pytest.approx(1.0)
    assert np.sum(radius < 1e-12) == 3  # one point per arm at the origin
    assert lstsq_accuracy(X, (y == 0).astype(int)) < 0.8  # no straight line isolates an arm


def test_blobs_cluster_around_given_centers():
    centers = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    X, y = ds.make_blobs(n_samples=2000, centers=centers, cluster_std=0.5, seed=0)
    assert X.shape == (2000, 3)
    for c in (0, 1):
        np.testing.assert_allclose(X[y == c].mean(axis=0), centers[c], atol=0.1)  # 6 SE
        np.testing.assert_allclose(X[y == c].std(axis=0), 0.5, atol=0.05)


def test_blobs_draw_random_centers_in_the_box():
    X, y = ds.make_blobs(n_samples=500, centers=4, cluster_std=0.01, n_features=5, seed=0)
    assert X.shape == (500, 5)
    means = np.array([X[y == c].mean(axis=0) for c in range(4)])
    assert np.all(np.abs(means) < 10)
    assert len(np.unique(means.round(1), axis=0)) == 4


def test_gaussian_clouds_follow_the_playground_variance():
    X, y = ds.make_gaussian(n_samples=20000, noise=0.2, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.05)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.05)
    np.testing.assert_allclose(X[y == 0].var(axis=0), 0.5 + 7 * 0.2, rtol=0.05)


@pytest.mark.parametrize(
    ("fn", "f"),
    [
        ("sin", np.sin),
        ("cubic", lambda x: x**3 / 9),
        ("step", lambda x: (x >= 0) * 1.0),
        ("linear", lambda x: 0.5 * x + 1),
        (np.tanh, np.tanh),
    ],
)
def test_regression_without_noise_is_the_function(fn, f):
    X, y = ds.make_regression_1d(n_samples=200, noise=0.0, fn=fn, seed=0, x_range=(-2, 4))
    assert X.min() >= -2 and X.max() < 4
    assert X.max() - X.min() > 5  # spread over the interval, not bunched
    np.testing.assert_allclose(y, f(X))


def test_regression_noise_has_the_requested_size():
    X, y = ds.make_regression_1d(n_samples=20000, noise=0.3, seed=0)
    assert np.std(y - np.sin(X)) == pytest.approx(0.3, rel=0.03)


# --- the digits ---------------------------------------------------------------------------------


def test_load_digits():
    X, y = ds.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    counts = np.bincount(y)
    assert len(counts) == 10 and np.all((counts > 170) & (counts < 190))
    images, y_images = ds.load_digits(return_images=True)
    assert images.shape == (1797, 8, 8)
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    np.testing.assert_array_equal(y_images, y)


def test_load_digits_equals_scikit_learns_and_hands_out_copies():
    X, y = ds.load_digits()
    reference = sklearn.datasets.load_digits()
    np.testing.assert_array_equal(X, reference.data / 16.0)
    np.testing.assert_array_equal(y, reference.target)
    X[:] = -1.0  # the cached table is not handed out
    y[:] = -1
    again, y_again = ds.load_digits()
    np.testing.assert_array_equal(again, reference.data / 16.0)
    np.testing.assert_array_equal(y_again, reference.target)


def test_load_digits_does_not_import_sklearn():
    code = "import sys, nnlib.datasets as d; d.load_digits(); assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_importing_datasets_does_not_import_sklearn():
    code = "import sys, nnlib.datasets; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# --- train_test_split ---------------------------------------------------------------------------


@pytest.mark.parametrize(("test_size", "n_test"), [(0.25, 25), (0.301, 31), (10, 10), (99, 99)])
def test_split_sizes_disjoint_and_complete(test_size, n_test):
    X = np.arange(200).reshape(100, 2)
    y = np.arange(100)
    X_train, X_test, y_train, y_test = ds.train_test_split(X, y, test_size=test_size, seed=0)
    assert len(X_test) == len(y_test) == n_test
    assert len(X_train) == len(y_train) == 100 - n_test
    assert np.intersect1d(y_train, y_test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)


def test_split_is_shuffled_and_deterministic():
    X, y = np.zeros((100, 1)), np.arange(100)
    _, _, _, y_test1 = ds.train_test_split(X, y, seed=1)
    _, _, _, y_test2 = ds.train_test_split(X, y, seed=1)
    _, _, _, y_test3 = ds.train_test_split(X, y, seed=2)
    np.testing.assert_array_equal(y_test1, y_test2)
    assert not np.array_equal(y_test1, y_test3)
    assert not np.array_equal(np.sort(y_test1), np.arange(75, 100))


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100)[:, None]
    for seed in range(5):
        _, _, y_train, y_test = ds.train_test_split(X, y, test_size=0.2, seed=seed, stratify=True)
        assert np.bincount(y_test).tolist() == [12, 6, 2]
        assert np.bincount(y_train).tolist() == [48, 24, 8]


def test_stratified_split_rounds_to_the_requested_size():
    y = np.repeat([0, 1, 2], [34, 33, 33])
    _, _, _, y_test = ds.train_test_split(np.zeros((100, 1)), y, test_size=10, stratify=True)
    assert len(y_test) == 10
    assert all(3 <= n <= 4 for n in np.bincount(y_test))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((np.zeros((10, 2)), np.zeros(9)), {}, "different lengths"),
        ((np.zeros((10, 2)), np.zeros(10)), {"test_size": 0.0}, "test_size"),
        ((np.zeros((10, 2)), np.zeros(10)), {"test_size": 1.0}, "test_size"),
        ((np.zeros((10, 2)), np.zeros(10)), {"test_size": 10}, "test_size"),
        ((np.zeros((10, 2)), np.zeros(10)), {"test_size": 0}, "test_size"),
        ((np.zeros((10, 2)), np.zeros(10)), {"test_size": "half"}, "test_size"),
        ((np.zeros((10, 2)), np.full(10, 0.5)), {"stratify": True}, "integer class labels"),
    ],
)
def test_split_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=f"train_test_split: .*{message}"):
        ds.train_test_split(*args, **kwargs)


# --- one_hot ------------------------------------------------------------------------------------


def test_one_hot_round_trip():
    y = np.array([2, 0, 1, 2, 4])
    Y = ds.one_hot(y)
    assert Y.shape == (5, 5) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=1), 1)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    assert ds.one_hot(y, num_classes=7).shape == (5, 7)
    np.testing.assert_array_equal(ds.one_hot([1.0, 0.0]), [[0, 1], [1, 0]])


@pytest.mark.parametrize(
    ("y", "num_classes", "message"),
    [
        ([0.5, 1.0], None, "integer class labels"),
        ([0, -1], None, ">= 0"),
        ([0, 3], 3, "num_classes=3"),
        ([[0, 1]], None, "1-D"),
        ([0, 1], -2, "num_classes"),
    ],
)
def test_one_hot_rejects_bad_labels(y, num_classes, message):
    with pytest.raises(ValueError, match=f"one_hot: .*{message}"):
        ds.one_hot(y, num_classes)


# --- batches ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [True, False])
def test_batches_cover_every_row_once(shuffle):
    X = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    pairs = list(ds.batches(X, y, batch_size=16, shuffle=shuffle, seed=0))
    assert [len(yb) for _, yb in pairs] == [16, 16, 16, 2]
    seen = np.concatenate([yb for _, yb in pairs])
    np.testing.assert_array_equal(np.sort(seen), y)
    for Xb, yb in pairs:
        np.testing.assert_array_equal(Xb[:, 0], 2 * yb)
    assert np.array_equal(seen, y) == (not shuffle)  # shuffled, or in the stored order


def test_batches_without_y_yield_arrays():
    parts = list(ds.batches(np.ones((10, 3)), batch_size=4, seed=0))
    assert [p.shape for p in parts] == [(4, 3), (4, 3), (2, 3)]


def test_batches_order_is_seeded():
    y = np.arange(40)

    def epoch(seed):
        return np.concatenate(list(ds.batches(y, batch_size=8, seed=seed)))

    np.testing.assert_array_equal(epoch(0), epoch(0))
    rng = np.random.default_rng(0)
    assert not np.array_equal(epoch(rng), epoch(rng)), "a Generator gives a new order each epoch"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"batch_size": 0}, "batch_size"), ({"y": np.zeros(3)}, "different lengths")],
)
def test_batches_reject_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=f"batches: .*{message}"):
        ds.batches(np.zeros((5, 2)), **kwargs)


# --- standardize --------------------------------------------------------------------------------


def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(0)
    X_train = rng.normal([1.0, -3.0, 7.0], [2.0, 0.5, 0.0], size=(200, 3))
    X_test = rng.normal(size=(20, 3))
    Z_train, Z_test = ds.standardize(X_train, X_test)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), [1, 1, 0], atol=1e-12)
    std = np.where(X_train.std(axis=0) == 0, 1, X_train.std(axis=0))
    np.testing.assert_allclose(Z_test, (X_test - X_train.mean(axis=0)) / std)
    np.testing.assert_allclose(ds.standardize(X_train), Z_train)


def test_standardize_rejects_mismatched_features():
    with pytest.raises(ValueError, match="standardize: .*features"):
        ds.standardize(np.ones((5, 3)), np.ones((5, 2)))


# --- a population with two groups, biased samples (chapter 9) ------------------------------------


def test_population_shapes_determinism_and_group_share():
    X, y, group = ds.make_population(4000, group_fraction=0.3, seed=0)
    assert X.shape == (4000, 2) and X.dtype == np.float64
    assert y.dtype == np.int64 and group.dtype == np.int64
    assert set(np.unique(y)) == {0, 1} and set(np.unique(group)) == {0, 1}
    assert abs(group.mean() - 0.3) < 0.03
    again = ds.make_population(4000, group_fraction=0.3, seed=0)
    for a, b in zip((X, y, group), again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(X, ds.make_population(4000, group_fraction=0.3, seed=1)[0])


def test_population_follows_its_documented_construction():
    X, y, group = ds.make_population(6000, group_fraction=0.5, shift=1.5, noise=0.0, seed=2)
    np.testing.assert_array_equal(y, (X[:, 1] > 1.5 * group).astype(int))  # the label rule
    np.testing.assert_allclose(X[group == 0].mean(axis=0), [-1, 0], atol=0.06)
    np.testing.assert_allclose(X[group == 1].mean(axis=0), [1, 0], atol=0.06)
    np.testing.assert_allclose(X[group == 1].std(axis=0), [1, 1], atol=0.05)
    noisy = ds.make_population(6000, group_fraction=0.5, shift=1.5, noise=0.5, seed=2)[1]
    assert 0.05 < np.mean(noisy != y) < 0.35  # label noise flips the points near the lines
    assert np.all(ds.make_population(50, group_fraction=0.0, seed=0)[2] == 0)


def test_biased_sample_has_the_requested_composition():
    _, _, group = ds.make_population(3000, group_fraction=0.3, seed=0)
    rows = ds.biased_sample(group, 200, 0.05, seed=0)
    assert rows.shape == (200,) and rows.dtype == np.int64
    assert len(np.unique(rows)) == 200  # without replacement
    assert group[rows].sum() == 10
    np.testing.assert_array_equal(rows, ds.biased_sample(group, 200, 0.05, seed=0))
    assert not np.array_equal(rows, ds.biased_sample(group, 200, 0.05, seed=1))
    assert group[ds.biased_sample(group, 200, 0.0, seed=0)].sum() == 0
    assert group[ds.biased_sample(group, 200, 1.0, seed=0)].sum() == 200
    with pytest.raises(ValueError, match="only"):
        ds.biased_sample(group, 2900, 0.5, seed=0)
    with pytest.raises(ValueError, match="minority_fraction"):
        ds.biased_sample(group, 10, 1.5)
    with pytest.raises(ValueError, match="group_fraction"):
        ds.make_population(10, group_fraction=-0.1)


# --- augmentation: shift_images and augment_images ----------------------------------------------


def reference_shift(image, dy, dx):
    """One image shifted by the obvious loop: the reference for the vectorised version."""
    out = np.zeros_like(image)
    height, width = image.shape[:2]
    for r in range(height):
        for c in range(width):
            if 0 <= r - dy < height and 0 <= c - dx < width:
                out[r, c] = image[r - dy, c - dx]
    return out


def test_a_shift_moves_one_lit_pixel_exactly():
    image = np.zeros((1, 8, 8))
    image[0, 3, 5] = 1.0
    for dy, dx in [(1, 0), (0, 1), (-2, -1), (2, 2), (0, 3)]:
        out = ds.shift_images(image, dy, dx)
        expected = np.zeros((1, 8, 8))
        if 0 <= 3 + dy < 8 and 0 <= 5 + dx < 8:
            expected[0, 3 + dy, 5 + dx] = 1.0
        np.testing.assert_array_equal(out, expected, err_msg=f"{(dy, dx)}")
    np.testing.assert_array_equal(ds.shift_images(image, 0, 3), 0.0)  # pushed over the edge


@pytest.mark.parametrize("channels", [None, 3])
def test_per_image_shifts_match_the_loop(channels):
    rng = np.random.default_rng(0)
    shape = (6, 5, 7) if channels is None else (6, 5, 7, channels)
    images = rng.random(shape)
    dy, dx = rng.integers(-3, 4, 6), rng.integers(-3, 4, 6)
    out = ds.shift_images(images, dy, dx)
    assert out.shape == images.shape and out.dtype == images.dtype
    for i in range(6):
        np.testing.assert_array_equal(out[i], reference_shift(images[i], dy[i], dx[i]))
    np.testing.assert_array_equal(ds.shift_images(images, 0, 0), images)
    with pytest.raises(ValueError, match="integers"):
        ds.shift_images(images, 0.5, 0)
    with pytest.raises(ValueError, match=r"shift_images: images must have shape"):
        ds.shift_images(rng.random((4, 5)), 1, 1)


def test_augment_images_shapes_labels_and_seeds():
    images, y = ds.load_digits(return_images=True)
    images, y = images[:20], y[:20]
    out, y_out = ds.augment_images(images, y, n_copies=3, max_shift=1, seed=0)
    assert out.shape == (60, 8, 8) and out.dtype == np.float64
    np.testing.assert_array_equal(y_out, np.tile(y, 3))
    np.testing.assert_array_equal(out, ds.augment_images(images, y, 3, 1, seed=0)[0])
    assert not np.array_equal(out, ds.augment_images(images, y, 3, 1, seed=1)[0])
    # Without noise every copy is its original moved by some (dy, dx) with |dy|, |dx| <= 1.
    shifts = set()
    for j in range(60):
        matches = [
            (dy, dx)
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if np.array_equal(out[j], reference_shift(images[j % 20], dy, dx))
        ]
        assert matches, j
        shifts.update(matches)
    assert len(shifts) == 9  # every shift in the range occurs
    np.testing.assert_array_equal(ds.augment_images(images, max_shift=0), images)


def test_augment_images_noise_is_clipped_to_the_value_range_and_keeps_float32():
    images = np.full((50, 8, 8), 0.5, dtype=np.float32)
    images[:, 0, 0] = 0.0
    images[:, 0, 1] = 1.0
    out = ds.augment_images(images, n_copies=2, max_shift=0, noise=0.1, seed=0)
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0
    middle = out[:, 2:, 2:] - 0.5  # far from the clip: plain Gaussian noise
    assert abs(middle.std() - 0.1) < 0.005 and abs(middle.mean()) < 0.005
    wide = ds.augment_images(images, noise=1.0, value_range=(-2.0, 3.0), max_shift=0, seed=0)
    assert wide.min() < 0 and wide.max() > 1 and wide.min() >= -2 and wide.max() <= 3
    with pytest.raises(ValueError, match="augment_images: n_copies"):
        ds.augment_images(images, n_copies=0)
    with pytest.raises(ValueError, match="augment_images: noise"):
        ds.augment_images(images, noise=-1.0)
    with pytest.raises(ValueError, match="20 images but 3 labels"):
        ds.augment_images(images[:20], np.zeros(3))


# --- the TensorFlow Playground's data sets ------------------------------------------------------

PLAYGROUND = [*ds.PLAYGROUND_CLASSIFICATION, *ds.PLAYGROUND_REGRESSION]


@pytest.mark.parametrize("name", PLAYGROUND)
def test_playground_sets_have_the_playground_sizes_shapes_and_range(name):
    X, y = ds.make_playground(name, seed=0)
    regression = name in ds.PLAYGROUND_REGRESSION
    n = 1200 if regression else 500
    assert X.shape == (n, 2) and X.dtype == np.float64
    if regression:
        assert y.shape == (n, 1) and y.dtype == np.float64
        assert np.abs(X).max() <= 6
    else:
        assert y.shape == (n,) and y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert np.abs(X).max() < 6.5 or name == "gauss"  # the Gaussians have tails


@pytest.mark.parametrize("name", PLAYGROUND)
def test_playground_sets_are_seeded_and_shuffled(name):
    X1, y1 = ds.make_playground(name, n_samples=60, noise=0.2, seed=3)
    X2, y2 = ds.make_playground(name, n_samples=60, noise=0.2, seed=3)
    X3, _ = ds.make_playground(name, n_samples=60, noise=0.2, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    if name in ds.PLAYGROUND_CLASSIFICATION:
        assert np.any(np.diff(y1) < 0), "labels should not come sorted by class"


def test_playground_circle_without_noise_is_a_disc_inside_a_ring():
    X, y = ds.make_playground_circle(n_samples=1001, noise=0.0, seed=0)
    radius = np.linalg.norm(X, axis=1)
    assert np.bincount(y).tolist() == [500, 501]
    assert radius[y == 1].max() < 2.5 and radius[y == 0].min() >= 3.5 and radius.max() <= 5
    assert lstsq_accuracy(X, y) < 0.7  # no line separates a disc from a ring


def test_playground_noise_flips_labels_near_the_boundary_only():
    X, y = ds.make_playground_circle(n_samples=4000, noise=0.5, seed=0)
    radius = np.linalg.norm(X, axis=1)
    wrong = y != (radius < 2.5)
    assert 0.05 < wrong.mean() < 0.45  # noise 50%: labels read up to 2.5 away from the point
    # Noise 10%: the label is read at most 0.5 * sqrt(2) from the point, so only inner points
    # within that distance of the radius 2.5 can flip; the ring (radius >= 3.5) never does.
    X, y = ds.make_playground_circle(n_samples=4000, noise=0.1, seed=0)
    radius = np.linalg.norm(X, axis=1)
    wrong = y != (radius < 2.5)
    assert wrong.any() and np.all(radius[wrong] > 2.5 - 0.5 * np.sqrt(2)) and np.all(y[wrong] == 0)
    X, y = ds.make_playground_xor(n_samples=2000, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, X[:, 0] * X[:, 1] >= 0)
    assert np.abs(X).min() >= 0.3 and np.abs(X).max() <= 5.3  # padded away from the axes
    X, y = ds.make_playground_xor(n_samples=2000, noise=0.3, seed=0)
    assert 0.6 < np.mean(y == (X[:, 0] * X[:, 1] >= 0)) < 0.98


def test_playground_spiral_arms_follow_their_formula():
    X, y = ds.make_playground_spiral(n_samples=400, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [200, 200]
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(np.sort(radius[y == 1]), 5 * np.arange(200) / 200, atol=1e-12)
    # On arm 1 the angle from the x2 axis is 3.5 pi r / 5: check it modulo 2 pi.
    r, angle = radius[y == 1], np.arctan2(X[y == 1, 0], X[y == 1, 1])
    np.testing.assert_allclose(np.cos(angle - 3.5 * np.pi * r / 5)[r > 0], 1.0, atol=1e-9)
    # Arm 0 is arm 1 turned by 180 degrees.
    np.testing.assert_allclose(sort_rows(-X[y == 0]), sort_rows(X[y == 1]), atol=1e-12)
    X_noisy, _ = ds.make_playground_spiral(n_samples=400, noise=0.5, seed=0)
    assert not np.allclose(sort_rows(X_noisy), sort_rows(X))


def test_plane_targets_are_the_plane_and_noise_blurs_them():
    X, y = ds.make_plane(n_samples=500, noise=0.0, seed=0)
    np.testing.assert_allclose(y[:, 0], (X[:, 0] + X[:, 1]) / 10)
    assert X.min() >= -6 and X.max() < 6 and X.max() - X.min() > 11.5
    X, y = ds.make_plane(n_samples=20000, noise=0.5, seed=0)
    residual = y[:, 0] - (X[:, 0] + X[:, 1]) / 10
    # The shift is uniform in [-3, 3] on each axis, /10: variance 2 * 3**2 / 3 / 100.
    assert np.var(residual) == pytest.approx(2 * 9 / 3 / 100, rel=0.05)


def test_multi_gaussian_has_six_signed_bumps():
    X, y = ds.make_multi_gaussian(n_samples=3000, noise=0.0, seed=0)
    assert -1 <= y.min() and y.max() <= 1
    for cx, cy, sign in ds.MULTI_GAUSSIAN_BUMPS:
        near = np.linalg.norm(X - [cx, cy], axis=1) < 0.5
        assert near.any()
        expected = sign * (1 - np.linalg.norm(X[near] - [cx, cy], axis=1) / 2)
        np.testing.assert_allclose(y[near, 0], expected)
    far = np.min(np.linalg.norm(X[:, None] - ds.MULTI_GAUSSIAN_BUMPS[:, :2], axis=2), axis=1) > 2
    np.testing.assert_array_equal(y[far, 0], 0.0)


def test_make_playground_dispatches_and_rejects_unknown_names():
    X, y = ds.make_playground("gauss", n_samples=100, noise=0.1, seed=1)
    X_ref, y_ref = ds.make_gaussian(n_samples=100, noise=0.1, seed=1)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    with pytest.raises(ValueError, match="make_playground: unknown data set 'moons'"):
        ds.make_playground("moons")
    with pytest.raises(ValueError, match="make_playground_circle: noise"):
        ds.make_playground("circle", noise=-0.1)
    with pytest.raises(ValueError, match="make_plane: n_samples"):
        ds.make_plane(n_samples=0)


# --- load_points ---------------------------------------------------------------------------------


def test_load_points_reads_a_csv_with_a_header_comments_and_blank_lines(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n# a comment\n1.5, -2, 1\n\n0,0,0\n-3e-1,4,1\n")
    X, y = ds.load_points(path)
    np.testing.assert_array_equal(X, [[1.5, -2.0], [0.0, 0.0], [-0.3, 4.0]])
    np.testing.assert_array_equal(y, [1, 0, 1])
    assert y.dtype == np.int64
    X2, y2 = ds.load_points(str(path))
    np.testing.assert_array_equal(X2, X)
    with open(path) as file:
        X3, _ = ds.load_points(file)
    np.testing.assert_array_equal(X3, X)


def test_load_points_reads_arrays_and_the_playground_labels():
    X, y = ds.load_points(np.array([[0.0, 1.0, -1], [2.0, 3.0, 1], [4.0, 5.0, 1]]))
    np.testing.assert_array_equal(y, [0, 1, 1])  # -1 / +1 labels become 0 / 1
    X, y = ds.load_points([[0, 1, 0.25], [2, 3, -7.5]], problem="regression")
    assert y.shape == (2, 1) and y.dtype == np.float64
    np.testing.assert_array_equal(y[:, 0], [0.25, -7.5])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,1\n3,4\n", "line 2 has 2 values, expected 3"),
        ("1,2,1\n3,four,0\n", "line 2: 'four' is not a number"),
        ("x1,x2,label\n1,2,1\n1,x,1\n", "line 3: 'x' is not a number"),
        ("1,2,x\n3,4,1\n", "line 1: 'x' is not a number"),  # a header has no numbers at all
        ("1,2,1\n3,4,nan\n", "line 2 holds a value that is not finite"),
        ("1,2,1\n3,4,2\n", "line 2 has label 2; classification labels must be 0 and 1"),
        ("1,2,1\n3,4,0.5\n", "line 2 has label 0.5"),
        ("x1,x2,label\n1,2,1\n", "found 1 point"),
    ],
)
def test_load_points_names_the_line_at_fault(text, message):
    with pytest.raises(ValueError, match=f"load_points: {message}"):
        ds.load_points(io.StringIO(text))


def test_load_points_rejects_bad_arrays_files_and_problems(tmp_path):
    with pytest.raises(ValueError, match=r"shape \(n_points, 3\).*got shape \(2, 2\)"):
        ds.load_points(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"labels mix 0 \(row 0\) and -1 \(row 2\)"):
        ds.load_points([[0, 0, 0], [1, 1, 1], [1, 1, -1]])
    with pytest.raises(ValueError, match="could not open"):
        ds.load_points(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="problem must be"):
        ds.load_points([[0, 0, 0], [1, 1, 1]], problem="clustering")


# --- sequences ----------------------------------------------------------------------------------


def test_sine_sequences_are_sine_waves_and_the_target_is_the_next_value():
    X, y = ds.make_sine_sequences(50, length=12, noise=0.0, seed=0)
    assert X.shape == (50, 12, 1) and y.shape == (50, 1) and X.dtype == y.dtype == np.float64
    # A sine wave obeys x[t + 1] = 2 cos(w) x[t] - x[t - 1]: recover w from the first steps,
    # then the same rule, one step further, gives the target.
    s = np.concatenate([X[:, :, 0], y], axis=1)
    cos_w = (s[:, 2] + s[:, 0]) / (2 * s[:, 1])
    np.testing.assert_allclose(s[:, 2:], 2 * cos_w[:, None] * s[:, 1:-1] - s[:, :-2], atol=1e-9)
    w = np.arccos(cos_w)
    assert w.min() >= 0.2 - 1e-9 and w.max() <= 0.6 + 1e-9
    assert np.abs(s).max() <= 1.0


def test_sine_sequence_noise_is_on_the_inputs_only():
    clean, y0 = ds.make_sine_sequences(400, length=10, noise=0.0, seed=3)
    noisy, y1 = ds.make_sine_sequences(400, length=10, noise=0.1, seed=3)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_allclose(np.std(noisy - clean), 0.1, rtol=0.05)


def test_recall_sequences_mark_the_first_symbol_and_label_it():
    X, y = ds.make_recall_sequences(300, length=7, n_symbols=3, seed=1)
    assert X.shape == (300, 7, 4) and y.shape == (300,) and y.dtype == np.int64
    np.testing.assert_array_equal(X[:, :, :3].sum(axis=2), 1.0)  # one symbol per step
    np.testing.assert_array_equal(X[:, 0, 3], 1.0)  # the marker at step 0 ...
    np.testing.assert_array_equal(X[:, 1:, 3], 0.0)  # ... and nowhere else
    np.testing.assert_array_equal(X[:, 0, :3].argmax(axis=1), y)
    assert set(np.unique(y)) == {0, 1, 2}
    # The last symbol says nothing about the label: the task needs memory.
    agreement = np.mean(X[:, -1, :3].argmax(axis=1) == y)
    assert 0.2 < agreement < 0.47


@pytest.mark.parametrize("make", [ds.make_sine_sequences, ds.make_recall_sequences])
def test_sequence_generators_are_seeded(make):
    a, b, c = make(20, seed=4), make(20, seed=4), make(20, seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ds.make_sine_sequences(0), "n_samples"),
        (lambda: ds.make_sine_sequences(5, length=1), "length"),
        (lambda: ds.make_sine_sequences(5, noise=-1), "noise"),
        (lambda: ds.make_recall_sequences(5, length=0), "length"),
        (lambda: ds.make_recall_sequences(5, n_symbols=1), "n_symbols"),
    ],
)
def test_sequence_generators_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
