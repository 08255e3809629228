"""Optimizers: ``step(params)`` moves every ``Parameter.value`` using its ``.grad``.

Updates are in place, and keep the parameters' dtype (float32 stays float32). ``learning_rate``
is a number or a schedule (``nnlib.schedules``): a callable of the number of updates made so far.
"""

import numpy as np


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
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update(self, p, state):
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
        if not state:  # first step: the moments start at zero
            state["m"], state["v"] = np.zeros_like(p.value), np.zeros_like(p.value)
        m, v = state["m"], state["v"]
        m += (1 - b1) * (p.grad - m)
        v += (1 - b2) * (p.grad * p.grad - v)
        # float(): a NumPy float64 scalar would silently upcast float32 parameters.
        lr_t = float(self.lr * np.sqrt(1 - b2**t) / (1 - b1**t))
        p.value -= lr_t * m / (np.sqrt(v) + self.epsilon)


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def get(optimizer):
    """Look up an optimizer by name (``'sgd'``/``'adam'``, default settings) or pass one through."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()]()
    raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {sorted(OPTIMIZERS)}")
