"""Convolutional layers for images: ``Conv2D``, ``MaxPooling2D`` and ``AveragePooling2D``.

Images are channels-last, as in Keras: a batch ``X`` has shape ``(n, H, W, C)``. A ``Conv2D``
kernel has shape ``(kh, kw, C_in, C_out)`` and its bias ``(C_out,)``, so ``get_weights()`` can be
handed to Keras unchanged.

What deep-learning libraries call "convolution" is a **cross-correlation**: the kernel slides
over the image *without* being flipped,

    Z[n, r, c, f] = b[f] + sum_{i, j, k} Xp[n, r * sh + i, c * sw + j, k] * K[i, j, k, f],

with ``Xp`` the (padded) input and ``(sh, sw)`` the strides. ``padding='valid'`` adds nothing
(output ``floor((H - kh) / sh) + 1``); ``padding='same'`` follows TensorFlow exactly: the output
has ``ceil(H / sh)`` rows, and the ``max((ceil(H / sh) - 1) * sh + kh - H, 0)`` rows of zeros it
needs are split evenly, the odd one going to the bottom (and to the right for columns).

Both passes are vectorised. The forward pass gathers every ``kh x kw x C`` patch into one row of
a matrix (**im2col**, with ``sliding_window_view``: no copy until the reshape) and makes one
matrix product; the backward pass returns the gradient of each patch to the pixels it came from
(**col2im**) with one strided addition per kernel offset, ``kh * kw`` of them, never a loop over
pixels or examples.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import activations, initializers, regularizers
from .layers import Layer, Parameter, _float_dtype, _shape_str

PADDINGS = ("valid", "same")


def _pair(layer, name, value):
    """``value`` as a pair of positive ints (an int ``k`` means ``(k, k)``)."""
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(f"{layer}: {name} must be a positive int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _padding(layer, padding):
    padding = str(padding).lower()
    if padding not in PADDINGS:
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


def output_length(size, window, stride, padding):
    """Output length along one axis, and the padding ``(before, after)`` it needs.

    ``'valid'``: ``floor((size - window) / stride) + 1`` and no padding. ``'same'`` (TensorFlow's
    rule): ``ceil(size / stride)``, padded with ``max((out - 1) * stride + window - size, 0)``
    entries, the extra one (if that number is odd) after.
    """
    if padding == "valid":
        return (size - window) // stride + 1, (0, 0)
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, (total // 2, total - total // 2)


def _windows(Xp, window, strides, out):
    """View of every ``window`` patch of ``Xp`` (n, Hp, Wp, C): (n, Ho, Wo, C, wh, ww), no copy."""
    (sh, sw), (Ho, Wo) = strides, out
    view = sliding_window_view(Xp, window, axis=(1, 2))
    return view[:, ::sh, ::sw][:, :Ho, :Wo]


def _scatter(dpatches, shape, strides, out):
    """col2im: add each patch's gradient back onto the pixels it came from.

    ``dpatches`` (n, Ho, Wo, wh, ww, C) -> (n, Hp, Wp, C), the gradient of the padded input. One
    strided addition per offset ``(i, j)`` inside the window: pixel ``(r * sh + i, c * sw + j)``
    received patch ``(r, c)``'s entry ``(i, j)``.
    """
    (sh, sw), (Ho, Wo) = strides, out
    dXp = np.zeros(shape, dtype=dpatches.dtype)
    for i in range(dpatches.shape[3]):
        for j in range(dpatches.shape[4]):
            dXp[:, i : i + sh * Ho : sh, j : j + sw * Wo : sw, :] += dpatches[:, :, :, i, j, :]
    return dXp


class _Spatial(Layer):
    """Shared by the image layers: the input check, padding and shapes of a sliding window."""

    def _setup(self, window, strides, padding):
        kind = f"{type(self).__name__} layer '{self.name}'"
        self.window = window
        self.strides = _pair(kind, "strides", strides)
        self.padding = _padding(kind, padding)

    def _check_image_shape(self, input_shape):
        if len(input_shape) != 3:
            hint = (
                "; a batch of greyscale images needs a channel axis: X[..., None]"
                if len(input_shape) == 2
                else ""
            )
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expected inputs of shape "
                f"(None, height, width, channels), received {_shape_str((None, *input_shape))}"
                + hint
            )

    def compute_output_shape(self, input_shape):
        self._check_image_shape(input_shape)
        H, W, C = input_shape
        (Ho, self._pad_h), (Wo, self._pad_w) = (
            output_length(size, k, s, self.padding)
            for size, k, s in zip((H, W), self.window, self.strides, strict=True)
        )
        if Ho < 1 or Wo < 1:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': a {self.window[0]}x{self.window[1]} "
                f"window does not fit in a {H}x{W} input with padding='valid'"
            )
        return (Ho, Wo, self._channels_out(C))

    def _check_input(self, X):
        try:
            super()._check_input(X)
        except ValueError as error:
            if self.built and X.ndim == len(self.input_shape) and self.input_shape[-1] == 1:
                raise ValueError(f"{error}; add the channel axis: X[..., None]") from None
            raise

    def _pad(self, X, value=0.0):
        if self.padding == "valid":
            return X
        return np.pad(X, ((0, 0), self._pad_h, self._pad_w, (0, 0)), constant_values=value)

    def _unpad(self, dXp):
        (top, _), (left, _) = self._pad_h, self._pad_w
        H, W, _ = self.input_shape
        return dXp[:, top : top + H, left : left + W, :]


class Conv2D(_Spatial):
    """2-D convolution (cross-correlation) over channels-last images, as Keras's ``Conv2D``.

    Parameters
    ----------
    filters : int
        Number of kernels, i.e. output channels ``C_out`` (feature maps).
    kernel_size : int or (int, int)
        ``(kh, kw)``; an int ``k`` means ``(k, k)``.
    strides : int or (int, int)
        Step of the window down and across.
    padding : {'valid', 'same'}
        No padding, or TensorFlow's zero padding to ``ceil(H / stride)`` outputs (see the module
        docstring).
    activation : str or None
        An elementwise activation from ``nnlib.activations`` (``None`` means linear).
    input_shape : tuple, optional
        ``(H, W, C)``; lets a model build (and ``summary()``) before seeing data.
    kernel_initializer, bias_initializer : str or callable
        See ``nnlib.initializers``; Glorot uses ``fan_in = kh * kw * C_in``.
    kernel_regularizer, bias_regularizer : str or Regularizer, optional
        As for ``Dense``.

    Shapes: ``X`` (n, H, W, C_in) → ``A`` (n, Ho, Wo, C_out); kernel ``K`` (kh, kw, C_in, C_out);
    bias ``b`` (C_out,). After ``forward``, ``Z`` and ``A`` (n, Ho, Wo, C_out) are the feature
    maps before and after the activation.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        activation=None,
        input_shape=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        name=None,
    ):
        super().__init__(name=name, input_shape=input_shape)
        if isinstance(filters, bool) or int(filters) != filters or filters < 1:
            raise ValueError(f"Conv2D needs a positive integer number of filters, got {filters!r}")
        self.filters = int(filters)
        kind = f"Conv2D layer '{self.name}'"
        self._setup(_pair(kind, "kernel_size", kernel_size), strides, padding)
        self.kernel_size = self.window
        self.activation = activations.get(activation)
        if self.activation.name == "softmax":
            raise ValueError(f"{kind}: use an elementwise activation, not softmax")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _channels_out(self, channels_in):
        return self.filters

    def build(self, input_shape, rng=None, dtype=np.float64):
        self._check_image_shape(tuple(input_shape))
        rng = np.random.default_rng(rng)
        shape = (*self.kernel_size, input_shape[-1], self.filters)
        self.K = Parameter(self.kernel_initializer(shape, rng, dtype), "K")
        self.b = Parameter(self.bias_initializer((self.filters,), rng, dtype), "b")
        super().build(input_shape)

    def parameters(self):
        return [self.K, self.b] if self.built else []

    def penalties(self):
        pairs = [(self.K, self.kernel_regularizer), (self.b, self.bias_regularizer)]
        return [(p, reg) for p, reg in pairs if reg is not None] if self.built else []

    def set_weights(self, weights):
        if not self.built:
            if self.input_shape is None:
                raise ValueError(
                    f"Conv2D layer '{self.name}' is not built: give it an input_shape=(H, W, C) "
                    "or call it on a batch before set_weights"
                )
            dtype = _float_dtype(self._kernel(weights, 4))
            self.build(self.input_shape, dtype=dtype)
        super().set_weights(weights)

    def forward(self, X, training=False):
        self._check_input(X)
        Xp = self._pad(X)
        Ho, Wo, F = self.output_shape
        kh, kw = self.kernel_size
        patches = _windows(Xp, self.kernel_size, self.strides, (Ho, Wo))  # (n, Ho, Wo, C, kh, kw)
        # im2col: one row per output pixel, in the kernel's (kh, kw, C) order.
        self.cols = patches.transpose(0, 1, 2, 4, 5, 3).reshape(len(X) * Ho * Wo, -1)
        self._padded_shape = Xp.shape
        Z = self.cols @ self.K.value.reshape(-1, F) + self.b.value  # (n Ho Wo, F)
        self.Z = Z.reshape(len(X), Ho, Wo, F)
        self.A = self.activation(self.Z)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        return self.backward_from_z(self.activation.backward(self.Z, self.A, grad))

    def backward_from_z(self, dZ):
        """Backward pass given dL/dZ (n, Ho, Wo, C_out), the gradient at the pre-activation."""
        self._check_grad(dZ)  # Z has the shape of the output A
        n, Ho, Wo, F = dZ.shape
        kh, kw = self.kernel_size
        dZ2 = dZ.reshape(-1, F)  # (n Ho Wo, F)
        self.K.grad = (self.cols.T @ dZ2).reshape(self.K.value.shape)  # like X^T dZ for Dense
        self.b.grad = dZ2.sum(axis=0)
        dcols = (dZ2 @ self.K.value.reshape(-1, F).T).reshape(n, Ho, Wo, kh, kw, -1)
        return self._unpad(_scatter(dcols, self._padded_shape, self.strides, (Ho, Wo)))


