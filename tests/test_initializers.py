"""Tests for nnlib.initializers: shapes, dtypes, seeding and the variance formulas."""

import numpy as np
import pytest

from nnlib import initializers

pytestmark = pytest.mark.filterwarnings("error")

RANDOM = [
    "random_normal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_normal",
    "orthogonal",
]
SHAPE = (400, 600)  # large enough for the empirical std to be within 1 % of the formula


def sample(name, shape=SHAPE, seed=0, dtype=np.float64):
    return initializers.get(name)(shape, np.random.default_rng(seed), dtype)


@pytest.mark.parametrize("name", [*RANDOM, "zeros", "ones"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype(name, dtype):
    w = sample(name, shape=(3, 5), dtype=dtype)
    assert w.shape == (3, 5)
    assert w.dtype == dtype


def test_zeros_and_ones():
    np.testing.assert_array_equal(initializers.zeros((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.ones((4,)), np.ones(4))


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_numbers(name):
    np.testing.assert_array_equal(sample(name, (5, 7), seed=3), sample(name, (5, 7), seed=3))
    assert not np.array_equal(sample(name, (5, 7), seed=3), sample(name, (5, 7), seed=4))


@pytest.mark.parametrize(
    ("name", "limit"),
    [("glorot_uniform", np.sqrt(6 / (400 + 600))), ("he_uniform", np.sqrt(6 / 400))],
)
def test_uniform_limits(name, limit):
    w = sample(name)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.999 * limit  # the bound is reached, not a smaller one
    assert abs(w.mean()) < 0.01 * limit
    np.testing.assert_allclose(w.std(), limit / np.sqrt(3), rtol=0.01)  # std of U(-l, l)


@pytest.mark.parametrize(
    ("name", "std"),
    [
        ("random_normal", 0.05),
        ("glorot_normal", np.sqrt(2 / (400 + 600))),
        ("he_normal", np.sqrt(2 / 400)),
        ("lecun_normal", np.sqrt(1 / 400)),
    ],
)
def test_normal_std(name, std):
    w = sample(name)
    np.testing.assert_allclose(w.std(), std, rtol=0.01)
    assert abs(w.mean()) < 0.01 * std


def test_fans_of_a_kernel():
    # A (3, 3) kernel from 4 to 8 channels: fan_in = 9 * 4, fan_out = 9 * 8.
    w = sample("glorot_uniform", shape=(3, 3, 4, 8))
    assert np.abs(w).max() <= np.sqrt(6 / (36 + 72))
    assert initializers._fans((3, 3, 4, 8)) == (36, 72)
    assert initializers._fans((5, 2)) == (5, 2)


def test_get():
    assert initializers.get("he_normal") is initializers.he_normal

    def custom(shape, rng, dtype):
        return np.full(shape, 0.5, dtype=dtype)

    assert initializers.get(custom) is custom
    with pytest.raises(ValueError, match="unknown initializer"):
        initializers.get("xavier")


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 2, 5)])
def test_orthogonal_has_orthonormal_columns_or_rows(shape):
    q = sample("orthogonal", shape=shape)
    assert q.shape == shape
    m = q.reshape(-1, shape[-1])  # Keras's view: prod(shape[:-1]) rows, shape[-1] columns
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(m, compute_uv=False), 1.0, rtol=1e-12)


def test_orthogonal_gain_and_norm_preservation():
    q = initializers.orthogonal((8, 8), np.random.default_rng(1), gain=1.5)
    np.testing.assert_allclose(np.linalg.svd(q, compute_uv=False), 1.5, rtol=1e-12)
    U = sample("orthogonal", shape=(8, 8), seed=2)
    h = np.random.default_rng(3).standard_normal((5, 8))
    for _ in range(50):  # 50 steps of h <- h U keep every length
        h_next = h @ U
        np.testing.assert_allclose(np.linalg.norm(h_next, axis=1), np.linalg.norm(h, axis=1))
        h = h_next


def test_orthogonal_is_uniformly_oriented():
    """With R's signs moved into Q, Q's entries are symmetric about 0. A plain QR is not
    uniform: numpy's Q leans negative on its diagonal (mean about -0.2 for 6 x 6)."""
    diagonals = np.array([np.diag(sample("orthogonal", (6, 6), seed=s)) for s in range(400)])
    assert abs(diagonals.mean()) < 0.03
    np.testing.assert_allclose(diagonals.std(), 1 / np.sqrt(6), rtol=0.1)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        initializers.orthogonal((5,), np.random.default_rng(0))
