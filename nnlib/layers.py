"""Layers: ``forward`` computes outputs and caches what ``backward`` needs.

Conventions used by every layer:

- Rows are examples: a batch ``X`` has shape ``(n_samples, *input_shape)``.
- ``forward(X, training=False)`` returns the output and caches inputs/intermediates.
- ``backward(grad)`` takes dL/d(output) (same shape as the output), stores dL/d(parameter) in
  each ``Parameter.grad`` and returns dL/d(input) (same shape as ``X``).
- Trainable arrays are ``Parameter`` objects with ``.value`` and ``.grad``.
"""

import numpy as np

from . import activations, initializers, regularizers


class Parameter:
    """A trainable array ``value`` and the gradient of the loss with respect to it, ``grad``."""

    def __init__(self, value, name):
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.value.shape}, dtype={self.value.dtype})"


def _float_dtype(array):
    """float32 stays float32; anything else (ints, float64, lists) builds float64 parameters."""
    return np.float32 if np.asarray(array).dtype == np.float32 else np.float64


def _shape_str(shape):
    """``(None, 3)``-style text for a batch shape."""
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"


class Layer:
    """Base class: naming, lazy building, shape checks and the weights API."""

    # False while a model trains this layer as its first one (``Sequential.backward`` sets it):
    # its input is then the data, which training never changes, so ``backward`` may skip
    # dL/d(input). Layers that ignore this flag are still correct, only slower.
    needs_input_grad = True

    def __init__(self, name=None, input_shape=None):
        self.name = name or type(self).__name__.lower()
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.output_shape = None
        self.built = False

    # --- building -------------------------------------------------------------------------
    def build(self, input_shape, rng=None, dtype=np.float64):
        """Create parameters for inputs of shape ``(n_samples, *input_shape)``."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """Shape of one output example given the shape of one input example."""
        return input_shape

    def parameters(self):
        """The layer's ``Parameter`` objects, in the order ``get_weights`` returns them."""
        return []

    def penalties(self):
        """``(Parameter, regularizer)`` pairs whose penalties training adds to the loss."""
        return []

    def __call__(self, X, training=False):
        X = np.asarray(X)
        if not self.built:
            dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
            self.build(X.shape[1:], np.random.default_rng(), dtype)
        return self.forward(X, training=training)

    def forward(self, X, training=False):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    # --- checks ---------------------------------------------------------------------------
    def _check_input(self, X):
        """Raise ``ValueError`` naming this layer unless ``X.shape == (n, *input_shape)``."""
        if not self.built:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' is not built yet: call it as "
                "layer(X), give it an input_shape inside a Sequential model, or call build()"
            )
        if X.ndim != len(self.input_shape) + 1 or X.shape[1:] != self.input_shape:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expected input of shape "
                f"{_shape_str((None, *self.input_shape))}, received {X.shape}"
            )

    def _check_grad(self, grad):
        """Raise unless ``forward`` ran and ``grad`` has the shape of its output."""
        out = getattr(self, "A", None)
        if out is None:
            raise RuntimeError(
                f"{type(self).__name__} layer '{self.name}': backward needs the values cached by "
                "forward; run forward on the batch first"
            )
        if grad.shape != out.shape:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' backward expected a gradient of shape "
                f"{out.shape} (the shape of its last output), received {grad.shape}"
            )

    # --- weights API ----------------------------------------------------------------------
    def get_weights(self):
        """Copies of the parameter arrays, e.g. ``[W, b]`` for ``Dense``."""
        return [p.value.copy() for p in self.parameters()]

    def _kernel(self, weights, ndim):
        """``weights[0]``, the kernel an unbuilt layer builds itself from, as an array of
        ``ndim`` dimensions (else ``ValueError``)."""
        W = np.asarray(weights[0]) if len(weights) else None
        if W is None or W.ndim != ndim:
            got = "no arrays" if W is None else f"a first array of shape {W.shape}"
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' is not built: set_weights builds it "
                f"from its kernel, the first array, of {ndim} dimensions; received {got}"
            )
        return W

    def set_weights(self, weights):
        """Replace the parameter arrays; shapes must match ``get_weights()``."""
        params = self.parameters()
        if len(weights) != len(params):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expected {len(params)} weight arrays, "
                f"received {len(weights)}"
            )
        for p, w in zip(params, weights, strict=True):
            w = np.asarray(w)
            if w.shape != p.value.shape:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}' expected weight '{p.name}' of "
                    f"shape {p.value.shape}, received {w.shape}"
                )
            p.value = w.astype(p.value.dtype, copy=True)
            p.grad = np.zeros_like(p.value)

    def count_params(self):
        """Number of scalar parameters."""
        return int(sum(p.value.size for p in self.parameters()))

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, output_shape={self.output_shape})"


