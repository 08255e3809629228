"""nnlib.checks: every hint is triggered by a deliberately wrong answer; right answers pass.

Each wrong answer below is a mistake learners (and the source articles) make. The test asserts
that the check fails with a ``CheckError`` whose message names that mistake, so a hint that
stopped firing, or fired for the wrong reason, fails here.
"""

import math
import subprocess
import sys

import numpy as np
import pytest

from nnlib import Callback, Conv2D, Dense, activations, checks, explain
from nnlib.widgets.layers import steps_model

# --- right answers ------------------------------------------------------------------------------


def good_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def good_softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def good_softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def good_relu_derivative(z):
    return (z > 0).astype(z.dtype)


def good_sigmoid_derivative(z):
    a = good_sigmoid(z)
    return a * (1 - a)


def good_dense_forward(X, W, b):
    return np.tanh(X @ W + b)


def good_forward_pass(X, layers):
    A = X
    for W, b, f in layers:
        A = f(A @ W + b)
    return A


def good_dense_backward(X, W, b, dA):
    dZ = dA * activations.sigmoid_derivative(X @ W + b)
    return X.T @ dZ, dZ.sum(axis=0), dZ @ W.T


def good_softmax_dense_backward(X, W, b, dA):
    S = activations.softmax(X @ W + b)
    dZ = S * (dA - np.sum(dA * S, axis=1, keepdims=True))  # the softmax's Jacobian, row by row
    return X.T @ dZ, dZ.sum(axis=0), dZ @ W.T


def every_output(X, layers):
    outputs = [X]
    for W, b, f in layers:
        outputs.append(f(outputs[-1] @ W + b))
    return outputs[1:]


def good_backward(model, dA):
    grads = []
    for layer in reversed(model.layers):
        derivative = getattr(activations, f"{layer.activation.name}_derivative")
        dZ = dA * derivative(layer.Z)
        grads = [layer.X.T @ dZ, dZ.sum(axis=0), *grads]
        dA = dZ @ layer.W.value.T
    return grads


class GoodDecay:
    def __init__(self, initial_learning_rate, decay_steps, decay_rate):
        self.initial, self.steps, self.rate = initial_learning_rate, decay_steps, decay_rate

    def __call__(self, step):
        return self.initial / (1 + self.rate * step / self.steps)


def good_staircase(f, n, steepness):
    edges = np.linspace(0, 1, n + 1)
    levels = f((edges[:-1] + edges[1:]) / 2)
    return steps_model(
        positions=edges[1:-1],
        steepness=np.full(n - 1, steepness),
        heights=np.diff(levels),
        bias=levels[0],
    )


# chapters 7 to 10


def keras_pads(size, k, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def conv2d_padded_by(pads):
    """A conv2d from scratch whose 'same' padding follows the rule ``pads(size, k, stride)``."""

    def conv2d(X, K, b, stride=1, padding="valid"):
        n, H, W, _ = X.shape
        kh, kw, _, c_out = K.shape
        if padding == "same":
            X = np.pad(X, ((0, 0), pads(H, kh, stride), pads(W, kw, stride), (0, 0)))
        Ho, Wo = (X.shape[1] - kh) // stride + 1, (X.shape[2] - kw) // stride + 1
        Z = np.zeros((n, Ho, Wo, c_out), dtype=X.dtype)
        for i in range(kh):
            for j in range(kw):
                rows = X[:, i : i + stride * (Ho - 1) + 1 : stride]
                Z += rows[:, :, j : j + stride * (Wo - 1) + 1 : stride] @ K[i, j]
        return Z + b

    return conv2d


good_conv2d = conv2d_padded_by(keras_pads)


def nnlib_conv2d(X, K, b, stride=1, padding="valid"):
    layer = Conv2D(K.shape[3], K.shape[:2], strides=stride, padding=padding)
    layer.build(X.shape[1:], dtype=X.dtype)  # set_weights alone would build in float64
    layer.set_weights([K, b])
    return layer(X)


class GoodProximalL1(Callback):
    def __init__(self, strength):
        self.strength = strength

    def on_batch_end(self, batch, logs=None):
        threshold = self.model.optimizer.lr * self.strength
        for layer in self.model.layers:
            if isinstance(layer, Dense):
                W = layer.W.value
                W[...] = np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)


class RebindingProximalL1(GoodProximalL1):
    """Also right: a new array assigned to the parameter's value."""

    def on_batch_end(self, batch, logs=None):
        threshold = self.model.optimizer.lr * self.strength
        for layer in self.model.layers:
            if isinstance(layer, Dense):
                W = layer.W.value
                layer.W.value = np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)


def good_iterated_fgsm(model, X, y, epsilon, steps=10):
    X_adv = X.copy()
    for _ in range(steps):
        X_adv = explain.fgsm(model, X_adv, y, epsilon / 4, clip=(0, 1))
        X_adv = np.clip(X_adv, X - epsilon, X + epsilon)
    return X_adv


def iterated_fgsm_ball_first(model, X, y, epsilon, steps=10):
    """Also right: the two projections in the other order, written by hand."""
    X_adv = X.copy()
    for _ in range(steps):
        g = explain.input_gradient(model, X_adv, y)
        X_adv = X + np.clip(X_adv + epsilon / 4 * np.sign(g) - X, -epsilon, epsilon)
        X_adv = np.clip(X_adv, 0, 1)
    return X_adv


def good_radius(X):
    return np.linalg.norm(X, axis=1, keepdims=True)


X_LR = np.random.default_rng(0).normal(size=(20, 3))
Y_LR = (np.random.default_rng(1).uniform(size=(20, 1)) < 0.5).astype(float)
W_LR = np.random.default_rng(2).normal(size=(3, 1))


def logistic_loss(w):
    z = X_LR @ w
    return float(np.mean(np.logaddexp(0, z) - Y_LR * z))


def logistic_gradient(w):
    return X_LR.T @ (activations.sigmoid(X_LR @ w) - Y_LR) / len(X_LR)


