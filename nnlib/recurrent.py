"""Recurrent layers for sequences: ``SimpleRNN`` and ``LSTM``, with Keras's weight layout.

A batch of sequences has shape ``(n, T, F)``: ``n`` sequences of ``T`` steps with ``F`` features
each. A recurrent layer reads the steps in order and carries a **hidden state** ``h`` of
``units`` numbers from one step to the next, starting from zeros:

    SimpleRNN:  h_t = f(x_t W + h_{t-1} U + b)

    LSTM:       [z_i, z_f, z_g, z_o] = x_t W + h_{t-1} U + b      (four blocks of ``units``)
                i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_g)  o = sigmoid(z_o)
                c_t = f * c_{t-1} + i * g                          (the cell state)
                h_t = o * tanh(c_t)

``W`` is the kernel ``(F, units)`` (``(F, 4 units)`` for the LSTM), ``U`` the recurrent kernel
``(units, units)`` (``(units, 4 units)``) and ``b`` the bias; the LSTM's gates come in Keras's
order input, forget, candidate, output, so ``get_weights()`` is what Keras's ``get_weights()``
returns. The output is the last hidden state ``(n, units)``, or every hidden state
``(n, T, units)`` with ``return_sequences=True``.

The backward pass is **back-propagation through time** (BPTT): the unrolled network is a deep
feedforward network whose layers share ``W``, ``U`` and ``b``, so the gradient walks back one
step at a time (a Python loop over the ``T`` steps, each step vectorised over the batch) and
the gradients of the shared weights add up over the steps.

``input_shape=(None, F)`` accepts sequences of any length.
"""

import numpy as np

from . import activations, initializers, regularizers
from .layers import Layer, Parameter, _shape_str


class _Recurrent(Layer):
    """Shared by the recurrent layers: options, building, checks and the weights API."""

    gates = 1  # blocks of ``units`` columns in W, U and b
    keras_name = None  # the default layer name, if Keras's differs from the lower-case class name

    def __init__(
        self,
        units,
        return_sequences,
        input_shape,
        kernel_initializer,
        recurrent_initializer,
        bias_initializer,
        kernel_regularizer,
        recurrent_regularizer,
        bias_regularizer,
        name,
    ):
        super().__init__(name=name or self.keras_name, input_shape=input_shape)
        if isinstance(units, bool) or int(units) != units or units < 1:
            raise ValueError(
                f"{type(self).__name__} needs a positive integer number of units, got {units!r}"
            )
        self.units = int(units)
        self.return_sequences = bool(return_sequences)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _check_sequence_shape(self, input_shape):
        if len(input_shape) != 2:
            hint = (
                "; a batch of sequences of single numbers needs a feature axis: X[..., None]"
                if len(input_shape) == 1
                else ""
            )
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expected inputs of shape "
                f"(None, timesteps, features), received {_shape_str((None, *input_shape))}" + hint
            )

    def build(self, input_shape, rng=None, dtype=np.float64):
        input_shape = tuple(input_shape)
        self._check_sequence_shape(input_shape)
        rng = np.random.default_rng(rng)
        width = self.gates * self.units
        F = input_shape[-1]
        self.W = Parameter(self.kernel_initializer((F, width), rng, dtype), "W")
        self.U = Parameter(self.recurrent_initializer((self.units, width), rng, dtype), "U")
        self.b = Parameter(self._initial_bias(width, rng, dtype), "b")
        if self.input_shape is not None and self.input_shape[0] is None:
            input_shape = (None, F)  # keep accepting any length
        super().build(input_shape)

    def _initial_bias(self, width, rng, dtype):
        return self.bias_initializer((width,), rng, dtype)

    def compute_output_shape(self, input_shape):
        T = input_shape[0]
        return (T, self.units) if self.return_sequences else (self.units,)

    def parameters(self):
        return [self.W, self.U, self.b] if self.built else []

    def penalties(self):
        pairs = [
            (self.W, self.kernel_regularizer),
            (self.U, self.recurrent_regularizer),
            (self.b, self.bias_regularizer),
        ]
        return [(p, reg) for p, reg in pairs if reg is not None] if self.built else []

    def set_weights(self, weights):
        if not self.built:  # build from W itself: W is (F, gates * units)
            W = np.asarray(weights[0])
            shape = self.input_shape or (None, W.shape[0])
            self.build(shape, dtype=np.result_type(W, np.float64))
        super().set_weights(weights)

    def _check_input(self, X):
        if self.built and self.input_shape[0] is None:
            if X.ndim != 3 or X.shape[2] != self.input_shape[1]:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}' expected input of shape "
                    f"(None, None, {self.input_shape[1]}), received {X.shape}"
                )
            return
        try:
            super()._check_input(X)
        except ValueError as error:
            if self.built and X.ndim == 2 and self.input_shape[-1] == 1:
                raise ValueError(f"{error}; add the feature axis: X[..., None]") from None
            raise

    def _output(self, H):
        """The layer's output from the hidden states ``H`` (n, T, units)."""
        return H if self.return_sequences else H[:, -1]

    def _upstream(self, grad, T):
        """dL/dh_t from the layer's output gradient: (n, T, units), zero where h_t is unused."""
        if self.return_sequences:
            return grad
        G = np.zeros((len(grad), T, self.units), dtype=grad.dtype)
        G[:, -1] = grad
        return G

    def _finish_backward(self, dZ):
        """Gradients of the shared weights and the input from dL/dz at every step (n, T, w)."""
        n, T, width = dZ.shape
        F = self.W.value.shape[0]
        flat = dZ.reshape(n * T, width)
        self.W.grad = self.X.reshape(n * T, F).T @ flat  # summed over examples and steps
        self.b.grad = flat.sum(axis=0)
        self.U.grad = self.H_prev.reshape(n * T, self.units).T @ flat
        return dZ @ self.W.value.T  # (n, T, F)


