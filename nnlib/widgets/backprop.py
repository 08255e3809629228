"""Chapter 5's widget: backpropagation on a 2-2-1 network, one node at a time.

The network takes one example ``x = (x1, x2)``: two sigmoid hidden neurons, one sigmoid output
``ŷ``, and a loss ``L`` against the target ``y`` (binary cross-entropy or squared error). As a
computational graph of scalars::

    z¹ⱼ = x1 W1[0, j] + x2 W1[1, j] + b1[j]     a¹ⱼ = σ(z¹ⱼ)        (j = 0, 1)
    z²  = a¹₁ W2[0, 0] + a¹₂ W2[1, 0] + b2[0]    ŷ = σ(z²)           L = loss(ŷ, y)

``backprop_trace`` (pure) lists the forward pass node by node, then the backward pass, each step
one product "local derivative × upstream gradient"; ``backprop_state`` (pure) is what the
widget shows after ``step`` steps, beside nnlib's gradients and finite differences;
``apply_update`` (pure) takes gradient-descent steps; ``backprop_explorer`` puts it on controls.

Weights use nnlib's layout, ``[W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,)]``: ``W1[i, j]`` is the
weight from input ``x{i+1}`` to hidden neuron ``j+1``.
"""

import copy
from collections import OrderedDict

import numpy as np

from .. import gradcheck
from ..activations import sigmoid, sigmoid_derivative
from ..layers import Dense
from ..losses import BinaryCrossentropy, MeanSquaredError
from ..model import Sequential
from ..optimizers import SGD
from ..plotting import PALETTE
from . import Action, Dropdown, Explorer, Slider, Static, widget_factory

LOSSES = {"binary_crossentropy": "binary cross-entropy", "mse": "squared error"}
#: Every parameter by its nnlib name, in the order the backward pass reaches them.
PARAMETERS = {
    "W2[0, 0]": (2, (0, 0)),
    "W2[1, 0]": (2, (1, 0)),
    "b2[0]": (3, (0,)),
    "W1[0, 0]": (0, (0, 0)),
    "W1[1, 0]": (0, (1, 0)),
    "b1[0]": (1, (0,)),
    "W1[0, 1]": (0, (0, 1)),
    "W1[1, 1]": (0, (1, 1)),
    "b1[1]": (1, (1,)),
}
#: The scalar nodes of the graph, inputs first, in the order the forward pass computes them.
NODES = ["x₁", "x₂", "z¹₁", "z¹₂", "a¹₁", "a¹₂", "z²", "ŷ", "L"]
#: Number of steps: 7 forward (z¹₁ … L), then 16 backward (7 nodes and 9 parameters).
N_STEPS = 23
#: Weights are kept in [-LIMIT, LIMIT] by ``apply_update``.
LIMIT = 5.0

START_X = (1.5, -0.5)
START_Y = 1.0


def start_weights():
    """The explorer's starting weights: ``[W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,)]``."""
    return [
        np.array([[0.6, -0.4], [0.2, 0.9]]),
        np.array([0.1, -0.3]),
        np.array([[0.8], [-0.5]]),
        np.array([0.1]),
    ]


def get_weight(weights, key):
    """The value of parameter ``key`` (e.g. ``'W1[1, 0]'``) in ``weights``."""
    if key not in PARAMETERS:
        raise ValueError(f"unknown parameter {key!r}; choose one of {list(PARAMETERS)}")
    position, index = PARAMETERS[key]
    return float(weights[position][index])


def network_model(weights, loss="binary_crossentropy", learning_rate=1.0):
    """The 2-2-1 sigmoid network with the given weights, compiled with ``loss`` and SGD."""
    model = Sequential(
        [Dense(2, activation="sigmoid", input_shape=(2,)), Dense(1, activation="sigmoid")]
    )
    model.set_weights([np.array(w, dtype=float) for w in weights])
    model.compile(optimizer=SGD(learning_rate), loss=loss)
    return model


def _num(v, digits=3):
    """A number for display (Unicode minus), or "?" for None."""
    if v is None:
        return "?"
    return f"{v:.{digits}f}".replace("-", "−")


def _f(v, digits=2):
    """A number in a formula, bracketed when negative: ``0.50`` or ``(−0.50)``."""
    text = f"{v:.{digits}f}".replace("-", "−")
    return f"({text})" if text.startswith("−") else text


