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
from .layers import Layer, Parameter, _float_dtype, _shape_str


class _Recurrent(Layer):
    """Shared by the recurrent layers: options, building, checks and the weights API."""

    n_gates = 1  # blocks of ``units`` columns in W, U and b
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
        width = self.n_gates * self.units
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
        if not self.built:  # build from W itself: W is (F, n_gates * units)
            W = self._kernel(weights, 2)
            shape = self.input_shape or (None, W.shape[0])
            self.build(shape, dtype=_float_dtype(W))
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

    def _start_backward(self):
        """Zero the gradients that every step adds to; returns dL/dX, to fill step by step."""
        for p in self.parameters():
            p.grad = np.zeros_like(p.value)
        return np.empty(self.X.shape, dtype=np.result_type(self.X, self.W.value))

    def _add_step(self, t, dz, dX):
        """Step ``t``'s share of the gradients, from dL/dz_t ``dz`` (n, n_gates * units).

        The weights are shared by all steps, so their gradients add up over the steps; the
        input ``x_t`` is used by step ``t`` only. (One small product per step, rather than one
        large product over all steps, also keeps OpenBLAS from starting threads, which on a busy
        two-core machine makes training several times slower.)
        """
        self.W.grad += self.X[:, t].T @ dz  # (F, n) @ (n, w)
        self.U.grad += self.H_prev[:, t].T @ dz  # (units, n) @ (n, w)
        self.b.grad += dz.sum(axis=0)
        dX[:, t] = dz @ self.W.value.T  # (n, F)


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
        W, U, b = self.W.value, self.U.value, self.b.value
        self.X = X
        dtype = np.result_type(X, W)
        self.Zs = np.empty((n, T, self.units), dtype=dtype)
        self.H = np.empty((n, T, self.units), dtype=dtype)
        h = np.zeros((n, self.units), dtype=dtype)
        for t in range(T):
            self.Zs[:, t] = X[:, t] @ W + h @ U + b
            h = self.H[:, t] = self.activation(self.Zs[:, t])
        self.H_prev = np.concatenate([np.zeros_like(self.H[:, :1]), self.H[:, :-1]], axis=1)
        self.Z, self.A = self._output(self.Zs), self._output(self.H)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        return self._bptt(self._upstream(grad, self.X.shape[1]), through_output=True)

    def backward_from_z(self, dZ):
        """Backward pass given dL/dZ at the output's pre-activation (the fused losses use it)."""
        self._check_grad(dZ)  # Z has the shape of the output A
        return self._bptt(self._upstream(dZ, self.X.shape[1]), through_output=False)

    def _bptt(self, G, through_output):
        """Back-propagation through time from dL/dh_t (or dL/dz_t at the output) ``G``."""
        n, T, _ = G.shape
        U = self.U.value
        dX = self._start_backward()
        dh_next = np.zeros((n, self.units), dtype=G.dtype)  # dL/dh_t through h_{t+1}
        for t in reversed(range(T)):
            Zt, Ht = self.Zs[:, t], self.H[:, t]
            if through_output:
                dz = self.activation.backward(Zt, Ht, G[:, t] + dh_next)
            else:  # G is already at z_t where the output is read (zeros elsewhere)
                dz = G[:, t] + self.activation.backward(Zt, Ht, dh_next)
            self._add_step(t, dz, dX)
            dh_next = dz @ U.T
        return dX


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
    the candidate ``g`` (views of ``gates`` (n, T, 4 units), in Keras's order), the cell states
    ``c``, their ``tanh_c`` and the hidden states ``H`` (also ``h``).
    """

    n_gates = 4
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
        u, W, U, b = self.units, self.W.value, self.U.value, self.b.value
        self.X = X
        dtype = np.result_type(X, W)
        # All four gates of every step in one array (n, T, 4u); i, f, g, o are views of it.
        self.gates = np.empty((n, T, 4 * u), dtype=dtype)
        self.c, self.H, self.tanh_c = (np.empty((n, T, u), dtype=dtype) for _ in range(3))
        h = np.zeros((n, u), dtype=dtype)
        c = np.zeros((n, u), dtype=dtype)
        for t in range(T):
            z = X[:, t] @ W + h @ U + b  # (n, 4u): the four gates' pre-activations
            a = activations.sigmoid(z)  # i, f and o; the candidate g is a tanh instead
            a[:, 2 * u : 3 * u] = np.tanh(z[:, 2 * u : 3 * u])
            self.gates[:, t] = a
            i, f, g, o = a[:, :u], a[:, u : 2 * u], a[:, 2 * u : 3 * u], a[:, 3 * u :]
            c = self.c[:, t] = f * c + i * g
            self.tanh_c[:, t] = np.tanh(c)
            h = self.H[:, t] = o * self.tanh_c[:, t]
        self.i, self.f, self.g, self.o = (self.gates[..., k * u : (k + 1) * u] for k in range(4))
        self.h = self.H
        self.H_prev = np.concatenate([np.zeros_like(self.H[:, :1]), self.H[:, :-1]], axis=1)
        self.A = self._output(self.H)
        return self.A

    def backward(self, grad):
        self._check_grad(grad)
        G = self._upstream(grad, self.X.shape[1])
        n, T, u = G.shape
        U = self.U.value
        dX = self._start_backward()
        # Each gate's local derivative at every step: s (1 - s) for the sigmoids, 1 - g² for g.
        slope = self.gates * (1 - self.gates)
        slope[..., 2 * u : 3 * u] = 1 - self.g**2
        dh_next = np.zeros((n, u), dtype=G.dtype)  # dL/dh_t through step t + 1
        dc_next = np.zeros((n, u), dtype=G.dtype)  # dL/dc_t through step t + 1
        zero = np.zeros((n, u), dtype=G.dtype)
        for t in reversed(range(T)):
            i, f, g = self.i[:, t], self.f[:, t], self.g[:, t]
            c_prev = self.c[:, t - 1] if t > 0 else zero
            tanh_c = self.tanh_c[:, t]
            dh = G[:, t] + dh_next
            dc = dc_next + dh * self.o[:, t] * (1 - tanh_c**2)  # h = o tanh(c), c feeds c_{t+1}
            # dL/d(gate) for c = f c_prev + i g and h = o tanh(c), times each gate's slope.
            dz = np.concatenate([dc * g, dc * c_prev, dc * i, dh * tanh_c], axis=1) * slope[:, t]
            self._add_step(t, dz, dX)
            dc_next = dc * f
            dh_next = dz @ U.T
        return dX