RIGHT = [
    ("sigmoid", lambda: checks.check_sigmoid(good_sigmoid)),
    ("nnlib sigmoid", lambda: checks.check_sigmoid(activations.sigmoid)),
    ("softplus", lambda: checks.check_softplus(good_softplus)),
    ("softmax", lambda: checks.check_softmax(good_softmax)),
    ("nnlib softmax", lambda: checks.check_softmax(activations.softmax)),
    ("relu derivative", lambda: checks.check_relu_derivative(good_relu_derivative)),
    (
        "relu derivative, 1 at 0",
        lambda: checks.check_relu_derivative(lambda z: (z >= 0).astype(z.dtype)),
    ),
    ("sigmoid derivative", lambda: checks.check_sigmoid_derivative(good_sigmoid_derivative)),
    ("dense forward", lambda: checks.check_dense_forward(good_dense_forward, "tanh")),
    ("dense forward linear", lambda: checks.check_dense_forward(lambda X, W, b: X @ W + b)),
    ("forward pass", lambda: checks.check_forward_pass(good_forward_pass)),
    (
        "forward pass with cache",
        lambda: checks.check_forward_pass(lambda X, layers: (good_forward_pass(X, layers), [])),
    ),
    (
        "forward pass with cache, as a list",
        lambda: checks.check_forward_pass(lambda X, layers: [good_forward_pass(X, layers), {}]),
    ),
    (
        "dense backward softmax",
        lambda: checks.check_dense_backward(good_softmax_dense_backward, "softmax"),
    ),
    (
        "gradient at a minimum",  # the gradient is rounding noise there: passes, and says so
        lambda: checks.check_gradient(
            lambda w: float(np.sum((w - 1.0) ** 2)), lambda w: 2 * (w - 1.0), np.ones(3) + 1e-9
        ),
    ),
    ("dense backward", lambda: checks.check_dense_backward(good_dense_backward, "sigmoid")),
    ("network backward", lambda: checks.check_network_backward(good_backward)),
    (
        "mse gradient",
        lambda: checks.check_loss_gradient(lambda y, p: 2 * (p - y) / p.size, "mse"),
    ),
    (
        "bce gradient",
        lambda: checks.check_loss_gradient(
            lambda y, p: (p - y) / (p * (1 - p)) / p.size, "binary_crossentropy"
        ),
    ),
    (
        "cce gradient",
        lambda: checks.check_loss_gradient(
            lambda y, p: -y / p / len(p), "categorical_crossentropy"
        ),
    ),
    ("gradient", lambda: checks.check_gradient(logistic_loss, logistic_gradient, W_LR)),
    ("learning rate", lambda: checks.check_learning_rate(0.03, np.diag([1.0, 25.0]))),
    ("learning rate, eigenvalues", lambda: checks.check_learning_rate(0.07, [1.0, 25.0])),
    ("learning rate, one weight", lambda: checks.check_learning_rate(0.5, 3.0)),
    ("learning rate, tiny", lambda: checks.check_learning_rate(1e-17, [1.0, 25.0])),
    ("inverse time decay", lambda: checks.check_inverse_time_decay(GoodDecay)),
    ("staircase", lambda: checks.check_staircase(good_staircase)),
    ("conv2d", lambda: checks.check_conv2d(good_conv2d)),
    ("conv2d with nnlib's Conv2D", lambda: checks.check_conv2d(nnlib_conv2d)),
    ("proximal l1", lambda: checks.check_proximal_l1(GoodProximalL1)),
    ("proximal l1, rebinding the value", lambda: checks.check_proximal_l1(RebindingProximalL1)),
    ("iterated fgsm", lambda: checks.check_iterated_fgsm(good_iterated_fgsm)),
    ("iterated fgsm, by hand", lambda: checks.check_iterated_fgsm(iterated_fgsm_ball_first)),
    ("radius feature", lambda: checks.check_feature(good_radius)),
    ("radius feature, by name", lambda: checks.check_feature(good_radius, "radius")),
    ("x1*x2 feature", lambda: checks.check_feature(lambda X: X[:, :1] * X[:, 1:], "x1*x2")),
    ("sin(x2) feature", lambda: checks.check_feature(lambda X: np.sin(X[:, 1:]), "sin(x2)")),
]


@pytest.mark.parametrize("run", [run for _, run in RIGHT], ids=[name for name, _ in RIGHT])
def test_right_answers_pass_with_one_line(run, capsys, warnings_are_errors):
    assert run() is None
    out = capsys.readouterr().out
    assert out.startswith("✓ check_") and out.count("\n") == 1
    assert "passed" in out or "converges" in out


def test_verbose_false_prints_nothing(capsys):
    checks.check_sigmoid(good_sigmoid, verbose=False)
    assert capsys.readouterr().out == ""


def test_a_stub_raises_not_implemented_error():
    def my_sigmoid(z):
        raise NotImplementedError("my_sigmoid: your code here")

    with pytest.raises(NotImplementedError, match="your code here"):
        checks.check_sigmoid(my_sigmoid)


def test_check_error_is_an_assertion_error_with_the_hint():
    with pytest.raises(AssertionError) as info:
        checks.check_sigmoid(lambda z: 1 / (1 + np.exp(-z)))
    assert isinstance(info.value, checks.CheckError)
    assert info.value.check == "check_sigmoid" and info.value.hint == str(info.value)


