"""Looking inside a trained model: input gradients, saliency, occlusion, adversarial examples.

Everything here works on a ``Sequential`` model through its ordinary forward and backward passes:
``model.backward`` returns the gradient with respect to the *input*, which is what all four
functions need. None of them changes the weights or leaves parameter gradients behind, so
training can continue afterwards exactly as if they had never been called.

- ``input_gradient(model, X, y)``: dL/dX of the model's loss, the same loss ``fit`` minimises.
- ``saliency(model, X)``: |d score / dX| for one class per example (Simonyan et al., 2014).
- ``occlusion(model, X)``: how much the class probability drops when a patch of the image is
  blanked (Zeiler and Fergus, 2014).
- ``fgsm(model, X, y, epsilon)``: the fast gradient sign method (Goodfellow et al., 2015).
"""

import contextlib

import numpy as np

from .activations import sigmoid, softmax

# Output activations whose pre-activation ``z`` we can read as class scores (logits).
_CLASSIFIER_OUTPUTS = ("softmax", "sigmoid", "linear")


@contextlib.contextmanager
def _parameter_gradients_kept(model):
    """Run a backward pass without disturbing any ``Parameter.grad`` (values or array objects)."""
    saved = [(p, p.grad, p.grad.copy()) for p in model.parameters()]
    try:
        yield
    finally:
        for p, array, values in saved:
            array[...] = values  # in case a layer wrote into the array in place
            p.grad = array


def input_gradient(model, X, y, per_example=False):
    """Gradient of the model's loss with respect to its input.

    The loss is the one the model was compiled with, averaged over the batch as ``evaluate``
    reports it (weight penalties do not depend on ``X`` and drop out). The forward pass runs with
    ``training=False``, so it is the function ``predict`` computes that is differentiated.

    Parameters
    ----------
    model : Sequential
        A compiled model.
    X : ndarray, shape (n_samples, *input_shape)
    y : ndarray
        Targets, as for ``model.evaluate(X, y)``.
    per_example : bool
        If True, row ``i`` is the gradient of example ``i``'s own loss, which is ``n_samples``
        times its row of the gradient of the mean.

    Returns
    -------
    ndarray, shape (n_samples, *input_shape)
        ``dL/dX``, in the model's dtype.
    """
    model._check_compiled()
    X = model._as_input(X)
    with _parameter_gradients_kept(model):
        y_pred = model.forward(X, training=False)
        fused = model._fused_loss()  # stable: the gradient at z is (prediction - target) / n
        if fused:
            grad = fused.gradient(y, model.layers[-1].Z)
        else:
            grad = model.loss.gradient(y, y_pred)
        dX = model.backward(grad, from_z=bool(fused))
    return dX * len(X) if per_example else dX


def _output_kind(model):
    """The last layer's activation name; raise unless its ``z`` are class scores."""
    last = model.layers[-1]
    name = getattr(getattr(last, "activation", None), "name", None)
    if name not in _CLASSIFIER_OUTPUTS or not hasattr(last, "backward_from_z"):
        raise ValueError(
            f"explain needs a classifier whose last layer has a softmax, sigmoid or linear "
            f"activation (its pre-activations are the class scores); layer '{last.name}' has "
            f"activation {name!r}"
        )
    return name


def _scores(model, X):
    """Forward pass: the logits ``z`` (n, k) of the last layer and its activation name."""
    X = model._as_input(X)
    model.forward(X, training=False)
    return model.layers[-1].Z, _output_kind(model)


def predict_proba(model, X):
    """Class probabilities, shape (n_samples, n_classes), from any classifier ``explain`` accepts.

    A single sigmoid output becomes two columns ``(1 - p, p)``; a linear output is treated as
    logits and goes through a softmax (or a sigmoid, for one unit).
    """
    z, _ = _scores(model, X)
    if z.shape[1] == 1:
        p = sigmoid(z)
        return np.hstack([1 - p, p])
    return softmax(z)


