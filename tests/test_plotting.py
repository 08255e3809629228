import itertools
import os
import subprocess
import sys
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.contour import ContourSet

from nnlib import plotting
from nnlib.datasets import make_blobs, make_moons

mpl.use("Agg")  # after importing pyplot is fine: no figure exists yet


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def sigmoid_of_x1(points):
    """A binary 'classifier' whose 0.5 contour is the vertical line x1 = 0.3: (m, 2) -> (m,)."""
    return 1 / (1 + np.exp(-5 * (points[:, 0] - 0.3)))


def contour_sets(ax, filled):
    return [c for c in ax.collections if isinstance(c, ContourSet) and c.filled == filled]


def vertices(contour_set):
    return np.concatenate([p.vertices for p in contour_set.get_paths() if len(p.vertices)])


# --- constants and style ------------------------------------------------------------------------


def test_palette_markers_and_colormaps():
    assert plotting.PALETTE == ["#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                "#56B4E9", "#D55E00", "#F0E442", "#000000"]  # fmt: skip
    assert len(set(plotting.MARKERS)) == len(plotting.MARKERS) == len(plotting.PALETTE)
    for name in (plotting.DIVERGING, plotting.SEQUENTIAL):
        assert name in mpl.colormaps


def test_style_applies_the_book_settings_and_restores_them():
    before = dict(mpl.rcParams)
    with plotting.style():
        colours = [to_rgb(c) for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
        assert colours == [to_rgb(c) for c in plotting.PALETTE]
        assert mpl.rcParams["axes.grid"] is True
        assert mpl.rcParams["axes.spines.top"] is False
    assert dict(mpl.rcParams) == before


def test_importing_plotting_changes_no_rcparams():
    code = (
        "import matplotlib as mpl\n"
        "before = dict(mpl.rcParams)\n"
        "import nnlib.plotting\n"
        "assert dict(mpl.rcParams) == before, 'rcParams changed on import'\n"
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=Path(__file__).parents[1])


# Machado, Oliveira & Fernandes (2009), severity 1: linear-RGB matrices that simulate each
# kind of dichromacy.
DICHROMACY = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968],
                     [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868],
                   [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "tritanopia": [[1.255528, -0.076749, -0.178779],
                   [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip


def seen_lab(colour, kind):
    """CIELAB coordinates of a colour as seen with the dichromacy ``kind``."""
    srgb = np.array(to_rgb(colour))
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(np.array(DICHROMACY[kind]) @ linear, 0, 1)
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                       [0.0193, 0.1192, 0.9505]])  # fmt: skip
    t = to_xyz @ linear / [0.95047, 1.0, 1.08883]  # relative to the D65 white point
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def min_distance(colours, kind):
    labs = [seen_lab(c, kind) for c in colours]
    return min(np.linalg.norm(a - b) for a, b in itertools.combinations(labs, 2))


@pytest.mark.parametrize("kind", DICHROMACY)
def test_palette_stays_distinguishable_with_every_dichromacy(kind):
    # Delta E 12 in CIELAB is a clearly visible difference. The Okabe-Ito palette keeps every
    # pair of its 8 colours above 16 for all three kinds.
    assert min_distance(plotting.PALETTE, kind) > 12


def test_the_distinguishability_check_can_fail():
    # matplotlib's tab10 is not safe: its first 8 colours collapse for red-green dichromacy.
    tab10 = mpl.colormaps["tab10"].colors[:8]
    assert min_distance(tab10, "deuteranopia") < 12 and min_distance(tab10, "protanopia") < 12


@pytest.mark.parametrize("kind", DICHROMACY)
def test_colormaps_keep_their_meaning_with_every_dichromacy(kind):
    # The two ends of the two-sided maps (class 0 vs class 1; negative vs positive) stay far
    # apart, and the sequential map gets lighter monotonically, so it reads even in grey.
    for name in (plotting.PROBA_CMAP, plotting.DIVERGING):
        cmap = mpl.colormaps[name] if isinstance(name, str) else name
        assert np.linalg.norm(seen_lab(cmap(0.0), kind) - seen_lab(cmap(1.0), kind)) > 20, name
    lightness = [
        seen_lab(c, kind)[0] for c in mpl.colormaps[plotting.SEQUENTIAL](np.linspace(0, 1, 21))
    ]
    assert np.all(np.diff(lightness) > 0)


# --- grid_2d ------------------------------------------------------------------------------------


def test_grid_2d_spans_the_data_plus_margin():
    X = np.array([[0.0, -1.0], [2.0, 3.0], [1.0, 0.0]])
    xx, yy, points = plotting.grid_2d(X, resolution=50, margin=0.5)
    assert xx.shape == yy.shape == (50, 50)
    assert points.shape == (2500, 2)
    np.testing.assert_array_equal(points, np.column_stack([xx.ravel(), yy.ravel()]))
    np.testing.assert_allclose([xx.min(), xx.max(), yy.min(), yy.max()], [-0.5, 2.5, -1.5, 3.5])


@pytest.mark.parametrize(
    ("X", "kwargs", "message"),
    [
        (np.zeros((5, 3)), {}, "shape"),
        (np.zeros((5, 2)), {"resolution": 1}, "resolution"),
        (np.zeros((5, 2)), {"margin": -1}, "margin"),
    ],
)
def test_grid_2d_rejects_bad_input(X, kwargs, message):
    with pytest.raises(ValueError, match=f"grid_2d: .*{message}"):
        plotting.grid_2d(X, **kwargs)


# --- scatter_classes ----------------------------------------------------------------------------


def test_scatter_classes_one_colour_and_marker_per_class():
    X, y = make_blobs(n_samples=60, centers=3, seed=0)
    ax = plotting.scatter_classes(X, y)
    assert isinstance(ax, Axes)
    groups = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(groups) == 3
    for c, group in enumerate(groups):
        assert len(group.get_offsets()) == np.sum(y == c)
        assert to_rgb(group.get_facecolor()[0]) == pytest.approx(to_rgb(plotting.PALETTE[c]))
    marker_shapes = {group.get_paths()[0].vertices.round(6).tobytes() for group in groups}
    assert len(marker_shapes) == 3, "each class needs its own marker"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "class 2"]
    assert ax.get_xlabel() and ax.get_ylabel()


def test_scatter_classes_colour_follows_the_label_not_the_order():
    X = np.zeros((4, 2))
    ax = plotting.scatter_classes(X, [2, 2, 5, 5], labels={2: "two", 5: "five"})
    colours = [to_rgba(g.get_facecolor()[0]) for g in ax.collections]
    assert colours == [to_rgba(plotting.PALETTE[2], 0.8), to_rgba(plotting.PALETTE[5], 0.8)]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["two", "five"]


def test_scatter_classes_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    assert plotting.scatter_classes(np.zeros((2, 2)), [0, 1], ax=ax) is ax
    assert len(fig.axes) == 1


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.zeros((3, 3)), [0, 1, 0], "shape"),
        (np.zeros((3, 2)), [0, 1], "rows"),
        (np.zeros((3, 2)), [0, 0.5, 1], "integer"),
    ],  # fmt: skip
)
def test_scatter_classes_rejects_bad_input(X, y, message):
    with pytest.raises(ValueError, match=f"scatter_classes: .*{message}"):
        plotting.scatter_classes(X, y)