class _Pooling2D(_Spatial):
    keras_name = None

    def __init__(self, pool_size=2, strides=None, padding="valid", input_shape=None, name=None):
        super().__init__(name=name or self.keras_name, input_shape=input_shape)
        kind = f"{type(self).__name__} layer '{self.name}'"
        window = _pair(kind, "pool_size", pool_size)
        self._setup(window, window if strides is None else strides, padding)
        self.pool_size = self.window

    def _channels_out(self, channels_in):
        return channels_in

    def _patches(self, X, value):
        Xp = self._pad(X, value)
        self._padded_shape = Xp.shape
        Ho, Wo, _ = self.output_shape
        return _windows(Xp, self.pool_size, self.strides, (Ho, Wo))  # (n, Ho, Wo, C, ph, pw)


class MaxPooling2D(_Pooling2D):
    """The largest value of each ``pool_size`` window, channel by channel (Keras's layer).

    Parameters
    ----------
    pool_size : int or (int, int)
    strides : int, (int, int) or None
        ``None`` means ``pool_size``: windows side by side, without overlap.
    padding : {'valid', 'same'}
        With ``'same'`` the padded entries never win (they count as minus infinity).

    Shapes: ``X`` (n, H, W, C) → ``A`` (n, Ho, Wo, C). Backward sends each output's gradient to
    the input that was the maximum of its window (to the first of them, in reading order, if
    several tie); the other inputs get 0.
    """

    keras_name = "max_pooling2d"

    def forward(self, X, training=False):
        self._check_input(X)
        patches = self._patches(X, -np.inf)
        n, Ho, Wo, C, ph, pw = patches.shape
        flat = patches.reshape(n, Ho, Wo, C, ph * pw)
        self.argmax = flat.argmax(axis=-1)  # (n, Ho, Wo, C): which entry of each window won
        self.A = np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        ph, pw = self.pool_size
        winner = self.argmax[:, :, :, None, None, :] == np.arange(ph * pw).reshape(ph, pw, 1)
        dpatches = winner * grad[:, :, :, None, None, :]  # (n, Ho, Wo, ph, pw, C)
        Ho, Wo = grad.shape[1:3]
        return self._unpad(_scatter(dpatches, self._padded_shape, self.strides, (Ho, Wo)))


