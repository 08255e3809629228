"""Chapter 6's widgets: optimizers on a 2-D loss surface, and a small network in training.

(a) ``descent_path`` (pure) runs one of nnlib's optimizers on a ``Surface``, a loss of two
parameters ``theta = (theta_1, theta_2)``, and returns the path and the loss along it;
``descent_explorer`` lets the learner choose the surface, the optimizer, the learning rate, the
momentum and the starting point.

(b) ``training_run`` (pure) trains a small ``Sequential`` network on a toy data set with a
validation split, and returns the training and validation loss per epoch and the decision regions;
``training_explorer`` trains it ten epochs at a time.
"""

import copy
from collections import OrderedDict

import numpy as np

from .. import datasets, losses
from ..layers import Dense, Parameter
from ..model import DivergenceError, Sequential
from ..optimizers import SGD, Adam
from ..plotting import MARKERS, PALETTE
from . import Action, Dropdown, Explorer, Slider, Static, widget_factory

# --------------------------------------------------------------------------------------------
# Loss surfaces of two parameters.

#: Every surface is drawn on this square of parameter space: (low, high) for both parameters.
BOX = (-3.0, 3.0)
#: A path that gets this far from the origin has left for good: the run stops, "diverged".
ESCAPE = 100.0
#: The most steps the explorer's slider allows.
MAX_STEPS = 200


class Surface:
    """A loss ``L(theta)`` of two parameters, with its gradient.

    Parameters
    ----------
    name : str
    value : callable
        ``value(points)`` for points of shape (..., 2) returns the losses, shape (...).
    gradient : callable
        ``gradient(theta)`` for one point, shape (2,), returns dL/dtheta, shape (2,).
    guesses : list of (float, float)
        Starting points from which Newton's method finds the minima (see ``minima``).
    labels : (str, str)
        Names of the two parameters, for the axes.
    """

    def __init__(self, name, value, gradient, guesses, labels=(r"$\theta_1$", r"$\theta_2$")):
        self.name, self.value, self.gradient, self.labels = name, value, gradient, labels
        self.minima = _unique([_newton(gradient, g) for g in guesses])
        self.minimum_values = np.array([float(value(m)) for m in self.minima])
        self.f_min = float(self.minimum_values.min())  # the global minimum
        self.minimum = self.minima[int(np.argmin(self.minimum_values))]

    def __call__(self, theta):
        return self.value(np.asarray(theta, dtype=float))

    def hessian(self, theta, h=1e-5):
        """Centered differences of the gradient: the (2, 2) matrix of second derivatives."""
        theta = np.asarray(theta, dtype=float)
        columns = [
            (self.gradient(theta + h * e) - self.gradient(theta - h * e)) / (2 * h)
            for e in np.eye(2)
        ]
        H = np.column_stack(columns)
        return (H + H.T) / 2

    def threshold(self):
        """``2 / lambda_max`` of the Hessian at the (global) minimum: near the minimum, plain
        gradient descent converges for learning rates below this and diverges above it."""
        return 2.0 / float(np.linalg.eigvalsh(self.hessian(self.minimum)).max())

    def grid(self, resolution=121):
        """``(t1, t2, L)``: the surface on a square grid over ``BOX``; ``L`` (res, res)."""
        t = np.linspace(*BOX, resolution)
        T1, T2 = np.meshgrid(t, t)
        return t, t, self.value(np.stack([T1, T2], axis=-1))

    def __repr__(self):
        return f"Surface({self.name!r})"


def _newton(gradient, theta, steps=60, h=1e-6):
    theta = np.asarray(theta, dtype=float)
    for _ in range(steps):
        g = gradient(theta)
        H = np.column_stack(
            [(gradient(theta + h * e) - gradient(theta - h * e)) / (2 * h) for e in np.eye(2)]
        )
        theta = theta - np.linalg.solve(H, g)
    return theta


def _unique(points, tol=1e-6):
    out = []
    for p in points:
        if all(np.linalg.norm(p - q) > tol for q in out):
            out.append(p)
    return out


