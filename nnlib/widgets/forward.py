"""Chapter 4's widget: the 3-4-2 network of the forward pass, drawn and editable.

``forward_state`` (pure) runs one example through the network with given weights and returns
every pre-activation ``z``, every activation ``a``, the output and the loss against a target;
``plot_network`` draws such a state as a diagram; ``network_explorer`` puts the inputs, any one
weight (picked from a list) and the targets on controls, and a button takes gradient steps.

Weights use nnlib's layout, ``[W1 (3, 4), b1 (4,), W2 (4, 2), b2 (2,)]``, rows are inputs:
``W1[i, j]`` is the weight from input ``x{i+1}`` to hidden neuron ``h{j+1}``. The source article
prints the same network the other way round, (n_out, n_in) for ``W @ x``: ``SEED_W_HIDDEN`` and
``SEED_W_OUTPUT`` are those printed matrices, and nnlib's are their transposes.
"""

import numpy as np

from ..layers import Dense
from ..model import Sequential
from ..optimizers import SGD
from ..plotting import PALETTE, SEQUENTIAL
from . import Action, Dropdown, Explorer, Slider, Static, widget_factory

# --- the network of seed 004 -----------------------------------------------------------------

#: The example input of seed 004, shape (3,).
SEED_INPUT = np.array([0.7, -1.5, 0.2])
#: Seed 004's weights as printed there: (n_out, n_in), used as ``W @ x``.
SEED_W_HIDDEN = np.array([[0.5, -0.6, 0.1], [0.7, -0.8, 0.2], [-0.1, 0.9, -0.3], [0.3, 0.1, -0.4]])
SEED_B_HIDDEN = np.array([0.1, -0.2, 0.3, 0.4])
SEED_W_OUTPUT = np.array([[0.2, -0.1, 0.4, 0.6], [-0.3, 0.8, -0.5, 0.2]])
SEED_B_OUTPUT = np.array([-0.1, 0.2])
#: The output seed 004 prints for ``SEED_INPUT`` (8 decimals).
SEED_OUTPUT = np.array([0.60530524, 0.65013656])

LAYER_SIZES = (3, 4, 2)
NAMES = (["x1", "x2", "x3"], ["h1", "h2", "h3", "h4"], ["ŷ1", "ŷ2"])
LOSSES = {"mse": "mean squared error", "binary_crossentropy": "binary cross-entropy"}
SHORT = {"mse": "MSE", "binary_crossentropy": "BCE"}
#: Weights are kept in [-LIMIT, LIMIT], the range of the explorer's slider.
LIMIT = 5.0


def seed_weights():
    """Seed 004's weights in nnlib's layout: ``[W1 (3, 4), b1 (4,), W2 (4, 2), b2 (2,)]``."""
    return [
        SEED_W_HIDDEN.T.copy(),
        SEED_B_HIDDEN.copy(),
        SEED_W_OUTPUT.T.copy(),
        SEED_B_OUTPUT.copy(),
    ]


def _parameter_table():
    """``{key: (position in the weights list, index, label)}`` for all 26 parameters."""
    table = {}
    for layer in (1, 2):
        sources, targets = NAMES[layer - 1], NAMES[layer]
        for i, source in enumerate(sources):
            for j, target in enumerate(targets):
                table[f"W{layer}[{i}, {j}]"] = (2 * layer - 2, (i, j), f"{source} → {target}")
        for j, target in enumerate(targets):
            table[f"b{layer}[{j}]"] = (2 * layer - 1, (j,), f"bias of {target}")
    return table


#: Every parameter by its nnlib name, e.g. ``'W1[0, 0]'`` (x1 → h1) or ``'b2[1]'`` (bias of ŷ2).
PARAMETERS = _parameter_table()
#: ``(label, key)`` pairs for the explorer's dropdown, e.g. ``('x1 → h1: W1[0, 0]', 'W1[0, 0]')``.
WEIGHT_OPTIONS = [(f"{label}: {key}", key) for key, (_, _, label) in PARAMETERS.items()]


