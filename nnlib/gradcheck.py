"""Gradient checking: compare back-propagated gradients with centered finite differences.

``df/dx_i ≈ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` has error O(eps²), against O(eps) for
the one-sided version. Use float64: in float32 the rounding error of ``f`` swamps the difference.
Near a kink (ReLU at 0) the two sides of the difference disagree: keep inputs away from kinks.
"""

import contextlib

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Centered-difference gradient of the scalar function ``f()`` with respect to array ``x``.

    ``x`` is perturbed in place (and restored), so ``f`` should read it, e.g. a closure over a
    layer's parameter array. Returns an array shaped like ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """``|a - b| / (|a| + |b|)`` in the Euclidean norm; 0 when both are 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def check_function(fn, derivative, z, eps=1e-6):
    """Relative error between an elementwise ``derivative(z)`` and finite differences of ``fn``."""
    z = np.array(z, dtype=np.float64)
    numeric = (fn(z + eps) - fn(z - eps)) / (2 * eps)
    return relative_error(derivative(z), numeric)


def check_layer(layer, X, seed=0, eps=1e-6):
    """Check a layer's ``backward`` against finite differences.

    The scalar checked is ``sum(layer.forward(X) * G)`` for a fixed random ``G``, so every output
    matters. Returns ``{'input': err, 'W': err, ...}``: relative errors for dL/dX and for each
    parameter's gradient.
    """
    X = np.array(X, dtype=np.float64)
    out = layer(X)
    G = np.random.default_rng(seed).standard_normal(out.shape)

    def f():
        return float(np.sum(layer.forward(X) * G))

    dX = layer.backward(G)
    errors = {"input": relative_error(dX, numerical_gradient(f, X, eps))}
    for p in layer.parameters():
        analytic = p.grad.copy()
        errors[p.name] = relative_error(analytic, numerical_gradient(f, p.value, eps))
    return errors


def check_loss(loss, y_true, y_pred, eps=1e-6):
    """Relative error between ``loss.gradient`` and finite differences of ``loss`` in ``y_pred``."""
    y_pred = np.array(y_pred, dtype=np.float64)
    analytic = loss.gradient(y_true, y_pred)
    return relative_error(analytic, numerical_gradient(lambda: loss(y_true, y_pred), y_pred, eps))


def check_model(model, X, y, eps=1e-6):
    """Check every parameter gradient of a compiled model on the batch ``(X, y)``.

    Training (``compute_gradients``) runs the layers with ``training=True`` and the finite
    differences use ``evaluate`` (``training=False``). For layers that behave differently in the
    two modes, such as ``Dropout``, the check first draws one training mask per layer and
    freezes it, so that both sides differentiate the same function: the network thinned by that
    mask. The masks are unfrozen afterwards and the layers' random generators left as they were.

    Returns ``{'layer_name/W': err, ...}``.
    """
    X = model._as_input(np.asarray(X, dtype=np.float64))
    with _frozen_masks(model, X):
        return _check_model(model, X, y, eps)


@contextlib.contextmanager
def _frozen_masks(model, X):
    """Within the block, every not-yet-frozen layer with ``freeze`` keeps one training mask."""
    layers = [
        layer
        for layer in model.layers
        if hasattr(layer, "freeze") and getattr(layer, "frozen_mask", None) is None
    ]
    states = [layer.rng.bit_generator.state for layer in layers]
    try:
        if layers:
            model.forward(X, training=True)  # draws one mask in each
            for layer in layers:
                if layer.mask is not None:  # (a rate of 0 draws no mask: nothing to freeze)
                    layer.freeze()
        yield
    finally:
        for layer, state in zip(layers, states, strict=True):
            layer.unfreeze()
            layer.rng.bit_generator.state = state


def _check_model(model, X, y, eps):
    model.compute_gradients(X, y)
    analytic = {
        f"{layer.name}/{p.name}": p.grad.copy()
        for layer in model.layers
        for p in layer.parameters()
    }

    def f():
        return model.evaluate(X, y, return_dict=True)["loss"]

    return {
        f"{layer.name}/{p.name}": relative_error(
            analytic[f"{layer.name}/{p.name}"], numerical_gradient(f, p.value, eps)
        )
        for layer in model.layers
        for p in layer.parameters()
    }
