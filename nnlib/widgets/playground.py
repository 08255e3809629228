"""Chapter 10's playground: the TensorFlow Playground's "tweak and watch", built on nnlib.

The pure core (no widgets, no drawing; the same settings always give the same numbers):

- ``PlaygroundConfig``: every setting of a run, validated, frozen (hashable).
- ``make_data(config)``: the training and test points; ``features(X, names)``: the network's
  inputs (x1, x2, x1², x2², x1·x2, sin x1, sin x2); ``targets(y, config)``: what it is trained
  to output.
- ``build_model(config)``: the compiled ``Sequential`` network.
- ``snapshot(model, data, config)``: what the playground shows: the training and test loss, the
  output over the plane, every hidden neuron's output over the plane, the weights and biases.
- ``Trainer(config)``: one run, an epoch at a time; ``run(config, epochs)``: a whole run as a
  list of snapshots.
- ``export_code(config, epochs)``: a ready-to-run nnlib code cell that reproduces a run.

The widget, ``Playground``, puts controls on all of it. Its figure (``draw_playground``) is
built once and updated in place, and rendered by blitting as ``Explorer`` does; Play trains in
the background, as an asyncio task on the kernel's event loop that trains an epoch, redraws and
yields, so the notebook (and the Pause button) stay responsive.

An *epoch* is one pass over the training points in mini-batches of ``batch_size``, as in the
TensorFlow Playground, where each animation frame is one epoch. Where we differ from it, and
why, is listed in chapter 10.
"""

import asyncio
import base64
import contextlib
import dataclasses
import io
import math
import textwrap
import time

import numpy as np

from .. import datasets, regularizers
from ..layers import Dense
from ..model import DivergenceError, Sequential
from ..optimizers import SGD
from ..plotting import MARKERS, PALETTE, PROBA_CMAP
from . import (
    INERT_WIDGETS,
    Dropdown,
    Explorer,
    Slider,
    Static,
    _background_of,
    _tooltip,
    static_mode,
    widget_bundle,
    widget_factory,
)
from .static import _visible_spines

# ---------------------------------------------------------------------------------------------
# The settings and their allowed values.

#: Input features: name -> (how the widget and the figure label it, numpy code in x1 and x2).
#: ``features`` evaluates exactly the code that ``export_code`` writes out.
FEATURES = {
    "x1": ("x₁", "$x_1$", "x1"),
    "x2": ("x₂", "$x_2$", "x2"),
    "x1^2": ("x₁²", "$x_1^2$", "x1**2"),
    "x2^2": ("x₂²", "$x_2^2$", "x2**2"),
    "x1*x2": ("x₁x₂", "$x_1 x_2$", "x1 * x2"),
    "sin(x1)": ("sin x₁", r"$\sin x_1$", "np.sin(x1)"),
    "sin(x2)": ("sin x₂", r"$\sin x_2$", "np.sin(x2)"),
}
_FEATURE_FNS = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1**2,
    "x2^2": lambda x1, x2: x2**2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}
PROBLEMS = ("classification", "regression")
DATASETS = {
    "classification": datasets.PLAYGROUND_CLASSIFICATION + ("custom",),
    "regression": datasets.PLAYGROUND_REGRESSION + ("custom",),
}
DATASET_LABELS = {
    "circle": "circle",
    "xor": "XOR",
    "gauss": "Gaussian",
    "spiral": "spiral",
    "plane": "plane",
    "multi_gauss": "multi-Gaussian",
    "custom": "your points",
}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
LOSSES = {"mse": "squared error", "binary_crossentropy": "cross-entropy"}
INITIALIZERS = (
    "playground",
    "glorot_uniform",
    "he_normal",
    "lecun_normal",
    "random_normal",
    "zeros",
)
#: The TensorFlow Playground's menus.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_LAYERS, MAX_NEURONS = 6, 8
#: The plane is drawn on [-DOMAIN, DOMAIN]^2 (your own points may widen it).
DOMAIN = 6.0
#: Heat map sizes: the output on RESOLUTION x RESOLUTION points; each neuron at half that.
RESOLUTION = 60
NEURON_RESOLUTION = RESOLUTION // 3
#: A tanh output neuron whose input z is beyond this is saturated: its slope is below 1e-8.
SATURATED = 10.0
#: A weight or bias beyond this in magnitude has exploded: no network here needs one that large.
EXPLODED = 1e4
#: The readout calls a training loss this many times its epoch-0 value overshooting (not the
#: wobble of a network that is merely stuck, e.g. one started from all-zero weights).
OVERSHOT = 1.01


def _fail(message):
    raise ValueError(f"PlaygroundConfig: {message}")


@dataclasses.dataclass(frozen=True)
class PlaygroundConfig:
    """Every setting of a playground run (validated on creation; use ``replace`` to change).

    Parameters
    ----------
    problem : {"classification", "regression"}
    dataset : str
        ``"circle"``, ``"xor"``, ``"gauss"``, ``"spiral"`` (classification), ``"plane"``,
        ``"multi_gauss"`` (regression), or ``"custom"`` for your own ``points``.
    noise : int
        The Playground's noise level in percent, 0 to 50 (ignored for your own points).
    ratio : int
        Percent of the points used for training (the rest are the test set), 1 to 99.
    batch_size : int
        Examples per gradient step.
    n_samples : int or None
        Number of points; None means the Playground's 500 (classification) or 1200
        (regression). Ignored for your own points.
    features : tuple of str
        Keys of ``FEATURES``: the network's inputs, at least one.
    hidden : tuple of int
        Neurons per hidden layer: up to ``MAX_LAYERS`` layers of 1 to ``MAX_NEURONS`` each;
        ``()`` means no hidden layer.
    activation : {"relu", "tanh", "sigmoid", "linear"}
        Of every hidden neuron. The output neuron is tanh (classification with squared
        error, targets -1/+1, as in the Playground), sigmoid (classification with
        cross-entropy, targets 0/1) or linear (regression).
    learning_rate : float
        Of plain stochastic gradient descent.
    regularization : {"none", "L1", "L2"}
        A penalty on every weight (not on biases), ``regularizers.L1``/``L2`` of nnlib.
    regularization_rate : float
    loss : {"mse", "binary_crossentropy"}
        Cross-entropy is for classification only.
    initializer : str
        ``"playground"`` (weights uniform in [-0.5, 0.5], biases 0.1, as the Playground), or an
        nnlib initializer for the weights (biases 0): ``glorot_uniform``, ``he_normal``,
        ``lecun_normal``, ``random_normal``, ``zeros``.
    seed : int
        Seeds the initial weights and the order of the mini-batches.
    data_seed : int
        Seeds the data and the train/test split ("regenerate" draws new data).
    stop_after : int
        Play stops after this many epochs (0: never). It does not change a run.
    points : array_like of shape (n_points, 3), optional
        Your own points, rows ``x1, x2, label`` (see ``datasets.load_points``); required for,
        and only allowed with, ``dataset="custom"``. Stored as a tuple of rows.
    """

    problem: str = "classification"
    dataset: str = "circle"
    noise: int = 0
    ratio: int = 50
    batch_size: int = 10
    n_samples: int | None = None
    features: tuple = ("x1", "x2")
    hidden: tuple = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    regularization: str = "none"
    regularization_rate: float = 0.0
    loss: str = "mse"
    initializer: str = "playground"
    seed: int = 0
    data_seed: int = 0
    stop_after: int = 0
    points: tuple | None = None

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        def integer(name, low, high=None):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                if not (isinstance(value, (float, np.floating)) and float(value).is_integer()):
                    _fail(f"{name} must be a whole number, got {value!r}")
            value = int(value)
            if value < low or (high is not None and value > high):
                limit = f"between {low} and {high}" if high is not None else f"at least {low}"
                _fail(f"{name} must be {limit}, got {value}")
            put(name, value)

        def choice(name, options):
            if getattr(self, name) not in options:
                _fail(f"{name} must be one of {list(options)}, got {getattr(self, name)!r}")

        choice("problem", PROBLEMS)
        choice("dataset", DATASETS[self.problem])
        integer("noise", 0, 50)
        integer("ratio", 1, 99)
        integer("batch_size", 1)
        if self.n_samples is not None:
            integer("n_samples", 2)
        integer("seed", 0)
        integer("data_seed", 0)
        integer("stop_after", 0)
        names = (self.features,) if isinstance(self.features, str) else tuple(self.features)
        unknown = [name for name in names if name not in FEATURES]
        if unknown or not names or len(set(names)) != len(names):
            _fail(
                f"features must be distinct names from {list(FEATURES)}, at least one; "
                f"got {self.features!r}"
            )
        put("features", tuple(name for name in FEATURES if name in names))  # canonical order
        try:
            hidden = tuple(int(units) for units in np.atleast_1d(self.hidden))
        except (TypeError, ValueError):
            _fail(f"hidden must be a tuple of neuron counts, got {self.hidden!r}")
        if len(hidden) > MAX_LAYERS or any(not 1 <= units <= MAX_NEURONS for units in hidden):
            _fail(
                f"hidden must list at most {MAX_LAYERS} layers of 1 to {MAX_NEURONS} neurons, "
                f"got {self.hidden!r}"
            )
        put("hidden", hidden)
        choice("activation", ACTIVATIONS)
        choice("regularization", REGULARIZATIONS)
        choice("loss", LOSSES)
        choice("initializer", INITIALIZERS)
        if self.problem == "regression" and self.loss != "mse":
            _fail("regression is trained on the squared error: use loss='mse'")
        for name, low_ok in (("learning_rate", False), ("regularization_rate", True)):
            value = getattr(self, name)
            try:
                value = float(value)
            except (TypeError, ValueError):
                _fail(f"{name} must be a number, got {value!r}")
            if not np.isfinite(value) or value < 0 or (value == 0 and not low_ok):
                _fail(f"{name} must be a finite number {'>=' if low_ok else '>'} 0, got {value!r}")
            put(name, value)
        if self.dataset == "custom":
            if self.points is None:
                _fail("dataset='custom' needs points: rows of x1, x2, label")
            X, y = datasets.load_points(np.asarray(self.points, dtype=float), self.problem)
            rows = np.column_stack([X, np.asarray(y, dtype=float).reshape(len(X))])
            put("points", tuple(tuple(float(v) for v in row) for row in rows))
        elif self.points is not None:
            _fail(f"points are only used with dataset='custom', not {self.dataset!r}")

    def replace(self, **changes):
        """A copy with some settings changed (and validated)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            _fail(f"no setting(s) {sorted(unknown)}")
        return dataclasses.replace(self, **changes)

    @property
    def n_points(self):
        """How many points the data set has."""
        if self.dataset == "custom":
            return len(self.points)
        if self.n_samples is not None:
            return self.n_samples
        return 1200 if self.problem == "regression" else 500

    @property
    def n_train(self):
        """How many of them are training points (at least one, and at least one for testing)."""
        return min(max(self.n_points * self.ratio // 100, 1), self.n_points - 1)

    @property
    def extent(self):
        """Half-width of the square shown: ``DOMAIN``, or wider to fit your own points."""
        if self.dataset != "custom":
            return DOMAIN
        reach = float(np.max(np.abs(np.asarray(self.points)[:, :2])))
        return max(DOMAIN, math.ceil(1.1 * reach)) if reach > DOMAIN else DOMAIN

    @property
    def output_activation(self):
        if self.problem == "regression":
            return "linear"
        return "sigmoid" if self.loss == "binary_crossentropy" else "tanh"

    def same_run(self, other):
        """True if ``other`` defines the same run (they may differ in ``stop_after`` only)."""
        return self.replace(stop_after=0) == other.replace(stop_after=0)


#: Settings worth a look: the experiments of chapter 10 (with the epochs each needs), for
#: precomputing runs that the static book can scrub through.
PRESETS = {
    "playground default": (PlaygroundConfig(), 100),
    "XOR, no hidden layer": (PlaygroundConfig(dataset="xor", hidden=()), 60),
    "XOR, x1x2 alone": (PlaygroundConfig(dataset="xor", features=("x1*x2",), hidden=()), 30),
    "XOR, 4 hidden neurons": (PlaygroundConfig(dataset="xor", hidden=(4,)), 60),
    "circle, squares alone": (PlaygroundConfig(features=("x1^2", "x2^2"), hidden=()), 30),
    "spiral, deep ReLU": (
        PlaygroundConfig(
            dataset="spiral", hidden=(8, 8, 8, 8), activation="relu", learning_rate=0.01
        ),
        200,
    ),
    "spiral, sin features": (
        PlaygroundConfig(
            dataset="spiral", features=("x1", "x2", "sin(x1)", "sin(x2)"), hidden=(8, 8)
        ),
        50,
    ),
    "circle, ReLU": (PlaygroundConfig(activation="relu"), 30),
    "Gaussian, L1 on every feature": (
        PlaygroundConfig(
            dataset="gauss",
            noise=20,
            features=tuple(FEATURES),
            hidden=(),
            regularization="L1",
            regularization_rate=0.03,
        ),
        100,
    ),
    "circle, learning rate 3": (PlaygroundConfig(learning_rate=3.0), 40),
    "plane, linear": (
        PlaygroundConfig(
            problem="regression",
            dataset="plane",
            hidden=(),
            activation="linear",
            learning_rate=0.01,
        ),
        50,
    ),
    "circle, zero initial weights": (PlaygroundConfig(initializer="zeros"), 50),
}


# ---------------------------------------------------------------------------------------------
# The pure core.


def make_data(config):
    """The points of a run, split into a training and a test set.

    Returns
    -------
    X_train : ndarray, shape (n_train, 2)
    y_train : ndarray, int64 labels (n_train,) or float64 targets (n_train, 1)
    X_test : ndarray, shape (n_points - n_train, 2)
    y_test : ndarray, like ``y_train``
    """
    if config.dataset == "custom":
        X, y = datasets.load_points(np.array(config.points), config.problem)
    else:
        X, y = datasets.make_playground(
            config.dataset,
            n_samples=config.n_points,
            noise=config.noise / 100,
            seed=config.data_seed,
        )
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_size=config.n_points - config.n_train, seed=config.data_seed
    )
    return X_train, y_train, X_test, y_test


def features(X, names):
    """The input features of points ``X``.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
    names : sequence of str
        Keys of ``FEATURES``, e.g. ``("x1", "x2", "x1*x2")``.

    Returns
    -------
    ndarray, shape (n, len(names))
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"features: X must have shape (n_points, 2), got {X.shape}")
    unknown = [name for name in names if name not in _FEATURE_FNS]
    if unknown:
        raise ValueError(f"features: unknown feature(s) {unknown}; choose from {list(FEATURES)}")
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([_FEATURE_FNS[name](x1, x2) for name in names])