def _targets(target_class, probabilities):
    """``(n,)`` int class indices: the predicted classes if ``target_class`` is None."""
    n, k = probabilities.shape
    if target_class is None:
        return probabilities.argmax(axis=1)
    target = np.broadcast_to(np.asarray(target_class), (n,))
    if target.dtype.kind not in "iu" or target.min() < 0 or target.max() >= k:
        raise ValueError(
            f"target_class must be an integer class (or one per example) in [0, {k - 1}], "
            f"received {target_class!r}"
        )
    return target.astype(np.int64)


def saliency(model, X, target_class=None, score="log_probability", absolute=True):
    """Input-gradient saliency: how strongly each input value moves one class's score.

    For example ``i`` and class ``c_i`` the map is ``|d s_c(x_i) / d x_i|`` (Simonyan, Vedaldi and
    Zisserman, 2014), a first-order answer to "which pixels, nudged a little, would change the
    score most?". It is a statement about the model's local sensitivity, not about the reasons a
    human would give.

    Parameters
    ----------
    model : Sequential
        A classifier: the last layer's activation is softmax, sigmoid (one unit, two classes) or
        linear (its outputs are read as logits).
    X : ndarray, shape (n_samples, *input_shape)
    target_class : int, array of shape (n_samples,), or None
        The class whose score is explained; None means the class the model predicts.
    score : {"log_probability", "logit"}
        Differentiate ``log p_c`` (which also weighs the competing classes: the gradient at the
        logits is ``onehot(c) - p``) or the logit ``z_c`` alone. For one sigmoid unit, the logit
        of class 1 is ``z`` and that of class 0 is ``-z``.
    absolute : bool
        Return ``|gradient|`` (the usual map) or the signed gradient: positive where increasing
        the input increases the score.

    Returns
    -------
    ndarray, shape (n_samples, *input_shape)
    """
    if score not in ("log_probability", "logit"):
        raise ValueError(f"score must be 'log_probability' or 'logit', received {score!r}")
    with _parameter_gradients_kept(model):
        z, _ = _scores(model, X)
        n, k = z.shape
        rows = np.arange(n)
        if k == 1:  # one sigmoid unit: classes 0 and 1, logits -z and z
            p1 = sigmoid(z[:, 0])
            target = _targets(target_class, np.column_stack([1 - p1, p1]))
            sign = np.where(target == 1, 1.0, -1.0)
            dz = sign if score == "logit" else np.where(target == 1, 1 - p1, -p1)
            dz = dz[:, None].astype(z.dtype)
        else:
            p = softmax(z)
            target = _targets(target_class, p)
            dz = np.zeros_like(z) if score == "logit" else -p
            dz[rows, target] += 1.0
        gradient = model.backward(dz, from_z=True)
    return np.abs(gradient) if absolute else gradient


def _image_shape(X, image_shape):
    """(h, w) of the images in ``X``: given, the 2nd/3rd axes, or a square of the features."""
    if image_shape is not None:
        h, w = image_shape
    elif X.ndim >= 3:
        h, w = X.shape[1:3]
    else:
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(
                f"occlusion: {X.shape[1]} features are not a square image; pass image_shape"
            )
        h, w = side, side
    per_image = int(np.prod(X.shape[1:]))
    if per_image % (h * w):
        raise ValueError(
            f"occlusion: image_shape {(h, w)} does not fit examples of shape {X.shape[1:]}"
        )
    return h, w