def _lookup(key):
    if key not in PARAMETERS:
        raise ValueError(f"unknown weight {key!r}; choose one of {list(PARAMETERS)}")
    return PARAMETERS[key]


def get_weight(weights, key):
    """The value of the parameter ``key`` (e.g. ``'W2[3, 1]'``) in ``weights``."""
    position, index, _ = _lookup(key)
    return float(weights[position][index])


def with_weight(weights, key, value):
    """A copy of ``weights`` with the parameter ``key`` set to ``value`` (pure)."""
    position, index, _ = _lookup(key)
    new = [np.array(w, dtype=float) for w in weights]
    new[position][index] = value
    return new


def network_model(weights, loss="mse", learning_rate=1.0):
    """The 3-4-2 sigmoid network with the given weights, compiled with ``loss`` and SGD."""
    model = Sequential(
        [Dense(4, activation="sigmoid", input_shape=(3,)), Dense(2, activation="sigmoid")]
    )
    model.set_weights(weights)
    model.compile(optimizer=SGD(learning_rate), loss=loss)
    return model


def forward_state(x, weights, target, loss="mse"):
    """One example through the 3-4-2 network: every intermediate, the output and the loss (pure).

    Parameters
    ----------
    x : array_like, shape (3,)
    weights : list of ndarray
        ``[W1 (3, 4), b1 (4,), W2 (4, 2), b2 (2,)]``.
    target : array_like, shape (2,)
    loss : {'mse', 'binary_crossentropy'}

    Returns
    -------
    dict
        ``x`` (3,), ``z1`` and ``a1`` (4,), ``z2`` and ``a2`` (2,), ``output`` (= ``a2``),
        ``target`` (2,), ``loss`` (float), ``loss_name``, ``weights``. The ``z`` and ``a`` are read
        from what nnlib's layers cache during the forward pass.
    """
    x = np.asarray(x, dtype=float).reshape(3)
    target = np.asarray(target, dtype=float).reshape(2)
    model = network_model(weights, loss)
    value = model.evaluate(x[None, :], target[None, :])  # runs the forward pass
    hidden, output = model.layers
    return {
        "x": x,
        "z1": hidden.Z[0].copy(),
        "a1": hidden.A[0].copy(),
        "z2": output.Z[0].copy(),
        "a2": output.A[0].copy(),
        "output": output.A[0].copy(),
        "target": target,
        "loss": float(value),
        "loss_name": loss,
        "weights": [np.array(w, dtype=float) for w in weights],
    }


def train_on_example(x, weights, target, loss="mse", learning_rate=1.0, steps=10, limit=LIMIT):
    """``steps`` gradient-descent steps on the single example ``(x, target)`` (pure).

    Returns
    -------
    weights, losses
        The new weights, each kept within ``[-limit, limit]``, and the loss before each step.
    """
    x = np.asarray(x, dtype=float).reshape(1, 3)
    target = np.asarray(target, dtype=float).reshape(1, 2)
    model = network_model(weights, loss, learning_rate)
    losses = []
    for _ in range(steps):
        losses.append(float(model.train_step(x, target)))
        for p in model.parameters():
            np.clip(p.value, -limit, limit, out=p.value)
    return model.get_weights(), losses


# --- the diagram -----------------------------------------------------------------------------

POSITIVE, NEGATIVE = PALETTE[0], PALETTE[5]  # blue solid / vermillion dashed
_NEURON_SIZE = 900  # scatter marker area, points squared


def _positions():
    """Centre of every neuron, layer by layer: a list of (n_units, 2) arrays."""
    return [
        np.column_stack([np.full(n, float(k)), (n - 1) / 2 - np.arange(n)])
        for k, n in enumerate(LAYER_SIZES)
    ]


