"""Chapter 2's widgets: one activation function under a microscope, and a small network that
fits a curve with the activation and width of your choice.

``activation_state`` (pure) gives the value and slope of ``f(w x + b)`` at a point and over a
range of ``x``; ``activation_explorer`` puts sliders on ``x``, ``w`` and ``b``.

``fit_state`` (pure) trains ``Dense(width, activation) -> Dense(1)`` on a 1-D target with
full-batch Adam from a fixed seed; ``fit_explorer`` lets the learner switch the activation, the
width, the target and the number of epochs, and watch the fit and the loss.
"""

import copy
from collections import OrderedDict

import numpy as np

from .. import activations, datasets
from ..layers import Dense
from ..model import Sequential
from ..optimizers import Adam
from ..plotting import LINESTYLES, MARKERS, PALETTE
from . import Action, Dropdown, Explorer, Slider, Static, widget_factory

#: The elementwise activations a learner can pick (softmax acts on a vector, not a number).
ACTIVATION_CHOICES = ["sigmoid", "tanh", "relu", "leaky_relu", "silu", "gelu", "linear"]
#: The largest value of f'(z) over all z, for the functions that saturate.
MAX_DERIVATIVE = {"sigmoid": 0.25, "tanh": 1.0}
#: The readout calls such a unit saturated where f'(z) is below this fraction of that largest value.
SATURATED = 0.1

# --------------------------------------------------------------------------------------------
# (a) One activation function: value and slope of f(w x + b).


def activation_state(activation, x, w, b, x_range=(-4.0, 4.0), num=201):
    """The value and slope of ``f(w x + b)`` at ``x``, and both as curves over ``x_range`` (pure).

    Parameters
    ----------
    activation : str
        An elementwise activation from ``nnlib.activations`` (see ``ACTIVATION_CHOICES``).
    x, w, b : float
        The input, the weight and the bias.
    x_range : (float, float)
    num : int
        Number of points on the curves.

    Returns
    -------
    dict
        ``z = w x + b``; ``value = f(z)``; ``derivative = f'(z)``; ``slope = w f'(z)``, the slope
        of the curve ``x -> f(w x + b)`` at ``x`` (chain rule); ``xs`` (num,) and the curves
        ``curve = f(w xs + b)`` and ``slope_curve = w f'(w xs + b)``, each (num,).
    """
    f = activations.get(activation)
    xs = np.linspace(*x_range, num)
    z = w * x + b
    derivative = float(f.derivative(np.asarray(z, dtype=float)))
    return {
        "activation": activation,
        "x": x,
        "w": w,
        "b": b,
        "z": z,
        "value": float(f(np.asarray(z, dtype=float))),
        "derivative": derivative,
        "slope": w * derivative,
        "xs": xs,
        "curve": f(w * xs + b),
        "slope_curve": w * f.derivative(w * xs + b),
    }


_LADDER = (0.1, 0.3, 0.6, 1.25, 2.5, 5.0, 10.0, 20.0, 40.0)


def _nice(v):
    """The smallest step of ``_LADDER`` with room above ``v`` (so limits change rarely)."""
    return next((s for s in _LADDER if v <= s / 1.1), _LADDER[-1])


def nice_limits(lo, hi):
    """y-limits from a short ladder of round numbers that contain ``[lo, hi]`` and 0."""
    top = _nice(max(hi, 0.0))
    bottom = _nice(max(-lo, 0.2 * top))
    return -bottom, top


def _describe_activation(values, state):
    name, z, d = state["activation"], state["z"], state["derivative"]
    text = (
        f"{name}(w·x + b) with x = {state['x']:.2f}, w = {state['w']:.2f}, b = {state['b']:.2f}: "
        f"pre-activation z = {z:.2f}, value f(z) = {state['value']:.4f}; slope of the curve "
        f"w·f'(z) = {state['w']:.2f} × {d:.4f} = {state['slope']:.4f}."
    )
    if name in MAX_DERIVATIVE and d < SATURATED * MAX_DERIVATIVE[name]:
        text += (
            f" Saturated: f'(z) is only {d / MAX_DERIVATIVE[name]:.1%} of its largest value "
            f"{MAX_DERIVATIVE[name]}, so almost no gradient flows back through this unit."
        )
    elif name == "relu" and z <= 0:
        text += " The ReLU is off (z ≤ 0): its slope is exactly 0, so no gradient flows back."
    elif name == "leaky_relu" and z <= 0:
        text += " The leaky ReLU is on its shallow side (z ≤ 0): slope 0.01·w, small but not 0."
    return text