def test_import_is_light():
    code = (
        "import sys, nnlib.checks; print(sorted({'matplotlib', 'ipywidgets'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- wrong answers, each with the words its hint must contain -------------------------------------


def wrong_if(z):
    return 1 / (1 + np.exp(-z)) if z >= 0 else np.exp(z) / (1 + np.exp(z))


def wrong_inplace_relu_derivative(z):
    z[z > 0] = 1
    z[z <= 0] = 0
    return z


def wrong_where_sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def wrong_softmax_inplace(Z):
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def softmax_global_max(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum(axis=1, keepdims=True)


def softmax_no_keepdims_sum(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1)


def softmax_no_keepdims_max_square_only(Z):
    m = Z.max(axis=1)
    m = m[:, None] if Z.shape[0] != Z.shape[1] else m  # only the square case goes wrong
    E = np.exp(Z - m)
    return E / E.sum(axis=1, keepdims=True)


def softmax_no_keepdims_max(Z):
    E = np.exp(Z - Z.max(axis=1))
    return E / E.sum(axis=1, keepdims=True)


def layers_fed_x(X, layers):
    A = X
    for W, b, f in layers:
        A = f(X @ W + b)
    return A


def layers_last_linear(X, layers):
    A = X
    for k, (W, b, f) in enumerate(layers):
        Z = A @ W + b
        A = f(Z) if k < len(layers) - 1 else Z
    return A


def backward_reversed(model, dA):
    return [g for k in range(4, -1, -2) for g in good_backward(model, dA)[k : k + 2]]


def backward_derivative_of_a(model, dA):
    grads = []
    for layer in reversed(model.layers):
        derivative = getattr(activations, f"{layer.activation.name}_derivative")
        dZ = dA * derivative(layer.A)  # the derivative takes Z, not the output A
        grads = [layer.X.T @ dZ, dZ.sum(axis=0), *grads]
        dA = dZ @ layer.W.value.T
    return grads


class OffByOne(GoodDecay):
    def __call__(self, step):
        return super().__call__(step + 1)


class Constant(GoodDecay):
    def __call__(self, step):
        return self.initial


class CountsItsCalls(GoodDecay):  # right only when asked for steps 0, 1, 2, ... in order
    def __init__(self, *args):
        super().__init__(*args)
        self.calls = 0

    def __call__(self, step):
        self.calls += 1
        return super().__call__(self.calls - 1)


class Stairs(GoodDecay):
    def __call__(self, step):
        return self.initial / (1 + self.rate * (step // self.steps))


class NoSteps(GoodDecay):
    def __call__(self, step):
        return self.initial / (1 + self.rate * step)


class Exponential(GoodDecay):
    def __call__(self, step):
        return self.initial * self.rate ** (step / self.steps)


class TwoArguments:
    def __init__(self, initial_learning_rate, decay_steps):
        pass


def staircase_2n(f, n, steepness):
    edges = np.linspace(0, 1, n + 1)
    levels = f((edges[:-1] + edges[1:]) / 2)
    positions = np.repeat(edges, 2)[1:-1]
    heights = np.ravel(np.column_stack([levels, -levels]))
    return steps_model(positions, np.full(2 * n, steepness), heights)


def staircase_levels(f, n, steepness):
    edges = np.linspace(0, 1, n + 1)
    levels = f((edges[:-1] + edges[1:]) / 2)
    return steps_model(edges[1:-1], np.full(n - 1, steepness), levels[1:], bias=levels[0])


def staircase_no_bias(f, n, steepness):
    edges = np.linspace(0, 1, n + 1)
    levels = f((edges[:-1] + edges[1:]) / 2)
    return steps_model(edges[1:-1], np.full(n - 1, steepness), np.diff(levels))


def staircase_midpoints(f, n, steepness):
    edges = np.linspace(0, 1, n + 1)
    mids = (edges[:-1] + edges[1:]) / 2
    levels = f(mids)
    return steps_model(mids[1:], np.full(n - 1, steepness), np.diff(levels), bias=levels[0])


# chapters 7 to 10


def conv2d_swapped_channel_axes(X, K, b, stride=1, padding="valid"):
    # K[i, j, f, k]: silent only when C_in == C_out
    same = K.shape[2] == K.shape[3]
    return good_conv2d(X, K.transpose(0, 1, 3, 2) if same else K, b, stride, padding)


def conv2d_valid_without_plus_one(X, K, b, stride=1, padding="valid"):
    out = good_conv2d(X, K, b, stride, padding)
    return out[:, :-1, :-1] if stride > 1 else out


def conv2d_k_minus_1_zeros(size, k, stride):
    return (k - 1) // 2, k - 1 - (k - 1) // 2


class ProximalTwoArguments(GoodProximalL1):
    def __init__(self, strength, learning_rate):
        self.strength = strength


class ProximalNotACallback:
    def __init__(self, strength):
        self.strength = strength


class ProximalEveryLayer(GoodProximalL1):
    def on_batch_end(self, batch, logs=None):
        threshold = self.model.optimizer.lr * self.strength
        for layer in self.model.layers:
            W = layer.W.value
            W[...] = np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)


class ProximalThresholds(GoodProximalL1):
    """on_batch_end with another threshold rule: ``rule(W, threshold) -> new W``."""

    rule = staticmethod(lambda W, t: W)
    lr = None  # None: read it from the optimizer

    def on_batch_end(self, batch, logs=None):
        lr = self.model.optimizer.lr if self.lr is None else self.lr
        for layer in self.model.layers:
            if isinstance(layer, Dense):
                layer.W.value[...] = self.rule(layer.W.value, lr * self.strength)


class ProximalNoLearningRate(ProximalThresholds):
    lr = 1.0
    rule = staticmethod(lambda W, t: np.sign(W) * np.maximum(np.abs(W) - t, 0))


class ProximalFixedLearningRate(ProximalNoLearningRate):
    lr = 0.5  # the chapter's rate, written into the code


class ProximalNoSign(ProximalThresholds):
    rule = staticmethod(lambda W, t: np.maximum(np.abs(W) - t, 0))


class ProximalNoMax(ProximalThresholds):
    rule = staticmethod(lambda W, t: W - t * np.sign(W))


class ProximalHard(ProximalThresholds):
    rule = staticmethod(lambda W, t: np.where(np.abs(W) <= t, 0.0, W))


class ProximalPerEpoch(Callback):
    def __init__(self, strength):
        self.strength = strength

    def on_epoch_end(self, epoch, logs=None):
        GoodProximalL1.on_batch_end(self, epoch, logs)


class ProximalFirstLayer(GoodProximalL1):
    def on_batch_end(self, batch, logs=None):
        W = self.model.layers[0].W.value
        t = self.model.optimizer.lr * self.strength
        W[...] = np.sign(W) * np.maximum(np.abs(W) - t, 0.0)


class ProximalBiases(GoodProximalL1):
    def on_batch_end(self, batch, logs=None):
        t = self.model.optimizer.lr * self.strength
        for layer in self.model.layers:
            for p in layer.parameters():
                p.value[...] = np.sign(p.value) * np.maximum(np.abs(p.value) - t, 0.0)


class ProximalLocalName(GoodProximalL1):
    def on_batch_end(self, batch, logs=None):
        t = self.model.optimizer.lr * self.strength
        for layer in self.model.layers:
            if isinstance(layer, Dense):
                W = layer.W.value
                W = np.sign(W) * np.maximum(np.abs(W) - t, 0.0)  # noqa: F841 (the mistake)


def iterated_fgsm_with(project=True, clip=True, alpha=0.25, sign=1.0, restart=False, steps=None):
    """An iterated FGSM with one of the common mistakes."""

    def attack(model, X, y, epsilon, steps_=10):
        X_adv = X.copy()
        for _ in range(steps or steps_):
            start = X if restart else X_adv
            g = explain.input_gradient(model, start, y)
            X_adv = start + sign * alpha * epsilon * np.sign(g)
            if clip:
                X_adv = np.clip(X_adv, 0, 1)
            if project:
                X_adv = np.clip(X_adv, X - epsilon, X + epsilon)
        return X_adv

    return attack


def iterated_fgsm_single_step(model, X, y, epsilon, steps=10):
    X_adv = explain.fgsm(model, X, y, epsilon / 4, clip=(0, 1))
    return np.clip(X_adv, X - epsilon, X + epsilon)


def iterated_fgsm_in_place(model, X, y, epsilon, steps=10):
    for _ in range(steps):
        X[...] = np.clip(explain.fgsm(model, X, y, epsilon / 4, clip=(0, 1)), 0, 1)
    return X


H = np.diag([1.0, 25.0])

WRONG = {
    # sigmoid
    "sigmoid naive overflows at -1000": (
        lambda: checks.check_sigmoid(lambda z: 1 / (1 + np.exp(-z))),
        ["overflows for z = -1000", "np.exp(-np.abs(z))"],
    ),
    "sigmoid np.where both branches": (
        lambda: checks.check_sigmoid(wrong_where_sigmoid),
        ["overflows for z = 1000", "both A and B"],
    ),
    "sigmoid sign flipped": (
        lambda: checks.check_sigmoid(lambda z: 1 / (1 + np.exp(z))),
        ["sign in the exponent"],
    ),
    "sigmoid e^-z": (lambda: checks.check_sigmoid(lambda z: np.exp(-z)), ["returns e^(-z)"]),
    "sigmoid tanh": (lambda: checks.check_sigmoid(np.tanh), ["tanh"]),
    "sigmoid math.exp": (
        lambda: checks.check_sigmoid(lambda z: 1 / (1 + math.exp(-z))),
        ["single numbers only", "np.exp, not math.exp"],
    ),
    "sigmoid if on arrays": (lambda: checks.check_sigmoid(wrong_if), ["uses `if`", "np.where"]),
    "sigmoid 1 - sigmoid(-z) loses precision": (
        lambda: checks.check_sigmoid(
            lambda z: np.where(z >= 0, good_sigmoid(z), 1 - good_sigmoid(-z))
        ),
        ["loses precision for z = -30", "1 - sigmoid(-z)"],
    ),
    "sigmoid through tanh loses precision": (  # no overflow, but 1 + tanh cancels digits
        lambda: checks.check_sigmoid(lambda z: 0.5 * (1 + np.tanh(z / 2))),
        ["loses precision for z = -30", "0.5 * (1 + np.tanh(z / 2))"],
    ),
    "sigmoid returns None": (
        lambda: checks.check_sigmoid(lambda z: None),
        ["returned None", "return"],
    ),
    "sigmoid flattens": (
        lambda: checks.check_sigmoid(lambda z: good_sigmoid(z).ravel()),
        ["shape (6,)", "expected (2, 3)"],
    ),
    "sigmoid upcasts float32": (
        lambda: checks.check_sigmoid(lambda z: good_sigmoid(z.astype(np.float64))),
        ["float32 input into float64"],
    ),
    # softplus
    "softplus overflows": (
        lambda: checks.check_softplus(lambda z: np.log(1 + np.exp(z))),
        ["overflows for z = 1000", "max(z, 0) + log(1 + e^(-|z|))"],
    ),
    "softplus without log1p": (
        lambda: checks.check_softplus(lambda z: np.maximum(z, 0) + np.log(1 + np.exp(-np.abs(z)))),
        ["loses precision for z = -40", "np.log1p"],
    ),
    "softplus is relu": (lambda: checks.check_softplus(lambda z: np.maximum(z, 0)), ["ReLU"]),
    "softplus sign": (
        lambda: checks.check_softplus(lambda z: good_softplus(-z)),
        ["sign of z is flipped"],
    ),
    "softplus is sigmoid": (
        lambda: checks.check_softplus(good_sigmoid),
        ["softplus's derivative"],
    ),
    # relu derivative
    "relu derivative returns relu": (
        lambda: checks.check_relu_derivative(activations.relu),
        ["the ReLU itself"],
    ),
    "relu derivative inverted": (
        lambda: checks.check_relu_derivative(lambda z: (z < 0).astype(z.dtype)),
        ["wrong way round"],
    ),
    "relu derivative ones": (
        lambda: checks.check_relu_derivative(np.ones_like),
        ["1 everywhere"],
    ),
    "relu derivative booleans": (
        lambda: checks.check_relu_derivative(lambda z: z > 0),
        ["booleans"],
    ),
    "relu derivative in place": (
        lambda: checks.check_relu_derivative(wrong_inplace_relu_derivative),
        ["changed its input array in place"],
    ),
    "relu derivative float64": (
        lambda: checks.check_relu_derivative(lambda z: (z > 0).astype(float)),
        ["float32 input into float64"],
    ),
    "relu derivative at the kink": (
        lambda: checks.check_relu_derivative(
            lambda z: np.where(z > 0, 1.0, np.where(z < 0, 0, 2.0))
        ),
        ["kink z = 0"],
    ),
    # sigmoid derivative
    "sigmoid derivative given a": (
        lambda: checks.check_sigmoid_derivative(lambda x: x * (1 - x)),
        ["already the output a = sigmoid(z)", "compute a = sigmoid(z) first"],
    ),
    "sigmoid derivative returns sigmoid": (
        lambda: checks.check_sigmoid_derivative(good_sigmoid),
        ["sigmoid(z) itself"],
    ),
    "sigmoid derivative a(1+a)": (
        lambda: checks.check_sigmoid_derivative(lambda z: good_sigmoid(z) * (1 + good_sigmoid(z))),
        ["a * (1 + a)"],
    ),
    "sigmoid derivative overflows": (
        lambda: checks.check_sigmoid_derivative(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
        ["overflows for z = -1000", "stable sigmoid"],
    ),
    # softmax
    "softmax wrong axis": (
        lambda: checks.check_softmax(lambda Z: activations.softmax(Z, axis=0)),
        ["axis=0", "axis=1"],
    ),
    "softmax whole batch": (
        lambda: checks.check_softmax(lambda Z: np.exp(Z) / np.exp(Z).sum()),
        ["whole batch"],
    ),
    "softmax of -Z": (
        lambda: checks.check_softmax(lambda Z: good_softmax(-Z)),
        ["rows sum to 1", "not softmax"],
    ),
    "softmax no max subtraction": (
        lambda: checks.check_softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
        ["overflows", "subtract each row's max"],
    ),
    "softmax global max": (
        lambda: checks.check_softmax(softmax_global_max),
        ["not the max of the whole batch"],
    ),
    "softmax keepdims error": (
        lambda: checks.check_softmax(softmax_no_keepdims_max),
        ["broadcast", "keepdims=True"],
    ),
    "softmax keepdims silent on square": (
        lambda: checks.check_softmax(softmax_no_keepdims_max_square_only),
        ["square batch", "keepdims=True"],
    ),
    "softmax sum without keepdims": (
        lambda: checks.check_softmax(softmax_no_keepdims_sum),
        ["keepdims"],
    ),
    "softmax single example flattened": (
        lambda: checks.check_softmax(lambda Z: np.squeeze(good_softmax(Z))),
        ["shape (3,)", "expected (1, 3)"],
    ),
    "softmax in place": (
        lambda: checks.check_softmax(wrong_softmax_inplace),
        ["changed its input array in place"],
    ),
    # dense forward
    "dense forward W @ X": (
        lambda: checks.check_dense_forward(lambda X, W, b: np.tanh(W @ X + b), "tanh"),
        ["raised ValueError", "rows as examples, Z = X @ W + b"],
    ),
    "dense forward transposed output": (
        lambda: checks.check_dense_forward(lambda X, W, b: np.tanh(X @ W + b).T, "tanh"),
        ["shape (4, 5)", "one row per example"],
    ),
    "dense forward W transposed": (
        lambda: checks.check_dense_forward(
            lambda X, W, b: (
                np.tanh(X @ W.T + b) if W.shape[0] == W.shape[1] else np.tanh(X @ W + b)
            ),
            "tanh",
        ),
        ["W transposed"],
    ),
    "dense forward bias per example": (
        lambda: checks.check_dense_forward(
            lambda X, W, b: np.tanh(X @ W + b[:, None]) if len(X) == len(b) else np.tanh(X @ W + b),
            "tanh",
        ),
        ["bias per example"],
    ),
    "dense forward no bias": (
        lambda: checks.check_dense_forward(lambda X, W, b: np.tanh(X @ W), "tanh"),
        ["forgot the bias"],
    ),
    "dense forward no activation": (
        lambda: checks.check_dense_forward(lambda X, W, b: X @ W + b, "tanh"),
        ["forgot the activation (tanh)"],
    ),
    "dense forward activation before bias": (
        lambda: checks.check_dense_forward(lambda X, W, b: np.tanh(X @ W) + b, "tanh"),
        ["before adding the bias"],
    ),
    # forward pass
    "forward pass feeds X to every layer": (
        lambda: checks.check_forward_pass(layers_fed_x),
        ["previous layer's output A"],
    ),
    "forward pass stops after one layer": (
        lambda: checks.check_forward_pass(
            lambda X, layers: layers[0][2](X @ layers[0][0] + layers[0][1])
        ),
        ["output of a hidden layer"],
    ),
    "forward pass returns every layer's output": (
        lambda: checks.check_forward_pass(every_output),  # shapes (6, 4), (6, 4), (6, 2)
        ["returned a list of 3 items", "return A, the last layer's output"],
    ),
    "forward pass last activation": (
        lambda: checks.check_forward_pass(layers_last_linear),
        ["last layer's activation"],
    ),
    "forward pass no bias": (
        lambda: checks.check_forward_pass(
            lambda X, layers: good_forward_pass(X, [(W, 0 * b, f) for W, b, f in layers])
        ),
        ["forgot the biases"],
    ),
    "forward pass transposed square W": (
        lambda: checks.check_forward_pass(
            lambda X, layers: good_forward_pass(
                X, [(W.T if W.shape[0] == W.shape[1] else W, b, f) for W, b, f in layers]
            )
        ),
        ["W transposed"],
    ),
    # dense backward
    "dense backward dW transposed": (
        lambda: checks.check_dense_backward(
            lambda X, W, b, dA: (dA.T @ X, dA.sum(axis=0), dA @ W.T)
        ),
        ["gradient for W has shape (4, 3), expected (3, 4)"],
    ),
    "dense backward db not summed": (
        lambda: checks.check_dense_backward(lambda X, W, b, dA: (X.T @ dA, dA, dA @ W.T)),
        ["gradient for b has shape (5, 4)", "summed over the examples"],
    ),
    "dense backward db mean": (
        lambda: checks.check_dense_backward(
            lambda X, W, b, dA: (X.T @ dA, dA.mean(axis=0), dA @ W.T)
        ),
        ["gradient for b is 5 times too small"],
    ),
    "dense backward dX without transpose": (
        lambda: checks.check_dense_backward(
            lambda X, W, b, dA: (
                X.T @ dA,
                dA.sum(axis=0),
                dA @ W.T if W.shape[0] != W.shape[1] else dA @ W,
            )
        ),
        ["dX uses W instead of W.T"],
    ),
    "dense backward dX shape": (
        lambda: checks.check_dense_backward(lambda X, W, b, dA: (X.T @ dA, dA.sum(axis=0), dA)),
        ["gradient for X has shape (5, 4), expected (5, 3)"],
    ),
    "dense backward forgets the derivative": (
        lambda: checks.check_dense_backward(
            lambda X, W, b, dA: (X.T @ dA, dA.sum(axis=0), dA @ W.T), "sigmoid"
        ),
        ["forgot the activation's derivative"],
    ),
    "dense backward derivative of A": (
        lambda: checks.check_dense_backward(
            lambda X, W, b, dA: good_dense_backward_at_a(X, W, b, dA), "sigmoid"
        ),
        ["derivative to the output A"],
    ),
    "dense backward a(1-a) of Z": (
        lambda: checks.check_dense_backward(
            lambda X, W, b, dA: good_dense_backward_seed(X, W, b, dA), "sigmoid"
        ),
        ["a * (1 - a) from Z"],
    ),
    "dense backward returns two arrays": (
        lambda: checks.check_dense_backward(lambda X, W, b, dA: (X.T @ dA, dA.sum(axis=0))),
        ["three arrays (dW, db, dX)"],
    ),
    "dense backward softmax, derivative forgotten": (  # softmax has no elementwise f'(A)
        lambda: checks.check_dense_backward(
            lambda X, W, b, dA: (X.T @ dA, dA.sum(axis=0), dA @ W.T), "softmax"
        ),
        ["forgot the activation's derivative"],
    ),
    # network backward
    "network backward reads the checker's own gradients": (
        lambda: checks.check_network_backward(lambda m, dA: [p.grad for p in m.parameters()]),
        ["is all zeros"],
    ),
    "network backward reversed": (
        lambda: checks.check_network_backward(backward_reversed),
        ["backward order"],
    ),
    "network backward only W": (
        lambda: checks.check_network_backward(lambda model, dA: good_backward(model, dA)[::2]),
        ["returned 3", "expected a list of 6 arrays"],
    ),
    "network backward derivative of A": (
        lambda: checks.check_network_backward(backward_derivative_of_a),
        ["although the last layer's are right", "dA = dZ @ W.T"],
    ),
    # loss gradients
    "mse gradient sum": (
        lambda: checks.check_loss_gradient(lambda y, p: 2 * (p - y), "mse"),
        ["12 times too large", "y_pred.size"],
    ),
    "mse gradient divided by n only": (
        lambda: checks.check_loss_gradient(lambda y, p: 2 * (p - y) / len(p), "mse"),
        ["2 times too large", "also averages over the outputs"],
    ),
    "mse gradient no 2": (
        lambda: checks.check_loss_gradient(lambda y, p: (p - y) / p.size, "mse"),
        ["half the right value"],
    ),
    "mse gradient sign": (
        lambda: checks.check_loss_gradient(lambda y, p: 2 * (y - p) / p.size, "mse"),
        ["wrong sign"],
    ),
    "mse gradient shape": (
        lambda: checks.check_loss_gradient(lambda y, p: (2 * (p - y) / p.size).sum(axis=1), "mse"),
        ["shape (6,), expected (6, 2)"],
    ),
    "cce gradient sum": (
        lambda: checks.check_loss_gradient(lambda y, p: -y / p, "categorical_crossentropy"),
        ["6 times too large", "sum vs mean"],
    ),
    "bce gradient at the logits": (
        lambda: checks.check_loss_gradient(lambda y, p: (p - y) / p.size, "binary_crossentropy"),
        ["gradient at the logits", "-(y / p - (1 - y) / (1 - p))"],
    ),
    "cce gradient at the logits": (
        lambda: checks.check_loss_gradient(
            lambda y, p: (p - y) / len(p), "categorical_crossentropy"
        ),
        ["gradient at the logits", "-y / p"],
    ),
    "cce gradient over the classes too": (
        lambda: checks.check_loss_gradient(
            lambda y, p: -y / p / p.size, "categorical_crossentropy"
        ),
        ["times too small", "averages over the examples only"],
    ),
    "bce gradient wrong": (
        lambda: checks.check_loss_gradient(lambda y, p: (p - y) / p, "binary_crossentropy"),
        ["relative error"],
    ),
    # gradient
    "gradient transposed": (
        lambda: checks.check_gradient(logistic_loss, lambda w: logistic_gradient(w).T, W_LR),
        ["shape (1, 3), expected (3, 1)", "transposed"],
    ),
    "gradient 3 times too large": (  # not blamed on a 1/n: check_gradient does not know n
        lambda: checks.check_gradient(logistic_loss, lambda w: logistic_gradient(w) * 3, W_LR),
        ["is 3 times the right value"],
    ),
    "gradient all zeros": (
        lambda: checks.check_gradient(logistic_loss, lambda w: np.zeros_like(w), W_LR),
        ["is all zeros"],
    ),
    "gradient of a square matrix transposed": (
        lambda: checks.check_gradient(
            lambda W: float(np.sum(np.arange(4.0).reshape(2, 2) * W**2)),
            lambda W: (2 * np.arange(4.0).reshape(2, 2) * W).T,
            np.array([[1.0, -2.0], [0.5, 3.0]]),
        ),
        ["is transposed"],
    ),
    "gradient wrong sign": (
        lambda: checks.check_gradient(logistic_loss, lambda w: -logistic_gradient(w), W_LR),
        ["wrong sign"],
    ),
    "gradient wrong values": (
        lambda: checks.check_gradient(
            logistic_loss, lambda w: logistic_gradient(w) + np.array([[0.0], [0.1], [0.0]]), W_LR
        ),
        ["disagrees with finite differences", "worst entry is (1, 0)"],
    ),
    "gradient in float32": (
        lambda: checks.check_gradient(logistic_loss, logistic_gradient, W_LR.astype(np.float32)),
        ["float64"],
    ),
    # learning rate
    "learning rate diverges": (
        lambda: checks.check_learning_rate(0.09, H),
        ["diverges", "2 / lambda_max = 0.08"],
    ),
    "learning rate exactly 2 / lambda_max": (
        lambda: checks.check_learning_rate(0.08, [1.0, 25.0]),
        ["exactly 2 / lambda_max", "flips sign"],
    ),
    "learning rate negative": (lambda: checks.check_learning_rate(-0.01, H), ["positive"]),
    "learning rate not a number": (
        lambda: checks.check_learning_rate([0.01, 0.02], H),
        ["one number"],
    ),
    # schedule
    "schedule off by one": (
        lambda: checks.check_inverse_time_decay(OffByOne),
        ["off by one"],
    ),
    "schedule stairs": (lambda: checks.check_inverse_time_decay(Stairs), ["stairs"]),
    "schedule constant": (lambda: checks.check_inverse_time_decay(Constant), ["does not decay"]),
    "schedule counts its calls": (
        lambda: checks.check_inverse_time_decay(CountsItsCalls),
        ["is wrong for InverseTimeDecay"],
    ),
    "schedule no decay_steps": (
        lambda: checks.check_inverse_time_decay(NoSteps),
        ["divide the step by decay_steps"],
    ),
    "schedule exponential": (
        lambda: checks.check_inverse_time_decay(Exponential),
        ["exponential decay"],
    ),
    "schedule constructor": (
        lambda: checks.check_inverse_time_decay(TwoArguments),
        ["(initial_learning_rate, decay_steps, decay_rate)"],
    ),
    "schedule not callable": (
        lambda: checks.check_inverse_time_decay(lambda a, b, c: object()),
        ["not callable"],
    ),
    # staircase
    "staircase with 2n units": (
        lambda: checks.check_staircase(staircase_2n),
        ["builds 10 hidden units", "merge"],
    ),
    "staircase levels as heights": (
        lambda: checks.check_staircase(staircase_levels),
        ["levels as step heights", "np.diff"],
    ),
    "staircase without output bias": (
        lambda: checks.check_staircase(staircase_no_bias),
        ["no output bias"],
    ),
    "staircase at midpoints": (
        lambda: checks.check_staircase(staircase_midpoints),
        ["midpoints"],
    ),
    "staircase not a model": (
        lambda: checks.check_staircase(lambda f, n, k: np.zeros(3)),
        ["nnlib model"],
    ),
    # conv2d
    "conv2d flipped kernel": (
        lambda: checks.check_conv2d(
            lambda X, K, b, stride=1, padding="valid": good_conv2d(
                X, K[::-1, ::-1], b, stride, padding
            )
        ),
        ["flips the kernel", "true convolution", "cross-correlation"],
    ),
    "conv2d no bias": (
        lambda: checks.check_conv2d(
            lambda X, K, b, stride=1, padding="valid": good_conv2d(X, K, 0 * b, stride, padding)
        ),
        ["forgot the bias"],
    ),
    "conv2d channels first": (
        lambda: checks.check_conv2d(
            lambda X, K, b, s=1, p="valid": good_conv2d(X, K, b, s, p).transpose(0, 3, 1, 2)
        ),
        ["shape (2, 1, 3, 5)", "channels first", "channels-last"],
    ),
    "conv2d height and width swapped": (
        lambda: checks.check_conv2d(
            lambda X, K, b, s=1, p="valid": good_conv2d(X, K, b, s, p).transpose(0, 2, 1, 3)
        ),
        ["shape (2, 5, 3, 1)", "height and width are swapped"],
    ),
    "conv2d channel axis dropped": (
        lambda: checks.check_conv2d(
            lambda X, K, b, s=1, p="valid": good_conv2d(X, K, b, s, p)[..., 0]
        ),
        ["shape (2, 3, 5)", "keep the channel axis"],
    ),
    "conv2d only the first input channel": (
        lambda: checks.check_conv2d(
            lambda X, K, b, s=1, p="valid": good_conv2d(X[..., :1], K[:, :, :1], b, s, p)
        ),
        ["only the first input channel", "X[n, r*s + i, c*s + j, k] * K[i, j, k, f]"],
    ),
    "conv2d swapped channel axes": (
        lambda: checks.check_conv2d(conv2d_swapped_channel_axes),
        ["swaps the kernel's channel axes", "(kh, kw, C_in, C_out)"],
    ),
    "conv2d ignores the stride": (
        lambda: checks.check_conv2d(
            lambda X, K, b, stride=1, padding="valid": good_conv2d(X, K, b, 1, padding)
        ),
        ["shape (1, 6, 5, 1)", "expected (1, 3, 3, 1)", "ignores the stride"],
    ),
    "conv2d valid output size": (
        lambda: checks.check_conv2d(conv2d_valid_without_plus_one),
        ["floor((H - kh) / stride) + 1 = 3 rows"],
    ),
    "conv2d same ignored": (
        lambda: checks.check_conv2d(
            lambda X, K, b, stride=1, padding="valid": good_conv2d(X, K, b, stride, "valid")
        ),
        ["shape (1, 4, 5, 1)", "that is 'valid'", "ceil(H / stride) = 5 rows"],
    ),
    "conv2d odd zero at the top": (
        lambda: checks.check_conv2d(conv2d_padded_by(lambda *a: keras_pads(*a)[::-1])),
        ["odd row (column) of zeros at the top", "(0, 1) rows above and below"],
    ),
    "conv2d k // 2 zeros on every side": (
        lambda: checks.check_conv2d(conv2d_padded_by(lambda size, k, s: (k // 2, k // 2))),
        ["shape (1, 6, 7, 1)", "PyTorch's padding=k // 2", "(0, 1) rows above and below"],
    ),
    "conv2d k - 1 zeros in all": (
        lambda: checks.check_conv2d(conv2d_padded_by(conv2d_k_minus_1_zeros)),
        ["2 channels, stride 2", "only for stride 1", "(0, 1) rows above and below"],
    ),
    "conv2d float64 output": (
        lambda: checks.check_conv2d(
            lambda X, K, b, s=1, p="valid": good_conv2d(X.astype(np.float64), K, b, s, p)
        ),
        ["float32 inputs into float64", "dtype=X.dtype"],
    ),
    # proximal L1
    "proximal constructor": (
        lambda: checks.check_proximal_l1(ProximalTwoArguments),
        ["ProximalTwoArguments(0.05) failed", "one argument, the L1 strength"],
    ),
    "proximal not a callback": (
        lambda: checks.check_proximal_l1(ProximalNotACallback),
        ["not an nnlib Callback"],
    ),
    "proximal every layer": (
        lambda: checks.check_proximal_l1(ProximalEveryLayer),
        ["AttributeError", "isinstance(layer, Dense)"],
    ),
    "proximal without the learning rate": (
        lambda: checks.check_proximal_l1(ProximalNoLearningRate),
        ["by the strength alone", "lr * strength"],
    ),
    "proximal fixed learning rate": (
        lambda: checks.check_proximal_l1(ProximalFixedLearningRate),
        ["0.025 per step", "self.model.optimizer.lr"],
    ),
    "proximal once per epoch": (
        lambda: checks.check_proximal_l1(ProximalPerEpoch),
        ["2 times in 6 gradient steps", "on_batch_end"],
    ),
    "proximal loses the sign": (
        lambda: checks.check_proximal_l1(ProximalNoSign),
        ["loses the sign"],
    ),
    "proximal without max": (
        lambda: checks.check_proximal_l1(ProximalNoMax),
        ["jumps across zero", "np.maximum"],
    ),
    "proximal hard threshold": (
        lambda: checks.check_proximal_l1(ProximalHard),
        ["hard threshold"],
    ),
    "proximal first layer only": (
        lambda: checks.check_proximal_l1(ProximalFirstLayer),
        ["left Dense layer 2 unchanged"],
    ),
    "proximal biases": (
        lambda: checks.check_proximal_l1(ProximalBiases),
        ["changed the biases"],
    ),
    "proximal local name": (
        lambda: checks.check_proximal_l1(ProximalLocalName),
        ["changed no weight", "W[...] ="],
    ),
    # iterated FGSM
    "iterated fgsm without projection": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_with(project=False)),
        ["more than epsilon = 0.2", "np.clip(X_adv, X - epsilon, X + epsilon)"],
    ),
    "iterated fgsm without clipping": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_with(clip=False)),
        ["leaves the valid range [0, 1]", "clip=(0, 1)"],
    ),
    "iterated fgsm steps of epsilon": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_with(alpha=1.0)),
        ["steps of size epsilon", "alpha = epsilon / 4"],
    ),
    "iterated fgsm one step": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_single_step),
        ["one step only", "previous step's X_adv"],
    ),
    "iterated fgsm every step from X": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_with(restart=True)),
        ["one step only (or starts every step from X)"],
    ),
    "iterated fgsm wrong sign": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_with(sign=-1.0)),
        ["lowers the loss"],
    ),
    "iterated fgsm ignores steps": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_with(steps=10)),
        ["steps = 3", "ignores its `steps` argument"],
    ),
    "iterated fgsm other step size": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_with(alpha=0.1)),
        ["differs from 10 steps of explain.fgsm", "alpha = epsilon / 4"],
    ),
    "iterated fgsm changes X": (
        lambda: checks.check_iterated_fgsm(iterated_fgsm_in_place),
        ["changed its input array in place"],
    ),
    # features
    "radius flat": (
        lambda: checks.check_feature(lambda X: np.linalg.norm(X, axis=1)),
        ["shape (6,)", "expected (6, 1)", "keepdims=True"],
    ),
    "radius over the points": (
        lambda: checks.check_feature(lambda X: np.linalg.norm(X, axis=0, keepdims=True)),
        ["shape (1, 2)", "reduces over the points (axis 0)"],
    ),
    "radius of the whole array": (
        lambda: checks.check_feature(lambda X: np.linalg.norm(X)),
        ["one number for the whole array"],
    ),
    "radius squared": (
        lambda: checks.check_feature(lambda X: np.sum(X**2, axis=1, keepdims=True)),
        ["the squared radius"],
    ),
    "radius L1": (
        lambda: checks.check_feature(lambda X: np.abs(X).sum(axis=1, keepdims=True)),
        ["the L1 norm"],
    ),
    "radius max norm": (
        lambda: checks.check_feature(lambda X: np.abs(X).max(axis=1, keepdims=True)),
        ["max(|x1|, |x2|)"],
    ),
    "radius is x1": (
        lambda: checks.check_feature(lambda X: X[:, :1]),
        ["the feature 'x1' instead of np.sqrt(x1**2 + x2**2)"],
    ),
    "x1^2 with x1 and x2 swapped": (
        lambda: checks.check_feature(lambda X: X[:, 1:] ** 2, "x1^2"),
        ["x1**2 with x1 and x2 swapped"],
    ),
    "radius wrong values": (
        lambda: checks.check_feature(lambda X: np.sqrt(X[:, :1] ** 2 + np.abs(X[:, 1:]))),
        ["for the point [3., 4.], expected np.sqrt(x1**2 + x2**2) = 5"],
    ),
    "radius single point": (
        lambda: checks.check_feature(lambda X: np.squeeze(np.linalg.norm(X, axis=1))[:, None]),
        ["a single point", "IndexError"],
    ),
    "radius float64": (
        lambda: checks.check_feature(lambda X: good_radius(X.astype(float))),
        ["float32 input into float64"],
    ),
}