def backprop_trace(weights, x, y, loss="binary_crossentropy"):
    """The forward pass node by node, then the backward pass, as a list of steps (pure).

    Parameters
    ----------
    weights : list of ndarray
        ``[W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,)]``.
    x : array_like, shape (2,)
    y : float
        The target.
    loss : {'binary_crossentropy', 'mse'}
        ``-[y log ŷ + (1 - y) log(1 - ŷ)]`` or ``(ŷ - y)**2`` (one example, one output).

    Returns
    -------
    list of dict
        ``N_STEPS`` steps. A forward step has ``phase='forward'``, ``node``, ``value`` and
        ``formula`` (text). A backward step has ``phase='backward'``, ``node`` (a node of
        ``NODES`` or a key of ``PARAMETERS``), ``local`` (the derivative of the node's one
        consumer with respect to it), ``local_symbol`` (its formula, e.g. ``'σ′(z²)'``) and
        ``local_text`` (e.g. ``'∂ŷ/∂z² = σ′(z²)'``), ``upstream`` (dL/d(consumer)) and
        ``upstream_text`` (e.g. ``'∂L/∂ŷ'``), and ``grad = local * upstream`` (dL/d(node)).
    """
    W1, b1, W2, b2 = (np.asarray(w, dtype=float) for w in weights)
    x = np.asarray(x, dtype=float).reshape(2)
    y = float(y)
    steps = []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # --- forward: each node from the ones before it ---
        z1 = x @ W1 + b1
        a1 = sigmoid(z1)
        for j in range(2):
            steps.append(
                {
                    "phase": "forward",
                    "node": f"z¹{'₁₂'[j]}",
                    "value": float(z1[j]),
                    "formula": f"z¹{'₁₂'[j]} = x₁·W1[0, {j}] + x₂·W1[1, {j}] + b1[{j}] = "
                    f"{_f(x[0])}·{_f(W1[0, j])} + {_f(x[1])}·{_f(W1[1, j])} + {_f(b1[j])} "
                    f"= {_num(z1[j])}",
                }
            )
        for j in range(2):
            steps.append(
                {
                    "phase": "forward",
                    "node": f"a¹{'₁₂'[j]}",
                    "value": float(a1[j]),
                    "formula": f"a¹{'₁₂'[j]} = σ(z¹{'₁₂'[j]}) = σ({_num(z1[j])}) = {_num(a1[j])}",
                }
            )
        z2 = float(a1 @ W2[:, 0] + b2[0])
        y_hat = float(sigmoid(z2))
        steps.append(
            {
                "phase": "forward",
                "node": "z²",
                "value": z2,
                "formula": f"z² = a¹₁·W2[0, 0] + a¹₂·W2[1, 0] + b2[0] = {_f(a1[0])}·"
                f"{_f(W2[0, 0])} + {_f(a1[1])}·{_f(W2[1, 0])} + {_f(b2[0])} = {_num(z2)}",
            }
        )
        steps.append(
            {
                "phase": "forward",
                "node": "ŷ",
                "value": y_hat,
                "formula": f"ŷ = σ(z²) = σ({_num(z2)}) = {_num(y_hat, 4)}",
            }
        )
        if loss == "binary_crossentropy":
            value = BinaryCrossentropy(from_logits=True)([[y]], [[z2]])  # stable, from z²
            formula = f"L = −[y log ŷ + (1 − y) log(1 − ŷ)] = {_num(value, 4)}"
            dL_dy_hat = (y_hat - y) / (y_hat * (1 - y_hat))
            local_symbol = "(ŷ − y)/(ŷ(1 − ŷ))"
        elif loss == "mse":
            value = MeanSquaredError()([[y]], [[y_hat]])
            formula = f"L = (ŷ − y)² = ({y_hat:.4f} − {y:.2f})² = {_num(value, 4)}"
            dL_dy_hat = 2 * (y_hat - y)
            local_symbol = "2(ŷ − y)"
        else:
            raise ValueError(f"unknown loss {loss!r}; choose one of {list(LOSSES)}")
        steps.append({"phase": "forward", "node": "L", "value": value, "formula": formula})

        # --- backward: dL/d(node) = d(consumer)/d(node) × dL/d(consumer) ---
        def back(node, local, symbol, wrt, upstream, upstream_name):
            """dL/d(node) = d(consumer)/d(node) × dL/d(consumer); ``wrt`` names the consumer."""
            steps.append(
                {
                    "phase": "backward",
                    "node": node,
                    "local": float(local),
                    "local_symbol": symbol,
                    "local_text": f"∂{wrt}/∂{node} = {symbol}",
                    "upstream": float(upstream),
                    "upstream_text": upstream_name,
                    "grad": float(local * upstream),
                }
            )
            return float(local * upstream)

        one = back("L", 1.0, "1", "L", 1.0, "1")
        steps[-1]["local_text"] = "∂L/∂L = 1 (where the backward pass starts)"
        d_y_hat = back("ŷ", dL_dy_hat, local_symbol, "L", one, "∂L/∂L")
        d_z2 = back("z²", sigmoid_derivative(z2), "σ′(z²)", "ŷ", d_y_hat, "∂L/∂ŷ")
        back("W2[0, 0]", a1[0], "a¹₁", "z²", d_z2, "∂L/∂z²")
        back("W2[1, 0]", a1[1], "a¹₂", "z²", d_z2, "∂L/∂z²")
        back("b2[0]", 1.0, "1", "z²", d_z2, "∂L/∂z²")
        d_a1 = [
            back(f"a¹{'₁₂'[j]}", W2[j, 0], f"W2[{j}, 0]", "z²", d_z2, "∂L/∂z²") for j in range(2)
        ]
        d_z1 = [
            back(
                f"z¹{'₁₂'[j]}",
                sigmoid_derivative(z1[j]),
                f"σ′(z¹{'₁₂'[j]})",
                f"a¹{'₁₂'[j]}",
                d_a1[j],
                f"∂L/∂a¹{'₁₂'[j]}",
            )
            for j in range(2)
        ]
        for j in range(2):
            z_name = f"z¹{'₁₂'[j]}"
            for i in range(2):
                back(f"W1[{i}, {j}]", x[i], f"x{'₁₂'[i]}", z_name, d_z1[j], f"∂L/∂{z_name}")
            back(f"b1[{j}]", 1.0, "1", z_name, d_z1[j], f"∂L/∂{z_name}")
    return steps