def _draw_activation(fig, state):
    ax_f, ax_d = fig.subplots(1, 2)
    xs = state["xs"]
    # Distinct z-orders: the Explorer redraws changed artists in z-order, so ties would make the
    # stacking (curve over tangent or tangent over curve) depend on chance.
    (curve,) = ax_f.plot(xs, state["curve"], color=PALETTE[0], lw=2, label="$f(wx+b)$", zorder=2)
    (tangent,) = ax_f.plot(
        [], [], color=PALETTE[5], lw=1.5, ls="--", label="tangent at $x$", zorder=2.5
    )
    (point,) = ax_f.plot(
        [], [], color="black", marker=MARKERS[0], ls="none", ms=7, label="current $x$", zorder=3
    )
    (slope_curve,) = ax_d.plot(
        xs,
        state["slope_curve"],
        color=PALETTE[2],
        lw=2,
        ls=LINESTYLES[3],
        label="slope $w\\,f'(wx+b)$",
        zorder=2,
    )
    (slope_point,) = ax_d.plot([], [], color="black", marker=MARKERS[0], ls="none", ms=7, zorder=3)
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="0.6", lw=0.8, zorder=0)
        ax.set(xlim=(xs[0], xs[-1]), xlabel="input $x$")
    ax_f.set_ylabel("output")
    ax_d.set(ylabel="slope", title="Slope of the curve")
    fig.legend(loc="outside lower center", ncols=4, fontsize=8)  # outside the axes: static

    def update(state):
        x, value, slope = state["x"], state["value"], state["slope"]
        curve.set_ydata(state["curve"])
        slope_curve.set_ydata(state["slope_curve"])
        tangent.set_data(xs, value + slope * (xs - x))
        point.set_data([x], [value])
        slope_point.set_data([x], [slope])
        ax_f.set_ylim(*nice_limits(state["curve"].min(), state["curve"].max()))
        ax_d.set_ylim(*nice_limits(state["slope_curve"].min(), state["slope_curve"].max()))
        ax_f.set_title(f"{state['activation']}(w·x + b): value {value:.3f}, slope {slope:.3f}")
        return [curve, slope_curve, tangent, point, slope_point, ax_f.title]

    update(state)
    return update


@widget_factory
def activation_explorer(activation="sigmoid", x=1.0, w=1.0, b=0.0):
    """Choose an activation and drag ``x``, ``w`` and ``b``; see ``f(w x + b)`` and its slope.

    Returns an ``Explorer`` (no loss trace: there is nothing to fit here). In the static HTML
    book: every activation, x from -4 to 4 in steps of 1, and a few weights and biases.
    """
    controls = [
        Dropdown("activation", ACTIVATION_CHOICES, activation, "activation f"),
        Slider("x", -4, 4, 0.1, x, "input x", static=list(range(-4, 5))),
        Slider("w", -3, 3, 0.1, w, "weight w", static=[-1, 1, 2, 3]),
        Slider("b", -5, 5, 0.1, b, "bias b", static=[-2, 0, 2]),
    ]
    explorer = Explorer(
        lambda activation, x, w, b: activation_state(activation, x, w, b),
        controls,
        _draw_activation,
        describe=_describe_activation,
        title="One activation function: value and slope of f(w·x + b)",
        figsize=(9, 3.4),
        trace=False,
        static=Static(budget=1000),
    )
    return explorer


# --------------------------------------------------------------------------------------------
# (b) One hidden layer fitting a curve.

#: Targets on x in [-3, 3], each scaled to about [-1, 1] so they share the plot's axes.
TARGETS = {
    "sin": np.sin,
    "step": lambda x: (x >= 0).astype(float),
    "abs": lambda x: 2 * np.abs(x) / 3 - 1,
}
TARGET_TEXT = {"sin": "sin(x)", "step": "a step at x = 0", "abs": "2|x|/3 - 1"}
NOISE = 0.1
X_RANGE = (-3.0, 3.0)
MAX_EPOCHS = 3000


def fit_data(target, n_samples=80, seed=0):
    """The noisy training points for ``target``: ``X`` (n_samples, 1), ``y`` (n_samples, 1)."""
    return datasets.make_regression_1d(
        n_samples, noise=NOISE, fn=TARGETS[target], seed=seed, x_range=X_RANGE
    )


