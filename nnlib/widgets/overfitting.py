"""Chapter 8's widget: the overfitting lab.

``lab_run`` (pure) trains a ReLU network on noisy two-moons data with the capacity, the amount
of data and the remedies the learner chooses (an L2 penalty, dropout, early stopping), and
returns the training and validation losses per epoch and the decision boundary.
``overfitting_lab`` puts it behind controls; ``PRESETS`` are settings that tell the story.

Every run is full-batch Adam from the same seed, so the same controls always give the same
numbers. The losses drawn are the *cross-entropies* of the network in predict mode (dropout
off), without the L2 penalty: the penalty differs between settings and would make their losses
incomparable, and the training loss Keras reports during an epoch is measured with dropout on.
Early stopping watches the validation cross-entropy (``EarlyStopping('val_crossentropy')``).
"""

import copy
from collections import OrderedDict

import numpy as np

from .. import datasets, losses
from ..callbacks import Callback, EarlyStopping
from ..layers import Dense, Dropout
from ..model import DivergenceError, Sequential
from ..optimizers import Adam
from ..plotting import MARKERS, PALETTE, PROBA_CMAP
from ..regularizers import L2
from . import Action, Dropdown, Explorer, Slider, Static, widget_factory

#: Training points are the first ``n_train`` of this many (so more data adds points).
POOL = 160
N_VAL = 200
WIDTHS = [2, 4, 8, 16, 32]
SIZES = [20, 40, 80, 160]
L2_OPTIONS = [("0 (none)", 0.0), ("0.0001", 1e-4), ("0.001", 1e-3), ("0.01", 1e-2), ("0.1", 0.1)]
PATIENCES = [5, 10, 20, 40]
EPOCH_STEP = 25
MAX_EPOCHS = 200
LEARNING_RATE = 0.01
RESOLUTION = 50
_BCE = losses.BinaryCrossentropy()
_RUNS = OrderedDict()  # settings -> {epoch: (model, logs)} checkpoints: only makes calls faster
_STATES = OrderedDict()  # all control values -> state
_MAX_RUNS, _MAX_STATES = 8, 64

#: Named settings that tell the chapter's story (the static book shows them). Each changes
#: ``DEFAULTS`` (the overfitting network) in ``values``; ``tests/test_widgets_overfitting.py``
#: checks that every ``story`` is what the numbers say.
PRESETS = [
    {
        "name": "underfit: too small a network",
        "values": {"width": 2, "depth": 1},
        "story": "Two hidden units bend the boundary only a little: it misses the moons' curve, "
        "and the training and validation losses are both high and close together.",
    },
    {
        "name": "overfit: a big network, little data",
        "values": {},
        "story": "Three layers of 32 units (2,241 parameters) on 80 points: the training loss "
        "keeps falling while the validation loss turns near epoch 50 and climbs to several "
        "times its lowest value; the boundary wraps around single noisy points.",
    },
    {
        "name": "L2 fixes it",
        "values": {"l2": 0.01},
        "story": "The same network with an L2 penalty of 0.01 on every kernel: smaller weights, "
        "a smooth boundary, and a validation loss that no longer rises.",
    },
    {
        "name": "too much L2 underfits",
        "values": {"l2": 0.1},
        "story": "A penalty of 0.1 costs more than anything the data can pay back: the weights "
        "collapse, every output is near 0.5 and both losses sit at log 2.",
    },
    {
        "name": "dropout helps, partly",
        "values": {"dropout": 0.6},
        "story": "Dropping 60% of the hidden units at every step slows the memorising: the "
        "validation loss ends far lower than without dropout, but it still rises after its "
        "minimum. On 80 points dropout alone is not enough.",
    },
    {
        "name": "early stopping",
        "values": {"early_stopping": "on", "patience": 20},
        "story": "Early stopping with patience 20 stops 20 epochs after the lowest validation "
        "loss and restores the weights of that epoch: the best validation loss of all presets.",
    },
    {
        "name": "impatient early stopping",
        "values": {"early_stopping": "on", "patience": 5},
        "story": "With patience 5 a short plateau early in training looks like the end: "
        "training stops after 15 epochs, long before the network has learned the moons.",
    },
    {
        "name": "more data",
        "values": {"n_train": 160},
        "story": "Twice the data for the same big network: the validation loss is lower at its "
        "best, and rises later and less.",
    },
]