_PASSES = OrderedDict()  # what backprop_state computes whatever the step; only makes it faster


def _passes(key, weights, x, y, loss):
    """The trace, the loss, nnlib's and the finite-difference gradients for one example
    (cached by ``key``: stepping through the same example computes them once)."""
    if key not in _PASSES:
        trace = backprop_trace(weights, x, y, loss)
        model = network_model(weights, loss)
        X, Y = x[None, :], np.array([[float(y)]])
        with np.errstate(all="ignore"):
            value = float(model.compute_gradients(X, Y))
            params = model.parameters()
            analytic = [p.grad.copy() for p in params]
            numeric = [
                gradcheck.numerical_gradient(lambda: model.evaluate(X, Y), p.value) for p in params
            ]
        _PASSES[key] = (trace, value, analytic, numeric)
        while len(_PASSES) > 64:
            _PASSES.popitem(last=False)
    return _PASSES[key]


def backprop_state(step, weights, x1, x2, y, loss="binary_crossentropy"):
    """What the stepper shows after ``step`` steps of ``backprop_trace`` (pure).

    Returns
    -------
    dict
        ``step`` (int, clipped to 0 … ``N_STEPS``), ``trace`` (all steps), ``current`` (the step
        just taken, or None at step 0), ``values`` and ``grads`` (``{node or parameter: float or
        None}``, None until the pass reaches it; the inputs' values are always known), ``loss``
        (float, the whole forward pass), ``nnlib`` (``{parameter: dL/dw}`` from nnlib's
        ``compute_gradients``), ``numerical`` (``{parameter: dL/dw}`` by centered finite
        differences of nnlib's loss), ``weights``, ``x`` (2,), ``y``, ``loss_name``.
    """
    weights = [np.array(w, dtype=float) for w in weights]
    x = np.array([x1, x2], dtype=float)
    key = (tuple(w.tobytes() for w in weights), float(x1), float(x2), float(y), loss)
    trace, value, analytic, numeric = copy.deepcopy(_passes(key, weights, x, y, loss))
    step = int(np.clip(round(float(step)), 0, len(trace)))
    values = {name: None for name in NODES}
    values.update({"x₁": float(x[0]), "x₂": float(x[1])})
    grads = {name: None for name in [*NODES[2:], *PARAMETERS]}
    for s in trace[:step]:
        if s["phase"] == "forward":
            values[s["node"]] = s["value"]
        else:
            grads[s["node"]] = s["grad"]

    return {
        "step": step,
        "trace": trace,
        "current": trace[step - 1] if step else None,
        "values": values,
        "grads": grads,
        "loss": value,
        "nnlib": {key: get_weight(analytic, key) for key in PARAMETERS},
        "numerical": {key: get_weight(numeric, key) for key in PARAMETERS},
        "weights": weights,
        "x": x,
        "y": float(y),
        "loss_name": loss,
    }


