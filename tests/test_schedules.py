"""Tests for nnlib.schedules: closed-form values, Keras's conventions, errors."""

import math
import re

import numpy as np
import pytest

from nnlib.schedules import CosineDecay, ExponentialDecay, PiecewiseConstantDecay, StepDecay

pytestmark = pytest.mark.filterwarnings("error")


def test_step_decay_halves_every_so_many_steps():
    schedule = StepDecay(0.8, drop=0.5, every=10)
    values = [schedule(step) for step in (0, 9, 10, 19, 20, 35)]
    assert values == [0.8, 0.8, 0.4, 0.4, 0.2, 0.1]
    assert isinstance(schedule(3), float)


def test_exponential_decay_closed_form_and_staircase():
    smooth = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    stairs = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5, staircase=True)
    steps = np.arange(0, 400, 7)
    np.testing.assert_allclose([smooth(s) for s in steps], 0.1 * 0.5 ** (steps / 100), rtol=1e-14)
    np.testing.assert_allclose([stairs(s) for s in steps], 0.1 * 0.5 ** (steps // 100), rtol=1e-14)
    assert smooth(100) == pytest.approx(0.05) and stairs(99) == 0.1


def test_piecewise_constant_decay_includes_the_boundary_in_the_earlier_piece():
    schedule = PiecewiseConstantDecay(boundaries=[10, 20], values=[1.0, 0.5, 0.1])
    assert [schedule(s) for s in (0, 10, 11, 20, 21, 10**6)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


def test_cosine_decay_closed_form():
    schedule = CosineDecay(0.2, decay_steps=100, alpha=0.1)
    assert schedule(0) == pytest.approx(0.2, rel=1e-15)
    assert schedule(50) == pytest.approx(0.2 * (0.9 * 0.5 + 0.1), rel=1e-15)  # half way down
    assert schedule(100) == pytest.approx(0.02, rel=1e-15)  # alpha * initial
    assert schedule(1000) == schedule(100)  # flat afterwards
    steps = np.arange(0, 101)
    expected = 0.2 * (0.9 * 0.5 * (1 + np.cos(np.pi * steps / 100)) + 0.1)
    np.testing.assert_allclose([schedule(s) for s in steps], expected, rtol=1e-14)
    values = [schedule(s) for s in steps]
    assert np.all(np.diff(values) < 0)
    assert CosineDecay(1.0, 10)(10) == 0.0  # alpha = 0 decays to zero


def test_cosine_decay_is_symmetric_about_its_midpoint():
    schedule = CosineDecay(1.0, decay_steps=40)
    for s in range(41):
        assert schedule(s) + schedule(40 - s) == pytest.approx(1.0, abs=1e-14)


def test_repr_names_the_settings():
    assert repr(StepDecay(0.1, 0.5, 10)) == (
        "StepDecay(initial_learning_rate=0.1, drop=0.5, every=10)"
    )
    assert "decay_steps=100" in repr(CosineDecay(0.1, 100))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StepDecay(0.0), "StepDecay: initial_learning_rate must be positive, got 0.0"),
        (lambda: StepDecay(0.1, drop=0.0), "StepDecay: drop must lie in (0, 1], got 0.0"),
        (lambda: StepDecay(0.1, drop=1.5), "StepDecay: drop must lie in (0, 1], got 1.5"),
        (lambda: StepDecay(0.1, every=0), "StepDecay: every must be a positive integer, got 0"),
        (lambda: StepDecay(0.1, every=2.5), "StepDecay: every must be a positive integer, got 2.5"),
        (
            lambda: ExponentialDecay(0.1, 0, 0.5),
            "ExponentialDecay: decay_steps must be positive, got 0",
        ),
        (
            lambda: ExponentialDecay(0.1, 10, 0.0),
            "ExponentialDecay: decay_rate must be positive, got 0.0",
        ),
        (
            lambda: PiecewiseConstantDecay([10], [1.0]),
            "PiecewiseConstantDecay: values needs one more entry than boundaries, got 1 values",
        ),
        (
            lambda: PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]),
            "PiecewiseConstantDecay: boundaries must increase: [20, 10]",
        ),
        (
            lambda: PiecewiseConstantDecay([10], [1.0, -0.5]),
            "PiecewiseConstantDecay: every value must be positive, got -0.5",
        ),
        (
            lambda: CosineDecay(-0.1, 10),
            "CosineDecay: initial_learning_rate must be positive, got -0.1",
        ),
        (lambda: CosineDecay(0.1, 0), "CosineDecay: decay_steps must be positive, got 0"),
        (lambda: CosineDecay(0.1, 10, alpha=1.5), "CosineDecay: alpha must lie in [0, 1], got 1.5"),
        (
            lambda: CosineDecay(math.nan, 10),
            "CosineDecay: initial_learning_rate must be positive, got nan",
        ),
    ],
)
def test_invalid_settings_raise(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):  # names the setting and value
        make()