#: The controls' starting values: the "overfit" preset.
DEFAULTS = {
    "width": 32,
    "depth": 3,
    "n_train": 80,
    "noise": 0.4,
    "l2": 0.0,
    "dropout": 0.0,
    "early_stopping": "off",
    "patience": 20,
    "epochs": MAX_EPOCHS,
}


def preset(name):
    """The full control values of the preset called ``name``."""
    for p in PRESETS:
        if p["name"] == name:
            return {**DEFAULTS, **p["values"]}
    raise ValueError(f"unknown preset {name!r}; choose one of {[p['name'] for p in PRESETS]}")


def preset_of(values):
    """The preset whose settings ``values`` are (the epochs aside), or None."""
    for p in PRESETS:
        full = preset(p["name"])
        if all(values.get(k) == v for k, v in full.items() if k != "epochs"):
            return p
    return None


def lab_data(n_train=80, noise=0.4):
    """Two-moons data: ``n_train`` training points and 200 validation points.

    The training points are the first ``n_train`` of a fixed pool of 160 (seed 0), so a larger
    training set contains the smaller ones; the validation set is drawn separately (seed 1).
    Returns ``X_train`` (n_train, 2), ``y_train`` (n_train,), ``X_val`` (200, 2), ``y_val``
    (200,).
    """
    if n_train not in SIZES:
        raise ValueError(f"n_train must be one of {SIZES}, got {n_train!r}")
    X, y = datasets.make_moons(POOL, noise=noise, seed=0)
    X_val, y_val = datasets.make_moons(N_VAL, noise=noise, seed=1)
    return X[:n_train], y[:n_train], X_val, y_val


def lab_model(width=32, depth=3, l2=0.0, dropout=0.0, seed=0):
    """``2 -> [width ReLU, Dropout] x depth -> 1 sigmoid``, L2 on every kernel, Adam(0.01)."""
    reg = L2(l2) if l2 else None
    layers = []
    for i in range(int(depth)):
        shape = {"input_shape": (2,)} if i == 0 else {}
        layers.append(Dense(int(width), activation="relu", kernel_regularizer=reg, **shape))
        if dropout:
            layers.append(Dropout(dropout))
    layers.append(Dense(1, activation="sigmoid", kernel_regularizer=reg))
    model = Sequential(layers, seed=seed)
    model.compile(optimizer=Adam(LEARNING_RATE), loss="binary_crossentropy")
    return model


class CrossEntropies(Callback):
    """After every epoch: the training and validation cross-entropies in predict mode (dropout
    off, no weight penalty), appended to ``logs['train_ce']`` and ``logs['val_ce']``.

    It also writes the validation one into the epoch's logs as ``'val_crossentropy'``, for the
    callbacks after it (``EarlyStopping(monitor='val_crossentropy')``): callbacks share the
    epoch's logs, as in Keras. Computing it here replaces ``fit``'s own validation pass.
    """

    def __init__(self, data, logs):
        self.data, self.logs = data, logs
        self._X = np.concatenate([data[0], data[2]])
        self._y = np.concatenate([np.ravel(data[1]), np.ravel(data[3])])  # (n,) or (n, 1) labels

    def on_epoch_end(self, epoch, logs=None):
        n_train = len(self.data[0])
        # One pass over both sets, then each set's mean: the same numbers as _BCE(y, p) per set.
        per_point = _BCE.per_example(self._y, self.model.predict(self._X))
        train, val = float(per_point[:n_train].mean()), float(per_point[n_train:].mean())
        self.logs.setdefault("train_ce", []).append(train)
        self.logs.setdefault("val_ce", []).append(val)
        logs["val_crossentropy"] = val


def _fit(model, data, epochs, logs, callbacks=()):
    """Train ``epochs`` more epochs (full batch), appending to ``logs``; notes a divergence."""
    X_train, y_train = data[:2]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            model.fit(
                X_train,
                y_train,
                epochs=epochs,
                batch_size=len(X_train),
                callbacks=[CrossEntropies(data, logs), *callbacks],
            )
    except DivergenceError:
        logs["diverged"] = True


