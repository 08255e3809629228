"""Chapter 3's widget: a 1-D function built from the steps of hidden sigmoid units.

A network ``1 → n (sigmoid) → 1 (linear)`` computes

    y_hat(x) = c + sum_i h_i * sigmoid(k_i * (x - s_i)),

one smooth step per hidden unit i, at position ``s_i``, with steepness ``k_i`` and height
``h_i``; ``c`` is the output bias. Two units with equal steepness and opposite heights make a
*bump*. In ``Dense`` weights that is ``W1[0, i] = k_i``, ``b1[i] = -k_i s_i``, ``W2[i, 0] = h_i``,
``b2[0] = c`` (``step_weights``), and back (``step_params``).

``bumps_state`` (pure) evaluates such a network against a target curve; ``bumps_fit`` (pure)
trains it with Adam from given steps; ``bumps_explorer`` puts sliders on the steps.
"""

import numpy as np

from .. import activations
from ..layers import Dense
from ..model import Sequential
from ..optimizers import Adam
from ..plotting import LINESTYLES, MARKERS, PALETTE
from . import Action, Dropdown, Explorer, Slider, Static, describe_loss, widget_factory

N_UNITS = 4
X_RANGE = (0.0, 1.0)
N_POINTS = 200


def nielsen_curve(x):
    """The wiggly test function of Nielsen's chapter 4: ``0.2 + 0.4 x² + 0.3 x sin(15 x) +
    0.05 cos(50 x)``."""
    return 0.2 + 0.4 * x**2 + 0.3 * x * np.sin(15 * x) + 0.05 * np.cos(50 * x)


#: Target curves on [0, 1], each a function of an array of x values.
TARGETS = {
    "two bumps": lambda x: 0.8 * ((x >= 0.2) & (x < 0.4)) + 0.4 * ((x >= 0.6) & (x < 0.8)),
    "staircase": lambda x: 0.3 * ((x >= 0.25).astype(float) + (x >= 0.5) + (x >= 0.75)),
    "sine": lambda x: np.sin(2 * np.pi * x),
    "Nielsen's curve": nielsen_curve,
}

# Slider ranges; bumps_fit clips what training finds into them, so the sliders can show it.
POSITION_RANGE = (-0.5, 1.5)
STEEPNESS_RANGE = (0.1, 1000.0)
HEIGHT_RANGE = (-2.0, 2.0)
BIAS_RANGE = (-2.0, 2.0)

DEFAULTS = {
    "positions": (0.1, 0.3, 0.5, 0.7),
    "steepness": (30.0, 30.0, 30.0, 30.0),
    "heights": (0.5, -0.5, 0.5, -0.5),
    "bias": 0.0,
}


def target_data(target="two bumps", n_points=N_POINTS):
    """The target curve sampled on an even grid of ``[0, 1]``.

    Returns
    -------
    x : ndarray, shape (n_points, 1)
    y : ndarray, shape (n_points, 1)
    """
    x = np.linspace(*X_RANGE, n_points)[:, None]
    return x, np.asarray(TARGETS[target](x), dtype=float)


def step_weights(positions, steepness, heights, bias=0.0):
    """Dense weights of the network whose hidden unit i is a step at ``positions[i]``.

    Parameters
    ----------
    positions, steepness, heights : array_like, shape (n_units,)
    bias : float
        The output bias ``c``.

    Returns
    -------
    list of ndarray
        ``[W1 (1, n_units), b1 (n_units,), W2 (n_units, 1), b2 (1,)]``, ready for
        ``Sequential.set_weights``: ``W1 = k``, ``b1 = -k * s``, ``W2 = h``, ``b2 = c``.
    """
    s, k, h = (np.asarray(v, dtype=float) for v in (positions, steepness, heights))
    return [k[None, :], -k * s, h[:, None], np.array([float(bias)])]