def quadratic(eigenvalues=(1.0, 25.0), name="ill-conditioned quadratic"):
    """``L = (lambda_1 theta_1^2 + lambda_2 theta_2^2) / 2``: a bowl stretched along theta_1.

    Its Hessian is ``diag(eigenvalues)``; plain gradient descent converges iff
    ``lr < 2 / max(eigenvalues)``.
    """
    lam = np.asarray(eigenvalues, dtype=float)
    return Surface(
        name,
        lambda P: 0.5 * np.sum(lam * np.asarray(P) ** 2, axis=-1),
        lambda t: lam * t,
        guesses=[(1.0, 1.0)],
    )


def rosenbrock(a=1.0, b=100.0):
    """Rosenbrock's banana: ``(a - x)^2 + b (y - x^2)^2``, minimum 0 at ``(a, a^2)`` at the end
    of a long, curved, flat-bottomed valley."""

    def value(P):
        P = np.asarray(P)
        x, y = P[..., 0], P[..., 1]
        return (a - x) ** 2 + b * (y - x**2) ** 2

    def gradient(t):
        x, y = t
        return np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)])

    return Surface("Rosenbrock", value, gradient, guesses=[(a, a * a)], labels=("$x$", "$y$"))


def two_minima(tilt=0.3):
    """``(x^2 - 1)^2 + tilt x + y^2``: two valleys, near x = -1 (deeper) and x = +1, split by a
    ridge (a saddle point near the origin)."""

    def value(P):
        P = np.asarray(P)
        x, y = P[..., 0], P[..., 1]
        return (x**2 - 1) ** 2 + tilt * x + y**2

    def gradient(t):
        x, y = t
        return np.array([4 * x * (x**2 - 1) + tilt, 2 * y])

    return Surface("two minima", value, gradient, guesses=[(-1, 0), (1, 0)], labels=("$x$", "$y$"))


def neuron_data(kind):
    """The 1-D data of the two neuron surfaces: 40 points each, ``X`` (40, 1), ``y`` (40, 1).

    ``"linear"``: y = 0.5 x + 1 plus noise; ``"logistic"``: two overlapping classes centred
    at x = -0.5 (label 0) and x = 1.5 (label 1).
    """
    if kind == "linear":
        return datasets.make_regression_1d(n_samples=40, noise=0.5, fn="linear", seed=0)
    X, y = datasets.make_blobs(40, centers=[[-0.5], [1.5]], cluster_std=1.0, seed=1)
    return X, y[:, None].astype(float)


def neuron_surface(kind="linear"):
    """The loss of one neuron ``a = f(w x + b)`` on ``neuron_data(kind)`` as a function of
    ``theta = (w, b)``: the mean squared error of a linear neuron, or the binary cross-entropy
    of a sigmoid neuron (logistic regression).

    The values come from ``nnlib.losses`` for every grid point at once (``per_example`` averages
    over the last axis, here the examples); the gradient from the loss's gradient at ``z`` and
    a ``Dense`` layer's backward pass for one unit (``dL/dw = x . dL/dz``, ``dL/db = sum dL/dz``;
    the tests check it against ``Sequential.compute_gradients``).
    """
    X, y = neuron_data(kind)
    if kind == "linear":
        per_point, name = losses.MeanSquaredError(), "linear neuron (MSE)"
    else:  # the cross-entropy of sigmoid(z), computed stably from z
        per_point, name = losses.BinaryCrossentropy(from_logits=True), "logistic neuron (BCE)"
    x, target = X[:, 0], y[:, 0]

    def value(P):
        P = np.asarray(P, dtype=float)
        Z = P[..., :1] * x + P[..., 1:]  # (..., n_samples): z for every example at every theta
        return per_point.per_example(np.broadcast_to(target, Z.shape), Z)

    def gradient(theta):
        dz = per_point.gradient(target, theta[0] * x + theta[1])  # dL/dz, (n_samples,)
        return np.array([x @ dz, dz.sum()])  # Dense's backward for one unit: X^T dz and sum(dz)

    return Surface(name, value, gradient, guesses=[(0.5, 0.5)], labels=("weight $w$", "bias $b$"))


def _surfaces():
    return {
        s.name: s
        for s in (
            neuron_surface("linear"),
            neuron_surface("logistic"),
            quadratic(),
            rosenbrock(),
            two_minima(),
        )
    }