def targets(y, config):
    """What the network is trained to output: -1/+1 for a tanh output (the Playground's labels),
    0/1 for a sigmoid, the value itself for regression; shape (n, 1), float64."""
    y = np.asarray(y)
    if config.problem == "regression":
        return y.reshape(len(y), 1).astype(float)
    if config.loss == "mse":
        return 2.0 * y[:, None] - 1
    return y[:, None].astype(float)


def playground_weights(shape, rng, dtype=np.float64):
    """The Playground's initial weights: uniform in [-0.5, 0.5]."""
    return rng.uniform(-0.5, 0.5, shape).astype(dtype)


def playground_biases(shape, rng=None, dtype=np.float64):
    """The Playground's initial biases: 0.1."""
    return np.full(shape, 0.1, dtype=dtype)


def _initializers(config):
    if config.initializer == "playground":
        return playground_weights, playground_biases
    return config.initializer, "zeros"


def _regularizer(config):
    if config.regularization == "L1":
        return regularizers.L1(config.regularization_rate)
    if config.regularization == "L2":
        return regularizers.L2(config.regularization_rate)
    return None


def build_model(config):
    """The network of a config: ``Dense`` hidden layers and one output neuron, compiled with
    plain SGD and the config's loss; its initial weights are seeded by ``config.seed``."""
    kernel_init, bias_init = _initializers(config)
    sizes = [*config.hidden, 1]
    layers = [
        Dense(
            units,
            activation=config.activation if k < len(config.hidden) else config.output_activation,
            input_shape=(len(config.features),) if k == 0 else None,
            kernel_initializer=kernel_init,
            bias_initializer=bias_init,
            kernel_regularizer=_regularizer(config),
            name=f"hidden_{k + 1}" if k < len(config.hidden) else "output",
        )
        for k, units in enumerate(sizes)
    ]
    model = Sequential(layers, seed=config.seed)
    model.compile(optimizer=SGD(learning_rate=config.learning_rate), loss=config.loss)
    return model


def plane_grid(config, resolution=RESOLUTION):
    """Points covering the square shown, as rows: (resolution**2, 2); row ``i * resolution + j``
    is at ``x1 = g[j]``, ``x2 = g[i]`` (so a reshape to (resolution, resolution) is an image
    with x2 upwards when drawn with ``origin="lower"``)."""
    g = np.linspace(-config.extent, config.extent, resolution)
    xx, yy = np.meshgrid(g, g)
    return np.column_stack([xx.ravel(), yy.ravel()])


def _block_mean(maps, factor):
    """Average ``factor`` x ``factor`` blocks of (..., r, r) maps, as the Playground's node
    thumbnails do."""
    *lead, r, _ = maps.shape
    k = r // factor
    return maps.reshape(*lead, k, factor, k, factor).mean(axis=(-3, -1))


def _score(output, config):
    """Outputs on the Playground's -1..1 scale: a sigmoid's p becomes 2p - 1."""
    return 2 * output - 1 if config.output_activation == "sigmoid" else output


def data_losses(model, F_train, t_train, F_test, t_test):
    """(training loss, test loss) without the weight penalty, as the Playground reports them:
    ``model.evaluate`` includes the penalty (as Keras does), so it is subtracted."""
    penalty = model.penalty()
    return (
        float(model.evaluate(F_train, t_train) - penalty),
        float(model.evaluate(F_test, t_test) - penalty),
    )


def diagnose(model, F_train, y_train, config):
    """How healthy the network is on its training points (pure: it changes no weight).

    Returns
    -------
    dict
        ``accuracy_train`` (classification, else None); ``saturated``: the fraction of training
        points where a tanh output neuron's ``|z| > SATURATED``; ``saturated_hidden``: the same
        over every tanh or sigmoid hidden neuron; ``largest_weight``: the largest magnitude of a
        weight or bias; ``problem``: None, or why training cannot go on (a weight not finite or
        beyond ``EXPLODED``, or a tanh output saturated on most training points and on every
        misclassified one).
    """
    with np.errstate(all="ignore"):
        largest = float(max(np.max(np.abs(p.value)) for p in model.parameters()))
        out_train = _score(model.predict(F_train), config)[:, 0]  # caches every layer's z
        hidden_z = [layer.Z for layer in model.layers[:-1]]
        z = np.abs(model.layers[-1].Z[:, 0])
    saturated = float(np.mean(z > SATURATED)) if config.output_activation == "tanh" else 0.0
    saturated_hidden = 0.0
    if config.activation in ("tanh", "sigmoid") and hidden_z:
        saturated_hidden = float(np.mean(np.abs(np.concatenate(hidden_z, axis=1)) > SATURATED))
    accuracy, problem = None, None
    if config.problem == "classification":
        wrong = (out_train > 0) != (y_train == 1)
        accuracy = float(1 - np.mean(wrong))
        # A tanh output beyond |z| = SATURATED has slope below 1e-8: on the squared error,
        # wrong answers there are never corrected (cross-entropy's gradient p - y is).
        # Training with a sane learning rate never gets there: on a correct point the
        # gradient vanishes long before (|z| of 3 to 5), so most points stay below.
        flat = z > SATURATED
        if (
            config.output_activation == "tanh"
            and wrong.any()
            and flat[wrong].all()
            and np.median(z) > SATURATED
        ):
            problem = (
                "the weights grew so large that the tanh output neuron is saturated on every "
                f"misclassified training point (|z| > {SATURATED:g}, where its slope is below "
                "1e-8), so they can never be fixed"
            )
    if not np.isfinite(largest):
        problem = "the weights overflowed"
    elif largest > EXPLODED:
        problem = (
            f"the weights exploded (the largest is {largest:.2g}; a trained network here needs "
            f"none beyond {EXPLODED:g})"
        )
    return {
        "accuracy_train": accuracy,
        "saturated": saturated,
        "saturated_hidden": saturated_hidden,
        "largest_weight": largest,
        "problem": problem,
    }