def occlusion(
    model,
    X,
    patch=2,
    target_class=None,
    stride=None,
    baseline=0.0,
    image_shape=None,
    batch_size=4096,
):
    """Occlusion sensitivity: the drop in a class's probability when a square patch is blanked.

    Every ``patch`` x ``patch`` square (moved by ``stride`` pixels; by default the squares tile
    the image) is set to ``baseline`` in turn, all positions of all images in one vectorised
    batch. A pixel's value is the mean drop ``p_c(x) - p_c(x with the patch blanked)`` over the
    patches that cover it (Zeiler and Fergus, 2014). Positive: blanking it hurts the class.

    Parameters
    ----------
    model : Sequential
        A classifier (see ``saliency``).
    X : ndarray, shape (n_samples, h * w) or (n_samples, h, w, ...)
        Images, flattened or not, as the model takes them.
    patch : int
        Side of the square, in pixels.
    target_class : int, array of shape (n_samples,), or None
        None: the class the model predicts for the intact image.
    stride : int or None
        Step between patch positions; None means ``patch`` (non-overlapping tiles).
    baseline : float
        The value a blanked pixel takes (0 is the background of the digits).
    image_shape : (int, int) or None
        (h, w) of flattened images; None: a square, or the 2nd and 3rd axes of ``X``.
    batch_size : int
        Occluded images sent through the model at once (bounds the memory used).

    Returns
    -------
    ndarray, shape (n_samples, h, w)
        The probability drop per pixel; pixels that no patch covers (only possible when
        ``stride`` > ``patch``) are 0.
    """
    X = model._as_input(X)
    h, w = _image_shape(X, image_shape)
    stride = patch if stride is None else stride
    if not (1 <= patch <= min(h, w)) or stride < 1:
        raise ValueError(
            f"occlusion: patch must be between 1 and {min(h, w)} and stride at least 1, "
            f"received patch={patch!r}, stride={stride!r}"
        )
    tops = np.arange(0, h - patch + 1, stride)
    lefts = np.arange(0, w - patch + 1, stride)
    rows, cols = np.arange(h), np.arange(w)
    # masks[k] is True on the k-th patch: (n_patches, h, w), built by broadcasting.
    in_rows = (rows >= tops[:, None]) & (rows < tops[:, None] + patch)  # (n_tops, h)
    in_cols = (cols >= lefts[:, None]) & (cols < lefts[:, None] + patch)  # (n_lefts, w)
    masks = (in_rows[:, None, :, None] & in_cols[None, :, None, :]).reshape(-1, h, w)

    probabilities = predict_proba(model, X)
    target = _targets(target_class, probabilities)
    n, n_patches = len(X), len(masks)
    base = probabilities[np.arange(n), target]  # (n,)

    images = X.reshape(n, h, w, -1)  # a trailing channel axis (1 for flattened images)
    occluded = np.where(masks[None, :, :, :, None], baseline, images[:, None])  # (n, P, h, w, c)
    occluded = occluded.reshape(n * n_patches, *X.shape[1:]).astype(X.dtype, copy=False)
    p_occluded = np.concatenate(
        [
            predict_proba(model, occluded[i : i + batch_size])
            for i in range(0, len(occluded), batch_size)
        ]
    )
    kept = p_occluded[np.arange(n * n_patches), np.repeat(target, n_patches)]
    drop = base[:, None] - kept.reshape(n, n_patches)  # (n, n_patches)
    flat_masks = masks.reshape(n_patches, h * w).astype(drop.dtype)
    coverage = flat_masks.sum(axis=0)
    heat = (drop @ flat_masks) / np.maximum(coverage, 1)  # mean drop over the covering patches
    return heat.reshape(n, h, w)


def fgsm(model, X, y, epsilon, clip=None):
    """The fast gradient sign method: ``X + epsilon * sign(dL/dX)``, then clipped.

    Every input value moves by exactly ``epsilon`` (or 0 where the gradient is 0) in the direction
    that increases the loss to first order; that is the largest first-order increase of the loss
    among all perturbations with max-norm ``epsilon`` (Goodfellow, Shlens and Szegedy, 2015).

    Parameters
    ----------
    model : Sequential
        A compiled model.
    X : ndarray, shape (n_samples, *input_shape)
    y : ndarray
        The true targets (as for ``evaluate``).
    epsilon : float
        Size of the step in every input value, at least 0.
    clip : (float, float) or None
        Keep the result inside the valid input range, e.g. ``(0, 1)`` for images.

    Returns
    -------
    ndarray, shape (n_samples, *input_shape)
        The adversarial inputs, in the model's dtype.
    """
    if not np.isfinite(epsilon) or epsilon < 0:
        raise ValueError(f"fgsm: epsilon must be a finite number >= 0, received {epsilon!r}")
    X = model._as_input(X)
    X_adv = X + np.asarray(epsilon, dtype=X.dtype) * np.sign(input_gradient(model, X, y))
    if clip is not None:
        low, high = clip
        X_adv = np.clip(X_adv, low, high)
    return X_adv.astype(X.dtype, copy=False)