SURFACES = _surfaces()
OPTIMIZERS = ["gradient descent", "momentum", "nesterov", "adam"]


def make_optimizer(name, lr, momentum=0.9):
    """An nnlib optimizer by the widget's name; ``momentum`` is Adam's ``beta_1``."""
    if name == "gradient descent":
        return SGD(lr)
    if name in ("momentum", "nesterov"):
        return SGD(lr, momentum=momentum, nesterov=name == "nesterov")
    if name == "adam":
        return Adam(lr, beta_1=momentum)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {OPTIMIZERS}")


def descent_path(surface, optimizer, lr, momentum=0.9, start=(-2.0, 2.0), steps=100):
    """Run an nnlib optimizer on a loss surface from ``start`` (pure).

    The two coordinates are one ``Parameter`` of shape (2,); each step sets its ``grad`` to the
    surface's gradient and calls ``optimizer.step``, exactly as training a network does.

    Parameters
    ----------
    surface : str or Surface
        A name from ``SURFACES`` or a ``Surface``.
    optimizer : str
        ``"gradient descent"``, ``"momentum"``, ``"nesterov"`` or ``"adam"``.
    lr : float
    momentum : float
        The momentum coefficient (Adam's ``beta_1``); ignored by plain gradient descent.
    start : (float, float)
    steps : int

    Returns
    -------
    dict
        ``path`` (k + 1, 2): the start and each point reached; ``losses`` (k + 1,): the loss at
        each; ``diverged`` (bool): the loss stopped being finite or the point went further than
        ``ESCAPE`` from the origin, and the run stopped after k < ``steps`` steps; ``steps``: k.
    """
    surface = SURFACES[surface] if isinstance(surface, str) else surface
    p = Parameter(np.array(start, dtype=float), "theta")
    opt = make_optimizer(optimizer, lr, momentum)
    path, diverged = [p.value.copy()], False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(steps)):
            p.grad = surface.gradient(p.value)
            opt.step([p])
            path.append(p.value.copy())
            if not np.all(np.abs(p.value) < ESCAPE):  # (also catches NaN)
                diverged = True
                break
        path = np.array(path)
        values = surface(path)  # the loss at every point at once
    diverged = diverged or not np.all(np.isfinite(values))
    return {
        "path": path,
        "losses": values,
        "diverged": diverged,
        "steps": len(path) - 1,
    }


def descent_state(surface, optimizer, lr, momentum, x0, y0, steps):
    """Everything the explorer shows for one setting of its controls (pure).

    Returns ``descent_path``'s dict plus ``loss`` (the last finite loss, or inf if it
    diverged), ``gap`` (losses minus the surface's minimum), ``surface`` (the Surface) and the
    settings.
    """
    s = SURFACES[surface]
    run = descent_path(s, optimizer, lr, momentum, (x0, y0), steps)
    last = run["losses"][-1]
    return {
        **run,
        "loss": float(last) if np.isfinite(last) and not run["diverged"] else float("inf"),
        "gap": run["losses"] - s.f_min,
        "surface": s,
        "optimizer": optimizer,
        "lr": lr,
        "momentum": momentum,
        "max_steps": int(steps),
    }


def _fmt(point):
    return f"({point[0]:.3g}, {point[1]:.3g})"


def describe_descent(values, state):
    """The readout: the settings, where the path ended, and whether it converged or diverged."""
    s, path = state["surface"], state["path"]
    opt = values["optimizer"]
    how = f"{opt} with learning rate {values['lr']:.3g}"
    if opt in ("momentum", "nesterov"):
        how += f" and momentum {values['momentum']:.2f}"
    elif opt == "adam":
        how += f" and beta_1 {values['momentum']:.2f}"
    text = f"{s.name}: {how}, from {_fmt(path[0])}. "
    if state["diverged"]:
        text += (
            f"Diverged: after {state['steps']} steps the point is at {_fmt(path[-1])} and the "
            f"loss is {state['losses'][-1]:.3g}; the steps grow instead of shrinking (near the "
            "minimum, plain gradient descent needs a learning rate below 2/lambda_max = "
            f"{s.threshold():.3g})."
        )
        return text
    text += (
        f"After {state['steps']} steps: {_fmt(path[-1])}, loss {state['losses'][-1]:.4g}, "
        f"{state['gap'][-1]:.2g} above the lowest value {s.f_min:.4g}. "
    )
    near = [np.linalg.norm(path[-1] - m) < 1e-2 for m in s.minima]
    if any(near):
        i = near.index(True)
        kind = (
            "the global minimum" if np.isclose(s.minimum_values[i], s.f_min) else "a LOCAL minimum"
        )
        text += f"It has reached {kind} at {_fmt(s.minima[i])}."
    else:
        text += "It has not reached a minimum yet."
    return text