def fit_model(activation, width, seed=0, learning_rate=0.02):
    """``Dense(width, activation) -> Dense(1)`` for 1-D inputs, compiled with Adam and MSE."""
    model = Sequential(
        [Dense(int(width), activation=activation, input_shape=(1,)), Dense(1)], seed=seed
    )
    model.compile(optimizer=Adam(learning_rate), loss="mse")
    return model


# Trained models by setting and epoch count. Full-batch Adam from a fixed seed is deterministic,
# so continuing a copy of the model saved after e epochs gives exactly what training from scratch
# would; the cache only makes "more epochs" and going back cheap.
_CHECKPOINTS = OrderedDict()
_MAX_SETTINGS = 48


def _trained(activation, width, target, epochs, seed, learning_rate):
    """(model, losses): the model after ``epochs`` full-batch steps and the loss before each."""
    key = (activation, int(width), target, int(seed), float(learning_rate))
    saved = _CHECKPOINTS.setdefault(key, {})
    _CHECKPOINTS.move_to_end(key)
    while len(_CHECKPOINTS) > _MAX_SETTINGS:
        _CHECKPOINTS.popitem(last=False)
    if epochs in saved:
        return saved[epochs]
    start = max((e for e in saved if e < epochs), default=None)
    if start is None:
        model, losses, start = fit_model(activation, width, seed, learning_rate), [], 0
    else:
        model, losses = copy.deepcopy(saved[start][0]), list(saved[start][1])
    X, y = fit_data(target)
    for _ in range(epochs - start):
        losses.append(model.train_step(X, y))
    saved[epochs] = (model, losses)
    return model, losses


def fit_state(activation, width, target, epochs, seed=0, learning_rate=0.02, num=200):
    """Train ``Dense(width, activation) -> Dense(1)`` on ``target`` for ``epochs`` steps (pure).

    Every step is one full-batch Adam update on the 80 training points of ``fit_data(target)``,
    starting from the weights that ``seed`` gives. The same arguments always give the same
    numbers (trained models are cached, which only makes repeated calls fast).

    Parameters
    ----------
    activation : str
        The hidden layer's activation (see ``ACTIVATION_CHOICES``).
    width : int
        Number of hidden units.
    target : {"sin", "step", "abs"}
        See ``TARGETS``.
    epochs : int
        Number of full-batch steps.
    seed : int
        Seeds the initial weights; the data are always ``fit_data(target)``.
    learning_rate : float
    num : int
        Number of points on the plotted curves.

    Returns
    -------
    dict
        ``loss``: the training MSE after training; ``history`` (epochs,): the loss before each
        step; ``line_loss``: the MSE of the best straight line (least squares), for comparison;
        ``xs`` (num,); ``fit`` (num,): the network's output; ``truth`` (num,): the noise-free
        target; ``parts`` (width, num): each hidden unit's contribution ``v_j a_j(x)`` to the
        output, which is their sum plus the output bias; ``X``, ``y`` (80, 1): the data;
        ``n_params``; and the arguments.
    """
    width, epochs = int(width), int(epochs)
    model, losses = _trained(activation, width, target, epochs, seed, learning_rate)
    X, y = fit_data(target)
    xs = np.linspace(*X_RANGE, num)
    with np.errstate(over="ignore", invalid="ignore"):
        fit = model.predict(xs[:, None])[:, 0]
        hidden = model.layers[0].A  # (num, width), cached by the forward pass just made
        parts = (hidden * model.layers[1].W.value[:, 0]).T
        loss = model.evaluate(X, y)
    A = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return {
        "loss": float(loss),
        "history": np.asarray(losses, dtype=float),
        "line_loss": float(np.mean((A @ coef - y) ** 2)),
        "xs": xs,
        "fit": fit,
        "truth": TARGETS[target](xs),
        "parts": parts,
        "X": X,
        "y": y,
        "n_params": model.count_params(),
        "activation": activation,
        "width": width,
        "target": target,
        "epochs": epochs,
    }


def _describe_fit(values, state):
    loss = state["loss"]
    loss_text = f"{loss:.4f}" if np.isfinite(loss) else f"{loss} (diverged)"
    text = (
        f"A hidden layer of {state['width']} {state['activation']} unit(s) "
        f"({state['n_params']} parameters) after {state['epochs']} epochs of full-batch Adam on "
        f"the target {TARGET_TEXT[state['target']]}: training MSE = {loss_text}. "
        f"For comparison: the best straight line has MSE {state['line_loss']:.4f}, and the noise "
        f"alone gives about {NOISE**2:.4f}."
    )
    if state["activation"] == "linear":
        text += " With a linear activation the network is a straight line, whatever its width."
    return text