def snapshot(model, data, config, epoch=0):
    """What the playground shows of ``model`` (pure: it changes no weight).

    Parameters
    ----------
    model : Sequential
        From ``build_model(config)``, trained or not.
    data : tuple
        ``make_data(config)``.
    config : PlaygroundConfig
    epoch : int
        Recorded in the result.

    Returns
    -------
    dict
        ``epoch``; ``loss_train``, ``loss_test`` (the data loss, without the weight penalty)
        and ``penalty``; ``accuracy_train``, ``accuracy_test`` (classification; else None);
        ``output``: float32 (RESOLUTION, RESOLUTION), the output over the plane on the -1..1
        scale (image rows are x2, columns x1); ``neurons``: a list with one float32 array
        (units, NEURON_RESOLUTION, NEURON_RESOLUTION) per hidden layer, each neuron's output
        over the plane; ``weights``, ``biases``: float32 copies per layer; ``saturated``: the
        fraction of training points where a tanh output neuron's ``|z| > SATURATED``;
        ``saturated_hidden``: the same fraction over every tanh or sigmoid hidden neuron;
        ``largest_weight``: the largest magnitude of a weight or bias; ``diverged``: True if a
        loss or a weight is not finite, a weight has exploded (beyond ``EXPLODED``), or a tanh
        output is saturated on most training points and on every misclassified one (stuck);
        ``extent``: the half-width of the plane.
    """
    X_train, y_train, X_test, y_test = data
    F_train, F_test = features(X_train, config.features), features(X_test, config.features)
    with np.errstate(all="ignore"):
        loss_train, loss_test = data_losses(
            model, F_train, targets(y_train, config), F_test, targets(y_test, config)
        )
        health = diagnose(model, F_train, y_train, config)
        accuracy_test = None
        if config.problem == "classification":
            predicted = _score(model.predict(F_test), config)[:, 0] > 0
            accuracy_test = float(np.mean(predicted == (y_test == 1)))
        grid = features(plane_grid(config), config.features)
        output = _score(model.predict(grid), config).reshape(RESOLUTION, RESOLUTION)
        neurons = [
            _block_mean(
                layer.A.T.reshape(layer.units, RESOLUTION, RESOLUTION),
                RESOLUTION // NEURON_RESOLUTION,
            ).astype(np.float32)
            for layer in model.layers[:-1]
        ]
        penalty = model.penalty()
        weights = [layer.W.value.astype(np.float32) for layer in model.layers]
        biases = [layer.b.value.astype(np.float32) for layer in model.layers]
        output = output.astype(np.float32)
    finite = bool(np.isfinite([loss_train, loss_test]).all())
    return {
        "epoch": int(epoch),
        "loss_train": loss_train,
        "loss_test": loss_test,
        "penalty": float(penalty),
        "accuracy_train": health["accuracy_train"],
        "accuracy_test": accuracy_test,
        "output": output,
        "neurons": neurons,
        "weights": weights,
        "biases": biases,
        "saturated": health["saturated"],
        "saturated_hidden": health["saturated_hidden"],
        "largest_weight": health["largest_weight"],
        "diverged": not finite or health["problem"] is not None,
        "extent": config.extent,
    }


class Trainer:
    """One run of a config, an epoch at a time (the playground's engine).

    Attributes
    ----------
    config, data, model
        ``data`` is ``make_data(config)``; ``model`` is ``build_model(config)``.
    epoch : int
        Epochs trained so far.
    history : list of (epoch, loss_train, loss_test)
        From epoch 0, one entry per epoch.
    diverged : str or None
        Why training stopped, once the loss or the weights stopped being finite.
    state : dict
        The latest ``snapshot``.
    """

    def __init__(self, config):
        self.config = config
        self.data = make_data(config)
        X_train, y_train, X_test, y_test = self.data
        self.F_train, self.t_train = features(X_train, config.features), targets(y_train, config)
        self.F_test, self.t_test = features(X_test, config.features), targets(y_test, config)
        self.model = build_model(config)
        self.epoch, self.diverged = 0, None
        self.state = snapshot(self.model, self.data, config)
        self.history = [(0, self.state["loss_train"], self.state["loss_test"])]
        if self.state["diverged"]:
            self.diverged = "the loss is not finite before training starts"

    def train(self, epochs=1):
        """Train ``epochs`` more epochs (fewer if training diverges); returns the new snapshot."""
        for _ in range(int(epochs)):
            if self.diverged:
                break
            try:
                with np.errstate(all="ignore"):
                    self.model.fit(
                        self.F_train, self.t_train, epochs=1, batch_size=self.config.batch_size
                    )
            except DivergenceError:
                self.diverged = (
                    f"the loss overflowed during epoch {self.epoch + 1} (learning rate "
                    f"{self.config.learning_rate:g})"
                )
            self.epoch += 1
            with np.errstate(all="ignore"):
                losses = data_losses(
                    self.model, self.F_train, self.t_train, self.F_test, self.t_test
                )
            self.history.append((self.epoch, *losses))
            if not self.diverged and not np.all(np.isfinite(losses)):
                self.diverged = f"the loss overflowed after epoch {self.epoch}"
            if not self.diverged:
                problem = diagnose(self.model, self.F_train, self.data[1], self.config)["problem"]
                if problem:
                    self.diverged = f"by epoch {self.epoch} {problem}"
        self.state = snapshot(self.model, self.data, self.config, self.epoch)
        return self.state


def run(config, epochs, every=1):
    """Train a config for ``epochs`` epochs; a snapshot at epoch 0 and every ``every`` epochs.

    Deterministic: the same config gives the same snapshots. Stops early (the last snapshot has
    ``diverged=True``) if training diverges.

    Returns
    -------
    list of dict
        ``snapshot`` results; the last one is at ``epochs`` (or where training diverged).
    """
    every = max(int(every), 1)
    trainer = Trainer(config)
    snapshots = [trainer.state]
    while trainer.epoch < epochs and not trainer.diverged:
        snapshots.append(trainer.train(min(every, epochs - trainer.epoch)))
    return snapshots


# ---------------------------------------------------------------------------------------------
# Export: the current configuration as a code cell.


def _layer_settings(config):
    """The ``Dense`` keyword arguments every layer shares, as code lines."""
    settings = []
    if config.initializer == "playground":
        settings += [
            '"kernel_initializer": playground_weights',
            '"bias_initializer": playground_biases',
        ]
    elif config.initializer != "glorot_uniform":
        settings.append(f'"kernel_initializer": "{config.initializer}"')
    if config.regularization != "none":
        rate = config.regularization_rate
        settings.append(f'"kernel_regularizer": regularizers.{config.regularization}({rate!r})')
    return settings


def _layer_code(config, units, k, shared):
    last = k == len(config.hidden)
    activation = config.output_activation if last else config.activation
    args = [str(units), f'activation="{activation}"']
    if k == 0:
        args.append(f"input_shape=({len(config.features)},)")
    args.append('name="output"' if last else f'name="hidden_{k + 1}"')
    if shared:
        args.append("**shared")
    return f"        nnlib.Dense({', '.join(args)}),"


def _fit_line(start, middle, end):
    """One line if it fits in 100 characters, else three (as ruff would format it)."""
    line = start + middle + end
    return [line] if len(line) <= 100 else [start, "    " + middle, end]