class Dense(Layer):
    """Fully connected layer: ``A = activation(X @ W + b)``.

    Parameters
    ----------
    units : int
        Number of neurons, i.e. output features.
    activation : str or None
        Name from ``nnlib.activations`` (``None`` means linear).
    input_shape : tuple, optional
        ``(n_features,)``; lets a model build (and ``summary()``) before seeing data.
    kernel_initializer, bias_initializer : str or callable
        See ``nnlib.initializers``.
    kernel_regularizer, bias_regularizer : str or Regularizer, optional
        A weight penalty such as ``regularizers.L2(1e-3)``; see ``nnlib.regularizers``.

    Shapes: ``X`` (n, n_in) → ``A`` (n, units); ``W`` (n_in, units); ``b`` (units,).
    """

    def __init__(
        self,
        units,
        activation=None,
        input_shape=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        name=None,
    ):
        super().__init__(name=name, input_shape=input_shape)
        if int(units) != units or units < 1:
            raise ValueError(f"Dense layer needs a positive integer number of units, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape, rng=None, dtype=np.float64):
        if len(input_shape) != 1:
            raise ValueError(
                f"Dense layer '{self.name}' expected inputs of shape (None, n_features), received "
                f"{_shape_str((None, *input_shape))}; add a Flatten layer first"
            )
        rng = np.random.default_rng(rng)
        n_in = input_shape[0]
        self.W = Parameter(self.kernel_initializer((n_in, self.units), rng, dtype), "W")
        self.b = Parameter(self.bias_initializer((self.units,), rng, dtype), "b")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (self.units,)

    def parameters(self):
        return [self.W, self.b] if self.built else []

    def penalties(self):
        pairs = [(self.W, self.kernel_regularizer), (self.b, self.bias_regularizer)]
        return [(p, reg) for p, reg in pairs if reg is not None] if self.built else []

    def set_weights(self, weights):
        if not self.built:  # build from input_shape, else from W itself: W is (n_in, units)
            W = self._kernel(weights, 2)
            self.build(self.input_shape or W.shape[:1], dtype=_float_dtype(W))
        super().set_weights(weights)

    def forward(self, X, training=False):
        self._check_input(X)
        self.X = X
        self.Z = X @ self.W.value + self.b.value  # pre-activation, cached for backward
        self.A = self.activation(self.Z)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        return self.backward_from_z(self.activation.backward(self.Z, self.A, grad))

    def backward_from_z(self, dZ):
        """Backward pass given dL/dZ (the gradient at the pre-activation)."""
        self._check_grad(dZ)  # Z has the shape of the output A
        self.W.grad = self.X.T @ dZ  # (n_in, n) @ (n, units) -> (n_in, units)
        self.b.grad = dZ.sum(axis=0)  # (units,)
        if not self.needs_input_grad:  # a model's first layer, training: a third of the work
            return None
        return dZ @ self.W.value.T  # (n, units) @ (units, n_in) -> (n, n_in)


class Activation(Layer):
    """An activation on its own, as a layer: ``A = activation(Z)``; no parameters."""

    def __init__(self, activation, input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)
        self.activation = activations.get(activation)

    def forward(self, X, training=False):
        self._check_input(X)
        self.Z = X
        self.A = self.activation(X)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        return self.activation.backward(self.Z, self.A, grad)

    def backward_from_z(self, dZ):
        """Backward pass given dL/dZ, which is already dL/d(input) here."""
        self._check_grad(dZ)
        return dZ


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability ``rate`` and scale the
    kept ones by ``1 / (1 - rate)``; at predict time, pass the input through unchanged.

    The scaling keeps every unit's expected value the same in training and at predict time:
    ``E[mask * x] = (1 - rate) * x / (1 - rate) = x``. (Scaling at predict time instead, by
    ``1 - rate``, is the original 2014 form; it gives the same predictions.)

    Parameters
    ----------
    rate : float
        Probability of dropping each unit, ``0 <= rate < 1``.
    seed : int or numpy Generator, optional
        Seeds the masks. Without it, the layer draws its masks from the generator that ``build``
        receives (in a ``Sequential`` model: the model's own, seeded by the model's ``seed``).

    Shapes: ``X`` (n, ...) → ``A`` (n, ...), the same shape. The mask of the last training
    forward pass is kept in ``mask`` (``None`` after a predict-time pass): ``A = X * mask``, with
    ``mask`` holding ``0`` and ``1 / (1 - rate)``.

    ``freeze()`` keeps one mask for every later forward pass, in training *and* at predict time,
    until ``unfreeze()``: the layer is then a fixed function whose gradient can be checked by
    finite differences (``gradcheck.check_model`` does this for you).
    """

    def __init__(self, rate, seed=None, input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)
        rate = float(rate)
        if not 0 <= rate < 1:
            raise ValueError(
                f"Dropout layer needs a rate in [0, 1) (the probability of dropping a unit), "
                f"got {rate!r}"
            )
        self.rate, self.seed = rate, seed
        self.rng = None if seed is None else np.random.default_rng(seed)
        self.mask = self.frozen_mask = None

    def build(self, input_shape, rng=None, dtype=np.float64):
        if self.rng is None:  # not seeded: share the model's generator (not a copy of it)
            self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        super().build(input_shape)

    def forward(self, X, training=False):
        self._check_input(X)
        if self.frozen_mask is not None:
            if self.frozen_mask.shape != X.shape:
                raise ValueError(
                    f"Dropout layer '{self.name}' has a frozen mask of shape "
                    f"{self.frozen_mask.shape}, received input of shape {X.shape}; unfreeze() it "
                    "or freeze a mask for this batch"
                )
            self.mask = self.frozen_mask.astype(X.dtype, copy=False)
        elif training and self.rate > 0:
            keep = self.rng.random(X.shape) >= self.rate  # each unit kept with prob. 1 - rate
            self.mask = keep.astype(X.dtype) * (1.0 / (1.0 - self.rate))  # float32 stays float32
        else:
            self.mask = None
        self.A = X if self.mask is None else X * self.mask
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        return grad if self.mask is None else grad * self.mask  # dropped units pass no gradient

    def backward_from_z(self, dZ):
        """Backward pass given dL/dZ; there is no activation, so it is ``backward``."""
        return self.backward(dZ)

    def freeze(self, mask=None):
        """Use one mask for every forward pass from now on (training or not).

        ``mask`` is an array of the batch's shape: of 0s and 1s (kept units; they are scaled by
        ``1 / (1 - rate)`` here), or a boolean array. Without it, the mask of the last training
        forward pass is frozen.
        """
        if mask is None:
            if self.mask is None:
                raise RuntimeError(
                    f"Dropout layer '{self.name}': no mask to freeze; run a training forward "
                    "pass first (forward(X, training=True)) or pass freeze(mask)"
                )
            self.frozen_mask = self.mask.copy()
            return
        keep = np.asarray(mask)
        if not np.all((keep == 0) | (keep == 1)):
            raise ValueError(f"Dropout layer '{self.name}': freeze(mask) needs a mask of 0s and 1s")
        self.frozen_mask = keep.astype(np.float64) / (1.0 - self.rate)

    def unfreeze(self):
        """Draw a new mask on every training forward pass again."""
        self.frozen_mask = None

    def __repr__(self):
        return f"Dropout(rate={self.rate}, name={self.name!r}, output_shape={self.output_shape})"


class Flatten(Layer):
    """Reshape each example to one row: ``(n, *shape) -> (n, prod(shape))``; no parameters.

    Keras's order (C order, the last axis fastest): for channels-last images ``(n, H, W, C)``,
    column ``(r * W + c) * C + k`` holds pixel ``(r, c)`` of channel ``k``. It sits between
    convolutional layers and the ``Dense`` layers after them.
    """

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, X, training=False):
        self._check_input(X)
        self.A = X.reshape(len(X), -1)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        return grad.reshape((len(grad), *self.input_shape))
