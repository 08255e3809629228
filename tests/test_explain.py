"""Tests for nnlib.explain: input gradients against finite differences, saliency conventions,
occlusion against a loop and a closed form, FGSM against its definition and the linear argument."""

import numpy as np
import pytest

from nnlib import SGD, Adam, Dense, Layer, Parameter, Sequential, explain
from nnlib.activations import log_softmax, sigmoid, softmax
from nnlib.gradcheck import numerical_gradient, relative_error

pytestmark = pytest.mark.filterwarnings("error")

RNG = np.random.default_rng(0)


def classifier(n_in=6, n_classes=4, seed=0, hidden="tanh"):
    model = Sequential(
        [
            Dense(5, activation=hidden, input_shape=(n_in,)),
            Dense(n_classes, activation="softmax"),
        ],
        seed=seed,
    )
    model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


def binary(n_in=6, seed=0):
    model = Sequential(
        [Dense(5, activation="tanh", input_shape=(n_in,)), Dense(1, activation="sigmoid")],
        seed=seed,
    )
    model.compile(optimizer=SGD(0.1), loss="binary_crossentropy")
    return model


def regressor(n_in=6, seed=0):
    model = Sequential(
        [Dense(5, activation="sigmoid", input_shape=(n_in,)), Dense(2)],
        seed=seed,
    )
    model.compile(optimizer=SGD(0.1), loss="mse")
    return model


def one_hot_classifier(n_in=6, seed=0):
    model = classifier(n_in, 3, seed)
    model.compile(optimizer=SGD(0.1), loss="categorical_crossentropy")
    return model


X = RNG.standard_normal((7, 6))
TARGETS = {
    "softmax + sparse cross-entropy": (classifier, RNG.integers(0, 4, 7)),
    "sigmoid + binary cross-entropy": (binary, RNG.integers(0, 2, 7)),
    "linear + mean squared error": (regressor, RNG.standard_normal((7, 2))),
    "softmax + categorical cross-entropy": (one_hot_classifier, np.eye(3)[RNG.integers(0, 3, 7)]),
}


# --- input_gradient ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", TARGETS)
def test_input_gradient_matches_finite_differences(case):
    make, y = TARGETS[case]
    model = make()
    X_check = X.copy()
    analytic = explain.input_gradient(model, X_check, y)
    numeric = numerical_gradient(lambda: model.evaluate(X_check, y), X_check)
    assert analytic.shape == X.shape
    assert relative_error(analytic, numeric) < 1e-6


def test_input_gradient_through_relu_away_from_kinks():
    model = classifier(hidden="relu", seed=3)
    y = RNG.integers(0, 4, 7)
    model.forward(X)
    assert np.min(np.abs(model.layers[0].Z)) > 1e-3  # no pre-activation near the kink
    X_check = X.copy()
    analytic = explain.input_gradient(model, X_check, y)
    numeric = numerical_gradient(lambda: model.evaluate(X_check, y), X_check)
    assert relative_error(analytic, numeric) < 1e-6


def test_per_example_gradient_is_each_examples_own_loss():
    model, y = classifier(), TARGETS["softmax + sparse cross-entropy"][1]
    per_example = explain.input_gradient(model, X, y, per_example=True)
    np.testing.assert_allclose(per_example, len(X) * explain.input_gradient(model, X, y))
    for i in (0, 4):
        alone = explain.input_gradient(model, X[i : i + 1], y[i : i + 1])
        np.testing.assert_allclose(per_example[i], alone[0], rtol=1e-12)