def _contour_segments(surface, levels, resolution=121):
    import contourpy

    t1, t2, L = surface.grid(resolution)
    gen = contourpy.contour_generator(t1, t2, L - surface.f_min)
    return [line for level in levels for line in gen.lines(level)]


LEVELS = np.geomspace(1e-2, 1e4, 13)  # contour heights above the minimum (log-spaced)


def _draw_descent(fig, state):
    from matplotlib.collections import LineCollection

    ax, ax_loss = fig.subplots(1, 2, width_ratios=[1.1, 1])
    t1, t2, L = state["surface"].grid()
    shade = ax.imshow(
        np.log10(L - state["surface"].f_min + 1e-3),
        extent=(*BOX, *BOX),
        origin="lower",
        cmap="Greys_r",
        vmin=-3,
        vmax=4.5,
        alpha=0.35,
        zorder=0,
    )
    contours = LineCollection([], colors="0.35", linewidths=0.7, zorder=1)
    ax.add_collection(contours)
    (path_line,) = ax.plot(
        [], [], color=PALETTE[5], lw=1.8, marker="o", ms=3, zorder=4, label="path"
    )
    (start,) = ax.plot([], [], ls="", marker="s", ms=8, color="black", zorder=5, label="start")
    (end,) = ax.plot(
        [], [], ls="", marker="X", ms=9, color=PALETTE[0], mec="white", zorder=6, label="end"
    )
    (minima,) = ax.plot(
        [], [], ls="", marker="*", ms=14, color=PALETTE[6], mec="black", zorder=3, label="minimum"
    )
    note = ax.text(
        0.5,
        0.97,
        "",
        transform=ax.transAxes,
        ha="center",
        va="top",
        fontsize=9,
        zorder=7,
        bbox=dict(boxstyle="round", fc="white", ec=PALETTE[5]),
    )
    ax.set(xlim=BOX, ylim=BOX, aspect="equal")
    (gap_line,) = ax_loss.plot([], [], color=PALETTE[5], lw=1.8, label="loss − lowest loss")
    ax_loss.set(
        xlim=(0, MAX_STEPS),
        yscale="log",
        ylim=(1e-10, 1e6),
        xlabel="step",
        ylabel="loss above the minimum",
        title="Loss along the path",
    )
    fig.legend(loc="outside lower center", ncols=5, fontsize=8)  # outside: stays static
    shown = {}

    def update(state):
        s = state["surface"]
        changed = [path_line, start, end, note, gap_line, ax.title]
        if shown.get("surface") is not s:  # a new surface: new shading, contours and labels
            shown["surface"] = s
            _, _, L = s.grid()
            shade.set_data(np.log10(L - s.f_min + 1e-3))
            contours.set_segments(_contour_segments(s, LEVELS))
            minima.set_data(*np.array(s.minima).T)
            ax.set(xlabel=s.labels[0], ylabel=s.labels[1])
            changed += [shade, contours, minima]
        path = state["path"]
        path_line.set_data(path[:, 0], path[:, 1])
        start.set_data(path[:1, 0], path[:1, 1])
        end.set_data(path[-1:, 0], path[-1:, 1])
        steps = np.arange(len(path))
        gap = np.where(np.isfinite(state["gap"]), np.maximum(state["gap"], 1e-12), 1e12)
        gap_line.set_data(steps, gap)
        if state["diverged"]:
            note.set_text(f"diverged after {state['steps']} steps")
            note.set_visible(True)
        else:
            note.set_visible(False)
        ax.set_title(f"{s.name}: {state['optimizer']}", fontsize=10)
        return changed

    update(state)
    return update