def _edges():
    """``(key, start, end)`` for every weight, in the order of ``PARAMETERS``."""
    pos = _positions()
    return [
        (key, pos[position // 2][index[0]], pos[position // 2 + 1][index[1]])
        for key, (position, index, _) in PARAMETERS.items()
        if key.startswith("W")
    ]


def _text_colour(rgba):
    """Black on light fills, white on dark ones (relative luminance)."""
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def edge_style(w):
    """Line width, colour and style that show a weight: width grows with ``|w|``, the sign is
    both a colour and a line style (blue solid positive, vermillion dashed negative)."""
    width = 0.4 + 1.4 * min(abs(w), LIMIT)
    return (width, POSITIVE, "-") if w >= 0 else (width, NEGATIVE, (0, (3, 2)))


def draw_network(ax, state, legend="axes"):
    """Draw ``state`` (from ``forward_state``) as a network diagram on ``ax``, once.

    Neurons are circles: inputs grey with their value inside; hidden and output neurons filled by
    their activation (0 dark to 1 yellow) with its value inside and their ``z`` beside them.
    Lines are the weights (see ``edge_style``). ``legend`` is ``'axes'`` (below the diagram),
    ``'figure'`` (outside, at the bottom of a constrained-layout figure, where it stays out of
    redraws) or ``None``.

    Returns
    -------
    update : callable
        ``update(state)`` changes the artists in place and returns the list of those it changed.
        An optional ``state['selected']`` (a key of ``PARAMETERS``) is highlighted.
    """
    import matplotlib as mpl
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.transforms import offset_copy

    cmap, norm = mpl.colormaps[SEQUENTIAL], mpl.colors.Normalize(0, 1)
    pos = _positions()
    neurons_xy = np.vstack(pos[1:])  # hidden then output centres, (6, 2)
    edges = _edges()
    keys = [key for key, _, _ in edges]
    lines = LineCollection([np.array([s, e]) for _, s, e in edges], zorder=1, capstyle="butt")
    ax.add_collection(lines)
    (selected_line,) = ax.plot([], [], color="black", alpha=0.25, solid_capstyle="round", zorder=0)
    (selected_ring,) = ax.plot(
        [], [], ls="none", marker="o", ms=36, mfc="none", mec="black", mew=2.5, zorder=3
    )
    selected_text = ax.text(
        0,
        0,
        "",
        ha="center",
        va="center",
        fontsize=8,
        zorder=4,
        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="black", lw=0.8),
    )
    ax.scatter(*pos[0].T, s=_NEURON_SIZE, c="0.9", edgecolors="black", zorder=2)
    neurons = ax.scatter(
        *neurons_xy.T,
        s=_NEURON_SIZE,
        c=np.zeros(6),
        cmap=cmap,
        norm=norm,
        edgecolors="black",
        zorder=2,
    )

    # Every frame redraws the texts that change, and every glyph costs time, so those hold only
    # numbers; the words before them are static (zorder -1, below every animated artist: drawn
    # once). Offsets are in points, so labels hug their circles at any figure size, and sit where
    # no line crosses them: above the upper hidden neurons, below the lower ones, right of the
    # outputs.
    fig = ax.figure

    def label(centre, words, offset, ha, va):
        """Static ``words`` at ``offset`` points from ``centre``; returns the (animated) text
        just after them, for the number."""
        static = ax.text(
            *centre,
            words,
            ha=ha,
            va=va,
            fontsize=8,
            zorder=-1,
            transform=offset_copy(ax.transData, fig, *offset, units="points"),
        )
        width = static.get_window_extent().width * 72 / fig.dpi  # points
        end = offset[0] + (width if ha == "left" else 0)
        return ax.text(
            *centre,
            "",
            ha="left",
            va=va,
            fontsize=8,
            zorder=3,
            transform=offset_copy(ax.transData, fig, end, offset[1], units="points"),
        )

    values = [  # inside each circle: the input's value, or the neuron's activation
        ax.text(*p, "", ha="center", va="center", fontsize=8, zorder=3) for p in np.vstack(pos)
    ]
    radius = np.sqrt(_NEURON_SIZE) / 2  # points
    z_texts = []
    for j, (name, centre) in enumerate(zip(NAMES[1], pos[1], strict=True)):
        above = j < len(NAMES[1]) / 2
        offset = (4, radius + 2) if above else (4, -radius - 2)
        z_texts.append(
            label(centre, f"{name}: z = ", offset, "right", "bottom" if above else "top")
        )
    target_texts = []
    for name, centre in zip(NAMES[2], pos[2], strict=True):
        z_texts.append(label(centre, f"{name}: z = ", (radius + 5, 1), "left", "bottom"))
        target_texts.append(label(centre, "target ", (radius + 5, -1), "left", "top"))
    for name, (x, y) in zip(NAMES[0], pos[0], strict=True):
        ax.text(x - 0.2, y, name, ha="right", va="center", fontsize=10, zorder=-1)
    top = pos[1][0, 1] + 0.75
    headers = [
        "inputs $x$",
        "hidden layer\n$a^1 = \\sigma(x W^1 + b^1)$",
        "outputs\n$\\hat y = \\sigma(a^1 W^2 + b^2)$",
    ]
    for k, header in enumerate(headers):
        ax.text(k, top, header, ha="center", va="bottom", fontsize=9, zorder=-1)
    ax.set(xlim=(-0.45, 2.85), ylim=(pos[1][-1, 1] - 0.55, top + 0.55))
    ax.set_axis_off()
    ax.figure.colorbar(
        mpl.cm.ScalarMappable(norm=norm, cmap=cmap),
        ax=ax,
        shrink=0.7,
        pad=0.01,
        label="activation $a$",
    )
    handles = [
        Line2D([], [], color=POSITIVE, lw=2, ls="-", label="positive weight"),
        Line2D([], [], color=NEGATIVE, lw=2, ls=(0, (3, 2)), label="negative weight"),
        Line2D([], [], color="black", lw=1, label="width: |w|"),
    ]
    if legend == "figure":
        ax.figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8)
    elif legend == "axes":
        ax.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=3, fontsize=8
        )

    def update(state):
        weights = state["weights"]
        styles = [edge_style(get_weight(weights, key)) for key in keys]
        lines.set_linewidths([s[0] for s in styles])
        lines.set_colors([s[1] for s in styles])
        lines.set_linestyles([s[2] for s in styles])
        activations = np.concatenate([state["a1"], state["a2"]])
        neurons.set_array(activations)
        for text, value in zip(values[:3], state["x"], strict=True):
            text.set_text(f"{value:.2f}")
        digits = [2] * len(state["a1"]) + [3] * len(state["a2"])  # more for the outputs
        for text, value, fill, d in zip(
            values[3:], activations, cmap(norm(activations)), digits, strict=True
        ):
            text.set(text=f"{value:.{d}f}", color=_text_colour(fill))
        for text, z in zip(z_texts, np.concatenate([state["z1"], state["z2"]]), strict=True):
            text.set_text(f"{z:.2f}")
        for text, t in zip(target_texts, state["target"], strict=True):
            text.set_text(f"{t:.2f}")
        ax.set_title(f"{SHORT[state['loss_name']]} loss = {state['loss']:.4f}", fontsize=10)
        key = state.get("selected")
        selected_line.set_data([], [])
        selected_ring.set_data([], [])
        selected_text.set_visible(key is not None)
        if key is not None:
            value = get_weight(weights, key)
            if key.startswith("W"):
                _, start, end = edges[keys.index(key)]
                selected_line.set_data(*np.array([start, end]).T)
                selected_line.set_linewidth(edge_style(value)[0] + 7)
                where = start + 0.3 * (end - start)  # nearer the source: fans overlap less
            else:
                position, (j,), _ = PARAMETERS[key]
                centre = pos[(position + 1) // 2][j]
                selected_ring.set_data([centre[0]], [centre[1]])
                where = centre - np.array([0.3, 0.0])
            selected_text.set_position(where)
            selected_text.set_text(f"{value:.2f}")
        return [
            lines,
            neurons,
            selected_line,
            selected_ring,
            selected_text,
            ax.title,
            *values,
            *z_texts,
            *target_texts,
        ]

    update(state)
    return update


def plot_network(state, ax=None, selected=None):
    """Draw ``state`` (from ``forward_state``) as a static network diagram; returns the axes.

    ``selected`` (a key of ``PARAMETERS``) highlights one weight or bias.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    draw_network(ax, {**state, "selected": selected}, legend="axes")
    return ax


# --- the explorer ----------------------------------------------------------------------------


class NetworkExplorer(Explorer):
    """An ``Explorer`` over all of a network's weights, edited one at a time.

    Its controls must include a ``'weight'`` dropdown (which parameter) and a ``'value'`` slider
    (its value). The network's weights live in ``self.weights``: picking another weight moves the
    slider to that weight's value, so edits add up instead of being forgotten.
    ``compute(weights, **values)`` is pure; everything else is ``Explorer``'s.
    """

    def __init__(self, weights, compute, controls, draw, **kwargs):
        self.start_weights = [np.array(w, dtype=float) for w in weights]
        self.weights = [w.copy() for w in self.start_weights]
        self._selected = next(c.value for c in controls if c.name == "weight")
        super().__init__(lambda **values: compute(self.weights, **values), controls, draw, **kwargs)

    def refresh(self):
        key, value = self.widgets["weight"].value, self.widgets["value"].value
        if key != self._selected:  # another weight was picked: show its value on the slider
            self._selected = key
            with self._hold():
                self.widgets["value"].value = get_weight(self.weights, key)
        else:  # the slider (or another control) moved: keep the slider's value
            self.weights = with_weight(self.weights, key, value)
        return super().refresh()

    def set(self, **values):
        """As ``Explorer.set``; ``set(weight=k, value=v)`` sets weight ``k`` to ``v``."""
        if "weight" in values and "value" in values:
            with self._hold():
                self.widgets["weight"].value = values.pop("weight")
            self._selected = self.widgets["weight"].value
        return super().set(**values)

    def reset(self):
        """Back to the starting weights and values, with an empty loss trace."""
        self.weights = [w.copy() for w in self.start_weights]
        self._selected = next(c.value for c in self.controls if c.name == "weight")
        return super().reset()


def explorer_state(weights, x1, x2, x3, weight, value, t1, t2, loss):
    """The explorer's state for its control values (pure): ``forward_state`` with weight
    ``weight`` set to ``value``, plus ``'selected'``."""
    weights = with_weight(weights, weight, value)
    return {**forward_state([x1, x2, x3], weights, [t1, t2], loss), "selected": weight}


def describe_state(values, state):
    """The explorer's readout: every number the diagram shows, in words."""

    def vec(a, digits=2):
        return "(" + ", ".join(f"{v:.{digits}f}" for v in a) + ")"

    key = values["weight"]
    _, _, label = PARAMETERS[key]
    return (
        f"Input x = {vec(state['x'])} → hidden z = {vec(state['z1'])}, "
        f"a = {vec(state['a1'], 3)} → output z = {vec(state['z2'])}, "
        f"ŷ = {vec(state['output'], 4)}; target {vec(state['target'])}; "
        f"{LOSSES[state['loss_name']]} = {state['loss']:.4f}. "
        f"Editing {label} ({key}) = {get_weight(state['weights'], key):.2f}. "
        "Lines: blue solid = positive weight, vermillion dashed = negative, width = |w|; "
        "circle colour = activation (dark 0, yellow 1)."
    )


#: The weights the static HTML book lets the reader edit (those the chapter's exercises use).
HTML_WEIGHTS = [
    "W1[0, 0]",
    "W1[1, 2]",
    "W1[2, 3]",
    "W2[0, 0]",
    "W2[2, 0]",
    "W2[3, 1]",
    "b1[0]",
    "b2[0]",
]
#: The values it offers for them, besides each one's starting value.
HTML_VALUES = [-5.0, -4.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]


@widget_factory
def network_explorer(x=SEED_INPUT, weights=None, target=(0.0, 1.0), loss="mse", weight="W1[0, 0]"):
    """Sliders for the inputs, the targets and any one weight of the 3-4-2 network.

    Parameters
    ----------
    x : array_like, shape (3,)
    weights : list of ndarray, optional
        ``[W1 (3, 4), b1 (4,), W2 (4, 2), b2 (2,)]``; seed 004's by default.
    target : array_like, shape (2,)
    loss : {'mse', 'binary_crossentropy'}
    weight : str
        The weight the slider edits first (a key of ``PARAMETERS``).

    Returns
    -------
    NetworkExplorer
        Display it in a notebook. ``explorer.weights`` holds the current weights. In the static
        HTML book: the input as given or all zeros, either loss, and one of ``HTML_WEIGHTS`` set
        to one of ``HTML_VALUES`` or its starting value (edits do not add up there).
    """
    weights = seed_weights() if weights is None else [np.array(w, dtype=float) for w in weights]
    x, target = np.asarray(x, dtype=float), np.asarray(target, dtype=float)
    offered = list(dict.fromkeys([weight, *HTML_WEIGHTS]))
    html_values = sorted(set(HTML_VALUES) | {get_weight(weights, key) for key in offered})
    inputs = {
        f"input x = ({x[0]:.2f}, {x[1]:.2f}, {x[2]:.2f})": dict(
            x1=float(x[0]), x2=float(x[1]), x3=float(x[2])
        ),
        "input x = (0, 0, 0)": dict(x1=0.0, x2=0.0, x3=0.0),
    }
    controls = [
        Slider("x1", -3, 3, 0.1, float(x[0]), "input x1"),
        Slider("x2", -3, 3, 0.1, float(x[1]), "input x2"),
        Slider("x3", -3, 3, 0.1, float(x[2]), "input x3"),
        Dropdown("loss", list(LOSSES), loss, "loss"),
        Dropdown("weight", WEIGHT_OPTIONS, weight, "edit weight", static=offered),
        Slider(
            "value",
            -LIMIT,
            LIMIT,
            0.05,
            get_weight(weights, weight),
            "its value",
            static=html_values,
        ),
        Slider("t1", 0, 1, 0.05, float(target[0]), "target for ŷ1"),
        Slider("t2", 0, 1, 0.05, float(target[1]), "target for ŷ2"),
    ]
    explorer = None

    def train(values, settings):
        new, losses = train_on_example(
            [values["x1"], values["x2"], values["x3"]],
            explorer.weights,
            [values["t1"], values["t2"]],
            values["loss"],
            settings["learning_rate"],
            steps=10,
        )
        explorer.weights = new
        return {"value": get_weight(new, values["weight"])}, losses

    def draw(fig, state):
        return draw_network(fig.subplots(), state, legend="figure")

    lr = Slider("learning_rate", 0.1, 10, 0.1, 1.0, "learning rate", log=True)
    explorer = NetworkExplorer(
        weights,
        explorer_state,
        controls,
        draw,
        actions=[Action("Train on this example: 10 steps", train, settings=[lr])],
        describe=describe_state,
        title="The forward pass: change an input or a weight, watch every activation and the loss",
        figsize=(9.6, 4.0),
        static=Static(
            presets=inputs,
            presets_label="input",
            vary=["loss", "weight", "value"],
            jumps={"weight": lambda key: {"value": get_weight(weights, key)}},
            note="Here each setting is the starting network with the one weight you pick "
            "changed (in the notebook, edits add up).",
        ),
    )
    return explorer
