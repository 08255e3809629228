"""Tests for nnlib.gradcheck: the checker is right on known gradients and catches wrong ones."""

import numpy as np
import pytest

from nnlib import Dense, Sequential, activations
from nnlib.gradcheck import (
    check_function,
    check_layer,
    check_loss,
    check_model,
    numerical_gradient,
    relative_error,
)
from nnlib.losses import MeanSquaredError

pytestmark = pytest.mark.filterwarnings("error")


# --- numerical_gradient ------------------------------------------------------------------------


def test_numerical_gradient_of_sum_of_cubes():
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4))
    numeric = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(numeric, 3 * x**2, rtol=1e-8, atol=1e-9)
    assert numeric.shape == x.shape


def test_numerical_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(1)
    B, w = rng.standard_normal((4, 4)), rng.standard_normal(4)
    numeric = numerical_gradient(lambda: float(w @ B @ w), w)
    np.testing.assert_allclose(numeric, (B + B.T) @ w, rtol=1e-7)


def test_numerical_gradient_restores_x():
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.exp(x))), x)
    np.testing.assert_array_equal(x, before)


# --- relative_error ----------------------------------------------------------------------------


def test_relative_error_properties():
    a = np.array([1.0, -2.0, 3.0])
    b = np.array([1.1, -2.0, 2.5])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, b) == relative_error(b, a)
    assert relative_error(a, b) == pytest.approx(
        np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
    )
    assert relative_error(1e-9 * a, 1e-9 * b) == pytest.approx(relative_error(a, b))  # scale-free
    assert relative_error(a, np.zeros(3)) == 1.0
    assert relative_error(a, -a) == 1.0
    assert 0 <= relative_error(a, b) <= 1


# --- the checks pass on right gradients and fail on wrong ones ----------------------------------


def test_check_function_catches_the_classic_sigmoid_mistake():
    z = np.linspace(-3, 3, 13)
    assert check_function(activations.sigmoid, activations.sigmoid_derivative, z) < 1e-8
    # sigmoid'(z) = a (1 - a) with a = sigmoid(z), NOT z (1 - z):
    assert check_function(activations.sigmoid, lambda x: x * (1 - x), z) > 0.5


class DenseForgetsTranspose(Dense):
    def backward_from_z(self, dZ):
        super().backward_from_z(dZ)
        return dZ @ self.W.value  # should be W.T (the shapes agree because W is square)


class DenseDoublesWeightGradient(Dense):
    def backward_from_z(self, dZ):
        dX = super().backward_from_z(dZ)
        self.W.grad = 2 * self.W.grad
        return dX


class DenseForgetsActivation(Dense):
    def backward(self, grad):
        return self.backward_from_z(grad)  # skips the activation's derivative


def built(cls, activation=None):
    layer = cls(3, activation=activation)
    layer.build((3,), np.random.default_rng(0))
    layer.set_weights([layer.W.value, np.array([0.1, -0.2, 0.3])])
    return layer


X = np.random.default_rng(1).standard_normal((5, 3))


def test_check_layer_passes_a_correct_dense():
    errors = check_layer(built(Dense, "tanh"), X)
    assert set(errors) == {"input", "W", "b"}
    assert max(errors.values()) < 1e-8


def test_check_layer_detects_a_missing_transpose():
    errors = check_layer(built(DenseForgetsTranspose), X)
    assert errors["input"] > 0.1
    assert errors["W"] < 1e-8 and errors["b"] < 1e-8  # and it points at the right gradient


def test_check_layer_detects_a_factor_of_two():
    errors = check_layer(built(DenseDoublesWeightGradient), X)
    assert errors["W"] == pytest.approx(1 / 3, rel=1e-6)  # |2g - g| / (|2g| + |g|)
    assert errors["input"] < 1e-8


def test_check_layer_detects_a_missing_activation_derivative():
    errors = check_layer(built(DenseForgetsActivation, "sigmoid"), X)
    assert min(errors.values()) > 0.1


def test_check_loss_detects_a_wrong_gradient():
    class MSEWithoutTheTwo(MeanSquaredError):
        def gradient(self, y_true, y_pred):
            return super().gradient(y_true, y_pred) / 2

    y_true, y_pred = np.zeros((4, 1)), np.random.default_rng(2).standard_normal((4, 1))
    assert check_loss(MeanSquaredError(), y_true, y_pred) < 1e-8
    assert check_loss(MSEWithoutTheTwo(), y_true, y_pred) == pytest.approx(1 / 3, rel=1e-6)


def test_check_model_detects_a_wrong_layer():
    def model_with(cls):
        model = Sequential(
            [cls(3, activation="tanh", input_shape=(3,), name="hidden"), Dense(1, name="out")],
            seed=0,
        )
        model.compile(optimizer="sgd", loss="mse")
        return model

    y = np.random.default_rng(3).standard_normal((5, 1))
    good = check_model(model_with(Dense), X, y)
    assert set(good) == {"hidden/W", "hidden/b", "out/W", "out/b"}
    assert max(good.values()) < 1e-7
    bad = check_model(model_with(DenseForgetsActivation), X, y)
    assert bad["hidden/W"] > 0.01 and bad["hidden/b"] > 0.01
    assert bad["out/W"] < 1e-7 and bad["out/b"] < 1e-7  # the layer after the broken one is right


def test_check_model_freezes_dropout_masks_and_catches_a_dropout_that_ignores_its_mask():
    from nnlib import Dropout

    class DropoutForgetsMask(Dropout):
        def backward(self, grad):
            return grad  # wrong: dropped units must pass no gradient

    def model_with(cls, rate):
        model = Sequential(
            [Dense(4, activation="tanh", input_shape=(3,)), cls(rate), Dense(1, name="out")],
            seed=0,
        )
        model.compile(optimizer="sgd", loss="mse")
        return model

    y = np.random.default_rng(4).standard_normal((5, 1))
    for rate in (0.0, 0.5):  # rate 0 draws no mask: nothing to freeze, nothing to break
        good = model_with(Dropout, rate)
        assert max(check_model(good, X, y).values()) < 1e-7
        assert good.layers[1].frozen_mask is None  # unfrozen afterwards
    bad = check_model(model_with(DropoutForgetsMask, 0.5), X, y)
    assert bad["dense/W"] > 0.01 and bad["out/W"] < 1e-7