def _trained_without_stopping(key, epochs):
    """The model after ``epochs`` epochs, continuing from the latest cached checkpoint."""
    width, depth, n_train, noise, l2, dropout = key
    saved = _RUNS.setdefault(key, {})
    _RUNS.move_to_end(key)
    while len(_RUNS) > _MAX_RUNS:
        _RUNS.popitem(last=False)
    done = max((e for e in saved if e <= epochs), default=None)
    if done is None:
        model, logs, done = lab_model(width, depth, l2, dropout), {}, 0
    else:
        model, logs = copy.deepcopy(saved[done])
    if done < epochs and not logs.get("diverged"):
        data = lab_data(n_train, noise)
        for stop in range(done + EPOCH_STEP - done % EPOCH_STEP, epochs + EPOCH_STEP, EPOCH_STEP):
            stop = min(stop, epochs)
            _fit(model, data, stop - done, logs)
            done = stop
            saved[done] = copy.deepcopy((model, logs))
            if logs.get("diverged"):
                break
    return model, logs, None


def _trained_with_stopping(key, epochs, patience):
    """A fresh run of ``epochs`` epochs at most, with ``EarlyStopping`` restoring the best."""
    width, depth, n_train, noise, l2, dropout = key
    model, logs = lab_model(width, depth, l2, dropout), {}
    stopper = EarlyStopping(
        monitor="val_crossentropy", patience=patience, restore_best_weights=True
    )
    _fit(model, lab_data(n_train, noise), epochs, logs, callbacks=[stopper])
    return model, logs, stopper


def lab_run(
    width=32,
    depth=3,
    n_train=80,
    noise=0.4,
    l2=0.0,
    dropout=0.0,
    early_stopping="off",
    patience=20,
    epochs=MAX_EPOCHS,
    resolution=RESOLUTION,
):
    """Train the lab's network with these settings and report what happened (pure).

    The same arguments always give the same numbers: everything is seeded, and the cache of
    trained models (checkpoints every 25 epochs) only makes repeated and extended calls fast.
    The returned dict is the cached one: read it, do not modify it.

    Parameters
    ----------
    width : int
        Hidden units per layer.
    depth : int
        Hidden layers.
    n_train : int
        Training points (one of ``SIZES``).
    noise : float
        Standard deviation of the moons' noise: more noise, more overlap between the classes.
    l2 : float
        L2 penalty on every kernel (``regularizers.L2(l2)``).
    dropout : float
        Dropout rate after every hidden layer (0: no Dropout layers).
    early_stopping : {"off", "on"}
        With "on", ``EarlyStopping(monitor="val_crossentropy", patience=patience,
        restore_best_weights=True)``.
    patience : int
        Used only with early stopping.
    epochs : int
        Epochs to train (at most, with early stopping).
    resolution : int
        Grid points along each axis of the decision boundary.

    Returns
    -------
    dict
        ``train_loss``, ``val_loss``: ndarrays (epochs_run,), the cross-entropy per epoch in
        predict mode without the penalty; ``epochs_run``; ``best_epoch`` (1-based, the lowest
        validation loss) and ``best_val_loss``; ``stopped_epoch`` (1-based, or None if training
        ran to the end) and ``restored`` (bool); for the final model (the restored one with
        early stopping): ``final_train_loss``, ``final_val_loss``, ``train_accuracy``,
        ``val_accuracy``, ``penalty``; ``n_params``; ``proba`` (resolution, resolution), the
        probability of class 1 over ``grid`` = (xx, yy); the data ``X_train``, ``y_train``,
        ``X_val``, ``y_val``; ``diverged`` (bool); ``loss`` (= ``final_val_loss``).
    """
    if early_stopping not in ("off", "on"):
        raise ValueError(f"early_stopping must be 'off' or 'on', got {early_stopping!r}")
    if width not in WIDTHS or depth not in (1, 2, 3):
        raise ValueError(f"width must be one of {WIDTHS} and depth 1, 2 or 3")
    epochs = int(epochs)
    if not 1 <= epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs must be between 1 and {MAX_EPOCHS}, got {epochs}")
    # Sliders deliver values such as 0.30000000000000004: use the grid's 0.3 everywhere.
    noise, dropout = round(float(noise), 6), round(float(dropout), 6)
    key = (int(width), int(depth), int(n_train), noise, float(l2), dropout)
    full_key = (*key, early_stopping, int(patience) if early_stopping == "on" else 0, epochs)
    full_key += (int(resolution),)
    if full_key in _STATES:
        _STATES.move_to_end(full_key)
        return _STATES[full_key]
    if early_stopping == "on":
        model, logs, stopper = _trained_with_stopping(key, epochs, int(patience))
    else:
        model, logs, stopper = _trained_without_stopping(key, epochs)
    state = _summarise(model, logs, stopper, lab_data(int(n_train), noise), resolution)
    _STATES[full_key] = state
    while len(_STATES) > _MAX_STATES:
        _STATES.popitem(last=False)
    return state


