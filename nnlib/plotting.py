"""One plotting style for the whole book, and the few plots every chapter needs.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common forms
of colour blindness; every class also gets its own marker, so that class is never shown by
colour alone. Importing this module changes no matplotlib settings: wrap a cell in
``with style():`` to use the book's settings.

Every plotting function takes ``ax=None`` (a new figure is made if it is None) and returns the
axes it drew on.
"""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.ticker import MaxNLocator

#: Okabe & Ito (2008), "Color Universal Design": blue, orange, green, purple, sky blue,
#: vermillion, yellow, black.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: One marker per class, in the same order as PALETTE.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
#: Colour map for signed quantities (weights, gradients): purple < 0 < orange.
DIVERGING = "PuOr_r"
#: Colour map for quantities that only grow (loss surfaces, intensities).
SEQUENTIAL = "viridis"
#: Probability of class 1, from class 0's blue through white to class 1's orange.
PROBA_CMAP = LinearSegmentedColormap.from_list("nnlib_proba", [PALETTE[0], "white", PALETTE[1]])
LINESTYLES = ["-", "--", ":", "-."]

#: The book's matplotlib settings, used by ``style()``.
RC = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "image.cmap": SEQUENTIAL,
}


def style():
    """The book's matplotlib settings, as a context manager (or decorator).

    Examples
    --------
    >>> with style():
    ...     ax = scatter_classes(X, y)
    """
    return mpl.rc_context(RC)


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _check_points(fn, X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"{fn}: X must have shape (n_samples, 2), got {X.shape}")
    return X


def grid_2d(X, resolution=200, margin=0.5):
    """A square grid of points covering the data plus a margin on every side.

    Parameters
    ----------
    X : array_like, shape (n_samples, 2)
    resolution : int
        Number of grid points along each axis.
    margin : float
        How far the grid reaches beyond the data, in data units.

    Returns
    -------
    xx, yy : ndarray, shape (resolution, resolution)
        Grid coordinates, as from ``np.meshgrid``.
    points : ndarray, shape (resolution**2, 2)
        The same grid as rows, ready to feed to a model.
    """
    X = _check_points("grid_2d", X)
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"grid_2d: resolution must be an int >= 2, got {resolution!r}")
    if not margin >= 0:
        raise ValueError(f"grid_2d: margin must be >= 0, got {margin!r}")
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(
        np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    )
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def scatter_classes(
    X, y, ax=None, alpha=0.8, labels=None, edgecolor="black", title=None, legend=True
):
    """Scatter 2-D points with one colour and one marker per class.

    Class ``c`` always gets ``PALETTE[c]`` and ``MARKERS[c]`` (cycling after 8 classes), so
    colours agree between plots even when some classes are missing.

    Parameters
    ----------
    X : array_like, shape (n_samples, 2)
    y : array_like, shape (n_samples,)
        Integer class labels >= 0.
    ax : matplotlib Axes or None
    alpha : float
    labels : sequence or dict or None
        Legend text for class ``c`` is ``labels[c]``; defaults to "class c".
    edgecolor : colour
        Outline of the markers, which keeps them visible on a coloured background.
    title : str or None
    legend : bool
        Draw a legend inside the axes (turn off to place one elsewhere).

    Returns
    -------
    ax : matplotlib Axes
    """
    X = _check_points("scatter_classes", X)
    y = np.asarray(y).ravel()
    if len(y) != len(X):
        raise ValueError(f"scatter_classes: X has {len(X)} rows but y has {len(y)} labels")
    if not np.all(y == np.round(y)) or y.min() < 0:
        raise ValueError("scatter_classes: y must hold integer class labels >= 0")
    y = y.astype(int)
    ax = _axes(ax)
    for c in np.unique(y):
        ax.scatter(
            *X[y == c].T,
            color=PALETTE[c % 8],
            marker=MARKERS[c % 8],
            alpha=alpha,
            edgecolor=edgecolor,
            linewidth=0.5,
            label=f"class {c}" if labels is None else labels[c],
        )
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    if title is not None:
        ax.set_title(title)
    if legend:
        ax.legend()
    return ax