class SimpleRNN(_Recurrent):
    """The plain recurrent layer ``h_t = f(x_t W + h_{t-1} U + b)`` (Keras's ``SimpleRNN``).

    Parameters
    ----------
    units : int
        Size of the hidden state.
    activation : str
        An elementwise activation (default ``'tanh'``).
    return_sequences : bool
        Output every hidden state ``(n, T, units)`` instead of the last one ``(n, units)``.
    input_shape : tuple, optional
        ``(T, F)``, or ``(None, F)`` for any length.
    kernel_initializer, recurrent_initializer, bias_initializer : str or callable
        Default ``'glorot_uniform'``, ``'orthogonal'``, ``'zeros'``, as in Keras.
    kernel_regularizer, recurrent_regularizer, bias_regularizer : optional
        Penalties on ``W``, ``U`` and ``b`` (see ``nnlib.regularizers``).

    Shapes: ``X`` (n, T, F); ``W`` (F, units); ``U`` (units, units); ``b`` (units,). After
    ``forward``: ``H`` (n, T, units) every hidden state and ``Zs`` (n, T, units) every
    pre-activation; ``Z`` and ``A`` are those of the output (the last step, or all steps).
    """

    keras_name = "simple_rnn"

    def __init__(
        self,
        units,
        activation="tanh",
        return_sequences=False,
        input_shape=None,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        name=None,
    ):
        super().__init__(
            units,
            return_sequences,
            input_shape,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            kernel_regularizer,
            recurrent_regularizer,
            bias_regularizer,
            name,
        )
        self.activation = activations.get(activation)
        if self.activation.name == "softmax":
            raise ValueError(f"SimpleRNN layer '{self.name}': use an elementwise activation")

    def forward(self, X, training=False):
        self._check_input(X)
        n, T, _ = X.shape
        U = self.U.value
        self.X = X
        XW = X @ self.W.value + self.b.value  # (n, T, units): the input part of every step at once
        self.Zs = np.empty_like(XW)
        self.H = np.empty_like(XW)
        h = np.zeros((n, self.units), dtype=XW.dtype)
        for t in range(T):
            self.Zs[:, t] = XW[:, t] + h @ U
            h = self.H[:, t] = self.activation(self.Zs[:, t])
        self.H_prev = np.concatenate([np.zeros_like(self.H[:, :1]), self.H[:, :-1]], axis=1)
        self.Z, self.A = self._output(self.Zs), self._output(self.H)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        return self._bptt(self._upstream(grad, self.X.shape[1]), through_output=True)

    def backward_from_z(self, dZ):
        """Backward pass given dL/dZ at the output's pre-activation (the fused losses use it)."""
        return self._bptt(self._upstream(dZ, self.X.shape[1]), through_output=False)

    def _bptt(self, G, through_output):
        """Back-propagation through time from dL/dh_t (or dL/dz_t at the output) ``G``."""
        n, T, _ = G.shape
        U = self.U.value
        dZ = np.empty_like(self.Zs)
        dh_next = np.zeros((n, self.units), dtype=G.dtype)  # dL/dh_t through h_{t+1}
        for t in reversed(range(T)):
            Zt, Ht = self.Zs[:, t], self.H[:, t]
            if through_output:
                dZ[:, t] = self.activation.backward(Zt, Ht, G[:, t] + dh_next)
            else:  # G is already at z_t where the output is read (zeros elsewhere)
                dZ[:, t] = G[:, t] + self.activation.backward(Zt, Ht, dh_next)
            dh_next = dZ[:, t] @ U.T
        return self._finish_backward(dZ)