def test_input_gradient_leaves_parameter_gradients_and_training_alone():
    y = TARGETS["softmax + sparse cross-entropy"][1]
    model = classifier()
    model.compute_gradients(X, y)
    before = [(p.grad, p.grad.copy()) for p in model.parameters()]
    explain.input_gradient(model, X[:3], y[:3])
    explain.saliency(model, X[:2])
    explain.fgsm(model, X, y, 0.1)
    explain.occlusion(model, X, patch=1, image_shape=(2, 3))
    for p, (array, values) in zip(model.parameters(), before, strict=True):
        assert p.grad is array
        np.testing.assert_array_equal(p.grad, values)

    # Training afterwards is exactly as if nothing had been asked.
    plain, probed = classifier(seed=1), classifier(seed=1)
    for model in (plain, probed):
        model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy")
    for step in range(5):
        if step % 2:
            explain.input_gradient(probed, X, y)
            explain.fgsm(probed, X, y, 0.2)
        plain.train_step(X, y)
        probed.train_step(X, y)
    for a, b in zip(plain.get_weights(), probed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_input_gradient_keeps_float32():
    model = classifier()
    model._cast(np.float32)
    grad = explain.input_gradient(model, X.astype(np.float32), TARGETS[next(iter(TARGETS))][1])
    assert grad.dtype == np.float32


def test_input_gradient_needs_a_compiled_model():
    model = Sequential([Dense(2, input_shape=(6,))])
    with pytest.raises(RuntimeError, match="must be compiled"):
        explain.input_gradient(model, X, np.zeros((7, 2)))


# --- saliency ---------------------------------------------------------------------------------


def _score(model, x, c, score):
    z = model.forward(x)
    z = model.layers[-1].Z
    if z.shape[1] == 1:
        logits = np.column_stack([-z[:, 0], z[:, 0]])  # class 0 has logit -z
        log_p = np.column_stack([np.log(sigmoid(-z[:, 0])), np.log(sigmoid(z[:, 0]))])
    else:
        logits, log_p = z, log_softmax(z)
    return float((logits if score == "logit" else log_p)[0, c])


@pytest.mark.parametrize("make", [classifier, binary], ids=["softmax", "sigmoid"])
@pytest.mark.parametrize("score", ["log_probability", "logit"])
def test_signed_saliency_is_the_gradient_of_the_score(make, score):
    model = make()
    k = 4 if make is classifier else 2
    for i, c in [(0, 1), (3, 0), (5, k - 1)]:
        x = X[i : i + 1].copy()
        signed = explain.saliency(model, x, target_class=c, score=score, absolute=False)
        numeric = numerical_gradient(lambda: _score(model, x, c, score), x)  # noqa: B023
        assert relative_error(signed, numeric) < 1e-6
        unsigned = explain.saliency(model, x, target_class=c, score=score)
        np.testing.assert_array_equal(unsigned, np.abs(signed))


def test_saliency_defaults_to_the_predicted_class_and_takes_one_class_per_example():
    model = classifier()
    predicted = model.predict(X).argmax(axis=1)
    np.testing.assert_allclose(
        explain.saliency(model, X), explain.saliency(model, X, target_class=predicted)
    )
    per_row = explain.saliency(model, X, target_class=np.arange(7) % 4, absolute=False)
    for i in range(7):
        alone = explain.saliency(model, X[i : i + 1], target_class=i % 4, absolute=False)
        np.testing.assert_allclose(per_row[i], alone[0], rtol=1e-12)
    assert explain.saliency(model, X).shape == X.shape


def test_saliency_of_a_linear_model_is_its_weights():
    """For z = x W + b the logit gradient of class c is W[:, c] for every example."""
    model = Sequential([Dense(3, activation="softmax", input_shape=(6,))], seed=0)
    W = model.layers[0].W.value
    for c in range(3):
        grads = explain.saliency(model, X, target_class=c, score="logit", absolute=False)
        np.testing.assert_allclose(grads, np.tile(W[:, c], (7, 1)), rtol=1e-12)


def test_sigmoid_classes_are_mirror_images():
    model = binary()
    one = explain.saliency(model, X, target_class=1, score="logit", absolute=False)
    zero = explain.saliency(model, X, target_class=0, score="logit", absolute=False)
    np.testing.assert_allclose(one, -zero)


def test_moving_along_the_signed_saliency_raises_the_score():
    model = classifier()
    for c in range(4):
        g = explain.saliency(model, X, target_class=c, absolute=False)
        before = np.log(model.predict(X)[:, c])
        after = np.log(model.predict(X + 1e-3 * g)[:, c])
        assert np.all(after > before)


def test_saliency_rejects_what_it_cannot_read():
    model = Sequential([Dense(3, activation="relu", input_shape=(6,))])
    with pytest.raises(ValueError, match="softmax, sigmoid or linear.*'relu'"):
        explain.saliency(model, X)
    with pytest.raises(ValueError, match="target_class"):
        explain.saliency(classifier(), X, target_class=4)
    with pytest.raises(ValueError, match="score"):
        explain.saliency(classifier(), X, score="probability")


def test_predict_proba():
    model = classifier()
    np.testing.assert_allclose(explain.predict_proba(model, X), model.predict(X))
    b = binary()
    p = explain.predict_proba(b, X)
    np.testing.assert_allclose(p[:, 1], b.predict(X)[:, 0])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    linear = Sequential([Dense(3, input_shape=(6,))], seed=0)
    np.testing.assert_allclose(explain.predict_proba(linear, X), softmax(linear.predict(X)))


# --- occlusion --------------------------------------------------------------------------------

IMAGES = np.random.default_rng(1).uniform(0, 1, (5, 16))  # five 4x4 images, flattened


def image_classifier(seed=0):
    model = Sequential(
        [Dense(8, activation="tanh", input_shape=(16,)), Dense(3, activation="softmax")],
        seed=seed,
    )
    model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


def occlusion_by_loop(model, X, patch, stride, target):
    """The definition, one patch of one image at a time."""
    n, h = len(X), 4
    heat, count = np.zeros((n, h, h)), np.zeros((h, h))
    for i in range(n):
        p = model.predict(X[i : i + 1])[0, target[i]]
        for top in range(0, h - patch + 1, stride):
            for left in range(0, h - patch + 1, stride):
                image = X[i].reshape(h, h).copy()
                image[top : top + patch, left : left + patch] = 0.0
                drop = p - model.predict(image.reshape(1, -1))[0, target[i]]
                heat[i, top : top + patch, left : left + patch] += drop
                if i == 0:
                    count[top : top + patch, left : left + patch] += 1
    return heat / np.maximum(count, 1)


@pytest.mark.parametrize("patch, stride", [(2, None), (1, None), (2, 1), (3, 1), (4, None)])
def test_occlusion_matches_the_definition(patch, stride):
    model = image_classifier()
    target = model.predict(IMAGES).argmax(axis=1)
    heat = explain.occlusion(model, IMAGES, patch=patch, stride=stride)
    assert heat.shape == (5, 4, 4)
    expected = occlusion_by_loop(model, IMAGES, patch, stride or patch, target)
    np.testing.assert_allclose(heat, expected, atol=1e-12)


def test_occlusion_small_batches_and_unflattened_images_agree():
    model = image_classifier()
    heat = explain.occlusion(model, IMAGES, patch=2, target_class=2)
    np.testing.assert_allclose(
        explain.occlusion(model, IMAGES, patch=2, target_class=2, batch_size=3), heat
    )
    np.testing.assert_allclose(
        explain.occlusion(model, IMAGES, patch=2, target_class=2, image_shape=(4, 4)), heat
    )


def test_occlusion_finds_the_one_pixel_a_model_reads():
    """A model whose class-1 logit is 5 x[k] for one pixel k: only the patch over k matters, and
    there the drop is sigmoid(5 x_k) - sigmoid(0) (two classes, logits 0 and 5 x_k)."""
    k = 2 * 8 + 3  # row 2, column 3 of an 8x8 image
    W = np.zeros((64, 2))
    W[k, 1] = 5.0
    model = Sequential([Dense(2, activation="softmax", input_shape=(64,))])
    model.set_weights([W, np.zeros(2)])
    images = np.random.default_rng(2).uniform(0.2, 1.0, (3, 64))
    heat = explain.occlusion(model, images, patch=2, target_class=1)
    expected = np.zeros((3, 8, 8))
    expected[:, 2:4, 2:4] = (sigmoid(5 * images[:, k]) - 0.5)[:, None, None]
    np.testing.assert_allclose(heat, expected, atol=1e-12)


def test_occlusion_rejects_bad_arguments():
    model = image_classifier()
    with pytest.raises(ValueError, match="patch must be between 1 and 4"):
        explain.occlusion(model, IMAGES, patch=5)
    wide = Sequential([Dense(2, activation="softmax", input_shape=(15,))])
    with pytest.raises(ValueError, match="not a square image"):
        explain.occlusion(wide, IMAGES[:, :15])


# --- FGSM -------------------------------------------------------------------------------------


def trained_classifier():
    rng = np.random.default_rng(4)
    X_train = rng.uniform(0, 1, (200, 6))
    y_train = (X_train[:, 0] + X_train[:, 1] > X_train[:, 2] + 0.5).astype(int) * 2
    model = classifier(seed=2)
    model.compile(optimizer=Adam(0.05), loss="sparse_categorical_crossentropy")
    model.fit(X_train, y_train, epochs=30, batch_size=32)
    return model, X_train, y_train


def test_fgsm_is_its_definition_and_raises_the_loss():
    model, X_train, y_train = trained_classifier()
    eps = 0.05
    X_adv = explain.fgsm(model, X_train, y_train, eps)
    grad = explain.input_gradient(model, X_train, y_train)
    np.testing.assert_allclose(X_adv, X_train + eps * np.sign(grad), rtol=1e-15)
    np.testing.assert_allclose(np.abs(X_adv - X_train)[grad != 0], eps)
    assert model.evaluate(X_adv, y_train) > model.evaluate(X_train, y_train)
    # the sign direction beats random signs of the same size by far
    signs = np.random.default_rng(0).choice([-1.0, 1.0], size=X_train.shape)
    random_loss = model.evaluate(X_train + eps * signs, y_train)
    assert model.evaluate(X_adv, y_train) - model.evaluate(X_train, y_train) > 3 * (
        random_loss - model.evaluate(X_train, y_train)
    )


def test_fgsm_clips_and_epsilon_zero_changes_nothing():
    model, X_train, y_train = trained_classifier()
    X_adv = explain.fgsm(model, X_train, y_train, 0.3, clip=(0.0, 1.0))
    assert X_adv.min() >= 0.0 and X_adv.max() <= 1.0
    np.testing.assert_array_equal(explain.fgsm(model, X_train, y_train, 0.0), X_train)
    with pytest.raises(ValueError, match="epsilon"):
        explain.fgsm(model, X_train, y_train, -0.1)


def test_fgsm_moves_a_linear_logit_by_epsilon_times_the_l1_norm():
    """Goodfellow et al.'s argument: for z = w.x + b and label 0, FGSM adds eps * ||w||_1 to z."""
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(50,))], seed=0)
    model.compile(optimizer=SGD(0.1), loss="binary_crossentropy")
    x = np.random.default_rng(3).standard_normal((4, 50))
    w = model.layers[0].W.value[:, 0]
    z = model.predict(x)
    x_adv = explain.fgsm(model, x, np.zeros(4), 0.01)
    model.predict(x_adv)
    z_adv = model.layers[-1].Z[:, 0]
    z = np.log(z[:, 0] / (1 - z[:, 0]))
    np.testing.assert_allclose(z_adv - z, 0.01 * np.abs(w).sum(), rtol=1e-9)


class InPlaceScale(Layer):
    """``A = X * s`` with a parameter ``s`` whose gradient it writes *into* the existing array."""

    def build(self, input_shape, rng=None, dtype=np.float64):
        self.s = Parameter(np.full(input_shape, 1.5, dtype=dtype), "s")
        super().build(input_shape)

    def parameters(self):
        return [self.s] if self.built else []

    def forward(self, X, training=False):
        self.X, self.A = X, X * self.s.value
        return self.A

    def backward(self, grad):
        self.s.grad[...] = np.sum(grad * self.X, axis=0)
        return grad * self.s.value


def test_parameter_gradients_survive_layers_that_write_in_place():
    model = Sequential([InPlaceScale(input_shape=(6,)), Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy")
    y = np.arange(7) % 3
    model.compute_gradients(X, y)
    kept = model.layers[0].s.grad.copy()
    explain.input_gradient(model, X[:2], y[:2])
    explain.saliency(model, X[3:])
    np.testing.assert_array_equal(model.layers[0].s.grad, kept)


def test_importing_nnlib_with_explain_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, nnlib; nnlib.explain.fgsm; "
        "heavy = {'matplotlib', 'sklearn', 'scipy', 'ipywidgets'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