def good_dense_backward_at_a(X, W, b, dA):
    A = activations.sigmoid(X @ W + b)
    dZ = dA * activations.sigmoid_derivative(A)
    return X.T @ dZ, dZ.sum(axis=0), dZ @ W.T


def good_dense_backward_seed(X, W, b, dA):
    Z = X @ W + b
    dZ = dA * Z * (1 - Z)
    return X.T @ dZ, dZ.sum(axis=0), dZ @ W.T


@pytest.mark.parametrize("name", list(WRONG))
def test_every_hint_fires_on_its_mistake(name):
    run, phrases = WRONG[name]
    with pytest.raises(checks.CheckError) as info:
        run()
    message = str(info.value)
    for phrase in phrases:
        assert phrase in message, f"{name}: expected {phrase!r} in the hint:\n{message}"


def test_hints_name_the_learners_function():
    def my_sigmoid(z):
        return 1 / (1 + np.exp(-z))

    with pytest.raises(checks.CheckError, match=r"^my_sigmoid overflows for z = -1000"):
        checks.check_sigmoid(my_sigmoid)


def test_the_learners_traceback_is_kept():
    def my_sigmoid(z):
        return 1 / (1 + math.exp(-z))

    with pytest.raises(checks.CheckError) as info:
        checks.check_sigmoid(my_sigmoid)
    assert isinstance(info.value.__cause__, TypeError)


def test_every_public_check_is_tested():
    public = {name for name in checks.__all__ if name.startswith("check_")}
    source = open(__file__).read()
    untested = sorted(name for name in public if f"checks.{name}(" not in source)
    assert not untested, f"checks without tests: {untested}"