# --- plot_decision_boundary ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "predict",
    [
        sigmoid_of_x1,
        lambda p: sigmoid_of_x1(p)[:, None],  # (m, 1)
        lambda p: np.column_stack([1 - sigmoid_of_x1(p), sigmoid_of_x1(p)]),  # (m, 2)
    ],
)
def test_decision_boundary_binary(predict):
    X, y = make_moons(n_samples=100, seed=0)
    ax = plotting.plot_decision_boundary(predict, X, y, margin=0.5, resolution=100)
    assert isinstance(ax, Axes)
    (filled,) = contour_sets(ax, filled=True)
    corners = vertices(filled)
    assert np.all(corners.min(axis=0) <= X.min(axis=0) - 0.5 + 1e-9)
    assert np.all(corners.max(axis=0) >= X.max(axis=0) + 0.5 - 1e-9)
    (line,) = contour_sets(ax, filled=False)
    assert list(line.levels) == [0.5]
    np.testing.assert_allclose(vertices(line)[:, 0], 0.3, atol=0.05)
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 2  # the data
    assert ax.get_title() == "Decision boundary"


def test_decision_boundary_multiclass_colours_the_predicted_class():
    centers = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    X, y = make_blobs(n_samples=90, centers=centers, cluster_std=0.5, seed=0)

    def nearest_center(points):  # (m, 2) -> one-hot (m, 3)
        d = np.linalg.norm(points[:, None, :] - centers[None], axis=2)
        return np.eye(3)[d.argmin(axis=1)]

    ax = plotting.plot_decision_boundary(nearest_center, X, y, kind="class", resolution=60)
    (filled,) = contour_sets(ax, filled=True)
    np.testing.assert_allclose(filled.levels, [-0.5, 0.5, 1.5, 2.5])
    region_colours = [to_rgb(c) for c in filled.get_facecolor()]
    assert region_colours == [to_rgb(c) for c in plotting.PALETTE[:3]]