def step_params(weights, min_steepness=1e-12):
    """Inverse of ``step_weights``: positions, steepness, heights and bias of a network.

    A unit with a negative weight is a step *down*; since ``sigmoid(-u) = 1 - sigmoid(u)``,
    ``h * sigmoid(w x + b) = h - h * sigmoid(|w| (x - s))`` with ``s = -b / w``: the same
    function as a step up of height ``-h`` plus ``h`` on the output bias. So every network has
    this form with all steepnesses positive. A unit with ``|w| < min_steepness`` is a constant,
    ``h * sigmoid(b)``: it moves into the bias and gets height 0 (and position 0).

    Parameters
    ----------
    weights : list of ndarray
        ``[W1 (1, n), b1 (n,), W2 (n, 1), b2 (1,)]``.

    Returns
    -------
    positions, steepness, heights : ndarray, shape (n,)
    bias : float
    """
    W1, b1, W2, b2 = (np.asarray(w, dtype=float) for w in weights)
    w, b, h = W1[0], b1, W2[:, 0]
    bias = float(b2[0])
    flat = np.abs(w) < min_steepness
    bias += float(np.sum(h[flat] * activations.sigmoid(b[flat])))
    down = (w < 0) & ~flat
    bias += float(np.sum(h[down]))
    heights = np.where(flat, 0.0, np.where(down, -h, h))
    steepness = np.where(flat, min_steepness, np.abs(w))
    positions = np.where(flat, 0.0, -b / np.where(flat, 1.0, w))
    return positions, steepness, heights, bias


def steps_model(positions, steepness, heights, bias=0.0):
    """The compiled ``1 → n (sigmoid) → 1`` network with one step per hidden unit (MSE loss)."""
    n_units = len(np.atleast_1d(positions))
    model = Sequential([Dense(n_units, activation="sigmoid", input_shape=(1,)), Dense(1)])
    model.set_weights(step_weights(positions, steepness, heights, bias))
    model.compile(optimizer="adam", loss="mse")
    return model


def bumps_model(f, n_bumps, steepness, x_range=X_RANGE):
    """A ``1 → 2 n_bumps (sigmoid) → 1`` network whose output approximates ``f`` by bumps.

    ``x_range`` is cut into ``n_bumps`` equal intervals; bump j is a step up at the interval's
    left edge and a step down at its right edge, both of height ``f`` at the interval's midpoint.
    """
    edges = np.linspace(*x_range, n_bumps + 1)
    heights = np.asarray(f((edges[:-1] + edges[1:]) / 2), dtype=float)
    positions = np.column_stack([edges[:-1], edges[1:]]).ravel()  # left0, right0, left1, ...
    signed = np.column_stack([heights, -heights]).ravel()
    return steps_model(positions, np.full(2 * n_bumps, float(steepness)), signed)


def bumps_state(positions, steepness, heights, bias=0.0, target="two bumps"):
    """The network's curve, each unit's step and the MSE against the target (pure).

    Returns
    -------
    dict
        ``loss`` (float, MSE on the target's grid), ``x`` (n_points,), ``target`` and ``y_hat``
        (n_points,), ``steps`` (n_units, n_points): unit i's contribution
        ``h_i * sigmoid(k_i (x - s_i))``; ``weights`` (the Dense weights), ``positions`` and
        ``heights`` (n_units,), ``target_name``.
    """
    x, y = target_data(target)
    model = steps_model(positions, steepness, heights, bias)
    y_hat = model.predict(x)
    hidden = model.layers[0].forward(x)  # (n_points, n_units), sigmoid outputs
    return {
        "loss": float(model.evaluate(x, y)),
        "x": x[:, 0],
        "target": y[:, 0],
        "y_hat": y_hat[:, 0],
        "steps": (hidden * np.asarray(heights, dtype=float)).T,
        "weights": model.get_weights(),
        "positions": np.asarray(positions, dtype=float),
        "heights": np.asarray(heights, dtype=float),
        "target_name": target,
    }


def _clip(positions, steepness, heights, bias):
    return (
        np.clip(positions, *POSITION_RANGE),
        np.clip(steepness, *STEEPNESS_RANGE),
        np.clip(heights, *HEIGHT_RANGE),
        float(np.clip(bias, *BIAS_RANGE)),
    )


