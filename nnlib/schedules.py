"""Learning-rate schedules: the learning rate as a function of the step number (Keras's names).

A schedule is a callable ``schedule(step) -> learning rate``, where ``step`` counts the updates
already made (0 for the first one). Pass one as an optimizer's ``learning_rate``:
``SGD(learning_rate=CosineDecay(0.1, decay_steps=1000))``; the optimizer evaluates it at every
step from its ``iterations`` counter, and ``optimizer.learning_rate`` reads the current value.
"""

import math


class LearningRateSchedule:
    """Base class: ``__call__(step)`` returns the learning rate for update number ``step``."""

    def __call__(self, step):
        raise NotImplementedError

    def __repr__(self):
        settings = ", ".join(f"{key}={value!r}" for key, value in vars(self).items())
        return f"{type(self).__name__}({settings})"


def _positive(cls, name, value):
    if not value > 0:
        raise ValueError(f"{cls}: {name} must be positive, got {value!r}")
    return value


class StepDecay(LearningRateSchedule):
    """Multiply the rate by ``drop`` every ``every`` steps: ``initial * drop ** (step // every)``.

    Parameters
    ----------
    initial_learning_rate : float
    drop : float
        Factor applied at each drop, in (0, 1].
    every : int
        Steps between drops.
    """

    def __init__(self, initial_learning_rate, drop=0.5, every=1000):
        self.initial_learning_rate = _positive(
            "StepDecay", "initial_learning_rate", initial_learning_rate
        )
        if not 0 < drop <= 1:
            raise ValueError(f"StepDecay: drop must lie in (0, 1], got {drop!r}")
        if int(every) != every or every < 1:
            raise ValueError(f"StepDecay: every must be a positive integer, got {every!r}")
        self.drop, self.every = drop, int(every)

    def __call__(self, step):
        return float(self.initial_learning_rate * self.drop ** (int(step) // self.every))


class ExponentialDecay(LearningRateSchedule):
    """``initial * decay_rate ** (step / decay_steps)``; with ``staircase`` the exponent is
    rounded down, which gives a step decay (as Keras's ``ExponentialDecay``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        self.initial_learning_rate = _positive(
            "ExponentialDecay", "initial_learning_rate", initial_learning_rate
        )
        self.decay_steps = _positive("ExponentialDecay", "decay_steps", decay_steps)
        self.decay_rate = _positive("ExponentialDecay", "decay_rate", decay_rate)
        self.staircase = staircase

    def __call__(self, step):
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return float(self.initial_learning_rate * self.decay_rate**exponent)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to step ``boundaries[0]`` (included), then ``values[1]``, ... (as Keras).

    ``len(values) == len(boundaries) + 1``; the boundaries must increase.
    """

    def __init__(self, boundaries, values):
        self.boundaries, self.values = list(boundaries), list(values)
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                "PiecewiseConstantDecay: values needs one more entry than boundaries, got "
                f"{len(self.values)} values for {len(self.boundaries)} boundaries"
            )
        if any(b >= c for b, c in zip(self.boundaries, self.boundaries[1:], strict=False)):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must increase: {boundaries!r}")
        for value in self.values:
            _positive("PiecewiseConstantDecay", "every value", value)

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values, strict=False):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])


class CosineDecay(LearningRateSchedule):
    """Half a cosine from ``initial`` down to ``alpha * initial`` over ``decay_steps``, then flat.

    ``initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)``
    (Loshchilov & Hutter's SGDR without restarts; Keras's ``CosineDecay`` without warm-up).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0):
        self.initial_learning_rate = _positive(
            "CosineDecay", "initial_learning_rate", initial_learning_rate
        )
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        if not 0 <= alpha <= 1:
            raise ValueError(f"CosineDecay: alpha must lie in [0, 1], got {alpha!r}")
        self.alpha = alpha

    def __call__(self, step):
        progress = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * progress))
        return float(self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha))