def plot_decision_boundary(
    predict,
    X,
    y,
    ax=None,
    resolution=200,
    margin=0.5,
    kind="proba",
    levels=None,
    title="Decision boundary",
):
    """Colour the plane by a classifier's output and draw the data on top.

    Parameters
    ----------
    predict : callable
        Maps points with shape (m, 2) to the probability of class 1, shape (m,) or (m, 1),
        or to class probabilities, shape (m, k). With ``kind="class"`` and k > 1 columns,
        any scores whose largest entry marks the predicted class will do.
    X : array_like, shape (n_samples, 2)
    y : array_like, shape (n_samples,)
        Integer class labels.
    ax : matplotlib Axes or None
    resolution : int
        Grid points along each axis (see ``grid_2d``).
    margin : float
        How far the coloured area reaches beyond the data.
    kind : {"proba", "class"}
        "proba" shades a binary classifier's probability from blue (0) to orange (1) and
        draws the 0.5 contour; "class" colours each region by its predicted class. With
        k > 2 outputs both show the predicted class.
    levels : int or array_like or None
        Contour levels for ``kind="proba"``; default 11 steps from 0 to 1.
    title : str or None

    Returns
    -------
    ax : matplotlib Axes
    """
    if kind not in ("proba", "class"):
        raise ValueError(f"plot_decision_boundary: kind must be 'proba' or 'class', got {kind!r}")
    xx, yy, points = grid_2d(X, resolution, margin)
    out = np.asarray(predict(points), dtype=float)
    if len(out) != len(points) or out.ndim not in (1, 2):
        raise ValueError(
            f"plot_decision_boundary: predict returned shape {out.shape} for {len(points)} points"
        )
    if out.ndim == 2 and (out.shape[1] == 1 or (out.shape[1] == 2 and kind == "proba")):
        out = out[:, -1]  # the probability of class 1
    ax = _axes(ax)
    if out.ndim == 1 and kind == "proba":
        levels = np.linspace(0, 1, 11) if levels is None else levels
        ax.contourf(
            xx,
            yy,
            out.reshape(xx.shape),
            levels=levels,
            cmap=PROBA_CMAP,
            vmin=0,
            vmax=1,
            alpha=0.5,
            extend="both",
        )
        ax.contour(xx, yy, out.reshape(xx.shape), levels=[0.5], colors="black", linewidths=1)
    else:
        k = 2 if out.ndim == 1 else out.shape[1]
        label = (out >= 0.5).astype(int) if out.ndim == 1 else out.argmax(axis=1)
        class_levels = np.arange(k + 1) - 0.5
        cmap = ListedColormap([PALETTE[c % 8] for c in range(k)])
        ax.contourf(xx, yy, label.reshape(xx.shape), levels=class_levels, cmap=cmap, alpha=0.3)
        ax.contour(
            xx, yy, label.reshape(xx.shape), levels=class_levels[1:-1], colors="black", linewidths=1
        )
    scatter_classes(X, y, ax=ax, title=title)
    return ax


def plot_history(history, ax=None, keys=("loss", "val_loss"), logy=False, title="Training history"):
    """Plot metrics recorded once per epoch, against the epoch number (from 1).

    Parameters
    ----------
    history : dict of lists, or an object with a ``.history`` dict (like Keras' History)
    ax : matplotlib Axes or None
    keys : sequence of str
        Which entries to plot; those missing from ``history`` are skipped.
    logy : bool
        Use a logarithmic y axis.
    title : str or None

    Returns
    -------
    ax : matplotlib Axes
    """
    history = getattr(history, "history", history)
    found = [key for key in keys if key in history]
    if not found:
        raise ValueError(f"plot_history: none of {list(keys)} in history (it has {list(history)})")
    ax = _axes(ax)
    for i, key in enumerate(found):
        values = np.asarray(history[key], dtype=float)
        ax.plot(
            np.arange(1, len(values) + 1),
            values,
            label=key,
            color=PALETTE[i % 8],
            linestyle=LINESTYLES[i % 4],
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="epoch", ylabel="loss" if all("loss" in k for k in found) else "value")
    if logy:
        ax.set_yscale("log")
    if title is not None:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_function(f, x_range=(-5, 5), ax=None, label=None, num=400, title=None, **kw):
    """Plot a function of one variable, such as an activation function.

    Parameters
    ----------
    f : callable
        Maps an array of shape (num,) to an array of shape (num,).
    x_range : (float, float)
    ax : matplotlib Axes or None
    label : str or None
        Legend entry; a legend is drawn when given.
    num : int
        Number of points at which ``f`` is evaluated.
    title : str or None
    **kw
        Passed on to ``ax.plot`` (``color``, ``linestyle``, ...).

    Returns
    -------
    ax : matplotlib Axes
    """
    x = np.linspace(*x_range, num)
    ax = _axes(ax)
    ax.axhline(0, color="0.6", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.6", linewidth=0.8, zorder=0)
    ax.plot(x, f(x), label=label, **kw)
    ax.set(xlabel="$x$", ylabel="$f(x)$")
    if title is not None:
        ax.set_title(title)
    if label is not None:
        ax.legend()
    return ax