class AveragePooling2D(_Pooling2D):
    """The mean of each ``pool_size`` window, channel by channel (Keras's layer).

    With ``padding='same'`` the mean is over the window's entries inside the image only, as in
    TensorFlow (padded entries are not counted). Parameters as for ``MaxPooling2D``.

    Shapes: ``X`` (n, H, W, C) → ``A`` (n, Ho, Wo, C). Backward shares each output's gradient
    equally among the inputs its window averaged.
    """

    keras_name = "average_pooling2d"

    def forward(self, X, training=False):
        self._check_input(X)
        # How many entries of each window lie inside the image: (1, Ho, Wo, 1).
        inside = self._pad(np.ones((1, *self.input_shape[:2], 1), dtype=X.dtype))
        Ho, Wo, _ = self.output_shape
        self.counts = _windows(inside, self.pool_size, self.strides, (Ho, Wo)).sum(axis=(-2, -1))
        self.A = self._patches(X, 0.0).sum(axis=(-2, -1)) / self.counts
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        ph, pw = self.pool_size
        share = (grad / self.counts)[:, :, :, None, None, :]
        n, Ho, Wo, C = grad.shape
        dpatches = np.broadcast_to(share, (n, Ho, Wo, ph, pw, C))
        return self._unpad(_scatter(dpatches, self._padded_shape, self.strides, (Ho, Wo)))