#: Learning rates the static HTML book offers (around the quadratic's limit 2 / 25 = 0.08).
HTML_RATES = [0.003, 0.01, 0.03, 0.05, 0.07, 0.09, 0.11, 0.3, 1.0, 3.0]
#: Starting points it offers.
HTML_STARTS = [(-2.5, 1.5), (-1.5, 2.5), (2.5, 1.5)]


@widget_factory
def descent_explorer(
    surface="ill-conditioned quadratic",
    optimizer="gradient descent",
    lr=0.07,
    momentum=0.9,
    x0=-2.5,
    y0=1.5,
    steps=100,
):
    """An optimizer on a 2-D loss surface: choose everything, watch the path and the loss.

    Returns an ``Explorer``; display it in a notebook. In the static HTML book: every surface
    and optimizer, the rates ``HTML_RATES``, momentum 0.44 or 0.9, the starts ``HTML_STARTS``
    (and the given one), ``steps`` steps.
    """
    starts = {
        f"start ({a:g}, {b:g})": {"x0": float(a), "y0": float(b)}
        for a, b in dict.fromkeys([(x0, y0), *HTML_STARTS])
    }
    controls = [
        Dropdown("surface", list(SURFACES), surface, "surface"),
        Dropdown("optimizer", OPTIMIZERS, optimizer, "optimizer"),
        Slider(
            "lr",
            1e-4,
            3.0,
            0.05,
            lr,
            "learning rate",
            log=True,
            readout_format=".3g",
            static=HTML_RATES,
        ),
        Slider("momentum", 0.0, 0.99, 0.01, momentum, "momentum (Adam: β₁)", static=[0.44, 0.9]),
        Slider("x0", *BOX, 0.1, x0, "start θ₁"),
        Slider("y0", *BOX, 0.1, y0, "start θ₂"),
        Slider("steps", 10, MAX_STEPS, 10, steps, "steps", readout_format=".0f"),
    ]
    return Explorer(
        descent_state,
        controls,
        _draw_descent,
        describe=describe_descent,
        title="Gradient descent on a loss surface: choose the optimizer, the rate, the start",
        figsize=(9, 4.2),
        trace=False,
        static=Static(
            presets=starts,
            presets_label="starting point",
            vary=["surface", "optimizer", "lr", "momentum"],
            budget=1500,
        ),
    )


# --------------------------------------------------------------------------------------------
# (b) A small network in training.

DATA = ["moons", "spiral"]
TRAIN_OPTIMIZERS = ["sgd", "momentum", "adam"]
#: Batch sizes offered; 0 means the whole training set (full-batch gradient descent).
BATCH_SIZES = [("4", 4), ("16", 16), ("64", 64), ("full batch (160)", 0)]
MAX_EPOCHS = 100
HIDDEN = 16
_CHECKPOINTS = OrderedDict()  # settings -> {epoch: (model, logs)}: only makes calls faster
_MAX_SETTINGS = 8


def toy_data(name="moons", seed=0):
    """200 points of a toy data set, split 160 / 40 into training and validation.

    Returns ``X_train`` (160, 2), ``X_val`` (40, 2), ``y_train`` (160,), ``y_val`` (40,).
    """
    if name == "moons":
        X, y = datasets.make_moons(200, noise=0.25, seed=seed)
    elif name == "spiral":
        X, y = datasets.make_spiral(200, n_classes=3, noise=0.2, seed=seed)
    else:
        raise ValueError(f"unknown data set {name!r}; choose one of {DATA}")
    return datasets.train_test_split(X, y, test_size=40, seed=seed, stratify=True)