def export_code(config, epochs=None):
    """A ready-to-run nnlib code cell that rebuilds the data, the features and the network of
    ``config`` and trains it for ``epochs`` epochs (default: ``config.stop_after``, else 100).

    Run with the same seeds, it prints the same training and test loss as the playground (and
    ``run``) after the same number of epochs; it defines ``model``, ``train_loss`` and
    ``test_loss``.
    """
    epochs = int(epochs if epochs is not None else config.stop_after or 100)
    c = config
    names = ", ".join(c.features)
    summary = textwrap.wrap(f"Exported from the nnlib playground: {_summary(c)}.", width=96)
    lines = [
        '"""' + "\n".join(summary),
        '"""',
        "",
        "import numpy as np",
        "",
        "import nnlib",
        "from nnlib import datasets" + (", regularizers" if c.regularization != "none" else ""),
        "",
    ]
    if c.dataset == "custom":
        rows = ",\n".join(f"        [{x1!r}, {x2!r}, {label!r}]" for x1, x2, label in c.points)
        lines += [
            "# Your own points: x1, x2, label.",
            f"points = np.array(\n    [\n{rows},\n    ]\n)",
            f'X, y = datasets.load_points(points, problem="{c.problem}")',
        ]
    else:
        lines += [
            f'# The data: {c.n_points} points of the "{c.dataset}" set with {c.noise}% noise;',
            f"# {c.n_train} of them for training, the rest for testing.",
            f'X, y = datasets.make_playground("{c.dataset}", n_samples={c.n_points}, '
            f"noise={c.noise / 100!r}, seed={c.data_seed})",
        ]
    lines += [
        *_fit_line(
            "X_train, X_test, y_train, y_test = datasets.train_test_split(",
            f"X, y, test_size={c.n_points - c.n_train}, seed={c.data_seed}",
            ")",
        ),
        "",
        "",
        "def features(X):",
        f'    """The network\'s inputs: {names}."""',
        "    x1, x2 = X[:, 0], X[:, 1]",
        f"    return np.column_stack([{', '.join(FEATURES[n][2] for n in c.features)}])",
        "",
        "",
        "F_train, F_test = features(X_train), features(X_test)",
    ]
    if c.problem == "regression":
        lines += ["t_train, t_test = y_train, y_test  # the targets, shape (n, 1)"]
    elif c.loss == "mse":
        lines += [
            "# A tanh output trained on the squared error: targets +1 (class 1) and -1 (class 0).",
            "t_train, t_test = 2.0 * y_train[:, None] - 1, 2.0 * y_test[:, None] - 1",
        ]
    else:
        lines += [
            "# A sigmoid output trained on the cross-entropy: the targets are 1 and 0.",
            "t_train, t_test = y_train[:, None].astype(float), y_test[:, None].astype(float)",
        ]
    if c.initializer == "playground":
        lines += [
            "",
            "",
            "def playground_weights(shape, rng, dtype):",
            '    """The Playground\'s initial weights: uniform in [-0.5, 0.5]."""',
            "    return rng.uniform(-0.5, 0.5, shape).astype(dtype)",
            "",
            "",
            "def playground_biases(shape, rng, dtype):",
            '    """The Playground\'s initial biases: 0.1."""',
            "    return np.full(shape, 0.1, dtype=dtype)",
            "",
        ]
    shared = _layer_settings(c)
    lines += [""]
    if shared:
        lines += [
            "shared = {  # every layer's initial weights and weight penalty",
            *[f"    {setting}," for setting in shared],
            "}",
        ]
    lines += [
        "model = nnlib.Sequential(",
        "    [",
        *[_layer_code(c, units, k, bool(shared)) for k, units in enumerate([*c.hidden, 1])],
        "    ],",
        f"    seed={c.seed},",
        ")",
        f'model.compile(optimizer=nnlib.SGD(learning_rate={c.learning_rate!r}), loss="{c.loss}")',
        f"model.fit(F_train, t_train, epochs={epochs}, batch_size={c.batch_size})",
        "",
        "# evaluate() includes the weight penalty, as Keras does; the playground shows the",
        "# data loss alone.",
        "train_loss = model.evaluate(F_train, t_train) - model.penalty()",
        "test_loss = model.evaluate(F_test, t_test) - model.penalty()",
        f'print(f"after {epochs} epochs: training loss {{train_loss:.4f}}, '
        'test loss {test_loss:.4f}")',
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Words: what a run is, and what the figure shows.


def _summary(config):
    c = config
    network = " → ".join([", ".join(FEATURES[n][0] for n in c.features), *map(str, c.hidden), "1"])
    reg = "no regularization"
    if c.regularization != "none":
        reg = f"{c.regularization} regularization {c.regularization_rate:g}"
    data = DATASET_LABELS[c.dataset]
    noise = "" if c.dataset == "custom" else f", noise {c.noise}%"
    return (
        f"{data} data{noise}, {c.n_train} training and {c.n_points - c.n_train} test points; "
        f"{network}, {c.activation}, learning rate {c.learning_rate:g}, batch size "
        f"{c.batch_size}, {reg}, {LOSSES[c.loss]} loss, {c.initializer} initialisation, "
        f"seed {c.seed}"
    )


def _number(value, digits=4):
    return f"{value:.{digits}f}" if np.isfinite(value) else str(value)


def describe(config, state, diverged=None, status="", first_loss=None):
    """The text readout (also the figure's text alternative).

    Parameters
    ----------
    config : PlaygroundConfig
    state : dict
        A ``snapshot``.
    diverged : str or None
        Why training diverged, if it did (``Trainer.diverged``).
    status : str
        What Play is doing, e.g. "Playing."
    first_loss : float, optional
        The training loss at epoch 0, to say when training has made it worse.
    """
    s = state
    parts = []
    if diverged or s["diverged"]:
        parts.append(
            f"Training diverged: {diverged or 'the numbers overflowed'}. The learning rate is "
            "too large for this network: lower it (the run restarts)."
        )
    loss = (
        f"{LOSSES[config.loss]} loss: training {_number(s['loss_train'])}, "
        f"test {_number(s['loss_test'])}"
    )
    if s["penalty"]:
        loss += f" (plus the weight penalty {_number(s['penalty'])})"
    if s["accuracy_train"] is not None:
        loss += f"; accuracy {s['accuracy_train']:.0%} training, {s['accuracy_test']:.0%} test"
    parts.append(f"Epoch {s['epoch']}. {loss}.")
    calm = not (diverged or s["diverged"])
    worse = first_loss is not None and s["loss_train"] > OVERSHOT * first_loss
    if calm and s["epoch"] > 0 and worse:
        parts.append(
            f"The training loss is higher than at epoch 0 ({_number(first_loss)}): the steps "
            "overshoot, so the learning rate is too large."
        )
    if calm and max(s["saturated"], s["saturated_hidden"]) > 0.5:
        parts.append(
            f"Most of the network is saturated: {s['saturated_hidden']:.0%} of the hidden "
            f"neurons' inputs and {s['saturated']:.0%} of the output's (on the training points) "
            f"are beyond ±{SATURATED:g}, where {config.activation} is flat, so those neurons "
            "barely learn. A smaller learning rate (or ReLU) avoids it."
        )
    if status:
        parts.append(status)
    parts.append(f"Settings: {_summary(config)}.")
    scale = (
        "orange where it predicts class 1, blue for class 0, white on the boundary"
        if config.problem == "classification"
        else "orange for high predictions, blue for low ones"
    )
    parts.append(
        f"The big map is the network's output over the plane from {-s['extent']:g} to "
        f"{s['extent']:g} ({scale}); the small maps are each neuron's output; weights are "
        "lines, orange and solid when positive, blue and dashed when negative, thicker when larger."
    )
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# The figure.

POSITIVE, NEGATIVE = PALETTE[1], PALETTE[0]  # orange solid / blue dashed, as the heat maps
NEGATIVE_STYLE = (0, (3, 2))
LOSS_LIMITS = ((0, 50), (1e-3, 10))  # the loss chart's starting scales; it grows as needed
_BOX = 0.34  # half the height of a node's heat map; nodes are one unit apart
#: The colour map as a lookup table: -1..1 in 256 steps -> RGBA bytes.
_LUT = (PROBA_CMAP(np.linspace(0, 1, 256)) * 255).round().astype(np.uint8)


def weight_width(w):
    """Line width (points) that shows a weight's magnitude: 0.4 for 0, growing to 6."""
    w = np.nan_to_num(np.asarray(w, dtype=float), nan=0.0, posinf=5.0, neginf=-5.0)
    return np.clip(0.4 + 1.1 * np.abs(w), 0.4, 6.0)


def feature_maps(config, resolution=NEURON_RESOLUTION):
    """Each input feature over the plane, scaled to -1..1 by its largest magnitude:
    (n_features, resolution, resolution) float32."""
    grid = plane_grid(config, resolution)
    F = features(grid, config.features).T.reshape(-1, resolution, resolution)
    scale = np.max(np.abs(F), axis=(1, 2), keepdims=True)
    return (F / np.where(scale > 0, scale, 1.0)).astype(np.float32)


def _layout(config):
    """Centres of the diagram's nodes: a list of (n_nodes, 2) arrays, features to output."""
    sizes = [len(config.features), *config.hidden, 1]
    columns = np.linspace(0.0, 7.0, len(sizes))
    return [
        np.column_stack([np.full(n, x), -np.arange(n, dtype=float)])
        for x, n in zip(columns, sizes, strict=True)
    ]


def _clean(image, discretize=False):
    """A map ready to draw: non-finite values become 0 (the readout reports divergence)."""
    image = np.nan_to_num(np.asarray(image, dtype=np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    return np.where(image >= 0, 1.0, -1.0).astype(np.float32) if discretize else image


def _bilinear(n_pixels, n):
    """Where ``n_pixels`` pixel centres fall on a map of ``n`` samples: (lower index, weight)."""
    t = np.clip((np.arange(n_pixels) + 0.5) * n / n_pixels - 0.5, 0, n - 1)
    low = np.minimum(np.floor(t).astype(np.intp), max(n - 2, 0))
    return low, (t - low).astype(np.float32)


def _pixel_maps_class():
    from matplotlib.artist import Artist

    class PixelMaps(Artist):
        """Heat maps on the -1..1 colour scale, one per box, drawn straight into the pixels.

        ``imshow`` resamples each image through several float passes per pixel; this artist
        upsamples all its (same-sized) maps bilinearly at once, at exactly the screen size of
        their boxes, looks the colours up in a table and hands the bytes to the renderer. That
        is about ten times faster, and what keeps a frame of 48 neuron maps live.

        ``extents`` are the boxes ``(x0, x1, y0, y1)`` in data coordinates, all of one size;
        ``set_data(values)`` takes an array (n_boxes, rows, columns), row 0 at the bottom.
        """

        def __init__(self, ax, extents, zorder=2):
            super().__init__()
            self.axes, self.extents, self._sampling = ax, list(extents), None
            self.set_figure(ax.figure)
            self.set_transform(ax.transData)
            self.set_zorder(zorder)
            self.set_data(np.zeros((len(self.extents), 2, 2)))
            ax.add_artist(self)

        def set_data(self, values):
            self.values = np.asarray(values, dtype=np.float32)
            self.stale = True

        def draw(self, renderer):
            if not self.get_visible() or not self.extents:
                return
            boxes = np.array(self.extents, dtype=float)  # (n, 4): x0, x1, y0, y1
            corners = self.get_transform().transform(
                np.concatenate([boxes[:, [0, 2]], boxes[:, [1, 3]]])
            )
            lower, upper = corners[: len(boxes)], corners[len(boxes) :]
            left, bottom = np.round(lower).astype(int).T
            width, height = np.round(upper[0] - lower[0]).astype(int)
            if width < 1 or height < 1:
                return
            n, rows, cols = self.values.shape
            gc = renderer.new_gc()
            gc.set_clip_rectangle(self.axes.bbox)
            if hasattr(renderer, "draw_mapped_image"):  # the static book's recorder
                # The small maps as colour-table indices; the browser upsamples them the same way.
                indices = np.clip(np.rint((self.values + 1) * 127.5), 0, 255).astype(np.uint8)
                for k in range(n):
                    renderer.draw_mapped_image(
                        gc, left[k], bottom[k], width, height, indices[k, ::-1], _LUT
                    )
                gc.restore()
                self.stale = False
                return
            key = (width, height, rows, cols)
            if self._sampling is None or self._sampling[0] != key:
                self._sampling = (key, _bilinear(height, rows), _bilinear(width, cols))
            _, (r0, fr), (c0, fc) = self._sampling
            v = self.values
            r1, c1 = np.minimum(r0 + 1, rows - 1), np.minimum(c0 + 1, cols - 1)
            below = v[:, r0][:, :, c0] + (v[:, r0][:, :, c1] - v[:, r0][:, :, c0]) * fc
            above = v[:, r1][:, :, c0] + (v[:, r1][:, :, c1] - v[:, r1][:, :, c0]) * fc
            sampled = below + (above - below) * fr[:, None]  # (n, height, width)
            index = np.clip(np.rint((sampled + 1) * 127.5), 0, 255).astype(np.intp)
            rgba = _LUT[index]  # row 0 at the bottom, as Agg takes an image's rows
            for k in range(n):
                renderer.draw_image(gc, left[k], bottom[k], rgba[k])
            gc.restore()
            self.stale = False

    return PixelMaps


def _layout_key(config):
    """What the right-hand panels' static parts depend on."""
    return config.problem, config.extent


def _network_key(config):
    """What the network diagram's static parts depend on."""
    return config.features, config.hidden, config.extent


#: Where the panels go, in figure fractions: the diagram takes the left half.
NETWORK_RECT = (0.0, 0.1, 0.47, 0.8)
#: The diagram and its legend lie left of this (figure fraction): redrawn alone on a new layout.
NETWORK_RIGHT = 0.5


def _redraw_diagram(fig, background, net_axes, animated):
    """``background`` (a canvas region of ``fig``) with a new network diagram: blank the part
    left of ``NETWORK_RIGHT`` and draw the static parts of ``net_axes`` there: about 10 ms, where
    drawing the whole figure again takes 80 to 100. Returns the new background."""
    from matplotlib.patches import Rectangle

    canvas = fig.canvas
    canvas.restore_region(background)
    renderer = canvas.get_renderer()
    blank = Rectangle((0, 0), NETWORK_RIGHT, 1, transform=fig.transFigure, fc="white", lw=0)
    blank.set_figure(fig)
    blank.draw(renderer)
    with _background_of(animated):
        net_axes.draw(renderer)  # skips the animated artists
    return canvas.copy_from_bbox(fig.bbox)


def draw_network(fig, config):
    """The network diagram on a new axes of ``fig``: the input features as heat maps, every
    hidden neuron and the output as a heat map, and the weights as lines (width ``|w|``; the
    sign by colour and by line style).

    Returns
    -------
    ax, update
        ``update(state, discretize=False)`` changes the artists in place and returns them.
    """
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.lines import Line2D

    PixelMaps = _pixel_maps_class()
    net = fig.add_axes(NETWORK_RECT)
    positions = _layout(config)
    rows = max(max(len(p) for p in positions), 5)
    xlim, ylim = (-1.3, 7.5), (-rows + 0.45, 0.95)
    net.set(xlim=xlim, ylim=ylim)
    net.set_axis_off()
    width_in, height_in = fig.get_size_inches() * np.array(NETWORK_RECT[2:])
    by = _BOX  # half a node, in y units; in x units it is as many inches
    bx = by * (height_in / (ylim[1] - ylim[0])) / (width_in / (xlim[1] - xlim[0]))
    segments = [
        np.array([[x0 + bx, y0], [x1 - bx, y1]])
        for src, dst in zip(positions[:-1], positions[1:], strict=True)
        for (x0, y0) in src  # row i of W is the source node i
        for (x1, y1) in dst
    ]
    positive = LineCollection([], colors=POSITIVE, linestyles="-", zorder=1, capstyle="butt")
    negative = LineCollection([], colors=NEGATIVE, linestyles=[NEGATIVE_STYLE], zorder=1)
    net.add_collection(positive)
    net.add_collection(negative)

    def box(x, y, scale=1.0):
        return (x - scale * bx, x + scale * bx, y - scale * by, y + scale * by)

    maps = feature_maps(config)
    for (x, y), name, image in zip(positions[0], config.features, maps, strict=True):
        net.imshow(
            image,
            extent=box(x, y),
            zorder=2,
            cmap=PROBA_CMAP,
            vmin=-1,
            vmax=1,
            origin="lower",
            aspect="auto",
        )
        net.text(
            x - 1.25 * bx, y, FEATURES[name][1], ha="right", va="center", fontsize=9, zorder=0.5
        )
    # Every hidden neuron and the output node, as one artist (the output node last).
    node_maps = PixelMaps(net, [box(x, y) for layer in positions[1:] for x, y in layer])
    # Their frames, as one artist: 49 add_patch calls (the largest network) took ~30 ms.
    frames = [box(x, y, 1.1) for layer in positions[1:] for x, y in layer]
    net.add_collection(
        PolyCollection(
            [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)] for x0, x1, y0, y1 in frames],
            facecolors="white",
            edgecolors="0.25",
            linewidths=0.6,
            zorder=1.5,
        ),
        autolim=False,  # the limits are set above
    )
    many = len(config.hidden) > 4
    layers = [f"{k + 1}" if many else f"layer {k + 1}" for k in range(len(config.hidden))]
    for header, layer in zip(["features", *layers, "output"], positions, strict=True):
        net.text(layer[0, 0], 0.5, header, ha="center", va="bottom", fontsize=8, zorder=0.5)
    if many:
        net.text(3.5, 0.78, "hidden layers", ha="center", va="bottom", fontsize=8, zorder=0.5)
    # Labels and legends lie clear of the weights and maps: below them in z-order, so that
    # redrawing the weights (blitting, the static book) never redraws them.
    net.legend(
        handles=[
            Line2D([], [], color=POSITIVE, lw=2, label="positive weight"),
            Line2D([], [], color=NEGATIVE, lw=2, ls=NEGATIVE_STYLE, label="negative weight"),
            Line2D([], [], color="black", lw=0.8, label="width: |w|"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=3,
        fontsize=7,
        frameon=False,
    ).set_zorder(0)

    def update(state, discretize=False):
        flat = np.concatenate([np.asarray(w, dtype=float).ravel() for w in state["weights"]])
        widths = weight_width(flat)
        sign = np.nan_to_num(flat, nan=0.0) >= 0
        positive.set_segments([s for s, keep in zip(segments, sign, strict=True) if keep])
        positive.set_linewidths(widths[sign])
        negative.set_segments([s for s, keep in zip(segments, ~sign, strict=True) if keep])
        negative.set_linewidths(widths[~sign])
        output = _block_mean(_clean(state["output"], discretize), RESOLUTION // NEURON_RESOLUTION)
        node_maps.set_data(
            np.concatenate([*[_clean(m, discretize) for m in state["neurons"]], output[None]])
        )
        return [positive, negative, node_maps]

    return net, update


def draw_plane(fig, config):
    """The output over the plane with the training and test points, its colour bar, and the
    loss curves, on new axes of ``fig`` (right of ``NETWORK_RIGHT``).

    Returns
    -------
    update : callable
        ``update(state, history, show_test=True, discretize=False, data=None, rescale=False)``
        changes the artists in place (and shows the points of ``data``, when given) and returns
        them. The loss chart's scales grow as the curves need; with ``rescale`` they are those
        that ``history`` alone needs.
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    PixelMaps = _pixel_maps_class()
    e = config.extent
    out = fig.add_axes((0.53, 0.17, 0.23, 0.72))
    out.set(xlim=(-e, e), ylim=(-e, e))
    out.set_xlabel("$x_1$", fontsize=8, labelpad=1)
    out.set_ylabel("$x_2$", fontsize=8, labelpad=0)
    out.tick_params(labelsize=7)
    out.set_title("output over the plane", fontsize=9)
    output = PixelMaps(out, [(-e, e, -e, e)], zorder=0.5)
    classification = config.problem == "classification"
    if classification:  # class 0 and class 1, training and test: by marker, fill and colour
        point_sets = [
            out.plot([], [], ls="none", marker=MARKERS[c], ms=3.6, mew=0.6, zorder=2, **style)[0]
            for c in (0, 1)
            for style in ({"color": PALETTE[c], "mec": "white"}, {"mfc": "none", "mec": "black"})
        ]
        test_points = point_sets[1::2]
        legend = [
            Line2D(
                [],
                [],
                ls="none",
                marker=MARKERS[c],
                color=PALETTE[c],
                mec="white",
                label=f"class {c}",
            )
            for c in (0, 1)
        ] + [Line2D([], [], ls="none", marker="o", mfc="none", mec="black", label="test (hollow)")]
    else:  # training and test, coloured by their target, by marker
        empty = np.zeros(0)
        style = {"c": empty, "cmap": PROBA_CMAP, "vmin": -1, "vmax": 1, "s": 12, "zorder": 2}
        point_sets = [
            out.scatter(empty, empty, marker="o", edgecolors="0.35", linewidths=0.4, **style),
            out.scatter(empty, empty, marker="^", edgecolors="black", linewidths=0.6, **style),
        ]
        test_points = point_sets[1:]
        legend = [
            Line2D([], [], ls="none", marker="o", color="0.5", mec="white", label="training"),
            Line2D([], [], ls="none", marker="^", color="0.5", mec="black", label="test"),
        ]
    out.legend(
        handles=legend,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncols=3,
        fontsize=7,
        frameon=False,
        handletextpad=0.2,
        columnspacing=0.8,
    ).set_zorder(0)  # below the map and the points: never redrawn with them
    cax = fig.add_axes((0.765, 0.17, 0.01, 0.72))
    colorbar = fig.colorbar(ScalarMappable(cmap=PROBA_CMAP, norm=Normalize(-1, 1)), cax=cax)
    colorbar.set_ticks([-1, 0, 1])
    colorbar.ax.tick_params(labelsize=7)
    colorbar.set_label("output", fontsize=8, labelpad=-2)

    curve = fig.add_axes((0.855, 0.17, 0.135, 0.72))
    (train_line,) = curve.plot([], [], color=PALETTE[0], lw=1.5, label="training")
    (test_line,) = curve.plot([], [], color=PALETTE[5], lw=1.5, ls="--", label="test")
    curve.set(xlim=LOSS_LIMITS[0], ylim=LOSS_LIMITS[1], yscale="log")
    curve.set_xlabel("epoch", fontsize=8, labelpad=1)
    curve.set_title("loss", fontsize=9)
    curve.tick_params(labelsize=7)
    curve.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=7, frameon=False, ncols=2
    ).set_zorder(0)

    def update(state, history=(), show_test=True, discretize=False, data=None, rescale=False):
        if data is not None:
            sets = [(data[0], data[1]), (data[2], data[3])]  # training, test
            if classification:
                groups = [X[y == c] for c in (0, 1) for X, y in sets]
                for points, X in zip(point_sets, groups, strict=True):
                    points.set_data(X[:, 0], X[:, 1])
            else:
                for points, (X, y) in zip(point_sets, sets, strict=True):
                    points.set_offsets(X)
                    points.set_array(y[:, 0])
        output.set_data(_clean(state["output"], discretize)[None])
        for points in test_points:
            points.set_visible(show_test)
        if len(history):
            h = np.asarray(history, dtype=float)
            train_line.set_data(h[:, 0], np.where(np.isfinite(h[:, 1]), h[:, 1], np.nan))
            test_line.set_data(h[:, 0], np.where(np.isfinite(h[:, 2]), h[:, 2], np.nan))
            test_line.set_visible(show_test)
            if len(h) == 1 or rescale:  # a new run (or scales from this history alone)
                curve.set(xlim=LOSS_LIMITS[0], ylim=LOSS_LIMITS[1])
            _grow(curve, h)
        return [output, *point_sets, train_line, test_line]

    return update


def draw_playground(fig, state, config, data, show_test=True, discretize=False):
    """Draw a snapshot on ``fig`` once: the network diagram (``draw_network``), the output over
    the plane with the points and the loss curves (``draw_plane``).

    Returns
    -------
    update : callable
        ``update(state, history, show_test=..., discretize=..., data=None)`` changes the
        artists in place (and shows new points, if ``data`` is given) and returns those it may
        have changed: the playground blits them onto a static background. None of them is text,
        which is slow to draw: the numbers are in the readout.
    """
    _, network = draw_network(fig, config)
    plane = draw_plane(fig, config)

    def update(state, history=(), show_test=True, discretize=False, data=None):
        return network(state, discretize) + plane(state, history, show_test, discretize, data)

    first = [(state["epoch"], state["loss_train"], state["loss_test"])]
    update(state, first, show_test, discretize, data)
    return update


def _grow(ax, history):
    """Widen the loss axes (in doublings and decades) when the curves run out of them."""
    epochs = history[:, 0]
    values = history[:, 1:][np.isfinite(history[:, 1:]) & (history[:, 1:] > 0)]
    if epochs.max() > ax.get_xlim()[1]:
        ax.set_xlim(0, 50 * 2 ** math.ceil(math.log2(epochs.max() / 50)))
    if values.size:
        low, high = ax.get_ylim()
        lo, hi = values.min(), values.max()
        if lo < low or hi > high:
            ax.set_ylim(
                10.0 ** max(min(math.floor(math.log10(lo)), math.log10(low)), -8),
                10.0 ** min(max(math.ceil(math.log10(hi)), math.log10(high)), 12),
            )


def plot_output(state, config, data, ax=None, show_test=True, discretize=False, title=None):
    """A snapshot's output over the plane with the training (and test) points, on ``ax``.

    Returns the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.4))
    e = config.extent
    ax.imshow(
        _clean(state["output"], discretize),
        extent=(-e, e, -e, e),
        cmap=PROBA_CMAP,
        vmin=-1,
        vmax=1,
        origin="lower",
        interpolation="bilinear",
    )
    X_train, y_train, X_test, y_test = data
    if config.problem == "classification":
        for c in (0, 1):
            style = dict(ls="none", marker=MARKERS[c], ms=3.6, mew=0.5)
            ax.plot(
                *X_train[y_train == c].T, color=PALETTE[c], mec="white", label=f"class {c}", **style
            )
            if show_test:
                ax.plot(*X_test[y_test == c].T, mfc="none", mec="black", **style)
    else:
        ax.scatter(
            *X_train.T,
            c=y_train[:, 0],
            cmap=PROBA_CMAP,
            vmin=-1,
            vmax=1,
            s=10,
            edgecolors="white",
            linewidths=0.4,
        )
    ax.set(xlim=(-e, e), ylim=(-e, e), xlabel="$x_1$", ylabel="$x_2$")
    if title is None:
        title = f"epoch {state['epoch']}: test loss {_number(state['loss_test'], 3)}"
    ax.set_title(title, fontsize=10)
    return ax


# ---------------------------------------------------------------------------------------------
# The presets, replayed: what the static HTML book offers instead of the playground.

#: Where the replay's epoch slider stops in a preset's run: these fractions of its epochs.
REPLAY_FRACTIONS = (0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 1)


def replay_epochs(epochs):
    """The epochs at which the replay shows a run of ``epochs`` epochs: one per
    ``REPLAY_FRACTIONS``, rounded, increasing (``[0, 1, 2, 3, 4, 6, 9, ...]`` for 30)."""
    out = []
    for fraction in REPLAY_FRACTIONS:
        out.append(max(round(epochs * fraction), out[-1] + 1 if out else 0))
    if out[-1] != epochs:
        raise ValueError(f"replay_epochs: a run of {epochs} epochs is too short to replay")
    return out


_REPLAYS = {}  # preset -> {"trainer", "snapshots": {epoch: (snapshot, why it diverged)}}


def replay_state(preset="playground default", epoch=0):
    """The run of ``PRESETS[preset]`` after ``epoch`` epochs (pure; runs are cached).

    Training continues from the latest epoch computed for the preset, so scrubbing forwards
    trains each run once; an earlier epoch not seen yet retrains from epoch 0 (the same seed
    gives the same run). A run that diverged stays at its last epoch.

    Returns
    -------
    dict
        The ``snapshot`` at that epoch, plus ``preset``, ``config``, ``run_epochs`` (the
        preset's length), ``history`` (``(epoch, loss_train, loss_test)`` up to the snapshot),
        ``data`` (``make_data(config)``), ``why`` (why the run diverged, or None),
        ``first_loss`` (the training loss at epoch 0) and ``loss`` (the test loss).
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {list(PRESETS)}")
    config, run_epochs = PRESETS[preset]
    epoch = int(round(float(epoch)))
    if epoch < 0:
        raise ValueError(f"replay_state: epoch must be at least 0, got {epoch}")
    replay = _REPLAYS.get(preset)
    if replay is None or (epoch < replay["trainer"].epoch and epoch not in replay["snapshots"]):
        trainer = Trainer(config)
        replay = _REPLAYS[preset] = {"trainer": trainer, "snapshots": {}}
        replay["snapshots"][0] = (trainer.state, trainer.diverged)
    trainer = replay["trainer"]
    if epoch > trainer.epoch and not trainer.diverged:
        trainer.train(epoch - trainer.epoch)
        replay["snapshots"][trainer.epoch] = (trainer.state, trainer.diverged)
    shown = min(epoch, trainer.epoch)
    if shown not in replay["snapshots"]:  # only after a divergence: the last one there is
        shown = max(e for e in replay["snapshots"] if e <= shown)
    state, why = replay["snapshots"][shown]
    return {
        **state,
        "preset": preset,
        "config": config,
        "run_epochs": run_epochs,
        "history": trainer.history[: state["epoch"] + 1],
        "data": trainer.data,
        "why": why,
        "first_loss": trainer.history[0][1],
        "loss": state["loss_test"],
    }


def describe_replay(values, state):
    """The replay's readout: which preset, then the playground's own readout."""
    return f"Preset “{state['preset']}”. " + describe(
        state["config"], state, state["why"], "", state["first_loss"]
    )


def draw_replay(fig, state, rebuilt=None):
    """The playground's figure for a replayed state (``replay_state``); ``update(state)``
    rebuilds the panels whose layout the new preset changes (the network diagram, or all).

    ``rebuilt``, a dict, is told what each update rebuilt: ``rebuilt["what"]`` is ``"all"``,
    ``"network"`` (``rebuilt["axes"]``: the new diagram's axes) or None.
    """
    shown, rebuilt = {}, {} if rebuilt is None else rebuilt

    def update(state):
        config = state["config"]
        old = shown.get("config")
        rebuilt["what"] = None
        if old is None or _layout_key(old) != _layout_key(config):
            fig.clear()
            shown["net"], shown["network"] = draw_network(fig, config)
            shown["plane"] = draw_plane(fig, config)
            rebuilt["what"] = "all"
        elif _network_key(old) != _network_key(config):
            shown["net"].remove()
            shown["net"], shown["network"] = draw_network(fig, config)
            rebuilt["what"] = "network"
        rebuilt["axes"] = shown["net"]
        data = state["data"] if old is None or not old.same_run(config) else None
        shown["config"] = config
        return shown["network"](state) + shown["plane"](
            state, state["history"], True, False, data, rescale=True
        )

    update(state)
    return update


class _ReplayExplorer(Explorer):
    """The replay's ``Explorer``. A preset with another network but the same right-hand panels
    and axis limits redraws only the diagram's part of the background, as the playground does,
    instead of the whole figure."""

    def __init__(self, *args, **kwargs):
        self._rebuilt, self._right = {}, None
        super().__init__(
            replay_state, *args, lambda fig, s: draw_replay(fig, s, self._rebuilt), **kwargs
        )

    def _right_hand(self):
        """What the right-hand panels' background depends on: their axis limits and texts."""
        net = self._rebuilt.get("axes")  # (a new diagram's axes come last: compare by artist)
        limits = {
            id(ax): (ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes if ax is not net
        }
        theirs = {id(net.xaxis.label), id(net.yaxis.label)} if net is not None else set()
        texts = {
            id(t): (t.get_text(), t.get_visible())
            for t in self._static_texts
            if t.axes is not net and id(t) not in theirs
        }
        return limits, texts

    def _draw_background(self):
        right, last = self._right_hand(), self._frame_background
        if self._rebuilt.get("what") == "network" and last is not None and right == self._right:
            return _redraw_diagram(self.figure, last, self._rebuilt["axes"], self._animated)
        return super()._draw_background()

    def _render(self, artists):
        png = super()._render(artists)
        self._right = self._right_hand()  # what the next frame's background may keep
        return png


@widget_factory
def replay_explorer(preset="playground default", epoch=0):
    """The playground's presets (``PRESETS``), each a run you scrub through epoch by epoch.

    It is what the static HTML book shows for a ``Playground``: every preset, at the epochs of
    ``replay_epochs``. In a notebook the epoch slider goes anywhere from 0 to 200.
    Returns an ``Explorer``.
    """
    names = list(PRESETS)
    longest = max(epochs for _, epochs in PRESETS.values())
    controls = [
        Dropdown("preset", names, preset, "preset run"),
        Slider(
            "epoch",
            0,
            longest,
            1,
            epoch,
            "epochs trained",
            readout_format=".0f",
            continuous_update=False,
        ),
    ]

    def runs():
        return {
            name: {"preset": name, "epoch": replay_epochs(epochs)}
            for name, (_, epochs) in PRESETS.items()
        }

    return _ReplayExplorer(
        controls,
        describe=describe_replay,
        title="The playground's presets, replayed: choose a run, scrub through its epochs",
        figsize=(12, 4.6),
        trace=False,
        layout=None,  # draw_playground places its panels itself
        static=Static(
            presets=runs,
            presets_label="preset run",
            vary=["epoch"],
            note="Your own settings, Play and the other buttons need a live kernel.",
        ),
    )


# ---------------------------------------------------------------------------------------------
# The widget.


def _rate_label(rate):
    return f"{rate:g}"


class Playground:
    """The playground: every control of the TensorFlow Playground, and a few it lacks.

    Parameters
    ----------
    config : PlaygroundConfig, optional
        The starting settings (default: the Playground's defaults).
    points : str, path, file or array_like, optional
        Your own points (a CSV of ``x1,x2,label`` lines, or rows of them; see
        ``datasets.load_points``). They become the data set "your points".
    show_test, discretize : bool
        Show the test points; show the output as two colours (its sign) instead of shades.
    **settings
        Changes to ``config``, e.g. ``dataset="xor"``.

    Use it from code as a learner would with the mouse: ``set(...)``, ``step(n)``, ``play()``,
    ``pause()``, ``reset()``, ``regenerate()``, ``add_layer()``, ``export()``; read ``state``
    (the latest ``snapshot``), ``history``, ``config`` and ``text`` (the readout).
    """

    #: Seconds from the start of one frame to the next while playing (at most 25 frames/s).
    frame_interval = 0.04
    #: Epochs trained per frame while playing (the Playground trains one).
    epochs_per_frame = 1

    def __init__(
        self,
        config=None,
        points=None,
        show_test=True,
        discretize=False,
        figsize=(12, 4.6),
        dpi=80,
        **settings,
    ):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        config = config or PlaygroundConfig()
        self._points = config.points
        if points is not None:
            problem = settings.get("problem", config.problem)
            X, y = datasets.load_points(points, problem)
            rows = np.column_stack([X, np.asarray(y, dtype=float).reshape(len(X))])
            self._points = tuple(tuple(float(v) for v in row) for row in rows)
            settings.setdefault("dataset", "custom")
            settings["points"] = self._points if settings["dataset"] == "custom" else None
        if settings:
            config = config.replace(**settings)
        self.show_test, self.discretize = bool(show_test), bool(discretize)
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self._task, self._playing, self._holding = None, False, False
        self.status = ""
        self._build_controls()
        self._start(config)

    # --- what a learner (or a test) does -----------------------------------------------------
    @property
    def config(self):
        """The current settings (change them with ``set``)."""
        return self._config

    @property
    def state(self):
        """The latest snapshot (see ``snapshot``)."""
        return self.trainer.state

    @property
    def history(self):
        """``[(epoch, loss_train, loss_test), ...]`` from epoch 0."""
        return self.trainer.history

    @property
    def epoch(self):
        return self.trainer.epoch

    @property
    def playing(self):
        return self._playing

    def set(self, **settings):
        """Change settings, all at once (``PlaygroundConfig`` fields, and ``show_test`` and
        ``discretize``). A change to the run restarts it from epoch 0, as in the Playground."""
        display = {k: settings.pop(k) for k in ("show_test", "discretize") if k in settings}
        if "dataset" in settings and settings["dataset"] != "custom" and "points" not in settings:
            settings["points"] = None
        if settings.get("dataset") == "custom" and "points" not in settings:
            settings["points"] = self._points
        if "problem" in settings and "dataset" not in settings:
            if self.config.dataset not in DATASETS[settings["problem"]]:
                settings["dataset"] = DATASETS[settings["problem"]][0]
                settings["points"] = None
        if settings.get("problem") == "regression" and "loss" not in settings:
            settings["loss"] = "mse"
        if settings.get("points") is not None:
            self._points = settings["points"]
        new = self.config.replace(**settings)
        for key, value in display.items():
            setattr(self, key, bool(value))
        self._apply(new)
        return self.state

    def step(self, n=1):
        """Pause, then train ``n`` epochs (synchronously) and redraw."""
        self.pause()
        self.trainer.train(n)
        self.status = ""
        self._redraw()
        return self.state

    def play(self):
        """Train in the background, a frame at a time, until ``pause()``, ``stop_after`` epochs
        or divergence. Needs a running event loop (a Jupyter kernel has one)."""
        if self._playing:
            return
        if self._finished():
            self.status = self._finished()
            self._redraw()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "Playground.play() trains in the background on a running asyncio event loop, "
                "as in a Jupyter notebook; in a script, use step(n) instead"
            ) from None
        self._playing = True
        self.status = "Playing."
        self._sync_play_button()
        self._task = loop.create_task(self._play_loop())

    def pause(self):
        """Stop playing (after the current frame)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        if self._playing:
            self._playing = False
            self.status = f"Paused at epoch {self.epoch}."
            self._sync_play_button()
            self._redraw()

    def reset(self):
        """Start the run again from epoch 0: the same seed gives the same run."""
        self.pause()
        self.status = ""
        self._start(self.config)
        return self.state

    def regenerate(self):
        """New data (the next ``data_seed``), as the Playground's "Regenerate"."""
        return self.set(data_seed=self.config.data_seed + 1)

    def add_layer(self):
        """Add a hidden layer of 2 neurons (as the Playground), up to ``MAX_LAYERS``."""
        if len(self.config.hidden) < MAX_LAYERS:
            self.set(hidden=(*self.config.hidden, 2))
        return self.state

    def remove_layer(self):
        """Remove the last hidden layer."""
        if self.config.hidden:
            self.set(hidden=self.config.hidden[:-1])
        return self.state

    def export(self, epochs=None):
        """The current settings as an nnlib code cell that reproduces this run up to the current
        epoch (or ``epochs``); also shown in the widget, ready to copy."""
        code = export_code(self.config, epochs or self.epoch or None)
        self.export_area.value = code
        self.export_area.layout.display = None
        return code

    # --- the loop: settings -> trainer -> snapshot -> picture ------------------------------
    def _finished(self):
        if self.trainer.diverged:
            return "Training has diverged: change a setting or press Reset."
        if self.config.stop_after and self.epoch >= self.config.stop_after:
            return f"Stopped after {self.epoch} epochs (stop after {self.config.stop_after})."
        return ""

    async def _play_loop(self):
        try:
            await self._frames()
        except Exception as error:  # a background task's error would go unseen: show it
            self.status = f"Playing stopped by an error: {error!r}"
            self._redraw()
            raise
        finally:
            self._playing = False
            self._sync_play_button()

    async def _frames(self):
        while True:
            started = time.perf_counter()
            epochs = self.epochs_per_frame
            if self.config.stop_after:
                epochs = min(epochs, self.config.stop_after - self.epoch)
            self.trainer.train(epochs)
            finished = self._finished()
            if finished:
                self._playing = False
                self.status = finished
            self._redraw()
            if finished:
                break
            # Yield to the event loop, so the kernel handles widget messages (Pause...).
            await asyncio.sleep(max(self.frame_interval - (time.perf_counter() - started), 0.001))

    def _apply(self, new):
        if new.same_run(self.config):  # only stop_after, or a display toggle: no restart
            self._config = new
            self._sync_controls()
            self._redraw()
            return
        self.pause()
        self.status = ""
        self._start(new)

    def _start(self, config):
        old, self._config = getattr(self, "_config", None), config
        self.trainer = Trainer(config)
        if old is None or _layout_key(old) != _layout_key(config):
            self.figure.clear()
            self._net_axes, self._network = draw_network(self.figure, config)
            self._plane = draw_plane(self.figure, config)
            self._background = None
        elif _network_key(old) != _network_key(config):
            self._net_axes.remove()
            self._net_axes, self._network = draw_network(self.figure, config)
            self._redraw_network_background()
        self._redraw(new_points=True)
        self._sync_controls()

    def _artists(self, new_points=False):
        """Update every changing artist for the current state; returns them."""
        state, display = self.state, (self.show_test, self.discretize)
        data = self.trainer.data if new_points else None
        return self._network(state, self.discretize) + self._plane(
            state, self.history, *display, data
        )

    def _redraw(self, new_points=False):
        with np.errstate(all="ignore"):
            self.image.value = self._render(self._artists(new_points))
        self.text = describe(
            self.config, self.state, self.trainer.diverged, self.status, self.history[0][1]
        )
        self.readout.value = f'<span role="status" aria-live="polite">{self.text}</span>'
        self.epoch_label.value = f"<b>Epoch {self.epoch}</b>"

    def _redraw_network_background(self):
        """A new diagram on the old background (``_redraw_diagram``)."""
        if self._background is None:
            return
        with np.errstate(all="ignore"):
            self._animate(self._artists())
        self._background = _redraw_diagram(
            self.figure, self._background, self._net_axes, self._animated
        )

    def _animate(self, artists):
        """Mark ``artists`` animated and keep them in drawing order: by zorder, then in the
        order update lists them, axes by axes (``sorted`` keeps equal zorders in order).

        The spines of their axes are redrawn too: the output map fills its axes, and drawn
        over a static spine it would hide the spine's inner half (the left one entirely)."""
        axes = list(dict.fromkeys(a.axes for a in artists if a.axes is not None))
        spines = [spine for ax in axes for spine in _visible_spines(ax)]
        self._animated = sorted([*artists, *spines], key=lambda a: a.get_zorder())
        for artist in self._animated:
            artist.set_animated(True)

    def _render(self, artists):
        """JPEG bytes of the figure: ``artists`` blitted onto the cached static background (the
        background is redrawn when the figure is rebuilt or an axis rescales)."""
        from PIL import Image

        canvas = self.figure.canvas
        limits = [
            (ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes if ax is not self._net_axes
        ]
        if self._background is None or limits != self._limits:
            self._animate(artists)
            with _background_of(self._animated):
                canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._limits = limits
        canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        buffer = io.BytesIO()  # JPEG: a third of PNG's encoding time, and smaller messages
        # Pillow reads the RGBA canvas in place and drops the alpha as it encodes ("RGBX"):
        # Image.fromarray(rgba[..., :3]) would first copy the strided view, 2-3 ms a frame.
        rgba = np.asarray(canvas.buffer_rgba())  # (height, width, 4), no copy
        size = (rgba.shape[1], rgba.shape[0])
        rgb = Image.frombuffer("RGB", size, rgba, "raw", "RGBX", 0, 1)
        rgb.save(buffer, format="jpeg", quality=90)
        return buffer.getvalue()

    # --- the controls ------------------------------------------------------------------------
    def _build_controls(self):
        if static_mode():  # the book build: no widget may exist (it would be a dead one)
            w = INERT_WIDGETS
        else:
            import ipywidgets as w

        wide = {"description_width": "initial"}

        def dropdown(description, options, width="210px"):
            return w.Dropdown(
                options=options, description=description, style=wide, layout=w.Layout(width=width)
            )

        def slider(description, low, high, step):
            return w.IntSlider(
                min=low,
                max=high,
                step=step,
                description=description,
                continuous_update=False,  # a change restarts the run: only on release
                style=wide,
                layout=w.Layout(width="260px"),
            )

        def button(description, tooltip, action):
            # No icons: the static book's widget manager looks for their font where it is not.
            b = w.Button(description=description, tooltip=tooltip)
            b.on_click(lambda _: action())
            return b

        c = {}
        c["problem"] = dropdown("Problem type", [(p, p) for p in PROBLEMS])
        c["dataset"] = dropdown("Data", [])
        c["noise"] = slider("Noise (%)", 0, 50, 5)
        c["ratio"] = slider("Training data (%)", 10, 90, 10)
        c["batch_size"] = slider("Batch size", 1, 30, 1)
        c["activation"] = dropdown("Activation", list(ACTIVATIONS))
        c["learning_rate"] = dropdown("Learning rate", [])
        c["regularization"] = dropdown("Regularization", list(REGULARIZATIONS))
        c["regularization_rate"] = dropdown("Regularization rate", [])
        c["loss"] = dropdown("Loss", [(label, key) for key, label in LOSSES.items()])
        c["initializer"] = dropdown("Initial weights", list(INITIALIZERS))
        c["seed"] = w.BoundedIntText(
            min=0, max=10**9, description="Seed", style=wide, layout=w.Layout(width="150px")
        )
        c["stop_after"] = w.BoundedIntText(
            min=0,
            max=10**6,
            description="Stop after epochs (0: never)",
            style=wide,
            layout=w.Layout(width="250px"),
        )
        self.controls = c
        self.feature_boxes = {
            name: w.Checkbox(
                description=FEATURES[name][0],
                indent=False,
                layout=w.Layout(width="80px"),
                **_tooltip(w.Checkbox, f"use {name} as an input"),
            )
            for name in FEATURES
        }
        self.neuron_sliders = [
            w.IntSlider(
                min=1,
                max=MAX_NEURONS,
                description=f"Layer {k + 1} neurons",
                continuous_update=False,
                style=wide,
                layout=w.Layout(width="250px"),
            )
            for k in range(MAX_LAYERS)
        ]
        self.show_test_box = w.Checkbox(description="Show test data", indent=False)
        self.discretize_box = w.Checkbox(description="Discretize output", indent=False)
        self.play_button = button(
            "Play", "Train in the background; press again to pause", self._toggle_play
        )
        self.buttons = {
            "Play": self.play_button,
            "Step": button("Step", "Train one epoch", self.step),
            "Reset": button("Reset", "Start again from epoch 0 (same seed, same run)", self.reset),
            "Regenerate": button(
                "Regenerate data", "Draw new points (next data seed)", self.regenerate
            ),
            "Add layer": button(
                "Add layer", f"Add a hidden layer (up to {MAX_LAYERS})", self.add_layer
            ),
            "Remove layer": button(
                "Remove layer", "Remove the last hidden layer", self.remove_layer
            ),
            "Export": button("Export code", "Show this run as an nnlib code cell", self.export),
        }
        self.epoch_label = w.HTML(layout=w.Layout(width="100px"))
        self.image = w.Image(format="jpeg", layout=w.Layout(max_width="100%"))
        self.readout = w.HTML()
        self.export_area = w.Textarea(
            description="Code",
            layout=w.Layout(width="100%", height="320px", display="none"),
            style=wide,
        )
        for widget in [*c.values(), *self.feature_boxes.values(), *self.neuron_sliders]:
            widget.observe(self._on_control, names="value")
        self.show_test_box.observe(self._on_display, names="value")
        self.discretize_box.observe(self._on_display, names="value")
        b = self.buttons

        def row(*children):  # wraps onto a new line where the page is too narrow
            return w.HBox(
                list(children), layout=w.Layout(flex_flow="row wrap", align_items="center")
            )

        rows = [
            row(b["Play"], b["Step"], b["Reset"], self.epoch_label, c["stop_after"], c["seed"]),
            row(c["problem"], c["dataset"], b["Regenerate"], c["noise"], c["ratio"]),
            row(w.HTML("Features:&nbsp;"), *self.feature_boxes.values()),
            row(b["Add layer"], b["Remove layer"], *self.neuron_sliders),
            row(c["activation"], c["learning_rate"], c["batch_size"], c["loss"]),
            row(c["regularization"], c["regularization_rate"], c["initializer"]),
            row(self.show_test_box, self.discretize_box, b["Export"]),
            self.image,
            self.readout,
            self.export_area,
        ]
        self.widget = None if static_mode() else w.VBox(rows)

    def _toggle_play(self):
        if self._playing:
            self.pause()
        else:
            self.play()

    def _sync_play_button(self):
        self.play_button.description = "Pause" if self._playing else "Play"

    @contextlib.contextmanager
    def _hold(self):
        """Within ``with self._hold():`` control changes do not trigger anything."""
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding

    def _sync_controls(self):
        """Show the config on the controls."""
        cfg, c = self.config, self.controls
        with self._hold():
            c["problem"].value = cfg.problem
            names = [n for n in DATASETS[cfg.problem] if n != "custom" or self._points is not None]
            c["dataset"].options = [(DATASET_LABELS[n], n) for n in names]
            c["dataset"].value = cfg.dataset
            for name in ("noise", "ratio", "batch_size"):
                c[name].max = max(c[name].max, getattr(cfg, name))
                c[name].min = min(c[name].min, getattr(cfg, name))
                c[name].value = getattr(cfg, name)
            c["noise"].disabled = cfg.dataset == "custom"
            rates = sorted(set(LEARNING_RATES) | {cfg.learning_rate})
            c["learning_rate"].options = [(_rate_label(r), r) for r in rates]
            c["learning_rate"].value = cfg.learning_rate
            rates = sorted(set(REGULARIZATION_RATES) | {cfg.regularization_rate})
            c["regularization_rate"].options = [(_rate_label(r), r) for r in rates]
            c["regularization_rate"].value = cfg.regularization_rate
            c["regularization_rate"].disabled = cfg.regularization == "none"
            for name in (
                "activation",
                "regularization",
                "loss",
                "initializer",
                "seed",
                "stop_after",
            ):
                c[name].value = getattr(cfg, name)
            c["loss"].disabled = cfg.problem == "regression"
            for name, box in self.feature_boxes.items():
                box.value = name in cfg.features
            for k, neuron_slider in enumerate(self.neuron_sliders):
                if k < len(cfg.hidden):
                    neuron_slider.value = cfg.hidden[k]
                neuron_slider.layout.display = None if k < len(cfg.hidden) else "none"
            self.buttons["Add layer"].disabled = len(cfg.hidden) >= MAX_LAYERS
            self.buttons["Remove layer"].disabled = not cfg.hidden
            self.show_test_box.value = self.show_test
            self.discretize_box.value = self.discretize

    def _settings_from_controls(self):
        c = self.controls
        settings = {
            name: c[name].value
            for name in (
                "problem",
                "dataset",
                "noise",
                "ratio",
                "batch_size",
                "activation",
                "learning_rate",
                "regularization",
                "regularization_rate",
                "loss",
                "initializer",
                "seed",
                "stop_after",
            )
        }
        settings["features"] = tuple(n for n, box in self.feature_boxes.items() if box.value)
        settings["hidden"] = tuple(s.value for s in self.neuron_sliders[: len(self.config.hidden)])
        return settings

    def _on_control(self, change):
        if self._holding:
            return
        settings = self._settings_from_controls()
        if settings["problem"] != self.config.problem:  # a new problem: its first data set
            settings = {"problem": settings["problem"]}
        elif settings["dataset"] != self.config.dataset:
            settings = {"dataset": settings["dataset"]}
        try:
            self.set(**settings)
        except ValueError as error:  # e.g. the last feature unticked: keep the old settings
            self._sync_controls()
            self.readout.value = (
                f'<span role="status" aria-live="polite">Not changed: {error}. {self.text}</span>'
            )

    def _on_display(self, change):
        if not self._holding:
            self.set(show_test=self.show_test_box.value, discretize=self.discretize_box.value)

    def static_view(self):
        """What the static HTML book shows instead: ``replay_explorer``, starting at the preset
        this playground runs (if it runs one) and the epoch it has reached."""
        name = next((n for n, (c, _) in PRESETS.items() if c.same_run(self.config)), None)
        if name is None:
            return replay_explorer()
        epochs = replay_epochs(PRESETS[name][1])
        return replay_explorer(name, min(epochs, key=lambda e: abs(e - self.epoch)))

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a PNG of its figure where widgets cannot render.

        In the book build: the presets replayed (``static_view``), and no widget at all."""
        if static_mode():
            return self.static_view()._repr_mimebundle_(**kwargs)
        data = widget_bundle(self.widget)
        data["image/jpeg"] = base64.b64encode(self.image.value).decode("ascii")
        data["text/plain"] = self.text
        return data