def bumps_fit(
    positions, steepness, heights, bias=0.0, target="two bumps", steps=200, learning_rate=0.05
):
    """Train the same network with Adam, full batch, from the given steps (pure).

    Returns
    -------
    (positions, steepness, heights, bias), losses
        The trained network as steps (all steepnesses positive, see ``step_params``), clipped
        to the sliders' ranges, and the loss before each training step. Training stops early
        (keeping the last finite weights) if the loss stops being finite.
    """
    x, y = target_data(target)
    model = steps_model(positions, steepness, heights, bias)
    model.compile(optimizer=Adam(learning_rate), loss="mse")
    losses = []
    for _ in range(int(steps)):
        before = model.get_weights()
        losses.append(float(model.train_step(x, y)))
        finite = all(np.isfinite(w).all() for w in model.get_weights())
        if not (finite and np.isfinite(losses[-1])):
            model.set_weights(before)
            break
    found = step_params(model.get_weights(), min_steepness=STEEPNESS_RANGE[0])
    return _clip(*found), losses


# --- the explorer -----------------------------------------------------------------------------


def _unpack(values):
    """Control values ``s1 … s4, k1 …, h1 …, c`` → positions, steepness, heights, bias."""
    n = range(1, N_UNITS + 1)
    return (
        np.array([values[f"s{i}"] for i in n], dtype=float),
        np.array([values[f"k{i}"] for i in n], dtype=float),
        np.array([values[f"h{i}"] for i in n], dtype=float),
        float(values["c"]),
    )


def _pack(positions, steepness, heights, bias):
    out = {"c": float(bias)}
    for i in range(N_UNITS):
        out[f"s{i + 1}"] = float(positions[i])
        out[f"k{i + 1}"] = float(steepness[i])
        out[f"h{i + 1}"] = float(heights[i])
    return out


def describe_steps(values, state):
    """The readout: the loss, then each unit as a step and as the Dense weights it sets."""
    s, k, h, c = _unpack(values)
    W1, b1, W2, b2 = state["weights"]
    units = "; ".join(
        f"unit {i + 1}: step at x = {s[i]:.2f}, steepness {k[i]:.3g}, height {h[i]:+.2f} "
        f"(w = {W1[0, i]:.3g}, b = {b1[i]:.3g}, output weight {W2[i, 0]:+.2f})"
        for i in range(N_UNITS)
    )
    return (
        f"Target: {state['target_name']}. {describe_loss(state['loss'], 'mean squared error')}. "
        f"Output bias c = {c:+.2f}; {units}."
    )


def _draw(fig, state):
    ax = fig.subplots()
    x = state["x"]
    (target,) = ax.plot(x, state["target"], color="black", lw=2, ls="--", label="target", zorder=3)
    (network,) = ax.plot(x, state["y_hat"], color=PALETTE[0], lw=2.5, label="network", zorder=4)
    step_lines = [
        ax.plot(
            x,
            row,
            color=PALETTE[i + 1],
            lw=1.2,
            ls=LINESTYLES[(i + 1) % 4],
            marker=MARKERS[i + 1],
            markersize=6,
            markevery=[],
            label=f"unit {i + 1}",
            zorder=2,
        )[0]
        for i, row in enumerate(state["steps"])
    ]
    ax.axhline(0, color="0.6", lw=0.8, zorder=0)
    ax.set(xlim=X_RANGE, ylim=(-1.3, 1.3), xlabel="$x$", ylabel="$y$")
    fig.legend(loc="outside lower center", ncols=6, fontsize=8)  # outside: stays static

    def update(state):
        target.set_ydata(state["target"])
        network.set_ydata(state["y_hat"])
        for line, row, s in zip(step_lines, state["steps"], state["positions"], strict=True):
            line.set_ydata(row)
            # One marker, at the step's middle (s, h / 2), if it lies inside the window.
            line.set_markevery([int(np.argmin(np.abs(x - s)))] if x[0] <= s <= x[-1] else [])
        ax.set_title(f"{state['target_name']}: MSE {state['loss']:.4f}", fontsize=10)
        return [target, network, *step_lines, ax.title]

    update(state)
    return update


