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