def apply_update(weights, x, y, loss="binary_crossentropy", learning_rate=1.0, steps=1):
    """``steps`` gradient-descent steps ``w ← w − learning_rate · dL/dw`` on the example (pure).

    Returns
    -------
    weights, losses
        The new weights, each kept within ``[-LIMIT, LIMIT]``, and the loss before each step.
    """
    model = network_model(weights, loss, learning_rate)
    X = np.asarray(x, dtype=float).reshape(1, 2)
    Y = np.array([[float(y)]])
    losses = []
    for _ in range(steps):
        losses.append(float(model.train_step(X, Y)))
        for p in model.parameters():
            np.clip(p.value, -LIMIT, LIMIT, out=p.value)
    return model.get_weights(), losses


# --- the diagram -----------------------------------------------------------------------------

_POSITIONS = {
    "x₁": (0, 0.6),
    "x₂": (0, -0.6),
    "z¹₁": (1, 0.6),
    "z¹₂": (1, -0.6),
    "a¹₁": (2, 0.6),
    "a¹₂": (2, -0.6),
    "z²": (3, 0.0),
    "ŷ": (4, 0.0),
    "L": (5, 0.0),
}
# Edges (from, to, static label) and, for each step's node, the edges to highlight.
_EDGES = [
    ("x₁", "z¹₁", "W1[0, 0]"),
    ("x₂", "z¹₁", "W1[1, 0]"),
    ("x₁", "z¹₂", "W1[0, 1]"),
    ("x₂", "z¹₂", "W1[1, 1]"),
    ("z¹₁", "a¹₁", "σ"),
    ("z¹₂", "a¹₂", "σ"),
    ("a¹₁", "z²", "W2[0, 0]"),
    ("a¹₂", "z²", "W2[1, 0]"),
    ("z²", "ŷ", "σ"),
    ("ŷ", "L", "loss"),
]
_BIASES = {"b1[0]": "z¹₁", "b1[1]": "z¹₂", "b2[0]": "z²"}
_UNREACHED, _FORWARD, _BACKWARD = "white", "#BFE3F5", "#F7D9A8"  # light sky blue / light orange
CURRENT = PALETTE[5]  # vermillion


def _highlight(step):
    """Edges (as pairs of node names) and the node to ring for one step of the trace."""
    if step is None:
        return [], None
    node = step["node"]
    if step["phase"] == "forward":  # the edges that feed the node
        return [(a, b) for a, b, _ in _EDGES if b == node], node
    if node in _BIASES:
        return [], _BIASES[node]
    if node in PARAMETERS:  # a weight: its edge
        return [(a, b) for a, b, label in _EDGES if label == node], None
    return [(a, b) for a, b, _ in _EDGES if a == node], node  # back along the edge to its consumer


def _table(state):
    """The table's numbers, once the backward pass reached the parameter: the back-propagated
    gradient and the finite difference."""
    rows = []
    for key in PARAMETERS:
        grad = state["grads"][key]
        if grad is None:  # the finite difference appears beside the backprop value
            rows.append("")
        else:
            mark = " ←" if state["current"] and state["current"]["node"] == key else ""
            rows.append(f"{_num(grad, 4):>8}{_num(state['numerical'][key], 4):>9}{mark}")
    return "\n".join(rows)