def training_model(data, optimizer, lr, momentum=0.9, seed=0):
    """The compiled network ``2 -> 16 tanh -> 16 tanh -> output`` for ``data``."""
    n_classes = 2 if data == "moons" else 3
    out = Dense(1, activation="sigmoid") if n_classes == 2 else Dense(3, activation="softmax")
    model = Sequential(
        [Dense(HIDDEN, activation="tanh", input_shape=(2,)), Dense(HIDDEN, activation="tanh"), out],
        seed=seed,
    )
    opt = {
        "sgd": lambda: SGD(lr),
        "momentum": lambda: SGD(lr, momentum=momentum),
        "adam": lambda: Adam(lr),
    }
    if optimizer not in opt:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {TRAIN_OPTIMIZERS}")
    loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
    model.compile(optimizer=opt[optimizer](), loss=loss, metrics=["accuracy"])
    return model


def _trained(data, optimizer, lr, batch_size, epochs, seed, momentum):
    key = (data, optimizer, float(lr), int(batch_size), int(seed), float(momentum))
    saved = _CHECKPOINTS.setdefault(key, {})
    _CHECKPOINTS.move_to_end(key)
    while len(_CHECKPOINTS) > _MAX_SETTINGS:
        _CHECKPOINTS.popitem(last=False)
    done = max((e for e in saved if e <= epochs), default=None)
    if done is None:
        model, logs, done = training_model(data, optimizer, lr, momentum, seed), {}, 0
    else:
        model, logs = copy.deepcopy(saved[done][0]), copy.deepcopy(saved[done][1])
    if done == epochs or logs.get("diverged"):
        return model, logs
    X_train, X_val, y_train, y_val = toy_data(data, seed)
    size = batch_size or len(X_train)
    for epoch in range(done, epochs):
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                history = model.fit(
                    X_train, y_train, epochs=1, batch_size=size, validation_data=(X_val, y_val)
                )
        except DivergenceError:
            logs["diverged"] = True
            break
        for k, v in history.history.items():
            logs.setdefault(k, []).append(float(v[0]))
        if (epoch + 1) % 10 == 0:
            saved[epoch + 1] = (copy.deepcopy(model), copy.deepcopy(logs))
    saved[epochs] = (copy.deepcopy(model), copy.deepcopy(logs))
    return model, logs