def test_decision_boundary_class_kind_for_a_binary_model():
    X, y = make_moons(n_samples=50, seed=0)
    ax = plotting.plot_decision_boundary(sigmoid_of_x1, X, y, kind="class", resolution=50)
    (line,) = contour_sets(ax, filled=False)
    np.testing.assert_allclose(vertices(line)[:, 0], 0.3, atol=0.1)


@pytest.mark.parametrize(
    ("predict", "kwargs", "message"),
    [(sigmoid_of_x1, {"kind": "logits"}, "kind"), (lambda p: p[:5, 0], {}, "predict returned")],
)
def test_decision_boundary_rejects_bad_input(predict, kwargs, message):
    X, y = make_moons(n_samples=20, seed=0)
    with pytest.raises(ValueError, match=f"plot_decision_boundary: .*{message}"):
        plotting.plot_decision_boundary(predict, X, y, **kwargs)


# --- plot_history and plot_function -------------------------------------------------------------


class KerasStyleHistory:
    def __init__(self, history):
        self.history = history


@pytest.mark.parametrize("wrap", [dict, KerasStyleHistory])
def test_plot_history_plots_each_key_from_epoch_one(wrap):
    history = wrap({"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.7, 0.6], "accuracy": [0, 1, 1]})
    ax = plotting.plot_history(history)
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    for line, key in zip(ax.lines, ["loss", "val_loss"], strict=True):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(line.get_ydata(), getattr(history, "history", history)[key])
    assert ax.lines[0].get_linestyle() != ax.lines[1].get_linestyle()
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "linear"


def test_plot_history_options():
    ax = plotting.plot_history({"loss": [1.0, 0.1, 0.01]}, logy=True)  # no val_loss: skipped
    assert len(ax.lines) == 1 and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="plot_history: .*loss"):
        plotting.plot_history({"accuracy": [0.5]})


def test_plot_function_draws_f_over_the_range():
    ax = plotting.plot_function(np.tanh, x_range=(-2, 3), num=101, label="tanh", color="C1")
    (curve,) = [line for line in ax.lines if line.get_label() == "tanh"]
    x = curve.get_xdata()
    assert len(x) == 101 and x[0] == -2 and x[-1] == 3
    np.testing.assert_allclose(curve.get_ydata(), np.tanh(x))
    assert ax.get_legend() is not None and ax.get_xlabel()


@pytest.mark.parametrize(
    "draw",
    [
        lambda ax: plotting.scatter_classes(np.zeros((2, 2)), [0, 1], ax=ax),
        lambda ax: plotting.plot_decision_boundary(sigmoid_of_x1, np.eye(2), [0, 1], ax=ax),
        lambda ax: plotting.plot_history({"loss": [1.0]}, ax=ax),
        lambda ax: plotting.plot_function(np.tanh, ax=ax),
    ],
)
def test_every_plot_makes_a_figure_or_uses_the_given_axes(draw):
    ax = draw(None)
    assert isinstance(ax, Axes)
    _, given = plt.subplots()
    assert draw(given) is given
    assert len(plt.get_fignums()) == 2