def _now_text(state, long=False):
    """What the current step computes: one line (``long``: with the words)."""
    s = state["current"]
    if s is None:
        return "Nothing computed yet: move the step slider to run the forward pass."
    if s["phase"] == "forward":
        if long:
            return f"forward: {s['formula']}"
        parts = s["formula"].split(" = ")
        return " = ".join([parts[0], *parts[2:]]) if s["node"].startswith("z") else s["formula"]
    if long:
        return (
            f"backward: ∂L/∂{s['node']} = local derivative × upstream gradient = "
            f"[{s['local_text']} = {_num(s['local'], 4)}] × [{s['upstream_text']} = "
            f"{_num(s['upstream'], 4)}] = {_num(s['grad'], 4)}"
        )
    upstream = _num(s["upstream"], 4)
    upstream = f"({upstream})" if upstream.startswith("−") else upstream
    return (
        f"∂L/∂{s['node']} = {s['local_symbol']} × {s['upstream_text']} = "
        f"{_num(s['local'], 4)} × {upstream} = {_num(s['grad'], 4)}"
    )


def draw_backprop(fig, state):
    """Draw ``state`` (from ``backprop_state``) on ``fig`` once: the graph and the table.

    Nodes are circles with their value inside ("?" until the forward pass reaches them) and
    dL/d(node) below ("?" until the backward pass does); grey = input, white = not reached,
    light blue = value known, light orange = gradient known. The current node has a thick
    vermillion ring and the edges it uses are highlighted; one line below says what the step
    computes. The table lists every parameter's back-propagated gradient (once reached) beside
    its finite-difference gradient.

    Every text drawn costs time on every frame, so the animated texts hold numbers only and
    the words around them are static.

    Returns
    -------
    update : callable
        ``update(state)`` changes the artists in place and returns those it changed.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.transforms import offset_copy

    root = fig.figure
    ax, ax_table = fig.subplots(1, 2, width_ratios=[3.3, 1])
    names = list(_POSITIONS)
    xy = np.array([_POSITIONS[n] for n in names], dtype=float)
    segments = [np.array([_POSITIONS[a], _POSITIONS[b]], dtype=float) for a, b, _ in _EDGES]
    ax.add_collection(LineCollection(segments, colors="0.55", linewidths=1.2, zorder=1))
    for (_, _, label), seg in zip(_EDGES, segments, strict=True):
        diagonal = seg[0, 1] != seg[1, 1] and label.startswith("W1")  # these two cross
        where = seg[0] + (0.4 if diagonal else 0.5) * (seg[1] - seg[0])
        ax.text(
            *where,
            label,
            ha="center",
            va="center",
            fontsize=6.5,
            zorder=-1,
            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"),
        )
    for key, node in _BIASES.items():
        cx, cy = _POSITIONS[node]
        ax.text(
            cx - 0.47,
            cy + 0.21,
            f"(+ {key})",
            ha="right",
            va="bottom",
            fontsize=6.5,
            color="0.25",
            zorder=-1,
        )
    for name, (cx, cy) in _POSITIONS.items():
        ax.text(cx - 0.2, cy + 0.2, name, ha="right", va="bottom", fontsize=10, zorder=-1)
    (edges,) = ax.plot([], [], color=CURRENT, lw=5, alpha=0.45, solid_capstyle="round", zorder=1.5)
    nodes = ax.scatter(
        *xy.T, s=1000, c=[_UNREACHED] * len(names), edgecolors="black", linewidths=1.0, zorder=2
    )
    (ring,) = ax.plot(
        [], [], ls="none", marker="o", ms=40, mfc="none", mec=CURRENT, mew=3, zorder=2.5
    )
    value_texts = [
        ax.text(cx, cy, "", ha="center", va="center", fontsize=7.5, zorder=3) for cx, cy in xy
    ]
    below = offset_copy(ax.transData, root, 0, -22, units="points")
    grad_texts = {
        name: ax.text(cx, cy, "", ha="center", va="top", fontsize=8, zorder=3, transform=below)
        for name, (cx, cy) in _POSITIONS.items()
        if name not in ("x₁", "x₂")
    }
    target = ax.text(5, -0.45, "", ha="center", va="top", fontsize=8, zorder=3)
    ax.set(xlim=(-0.35, 5.35), ylim=(-1.25, 1.05))
    ax.set_axis_off()
    ax.text(
        0.0,
        1.0,
        "inside each node: its value · below it: ∂L/∂node · ring: this step",
        transform=ax.transAxes,
        fontsize=8.5,
        va="top",
        zorder=-1,
    )
    ax.text(
        0.0,
        0.07,
        "forward: node = f(its inputs)     backward: ∂L/∂node = local "
        "derivative × upstream gradient",
        transform=ax.transAxes,
        fontsize=8,
        color="0.3",
        zorder=-1,
    )
    now = ax.text(0.0, 0.0, "", transform=ax.transAxes, fontsize=8.5, zorder=3)

    ax_table.set_axis_off()
    ax_table.set(xlim=(0, 1), ylim=(0, 1))
    size, char = 7.5, 0.602 * 7.5  # monospace: every character is 0.602 em wide
    ax_table.text(
        0.0,
        0.99,
        f"{'∂L/∂':<9}{'backprop':>8}{'finite':>9}\n{'':<17}{'diff.':>9}",
        family="monospace",
        fontsize=size,
        va="top",
        zorder=-1,
        fontweight="bold",
    )
    ax_table.text(
        0.0,
        0.86,
        "\n".join(PARAMETERS),
        family="monospace",
        fontsize=size,
        va="top",
        linespacing=1.6,
        zorder=-1,
    )
    table = ax_table.text(
        0.0,
        0.86,
        "",
        family="monospace",
        fontsize=size,
        va="top",
        linespacing=1.6,
        zorder=3,
        transform=offset_copy(ax_table.transAxes, root, 9 * char, 0, units="points"),
    )
    ax_table.text(
        0.0,
        0.2,
        "finite diff.:\n(L(w + ε) − L(w − ε)) / 2ε\nwith ε = 1e-6 on\nnnlib's loss",
        fontsize=7,
        color="0.3",
        va="top",
        zorder=-1,
    )

    def update(state):
        step = state["current"]
        colours = []
        for name in names:
            if name in ("x₁", "x₂"):
                colours.append("0.88")
            elif state["grads"][name] is not None:
                colours.append(_BACKWARD)
            elif state["values"][name] is not None:
                colours.append(_FORWARD)
            else:
                colours.append(_UNREACHED)
        nodes.set_facecolors(colours)
        for text, name in zip(value_texts, names, strict=True):
            text.set_text(_num(state["values"][name], 4 if name in ("ŷ", "L") else 3))
        for name, text in grad_texts.items():
            text.set_text(_num(state["grads"][name], 3))
        target.set_text(f"y = {state['y']:.2f}")
        pairs, ringed = _highlight(step)
        path = []
        for a, b in pairs:
            path += [_POSITIONS[a], _POSITIONS[b], (np.nan, np.nan)]
        edges.set_data(*(np.array(path).T if path else ([], [])))
        ring.set_data(*(([_POSITIONS[ringed][0]], [_POSITIONS[ringed][1]]) if ringed else ([], [])))
        table.set_text(_table(state))
        now.set_text(_now_text(state))
        return [edges, nodes, ring, *value_texts, *grad_texts.values(), target, table, now]

    update(state)
    return update


def plot_backprop(state, fig=None):
    """Draw ``state`` (from ``backprop_state``) as a static figure; returns the figure."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(9.5, 4.0), layout="constrained")
    draw_backprop(fig, state)
    return fig