def _summarise(model, logs, stopper, data, resolution):
    X_train, y_train, X_val, y_val = data
    train_loss = np.array(logs.get("train_ce", []), dtype=float)
    val_loss = np.array(logs.get("val_ce", []), dtype=float)
    finite = np.where(np.isfinite(val_loss), val_loss, np.inf)
    best = int(np.argmin(finite)) if len(val_loss) else 0
    with np.errstate(over="ignore", invalid="ignore"):
        p_train, p_val = model.predict(X_train)[:, 0], model.predict(X_val)[:, 0]
        xx, yy, points = _grid(resolution)
        proba = model.predict(points)[:, 0].reshape(xx.shape)
    stopped = stopper is not None and stopper.stopped_epoch > 0
    return {
        "train_loss": train_loss,
        "val_loss": val_loss,
        "epochs_run": len(val_loss),
        "best_epoch": best + 1,
        "best_val_loss": float(val_loss[best]) if len(val_loss) else float("nan"),
        "stopped_epoch": stopper.stopped_epoch + 1 if stopped else None,
        "restored": stopper is not None and stopper.best_weights is not None,
        "restored_epoch": stopper.best_epoch + 1 if stopper is not None else None,
        "final_train_loss": _BCE(y_train, p_train),
        "final_val_loss": _BCE(y_val, p_val),
        "train_accuracy": float(np.mean((p_train > 0.5) == y_train)),
        "val_accuracy": float(np.mean((p_val > 0.5) == y_val)),
        "penalty": model.penalty(),
        "n_params": model.count_params(),
        "proba": np.where(np.isfinite(proba), proba, 0.5),
        "grid": (xx, yy),
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
        "diverged": bool(logs.get("diverged", False)),
        "loss": _BCE(y_val, p_val),
    }


#: The top of the loss axis (linear, so that the U of the validation loss shows).
YMAX = 1.6
#: The plane shown: it holds the moons at every noise level of the controls.
EXTENT = (-2.5, 3.5, -2.0, 2.5)


def _grid(resolution):
    x = np.linspace(EXTENT[0], EXTENT[1], resolution)
    y = np.linspace(EXTENT[2], EXTENT[3], resolution)
    xx, yy = np.meshgrid(x, y)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


# --------------------------------------------------------------------------------------------
# The readout and the figure.


def describe_lab(values, state):
    """The readout: the settings, the numbers, and what they suggest."""
    depth, epochs = int(values["depth"]), int(values["epochs"])
    how = (
        f"{depth} hidden layer{'s' if depth > 1 else ''} of {values['width']} units "
        f"({state['n_params']:,} parameters), {values['n_train']} training points, noise "
        f"{values['noise']:.1f}, L2 {values['l2']:g}, dropout {values['dropout']:.1f}, early "
        "stopping "
        + (f"on (patience {values['patience']})" if values["early_stopping"] == "on" else "off")
    )
    if state["diverged"]:
        return f"{how}: training DIVERGED (the loss became NaN or infinite)."
    best, best_loss = state["best_epoch"], state["best_val_loss"]
    if state["stopped_epoch"] is not None:
        run = (
            f"Early stopping ended training after epoch {state['stopped_epoch']} (of at most "
            f"{epochs}) and restored the weights of epoch {state['restored_epoch']}, where the "
            f"validation loss was lowest ({best_loss:.3f})"
        )
    elif state["restored"]:
        run = (
            f"Trained all {epochs} epochs without an early stop, then restored the weights of "
            f"epoch {state['restored_epoch']}, the best ({best_loss:.3f})"
        )
    else:
        run = (
            f"Trained {state['epochs_run']} epochs; the validation loss was lowest, "
            f"{best_loss:.3f}, at epoch {best}"
        )
    train, val = state["final_train_loss"], state["final_val_loss"]
    text = (
        f"{how}. {run}. Now: training loss {train:.3f} (accuracy {state['train_accuracy']:.0%}),"
        f" validation loss {val:.3f} (accuracy {state['val_accuracy']:.0%}), gap "
        f"{val - train:+.3f}."
    )
    last_val = state["val_loss"][-1]
    still_falling = state["train_loss"][-1] < state["train_loss"][best - 1]
    if train > 0.6:
        text += " Both losses are near log 2 = 0.693: the network outputs about 0.5 everywhere."
    elif last_val - best_loss > 0.1 and state["restored"]:
        text += (
            f" Without restoring, the model would keep the weights of epoch "
            f"{state['epochs_run']}, with validation loss {last_val:.3f}."
        )
    elif last_val - best_loss > 0.1:
        text += (
            f" Overfitting: since epoch {best} the validation loss has risen by "
            f"{last_val - best_loss:.2f}"
            + (" while the training loss kept falling." if still_falling else ".")
        )
    elif val - train < 0.05:
        text += (
            " The two losses are close: the network does as well on new points as on its own."
            " Whether it underfits shows only by comparison: does more capacity lower both?"
        )
    named = preset_of(values)
    if named is not None:
        text += f" Preset “{named['name']}”, over its {MAX_EPOCHS} epochs: {named['story']}"
    return text