def _draw_fit(fig, state):
    from matplotlib.collections import LineCollection

    ax = fig.subplots()
    points = ax.scatter(
        state["X"][:, 0],
        state["y"][:, 0],
        s=14,
        color=PALETTE[0],
        marker=MARKERS[0],
        alpha=0.6,
        label="training data",
        zorder=1,
    )
    truth = ax.plot(
        state["xs"],
        state["truth"],
        color="black",
        lw=1.2,
        ls=":",
        label="target without noise",
        zorder=1.5,
    )[0]
    parts = LineCollection(
        [],
        colors="0.55",
        linewidths=0.8,
        alpha=0.6,
        label="hidden units × output weights",
        zorder=1.8,
    )
    ax.add_collection(parts)
    (fit,) = ax.plot(
        state["xs"], state["fit"], color=PALETTE[5], lw=2.5, label="network output", zorder=2.5
    )
    ax.set(xlim=X_RANGE, ylim=(-1.7, 1.7), xlabel="input $x$", ylabel="output")
    fig.legend(loc="outside lower center", ncols=2, fontsize=8)

    def update(state):
        xs = state["xs"]
        truth.set_ydata(state["truth"])
        fit.set_ydata(state["fit"])
        parts.set_segments([np.column_stack([xs, p]) for p in state["parts"]])
        points.set_offsets(np.column_stack([state["X"][:, 0], state["y"][:, 0]]))
        ax.set_title(
            f"{state['width']} {state['activation']} units, {state['epochs']} epochs: "
            f"MSE {state['loss']:.4f}"
        )
        return [truth, fit, parts, points, ax.title]

    update(state)
    return update


#: The networks the static HTML book offers, each with every activation and the epochs below.
HTML_NETWORKS = {
    "8 units, target sin(x)": {"width": 8, "target": "sin", "seed": 0},
    "1 unit, target sin(x)": {"width": 1, "target": "sin", "seed": 0},
    "2 units, target |x|, seed 0": {"width": 2, "target": "abs", "seed": 0},
    "2 units, target |x|, seed 1": {"width": 2, "target": "abs", "seed": 1},
    "1 unit, target step": {"width": 1, "target": "step", "seed": 0},
}
HTML_EPOCHS = [0, 50, 100, 200, 300, 500, 1000]


@widget_factory
def fit_explorer(activation="tanh", width=8, target="sin", epochs=300, seed=0, more=500):
    """Switch the activation, width, target, epochs and initial weights of a one-hidden-layer
    network; watch the fit and the loss. The button trains ``more`` further epochs.

    Returns an ``Explorer``. In the static HTML book: the networks of ``HTML_NETWORKS``, each
    with every activation, after each of ``HTML_EPOCHS``.
    """
    controls = [
        Dropdown("activation", ACTIVATION_CHOICES, activation, "activation"),
        Slider(
            "width", 1, 32, 1, width, "hidden units", continuous_update=False, readout_format=".0f"
        ),
        Dropdown("target", list(TARGETS), target, "target"),
        Slider(
            "epochs",
            0,
            MAX_EPOCHS,
            100,
            epochs,
            "epochs",
            continuous_update=False,
            readout_format=".0f",
            static=HTML_EPOCHS,
        ),
        Slider(
            "seed",
            0,
            9,
            1,
            seed,
            "initial weights (seed)",
            continuous_update=False,
            readout_format=".0f",
        ),
    ]

    def compute(activation, width, target, epochs, seed):
        return fit_state(activation, width, target, epochs, seed=int(seed))

    def train_more(values, settings):
        start = int(values["epochs"])
        stop = min(start + more, MAX_EPOCHS)
        state = compute(**{**values, "epochs": stop})
        return {"epochs": stop}, list(state["history"][start:stop])

    explorer = Explorer(
        compute,
        controls,
        _draw_fit,
        actions=[Action(f"Train {more} more epochs", train_more)],
        describe=_describe_fit,
        title="One hidden layer fitting a curve: choose the activation and the width",
        figsize=(9, 3.8),
        static=Static(
            presets=HTML_NETWORKS, presets_label="network", vary=["activation", "epochs"]
        ),
    )
    return explorer
