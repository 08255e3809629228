"""Optimizers: ``step(params)`` moves every ``Parameter.value`` using its ``.grad``.

Updates are in place, and keep the parameters' dtype (float32 stays float32). ``learning_rate``
is a number or a schedule (``nnlib.schedules``): a callable of the number of updates made so far.
"""

import math

import numpy as np


def flush_subnormals(x):
    """Round the near-zero entries of the float array ``x`` so that none is subnormal; in place.

    Subnormal ("denormal") numbers are the floats closest to zero, below
    ``np.finfo(x.dtype).tiny`` (1.2e-38 in float32). Most CPUs compute with them 10 to 100 times
    more slowly than with other numbers. Adam's moments fall into them: where a weight's gradient
    stays zero (a dead ReLU unit, a pixel that is almost never inked) ``m`` shrinks by ``beta_1``
    at every step, is subnormal after about 800 steps, and then stays there for good (``0.1 * m``
    rounds to 0). PyTorch users switch on the CPU's flush-to-zero mode
    (``torch.set_flush_denormal``); NumPy has no such switch, so we flush by hand.

    How: adding ``c = tiny / eps**2`` (2**-80 in float32) to a number much smaller than ``c``
    rounds it to a multiple of ``c * eps / 2`` (2**-104, a normal number), and subtracting ``c``
    again is exact. So every subnormal becomes 0; entries below ``4 c / eps`` (2**-55, about
    3e-17, in float32) move by at most ``eps`` relative to themselves (one rounding) or by 5e-32,
    whichever is larger; larger entries, all the moments that matter, are unchanged bit for
    bit. Two passes and no temporary array: several times faster than a mask such as
    ``x[np.abs(x) < tiny] = 0``.
    """
    c = _FLUSH_CONSTANT.get(x.dtype)
    if c is None:
        if x.dtype not in (np.float32, np.float64):  # float16's range is too short for this
            raise TypeError(f"flush_subnormals works on float32 or float64, not {x.dtype}")
        info = np.finfo(x.dtype)
        c = _FLUSH_CONSTANT[x.dtype] = x.dtype.type(info.tiny / info.eps**2)
    x += c
    x -= c
    return x


_FLUSH_CONSTANT = {}  # dtype -> c for flush_subnormals (np.finfo is slow to call every step)


class Optimizer:
    """Base class: per-parameter state, a step counter ``iterations`` and the learning rate.

    ``learning_rate`` may be a schedule (``schedule(step) -> rate``); ``step`` evaluates it once
    per update, from the number of updates made before it, and keeps the value in ``lr``.
    """

    def __init__(self, learning_rate):
        self.iterations = 0
        self.learning_rate = learning_rate
        self.state = {}  # Parameter -> its slots (velocity, moments, ...)

    @property
    def learning_rate(self):
        """The rate the next update uses: the number given, or the schedule at ``iterations``."""
        if self.schedule is None:
            return self._learning_rate
        return self.schedule(self.iterations)

    @learning_rate.setter
    def learning_rate(self, value):
        self.schedule = value if callable(value) else None
        if self.schedule is None and not value > 0:
            raise ValueError(f"{type(self).__name__} needs a positive learning_rate, got {value!r}")
        self._learning_rate = value

    def step(self, params):
        """Apply one update to each parameter in ``params``."""
        self.lr = self.learning_rate  # this update's rate (a schedule sees the steps made so far)
        self.iterations += 1
        for p in params:
            self.update(p, self.state.setdefault(p, {}))

    def update(self, p, state):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self._learning_rate})"


class SGD(Optimizer):
    """Gradient descent, optionally with momentum (Keras's form).

    ``v <- momentum * v - lr * g`` then ``w <- w + v``; with ``nesterov=True``,
    ``w <- w + momentum * v - lr * g``. With ``momentum=0`` this is plain ``w <- w - lr * g``.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD momentum must lie in [0, 1), got {momentum!r}")
        self.momentum, self.nesterov = momentum, nesterov

    def update(self, p, state):
        lr, mu = self.lr, self.momentum
        if mu == 0:
            p.value -= lr * p.grad
            return
        if not state:
            state["velocity"] = np.zeros_like(p.value)
        v = state["velocity"]
        v *= mu
        v -= lr * p.grad
        p.value += mu * v - lr * p.grad if self.nesterov else v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), in Keras's form.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2``, then
    ``w <- w - lr_t * m / (sqrt(v) + eps)`` with ``lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t)``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        if not (0 <= beta_1 < 1 and 0 <= beta_2 < 1):
            raise ValueError(
                f"Adam betas must lie in [0, 1), got beta_1={beta_1!r}, beta_2={beta_2!r}"
            )
        if not epsilon > 0:  # with epsilon = 0 a zero gradient gives 0 / 0
            raise ValueError(f"Adam needs a positive epsilon, got {epsilon!r}")
        # Python floats: a NumPy float64 scalar would make float32 arithmetic run in float64.
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._work = {}  # (shape, dtype) -> a scratch array, so that a step allocates nothing

    def update(self, p, state):
        b1, b2, t, g = self.beta_1, self.beta_2, self.iterations, p.grad
        if not state:  # first step: the moments start at zero
            state["m"], state["v"] = np.zeros_like(p.value), np.zeros_like(p.value)
        m, v = state["m"], state["v"]
        key = (p.value.shape, p.value.dtype)
        if key not in self._work:
            self._work[key] = np.empty_like(p.value)
        work = self._work[key]
        # The same formulas as above, each operation written into an existing array (out=, *=,
        # +=): a large model spends much of its step here, and new arrays cost time.
        m *= b1  # m <- b1 m + (1 - b1) g
        m += np.multiply(g, 1 - b1, out=work)
        v *= b2  # v <- b2 v + (1 - b2) g^2
        v += np.multiply(np.square(g, out=work), 1 - b2, out=work)
        flush_subnormals(m)  # keeps the moments of weights whose gradient stays 0 fast
        flush_subnormals(v)
        # A Python float: a NumPy float64 scalar would silently upcast float32 parameters.
        lr_t = float(self.lr) * math.sqrt(1 - b2**t) / (1 - b1**t)
        update = np.sqrt(v, out=work)  # w <- w - lr_t m / (sqrt(v) + eps)
        update += self.epsilon
        np.divide(m, update, out=update)
        update *= lr_t
        p.value -= update


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def get(optimizer):
    """Look up an optimizer by name (``'sgd'``/``'adam'``, default settings) or pass one through."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()]()
    raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {sorted(OPTIMIZERS)}")