def _draw_lab(fig, state):
    from matplotlib.collections import LineCollection

    ax, ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.15])
    shade = ax.imshow(
        state["proba"],
        origin="lower",
        extent=EXTENT,
        cmap=PROBA_CMAP,
        vmin=0,
        vmax=1,
        alpha=0.55,
        aspect="auto",
        interpolation="bilinear",
        zorder=0,
    )
    boundary = LineCollection([], colors="black", linewidths=1.2, zorder=1)
    ax.add_collection(boundary)
    train_points = [
        ax.scatter(
            [],
            [],
            color=PALETTE[c],
            marker=MARKERS[c],
            edgecolor="black",
            lw=0.6,
            s=28,
            zorder=3,
            label=f"class {c}, training (filled)",
        )
        for c in range(2)
    ]
    val_points = [
        ax.scatter(
            [],
            [],
            facecolor="none",
            edgecolor=PALETTE[c],
            marker=MARKERS[c],
            lw=1.0,
            s=16,
            alpha=0.8,
            zorder=2,
            label=f"class {c}, validation (hollow)",
        )
        for c in range(2)
    ]
    ax.set(xlim=EXTENT[:2], ylim=EXTENT[2:], xlabel="$x_1$", ylabel="$x_2$")
    (train_line,) = ax_loss.plot(
        [], [], color=PALETTE[0], lw=2, marker="o", ms=3, markevery=25, label="training loss"
    )
    (val_line,) = ax_loss.plot(
        [], [], color=PALETTE[1], lw=2, ls="--", marker="s", ms=3, markevery=25,
        label="validation loss",
    )  # fmt: skip
    ax_loss.axhline(np.log(2), color="0.5", lw=0.8, ls=":", zorder=0)
    ax_loss.text(MAX_EPOCHS, np.log(2) + 0.02, "log 2: guessing", ha="right", fontsize=8)
    (best_marker,) = ax_loss.plot(
        [], [], ls="", marker="*", ms=14, color=PALETTE[6], mec="black", zorder=5,
        label="lowest validation loss",
    )  # fmt: skip
    stop_line = ax_loss.axvline(
        0, color=PALETTE[5], ls="-.", lw=1.5, label="early stopping: stopped here", zorder=4
    )
    restore_line = ax_loss.axvline(
        0, color=PALETTE[2], ls=(0, (1, 1)), lw=2, label="...and restored this epoch", zorder=4
    )
    note = ax_loss.text(
        0.5,
        0.97,
        "",
        transform=ax_loss.transAxes,
        ha="center",
        va="top",
        fontsize=8,
        bbox=dict(boxstyle="round", fc="white", ec="0.6"),
        zorder=6,
    )
    ax_loss.set(
        xlim=(0, MAX_EPOCHS),
        ylim=(0, YMAX),
        xlabel="epoch",
        ylabel="cross-entropy (predict mode)",
        title="Training and validation loss",
    )
    ax_loss.title.set_fontsize(10)
    fig.legend(loc="outside lower center", ncols=4, fontsize=7)
    shown = {}

    def update(state):
        import contourpy

        changed = [shade, boundary, train_line, val_line, best_marker, stop_line, restore_line]
        changed += [note, ax.title]
        data_key = (state["X_train"].shape, float(state["X_train"].sum()))
        if shown.get("data") != data_key:
            shown["data"] = data_key
            for c in range(2):
                train_points[c].set_offsets(state["X_train"][state["y_train"] == c])
                val_points[c].set_offsets(state["X_val"][state["y_val"] == c])
            changed += [*train_points, *val_points]
        shade.set_data(state["proba"])
        xx, yy = state["grid"]
        lines = contourpy.contour_generator(xx, yy, state["proba"]).lines(0.5)
        boundary.set_segments(lines)
        epochs = np.arange(1, state["epochs_run"] + 1)
        train_line.set_data(epochs, state["train_loss"])
        val_line.set_data(epochs, state["val_loss"])  # (above YMAX it leaves the chart)
        if state["epochs_run"]:
            best_marker.set_data([state["best_epoch"]], [state["best_val_loss"]])
        else:
            best_marker.set_data([], [])
        stopped = state["stopped_epoch"] is not None
        stop_line.set_xdata([state["stopped_epoch"] or 0] * 2)
        stop_line.set_visible(stopped)
        restore_line.set_xdata([state["restored_epoch"] or 0] * 2)
        restore_line.set_visible(state["restored"])
        if state["diverged"]:
            note.set_text("training diverged")
        elif stopped:
            note.set_text(
                f"stopped after epoch {state['stopped_epoch']}, "
                f"restored epoch {state['restored_epoch']}"
            )
        else:
            note.set_text(f"{state['epochs_run']} epochs, no early stop")
        ax.set_title(f"P(class 1); validation accuracy {state['val_accuracy']:.0%}", fontsize=10)
        return changed

    update(state)
    return update