def html_presets():
    """The networks the static HTML book offers (computed in the build only: one is trained).

    Each sets every step; the reader can then slide unit 1's step (``s1``) and change the target.
    """
    hand = {"s": (0.2, 0.4, 0.6, 0.8), "h": (0.8, -0.8, 0.4, -0.4)}
    found, _ = bumps_fit(
        DEFAULTS["positions"], DEFAULTS["steepness"], DEFAULTS["heights"], DEFAULTS["bias"]
    )
    networks = {
        "the start: two bumps in the wrong places": (
            DEFAULTS["positions"],
            DEFAULTS["steepness"],
            DEFAULTS["heights"],
            DEFAULTS["bias"],
        ),
        "two bumps by hand, steepness 30": (hand["s"], (30.0,) * 4, hand["h"], 0.0),
        "two bumps by hand, steepness 1000": (hand["s"], (1000.0,) * 4, hand["h"], 0.0),
        "after Fit: 200 Adam steps from the start on two bumps": found,
        "a staircase of three steps": (
            (0.25, 0.5, 0.75, 1.2),
            (1000.0,) * 4,
            (0.3, 0.3, 0.3, 0.0),
            0.0,
        ),
        "a bump up, a bump down, steepness 10": (
            (0.0, 0.5, 1.0, 1.2),
            (10.0,) * 4,
            (1.0, -2.0, 1.0, 0.0),
            0.0,
        ),
    }
    return {name: _pack(*network) for name, network in networks.items()}


@widget_factory
def bumps_explorer(target="two bumps", **start):
    """Sliders for each hidden unit's step (position, height, steepness) and the output bias.

    ``start`` may override ``s1 … s4``, ``k1 … k4``, ``h1 … h4``, ``c``. A "Fit" button trains
    the same network with Adam from the sliders' values and moves the sliders to the result.
    Returns an ``Explorer``. In the static HTML book: the networks of ``html_presets()``, with
    every target and unit 1's step at positions 0, 0.1, ..., 1.
    """
    values = {**_pack(*(DEFAULTS[key] for key in ("positions", "steepness", "heights", "bias")))}
    unknown = set(start) - set(values)
    if unknown:
        raise ValueError(f"bumps_explorer has no control(s) {sorted(unknown)}")
    values.update(start)

    def compute(target, **values):
        return bumps_state(*_unpack(values), target=target)

    def fit(values, settings):
        found, losses = bumps_fit(
            *_unpack(values), target=values["target"], steps=int(settings["fit_steps"])
        )
        return _pack(*found), losses

    controls = []
    for i in range(1, N_UNITS + 1):
        controls += [
            Slider(
                f"s{i}",
                *POSITION_RANGE,
                0.01,
                values[f"s{i}"],
                f"unit {i}: position s{i}",
                static=[round(0.1 * j, 1) for j in range(11)],
            ),
            Slider(f"h{i}", *HEIGHT_RANGE, 0.05, values[f"h{i}"], f"unit {i}: height h{i}"),
        ]
    controls += [
        Slider(
            f"k{i}", *STEEPNESS_RANGE, 0.05, values[f"k{i}"], f"unit {i}: steepness k{i}", log=True
        )
        for i in range(1, N_UNITS + 1)
    ]
    controls += [
        Slider("c", *BIAS_RANGE, 0.05, values["c"], "output bias c"),
        Dropdown("target", list(TARGETS), target, "target"),
    ]
    steps = Slider("fit_steps", 50, 1000, 50, 200, "Adam steps", continuous_update=False)
    return Explorer(
        compute,
        controls,
        _draw,
        actions=[Action("Fit", fit, settings=[steps])],
        describe=describe_steps,
        title="Build a function from steps: each hidden sigmoid unit is one step",
        figsize=(9, 4),
        static=Static(presets=html_presets, presets_label="network", vary=["s1", "target"]),
    )