def training_run(
    data="moons",
    optimizer="adam",
    lr=0.01,
    batch_size=16,
    epochs=20,
    seed=0,
    momentum=0.9,
    resolution=60,
):
    """Train the small network for ``epochs`` epochs and report what happened (pure).

    The same arguments always give the same numbers (trained models are cached at every tenth
    epoch, which only makes calls that extend a run fast).

    Parameters
    ----------
    data : {"moons", "spiral"}
    optimizer : {"sgd", "momentum", "adam"}
    lr : float
    batch_size : int
        Examples per update; 0 means all 160 (full batch).
    epochs : int
    seed : int
        Seeds the weights, the data and the shuffling.
    momentum : float
        For ``"momentum"``.
    resolution : int
        Points along each axis of the decision-region grid.

    Returns
    -------
    dict
        ``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``: ndarrays (epochs_run,), per epoch
        as Keras reports them (``loss`` is the mean over the epoch's batches); ``diverged``
        (bool); ``epochs_run``; ``updates`` (updates made); ``regions`` (resolution, resolution)
        predicted class over ``grid`` = (xx, yy); the data ``X_train``, ``y_train``, ``X_val``,
        ``y_val``.
    """
    model, logs = _trained(data, optimizer, lr, batch_size, int(epochs), seed, momentum)
    X_train, X_val, y_train, y_val = toy_data(data, seed)
    xx, yy, points = _grid(X_train, resolution)
    with np.errstate(over="ignore", invalid="ignore"):
        out = model.predict(points)
    regions = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
    regions = np.where(np.isfinite(out).all(axis=1), regions, -1).reshape(xx.shape)
    epochs_run = len(logs.get("loss", []))
    steps_per_epoch = -(-len(X_train) // (batch_size or len(X_train)))
    return {
        **{
            k: np.array(logs.get(k, []), dtype=float)
            for k in ("loss", "val_loss", "accuracy", "val_accuracy")
        },
        "diverged": bool(logs.get("diverged", False)),
        "epochs_run": epochs_run,
        "updates": epochs_run * steps_per_epoch,
        "regions": regions,
        "grid": (xx, yy),
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
    }


def _grid(X, resolution):
    """A square grid over the data plus a margin: xx, yy (res, res) and the points (res**2, 2)."""
    low, high = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
    xx, yy = np.meshgrid(*(np.linspace(a, b, resolution) for a, b in zip(low, high, strict=True)))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def describe_training(values, state):
    """The readout: the settings, the losses and accuracies, the gap, or the divergence."""
    size = values["batch_size"] or len(state["X_train"])
    how = (
        f"{values['data']}, {values['optimizer']} with learning rate {values['lr']:.3g}, "
        f"batch size {size}{' (full batch)' if not values['batch_size'] else ''}"
    )
    if state["diverged"]:
        return (
            f"{how}: training DIVERGED in epoch {state['epochs_run'] + 1} (the loss became NaN or "
            "infinite); the learning rate is too large. Lower it and train again."
        )
    if state["epochs_run"] == 0:
        return f"{how}: not trained yet (epoch 0). Press 'Train 10 epochs'."
    loss, val = state["loss"][-1], state["val_loss"][-1]
    chance = np.log(int(state["y_train"].max()) + 1)  # the loss of guessing uniformly
    recent = state["loss"][-10:]
    warning = ""
    if loss > chance or loss > state["loss"][0]:
        warning = (
            f"The training loss is worse than guessing (log {int(state['y_train'].max()) + 1} = "
            f"{chance:.3f}) or than after the first epoch: the learning rate is too large (the "
            "steps overshoot and the tanh units saturate). "
        )
    elif np.any(recent[1:] > 1.2 * recent[:-1]):
        warning = (
            "The training loss jumps up as well as down between epochs: a sign of a learning "
            "rate near the limit (or of very small batches). "
        )
    return warning + (
        f"{how}: after {state['epochs_run']} epochs ({state['updates']} updates) the training loss "
        f"is {loss:.3f} and the validation loss {val:.3f} (gap {val - loss:+.3f}); accuracy "
        f"{state['accuracy'][-1]:.0%} on the training set, {state['val_accuracy'][-1]:.0%} on "
        "the validation set."
    )


def _draw_training(fig, state):
    from matplotlib.colors import ListedColormap

    ax, ax_loss = fig.subplots(1, 2)
    cmap = ListedColormap(["white", *PALETTE[:3]])  # -1 (not a number) is white
    regions = ax.imshow(
        state["regions"],
        origin="lower",
        cmap=cmap,
        vmin=-1.5,
        vmax=2.5,
        alpha=0.35,
        aspect="auto",
        zorder=0,
    )
    train_points = [
        ax.scatter(
            [],
            [],
            color=PALETTE[c],
            marker=MARKERS[c],
            edgecolor="black",
            lw=0.5,
            s=22,
            zorder=2,
            label=f"class {c} (training)" if c < 2 else "class 2 (spiral only)",
        )
        for c in range(3)
    ]
    val_points = ax.scatter(
        [],
        [],
        facecolor="none",
        edgecolor="black",
        marker="o",
        s=40,
        lw=1.2,
        zorder=3,
        label="validation point",
    )
    (train_line,) = ax_loss.plot(
        [], [], color=PALETTE[0], lw=2, marker="o", ms=3, markevery=10, label="training loss"
    )
    (val_line,) = ax_loss.plot(
        [],
        [],
        color=PALETTE[1],
        lw=2,
        ls="--",
        marker="s",
        ms=4,
        markevery=10,
        label="validation loss",
    )
    ax_loss.set(
        xlim=(0, MAX_EPOCHS),
        ylim=(1e-2, 10),
        yscale="log",
        xlabel="epoch",
        ylabel="loss",
        title="Loss per epoch",
    )
    note = ax_loss.text(
        0.5,
        0.95,
        "",
        transform=ax_loss.transAxes,
        ha="center",
        va="top",
        fontsize=9,
        bbox=dict(boxstyle="round", fc="white", ec=PALETTE[5]),
    )
    fig.legend(loc="outside lower center", ncols=3, fontsize=8)
    shown = {}

    def update(state):
        changed = [regions, train_line, val_line, note, ax.title]
        X, y = state["X_train"], state["y_train"]
        if shown.get("data") != (X.shape, float(X.sum())):  # new data: points, extent, limits
            shown["data"] = (X.shape, float(X.sum()))
            xx, yy = state["grid"]
            extent = (xx.min(), xx.max(), yy.min(), yy.max())
            regions.set_extent(extent)
            ax.set(xlim=extent[:2], ylim=extent[2:])
            for c, points in enumerate(train_points):
                points.set_offsets(X[y == c] if np.any(y == c) else np.empty((0, 2)))
            val_points.set_offsets(state["X_val"])
            changed += [*train_points, val_points]
        regions.set_data(state["regions"])
        epochs = np.arange(1, state["epochs_run"] + 1)
        train_line.set_data(epochs, state["loss"])
        val_line.set_data(epochs, state["val_loss"])
        note.set_text("diverged" if state["diverged"] else "")
        note.set_visible(state["diverged"])
        accuracy = f", validation accuracy {state['val_accuracy'][-1]:.0%}" if len(epochs) else ""
        ax.set_title(f"Decision regions after {state['epochs_run']} epochs{accuracy}", fontsize=10)
        return changed

    update(state)
    return update


#: The training runs the static HTML book offers, each scrubbed through its epochs.
HTML_RUNS = {
    "moons · adam, rate 0.01 · batch 16": dict(
        data="moons", optimizer="adam", lr=0.01, batch_size=16
    ),
    "moons · sgd, rate 0.01 · batch 16": dict(
        data="moons", optimizer="sgd", lr=0.01, batch_size=16
    ),
    "moons · sgd, rate 0.5 · batch 16": dict(data="moons", optimizer="sgd", lr=0.5, batch_size=16),
    "moons · sgd, rate 5 · batch 16": dict(data="moons", optimizer="sgd", lr=5.0, batch_size=16),
    "moons · momentum, rate 0.05 · batch 16": dict(
        data="moons", optimizer="momentum", lr=0.05, batch_size=16
    ),
    "spiral · adam, rate 0.01 · batch 4": dict(
        data="spiral", optimizer="adam", lr=0.01, batch_size=4
    ),
    "spiral · adam, rate 0.01 · full batch": dict(
        data="spiral", optimizer="adam", lr=0.01, batch_size=0
    ),
    "spiral · sgd, rate 0.5 · batch 16": dict(
        data="spiral", optimizer="sgd", lr=0.5, batch_size=16
    ),
}


@widget_factory
def training_explorer(data="moons", optimizer="adam", lr=0.01, batch_size=16, epochs=0):
    """Train a small network ten epochs at a time; watch the losses and the decision regions.

    Changing the data, the optimizer, the learning rate or the batch size starts a new run
    from the same initial weights, trained for as many epochs as the epochs slider says.
    Returns an ``Explorer``. In the static HTML book: the runs of ``HTML_RUNS``, each after
    0, 10, ..., 100 epochs.
    """

    def compute(data, optimizer, lr, batch_size, epochs):
        return training_run(data, optimizer, lr, batch_size, int(epochs))

    def train(values, settings):
        epochs = min(int(values["epochs"]) + 10, MAX_EPOCHS)
        run = training_run(**{**values, "epochs": epochs})
        return {"epochs": epochs}, list(run["loss"][int(values["epochs"]) :])

    controls = [
        Dropdown("data", DATA, data, "data set"),
        Dropdown("optimizer", TRAIN_OPTIMIZERS, optimizer, "optimizer"),
        Slider(
            "lr",
            1e-3,
            10.0,
            0.1,
            lr,
            "learning rate",
            log=True,
            readout_format=".3g",
            continuous_update=False,
        ),
        Dropdown("batch_size", BATCH_SIZES, batch_size, "batch size"),
        Slider(
            "epochs",
            0,
            MAX_EPOCHS,
            10,
            epochs,
            "epochs trained",
            readout_format=".0f",
            continuous_update=False,
        ),
    ]
    return Explorer(
        compute,
        controls,
        _draw_training,
        actions=[Action("Train 10 epochs", train)],
        describe=describe_training,
        title="Train a small network: optimizer, learning rate, batch size",
        figsize=(9, 4.2),
        trace=False,
        static=Static(presets=HTML_RUNS, presets_label="training run", vary=["epochs"]),
    )