class LSTM(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), as Keras's ``LSTM``.

    Sigmoid gates, tanh candidate and output squashing; the gate blocks of ``W``, ``U`` and
    ``b`` are in Keras's order ``i`` (input), ``f`` (forget), ``g`` (candidate, Keras's "c"),
    ``o`` (output). The cell state ``c`` is the memory: each step keeps the fraction ``f`` of it
    and writes ``i * g`` into it. Its gradient flows back through ``c_t = f * c_{t-1} + ...``
    multiplied only by ``f``, so where the forget gate stays near 1 it survives many steps.

    Parameters
    ----------
    units : int
        Size of the hidden and the cell state.
    return_sequences : bool
        Output every hidden state ``(n, T, units)`` instead of the last one ``(n, units)``.
    input_shape : tuple, optional
        ``(T, F)``, or ``(None, F)`` for any length.
    unit_forget_bias : bool
        Start the forget gate's bias at 1 (Keras's default, after Jozefowicz et al., 2015), so
        the cell starts out remembering: ``f = sigmoid(1) = 0.73`` for a zero input.
    kernel_initializer, recurrent_initializer, bias_initializer, *_regularizer
        As for ``SimpleRNN``.

    Shapes: ``X`` (n, T, F); ``W`` (F, 4 units); ``U`` (units, 4 units); ``b`` (4 units,).
    After ``forward``, every step is kept, each (n, T, units): the gates ``i``, ``f``, ``o``,
    the candidate ``g``, the cell states ``c`` and the hidden states ``H`` (also ``h``).
    """

    gates = 4
    GATE_NAMES = ("i", "f", "g", "o")

    def __init__(
        self,
        units,
        return_sequences=False,
        input_shape=None,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        name=None,
    ):
        super().__init__(
            units,
            return_sequences,
            input_shape,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            kernel_regularizer,
            recurrent_regularizer,
            bias_regularizer,
            name,
        )
        self.unit_forget_bias = bool(unit_forget_bias)

    def _initial_bias(self, width, rng, dtype):
        b = super()._initial_bias(width, rng, dtype)
        if self.unit_forget_bias:
            b[self.units : 2 * self.units] = 1.0
        return b

    def forward(self, X, training=False):
        self._check_input(X)
        n, T, _ = X.shape
        u, U = self.units, self.U.value
        self.X = X
        XW = X @ self.W.value + self.b.value  # (n, T, 4u)
        dtype = XW.dtype
        self.i, self.f, self.g, self.o, self.c, self.H = (
            np.empty((n, T, u), dtype=dtype) for _ in range(6)
        )
        h = np.zeros((n, u), dtype=dtype)
        c = np.zeros((n, u), dtype=dtype)
        for t in range(T):
            z = XW[:, t] + h @ U
            i = self.i[:, t] = activations.sigmoid(z[:, :u])
            f = self.f[:, t] = activations.sigmoid(z[:, u : 2 * u])
            g = self.g[:, t] = np.tanh(z[:, 2 * u : 3 * u])
            o = self.o[:, t] = activations.sigmoid(z[:, 3 * u :])
            c = self.c[:, t] = f * c + i * g
            h = self.H[:, t] = o * np.tanh(c)
        self.h = self.H
        self.H_prev = np.concatenate([np.zeros_like(self.H[:, :1]), self.H[:, :-1]], axis=1)
        self.A = self._output(self.H)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        G = self._upstream(grad, self.X.shape[1])
        n, T, u = G.shape
        U = self.U.value
        dZ = np.empty((n, T, 4 * u), dtype=G.dtype)
        dh_next = np.zeros((n, u), dtype=G.dtype)  # dL/dh_t through step t + 1
        dc_next = np.zeros((n, u), dtype=G.dtype)  # dL/dc_t through step t + 1
        for t in reversed(range(T)):
            i, f, g, o = self.i[:, t], self.f[:, t], self.g[:, t], self.o[:, t]
            c_prev = self.c[:, t - 1] if t > 0 else np.zeros_like(self.c[:, 0])
            tanh_c = np.tanh(self.c[:, t])
            dh = G[:, t] + dh_next
            dc = dc_next + dh * o * (1 - tanh_c**2)
            dZ[:, t, :u] = dc * g * i * (1 - i)  # through i = sigmoid(z_i)
            dZ[:, t, u : 2 * u] = dc * c_prev * f * (1 - f)  # f = sigmoid(z_f)
            dZ[:, t, 2 * u : 3 * u] = dc * i * (1 - g**2)  # g = tanh(z_g)
            dZ[:, t, 3 * u :] = dh * tanh_c * o * (1 - o)  # o = sigmoid(z_o)
            dc_next = dc * f
            dh_next = dZ[:, t] @ U.T
        return self._finish_backward(dZ)