# --- the explorer ----------------------------------------------------------------------------


def max_relative_error(state):
    """Largest relative error between the back-propagated and finite-difference gradients
    computed so far (0 when none is)."""
    errors = [
        gradcheck.relative_error(grad, state["numerical"][key])
        for key, grad in state["grads"].items()
        if key in PARAMETERS and grad is not None
    ]
    return max(errors, default=0.0)


def describe_state(values, state):
    """The readout: the current step in words and numbers, the loss, and the gradient check."""
    reached = [key for key in PARAMETERS if state["grads"][key] is not None]
    text = f"Step {state['step']} of {len(state['trace'])}: " + _now_text(state, long=True)
    check = (
        f"Back-propagated gradients of {len(reached)} of 9 parameters so far; largest relative "
        f"error against finite differences {max_relative_error(state):.1e}."
        if reached
        else "No parameter gradient yet: the backward pass reaches the weights after ∂L/∂z²."
    )
    return (
        f"{text}. Example x = ({state['x'][0]:.2f}, {state['x'][1]:.2f}), target y = "
        f"{state['y']:.2f}; {LOSSES[state['loss_name']]} L = {_num(state['loss'], 4)}. {check}"
    ).replace("..", ".")


class BackpropExplorer(Explorer):
    """An ``Explorer`` whose network weights live in ``self.weights`` (changed by the update
    button, restored by Reset). The loss trace gains a point only when the loss can change
    (weights, example or loss changed), not when the step slider moves."""

    def _render(self, artists):
        # This figure is mostly numbers, and matplotlib's native glyph hinting makes each
        # glyph cost more: without hinting a step takes about an eighth less time.
        import matplotlib as mpl

        with mpl.rc_context({"text.hinting": "no_hinting"}):
            return super()._render(artists)

    def __init__(self, weights, compute, controls, draw, **kwargs):
        self.start_weights = [np.array(w, dtype=float) for w in weights]
        self.weights = [w.copy() for w in self.start_weights]
        self._traced = None
        super().__init__(lambda **values: compute(self.weights, **values), controls, draw, **kwargs)

    def _record(self, extra_losses=()):
        values = {k: v for k, v in self.values.items() if k != "step"}
        key = (tuple(w.tobytes() for w in self.weights), tuple(sorted(values.items())))
        if key == self._traced and self.losses and not extra_losses:
            self.losses.pop()  # the same loss again: Explorer re-appends it, the trace stays
        self._traced = key
        super()._record(extra_losses)

    def reset(self):
        """Back to the starting weights and values, with an empty loss trace."""
        self.weights = [w.copy() for w in self.start_weights]
        self._traced = None
        return super().reset()