def html_presets():
    """The configurations the static HTML book offers: every preset, all its settings but the
    epochs (which the reader scrubs through)."""
    return {
        p["name"]: {k: v for k, v in preset(p["name"]).items() if k != "epochs"} for p in PRESETS
    }


@widget_factory
def overfitting_lab(**values):
    """The overfitting lab: capacity, data, noise and remedies; watch both losses and the
    boundary. Keyword arguments set the starting values (see ``DEFAULTS``, ``preset``).

    Returns an ``Explorer``. In the static HTML book: the ``PRESETS``, each after 25, 50, ...,
    200 epochs (64 states, one run per preset and epoch count, as ``lab_run`` caches them).
    """
    start = {**DEFAULTS, **values}

    def compute(**v):
        return lab_run(**v)

    def train_more(current, settings):
        epochs = min(int(current["epochs"]) + EPOCH_STEP, MAX_EPOCHS)
        return {"epochs": epochs}, []

    retrains = dict(continuous_update=False, readout_format=".0f")
    controls = [
        Dropdown("width", WIDTHS, start["width"], "hidden units per layer"),
        Slider("depth", 1, 3, 1, start["depth"], "hidden layers", **retrains),
        Dropdown("n_train", SIZES, start["n_train"], "training points"),
        Slider(
            "noise",
            0.1,
            0.5,
            0.1,
            start["noise"],
            "noise",
            continuous_update=False,
            readout_format=".1f",
        ),  # fmt: skip
        Dropdown("l2", L2_OPTIONS, start["l2"], "L2 strength"),
        Slider(
            "dropout",
            0.0,
            0.6,
            0.2,
            start["dropout"],
            "dropout rate",
            continuous_update=False,
            readout_format=".1f",
        ),  # fmt: skip
        Dropdown("early_stopping", ["off", "on"], start["early_stopping"], "early stopping"),
        Dropdown("patience", PATIENCES, start["patience"], "patience (epochs)"),
        Slider("epochs", EPOCH_STEP, MAX_EPOCHS, EPOCH_STEP, start["epochs"], "epochs", **retrains),
    ]
    return Explorer(
        compute,
        controls,
        _draw_lab,
        actions=[Action(f"Train {EPOCH_STEP} epochs", train_more)],
        describe=describe_lab,
        title="The overfitting lab: capacity, data and remedies",
        figsize=(10, 4.6),
        trace=False,
        static=Static(
            presets=html_presets,
            presets_label="preset",
            vary=["epochs"],
            note="Other settings of the controls need a live kernel.",
        ),
    )
