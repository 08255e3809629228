"""Weight penalties: values and gradients against closed forms and finite differences, and their
place in training (loss, gradients, evaluate, float32)."""

import numpy as np
import pytest

from nnlib import SGD, Dense, Sequential, gradcheck, regularizers
from nnlib.regularizers import L1, L1L2, L2

W = np.array([[0.5, -2.0], [0.0, 3.0], [-1.5, 0.25]])


def test_values_are_the_keras_formulas():
    assert L1(0.1)(W) == pytest.approx(0.1 * 7.25)
    assert L2(0.1)(W) == pytest.approx(0.1 * (0.25 + 4 + 9 + 2.25 + 0.0625))
    assert L1L2(0.1, 0.2)(W) == pytest.approx(L1(0.1)(W) + L2(0.2)(W))
    assert L1()(W) == pytest.approx(0.01 * 7.25) and L2().l2 == 0.01  # Keras's defaults


@pytest.mark.parametrize("reg", [L1(0.3), L2(0.7), L1L2(0.2, 0.5)], ids=repr)
def test_gradients_match_finite_differences_away_from_the_kink(reg):
    rng = np.random.default_rng(0)
    V = rng.normal(size=(4, 3))
    V[np.abs(V) < 0.05] = 0.5  # keep every entry further than eps from L1's kink at 0
    numeric = gradcheck.numerical_gradient(lambda: reg(V), V)
    assert gradcheck.relative_error(reg.gradient(V), numeric) < 1e-9


def test_l1_subgradient_keeps_zero_weights_at_zero():
    np.testing.assert_array_equal(L1(1.0).gradient(np.zeros(3)), np.zeros(3))
    np.testing.assert_allclose(L2(0.5).gradient(W), W)  # 2 * 0.5 * W


def test_get_and_bad_strengths():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get("l2"), L2) and isinstance(regularizers.get("l1"), L1)
    reg = L2(1e-3)
    assert regularizers.get(reg) is reg
    with pytest.raises(ValueError, match="unknown regularizer 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        L2(-1.0)
    with pytest.raises(ValueError, match="l1 must be a finite number >= 0"):
        L1(float("nan"))
    assert repr(L2(0.5)) == "L2(l2=0.5)" and repr(L1L2(0.1, 0.2)) == "L1L2(l1=0.1, l2=0.2)"


def penalised_model(kernel=None, bias=None, seed=0):
    model = Sequential(
        [
            Dense(4, activation="tanh", input_shape=(3,), kernel_regularizer=kernel),
            Dense(1, activation="sigmoid", kernel_regularizer=kernel, bias_regularizer=bias),
        ],
        seed=seed,
    )
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    return model


def data(n=12, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, :1] > 0).astype(float)


def test_training_adds_the_penalty_to_the_loss_and_its_gradient_to_grad():
    X, y = data()
    plain, penalised = penalised_model(), penalised_model(L2(0.1), L1(0.05))
    penalised.layers[-1].b.value[:] = 0.3  # so the bias penalty is not zero
    plain.set_weights(penalised.get_weights())
    loss_plain, loss_pen = plain.compute_gradients(X, y), penalised.compute_gradients(X, y)
    W1, _, W2, b2 = penalised.get_weights()
    expected_penalty = 0.1 * (np.sum(W1**2) + np.sum(W2**2)) + 0.05 * np.sum(np.abs(b2))
    assert penalised.penalty() == pytest.approx(expected_penalty)
    assert loss_pen == pytest.approx(loss_plain + expected_penalty)
    grads_plain = [p.grad for p in plain.parameters()]
    grads_pen = [p.grad for p in penalised.parameters()]
    np.testing.assert_allclose(grads_pen[0], grads_plain[0] + 0.2 * W1)
    np.testing.assert_allclose(grads_pen[1], grads_plain[1])  # no bias penalty on layer 1
    np.testing.assert_allclose(grads_pen[2], grads_plain[2] + 0.2 * W2)
    np.testing.assert_allclose(grads_pen[3], grads_plain[3] + 0.05 * np.sign(b2))
    # evaluate reports the same penalised loss (as Keras does), and the check passes.
    assert penalised.evaluate(X, y) == pytest.approx(loss_pen)
    assert max(gradcheck.check_model(penalised, X, y).values()) < 1e-7
    assert plain.penalty() == 0.0


def test_l2_shrinks_the_weights_and_l1_zeroes_useless_ones():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 6))
    y = (X[:, :1] + 0.5 * X[:, 1:2] > 0).astype(float)  # only two of six inputs matter

    def trained(reg):
        model = Sequential(
            [Dense(1, activation="sigmoid", input_shape=(6,), kernel_regularizer=reg)], seed=0
        )
        model.compile(optimizer=SGD(0.5), loss="binary_crossentropy")
        model.fit(X, y, epochs=400, batch_size=200)
        return model.get_weights()[0][:, 0]

    free, l2, l1 = trained(None), trained(L2(0.05)), trained(L1(0.02))
    assert np.linalg.norm(l2) < 0.5 * np.linalg.norm(free)
    useless = np.abs(l1[2:])
    assert np.all(useless < 0.05) and np.all(np.abs(l1[:2]) > 0.3)
    assert np.all(np.abs(free[2:]) < np.abs(free[:1]))  # sanity: the data says the same


def test_penalties_keep_float32():
    X, y = data()
    model = penalised_model(L1L2(0.01, 0.01), L2(0.01))
    model.fit(X.astype(np.float32), y.astype(np.float32), epochs=2, batch_size=6)
    assert all(
        p.value.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters()
    )