def explorer_state(weights, step, x1, x2, y, loss):
    """The explorer's state for its control values (pure): ``backprop_state``."""
    return backprop_state(step, weights, x1, x2, y, loss)


@widget_factory
def backprop_explorer(x=START_X, y=START_Y, weights=None, loss="binary_crossentropy", step=0):
    """A step slider through forward and backward pass of the 2-2-1 network, and an update.

    Parameters
    ----------
    x : array_like, shape (2,)
    y : float
        Target in [0, 1].
    weights : list of ndarray, optional
        ``[W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,)]``; ``start_weights()`` by default.
    loss : {'binary_crossentropy', 'mse'}
    step : int
        Where the step slider starts (0 … ``N_STEPS``).

    Returns
    -------
    BackpropExplorer
        Display it in a notebook; ``explorer.weights`` holds the current weights. In the static
        HTML book: every step, both losses, x2 from -1 to 1 in steps of 0.5 and the target 0 or
        1 (x1 as given).
    """
    weights = start_weights() if weights is None else weights
    controls = [
        Slider("step", 0, N_STEPS, 1, step, "step", readout_format=".0f"),
        Dropdown("loss", list(LOSSES), loss, "loss"),
        Slider("x1", -2, 2, 0.1, float(x[0]), "input x1"),
        Slider("x2", -2, 2, 0.1, float(x[1]), "input x2", static=[-1, -0.5, 0, 0.5, 1]),
        Slider("y", 0, 1, 0.05, float(y), "target y", static=[0, 1]),
    ]
    explorer = None

    def update(values, settings):
        new, _ = apply_update(
            explorer.weights,
            [values["x1"], values["x2"]],
            values["y"],
            values["loss"],
            settings["learning_rate"],
        )
        explorer.weights = new
        return {}, []  # the trace gains the new loss; the old one is already on it

    lr = Slider("learning_rate", 0.1, 10, 0.1, 1.0, "learning rate", log=True)
    explorer = BackpropExplorer(
        weights,
        explorer_state,
        controls,
        draw_backprop,
        actions=[Action("Apply one update", update, settings=[lr])],
        describe=describe_state,
        title="Backpropagation, one node at a time: step forward, then backward, then update",
        figsize=(12.5, 4.2),
        static=Static(vary=["step", "loss", "x2", "y"]),
    )
    return explorer
