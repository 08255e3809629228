"""Widgets: the Explorer machinery and chapter 1's neuron explorer, driven programmatically."""

import io
import itertools

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")

from nnlib import gradcheck  # noqa: E402
from nnlib.widgets import Action, Dropdown, Explorer, Slider, diverged, fast_png  # noqa: E402
from nnlib.widgets.neuron import (  # noqa: E402
    THRESHOLD_Z,
    example_data,
    neuron_explorer,
    neuron_model,
    neuron_state,
    neuron_train,
)

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


def _toy_explorer():
    """y = a * x on a grid; the loss is (a - 2)^2. 'Step' moves a halfway to 2."""

    def compute(a, kind):
        return {"loss": (a - 2.0) ** 2, "a": a, "kind": kind}

    def draw(fig, state):
        ax = fig.subplots()
        x = np.linspace(0, 1, 5)
        (line,) = ax.plot(x, state["a"] * x)

        def update(state):
            line.set_ydata(state["a"] * x)
            return [line]

        return update

    def step(values, settings):
        a = values["a"] + settings["rate"] * (2.0 - values["a"])
        return {"a": a}, [(values["a"] - 2.0) ** 2]

    return Explorer(
        compute,
        [Slider("a", -5, 5, 0.5, 0.0), Dropdown("kind", ["x", "y"], "x")],
        draw,
        actions=[Action("Step", step, settings=[Slider("rate", 0, 1, 0.1, 0.5)])],
    )


def test_explorer_recomputes_redraws_and_traces_on_every_change():
    e = _toy_explorer()
    first_image = e.image.value
    assert e.losses == [4.0] and "loss = 4.0000" in e.text
    e.set(a=1.0)
    assert e.state["loss"] == 1.0 and e.values == {"a": 1.0, "kind": "x"}
    assert e.image.value != first_image and e.image.value[:4] == b"\x89PNG"
    assert "loss = 1.0000" in e.readout.value and 'aria-live="polite"' in e.readout.value
    e.widgets["a"].value = 3.0  # as a learner dragging the slider would
    assert e.losses == [4.0, 1.0, 1.0]


def test_explorer_set_changes_several_controls_with_one_redraw():
    e = _toy_explorer()
    e.set(a=2.0, kind="y")
    assert e.state == {"loss": 0.0, "a": 2.0, "kind": "y"} and len(e.losses) == 2
    with pytest.raises(ValueError, match="no control"):
        e.set(b=1)


def test_redraw_draws_the_same_state_again_without_computing_it():
    e = _toy_explorer()
    e.set(a=1.0)
    calls, compute = [], e.compute
    e.compute = lambda **values: calls.append(values) or compute(**values)
    image, losses = e.image.value, list(e.losses)
    e.image.value = b""
    e.redraw()  # the benchmark's "redraw": what a change costs beyond compute
    assert calls == [] and e.image.value == image and e.losses == losses


def test_explorer_action_appends_its_losses_and_moves_the_controls():
    e = _toy_explorer()
    e.widgets["rate"].value = 0.5
    e.run("Step")
    assert e.values["a"] == 1.0 and e.losses == [4.0, 4.0, 1.0]
    e.reset()
    assert e.values["a"] == 0.0 and e.losses == [4.0]


def test_sliders_clamp_and_the_grid_lists_every_value():
    s = Slider("a", -1, 1, 0.5, 0.0)
    np.testing.assert_allclose(s.grid(), [-1, -0.5, 0, 0.5, 1])
    log = Slider("lr", 0.01, 10, 1.0, 0.1, log=True)
    np.testing.assert_allclose(log.grid(), [0.01, 0.1, 1, 10])
    e = _toy_explorer()
    e.set(a=100)  # beyond the slider: clamped, as in the notebook
    assert e.values["a"] == 5


def test_diverged():
    assert not diverged([1.0, 0.5, 0.2])
    assert diverged([1.0, np.inf])
    assert diverged([1.0, 1e3])
    assert not diverged([])


# --- chapter 1: one neuron -------------------------------------------------------------------

X, Y = example_data()


def test_neuron_state_matches_a_hand_computation():
    w1, w2, b = 0.7, -0.4, 0.3
    z = X @ [w1, w2] + b
    p = 1 / (1 + np.exp(-z))
    bce = -np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p))
    state = neuron_state(w1, w2, b, "sigmoid", X, Y)
    assert state["loss"] == pytest.approx(bce, rel=1e-12)
    assert state["accuracy"] == pytest.approx(np.mean((p > 0.5) == Y))
    xx, yy = state["grid"]  # the map the figure shows: the neuron's output at every grid point
    np.testing.assert_allclose(state["surface"], 1 / (1 + np.exp(-(w1 * xx + w2 * yy + b))))
    assert xx.min() < X[:, 0].min() and xx.max() > X[:, 0].max()  # it covers the data
    assert yy.min() < X[:, 1].min() and yy.max() > X[:, 1].max()
    mse = np.mean((np.tanh(z) - Y) ** 2)
    assert neuron_state(w1, w2, b, "tanh", X, Y)["loss"] == pytest.approx(mse, rel=1e-12)


def test_the_decision_line_is_where_the_output_is_one_half():
    for activation, z_star in THRESHOLD_Z.items():
        model = neuron_model(1.0, 2.0, -0.5, activation)
        x1 = 0.3
        x2 = (z_star + 0.5 - 1.0 * x1) / 2.0  # on the line w.x + b = z*
        assert model.predict(np.array([[x1, x2]]))[0, 0] == pytest.approx(0.5)


def test_neuron_explorer_shows_what_the_pure_function_computes():
    e = neuron_explorer()
    for w1, w2, b, act in [
        (2.0, 0.5, -1.0, "sigmoid"),
        (-3.3, 1.2, 0.4, "relu"),
        (1, 1, 0, "linear"),
    ]:
        e.set(w1=w1, w2=w2, b=b, activation=act)
        expected = neuron_state(w1, w2, b, act, X, Y)["loss"]
        assert e.state["loss"] == pytest.approx(expected, rel=1e-12)
        assert f"loss = {expected:.4f}" in e.text
        assert e.losses[-1] == pytest.approx(expected)


def test_moving_a_weight_changes_the_picture():
    e = neuron_explorer()
    before = e.image.value
    e.set(w1=-2.0)
    assert e.image.value != before


def test_train_button_lowers_the_loss_and_agrees_with_the_pure_function():
    e = neuron_explorer()
    start = e.state["loss"]
    e.widgets["learning_rate"].value = 1.0
    e.run("Train 25 steps")
    (w1, w2, b), losses = neuron_train(0.5, -1.0, 0.0, "sigmoid", X, Y, learning_rate=1.0, steps=25)
    assert e.values["w1"] == pytest.approx(w1) and e.values["b"] == pytest.approx(b)
    assert losses[0] == pytest.approx(start) and e.state["loss"] < 0.5 * start
    assert np.all(np.diff(losses) < 0)  # full-batch GD with a sensible rate: monotone
    assert e.losses[-26:-1] == pytest.approx(losses)


def test_neuron_train_is_gradient_descent_on_the_loss():
    """One step moves the weights by -lr * (finite-difference gradient of the loss)."""
    w = np.array([0.4, -0.2, 0.1])

    def loss():
        return neuron_state(*w, "sigmoid", X, Y)["loss"]

    grad = gradcheck.numerical_gradient(loss, w)
    (w1, w2, b), _ = neuron_train(*w, "sigmoid", X, Y, learning_rate=0.1, steps=1)
    np.testing.assert_allclose([w1, w2, b], w - 0.1 * grad, rtol=1e-7)


def test_divergence_is_shown_not_crashed():
    e = neuron_explorer()
    e.widgets["learning_rate"].value = 10.0
    e.set(activation="linear", w1=10, w2=10, b=10)
    e.run("Train 25 steps")
    assert "diverged" in e.text
    assert all(np.isfinite(v) for v in (e.values["w1"], e.values["w2"], e.values["b"]))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
def test_every_slider_extreme_neither_crashes_nor_warns(activation):
    e = neuron_explorer()
    for w1, w2, b in itertools.product([-10, 0, 10], repeat=3):
        e.set(w1=w1, w2=w2, b=b, activation=activation)
        assert np.isfinite(e.state["loss"])
    for lr in (0.01, 10.0):
        e.widgets["learning_rate"].value = lr
        e.run("Train 25 steps")
        assert np.isfinite(e.state["loss"])


def test_explorer_without_a_loss_trace():
    def compute(a):
        return {"value": a * a}

    def draw(fig, state):
        ax = fig.subplots()
        (point,) = ax.plot([0], [state["value"]], "o")

        def update(state):
            point.set_ydata([state["value"]])
            return [point]

        return update

    e = Explorer(
        compute,
        [Slider("a", 0, 3, 1, 1, continuous_update=False)],
        draw,
        trace=False,
        describe=lambda values, state: f"a squared is {state['value']}",
    )
    assert e.widgets["a"].continuous_update is False
    e.set(a=3)
    assert e.text == "a squared is 9.0" and e.losses == [] and e.image.value[:4] == b"\x89PNG"


def test_reset_restores_action_settings_too():
    e = _toy_explorer()
    e.widgets["rate"].value = 0.9
    e.set(a=4.0)
    assert e.reset() is None
    assert e.widgets["rate"].value == 0.5 and e.values["a"] == 0.0 and e.losses == [4.0]


# --- displaying an ipywidget with ipywidgets 7 (Colab) or 8 ------------------------------------
def test_widget_bundle_with_ipywidgets_8_is_the_widgets_own():
    import ipywidgets as w

    from nnlib.widgets import WIDGET_VIEW, widget_bundle

    box = w.VBox([w.HTML("hi")])
    assert widget_bundle(box) == box._repr_mimebundle_()
    assert widget_bundle(box)[WIDGET_VIEW] == {
        "version_major": 2,
        "version_minor": 0,
        "model_id": box.model_id,
    }


class _Widget7:
    """What ``widget_bundle`` reads of an ipywidgets 7 widget: no ``_repr_mimebundle_``."""

    def __init__(self, view_name="VBoxView", name="VBox(children=(HTML(value='hi'),))"):
        self._view_name, self.model_id, self.name, self.displayed = view_name, "abc123", name, 0

    def __repr__(self):
        return self.name

    def _ipython_display_(self, **kwargs):  # never called: it would display, not return
        raise AssertionError("widget_bundle must not display the widget")

    def _handle_displayed(self, **kwargs):  # ipywidgets 7 calls the on_displayed callbacks
        self.displayed += 1


def test_widget_bundle_with_ipywidgets_7_is_what_its_ipython_display_shows():
    from nnlib.widgets import WIDGET_VIEW, widget_bundle

    widget = _Widget7()
    assert widget_bundle(widget) == {
        "text/plain": "VBox(children=(HTML(value='hi'),))",
        WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": "abc123"},
    }
    assert widget.displayed == 1
    long = _Widget7(name="x" * 200)
    assert widget_bundle(long)["text/plain"] == "x" * 110 + "…"  # as ipywidgets 7 cuts it
    viewless = _Widget7(view_name=None)  # e.g. a Layout: no view, only text, not "displayed"
    assert widget_bundle(viewless) == {"text/plain": "VBox(children=(HTML(value='hi'),))"}
    assert viewless.displayed == 0


def test_the_ipywidgets_7_bundle_of_a_real_widget_equals_ipywidgets_8s():
    """The hand-built bundle (ipywidgets 7's branch) is exactly what ipywidgets 8 gives."""
    import ipywidgets as w

    from nnlib.widgets import _view_bundle

    for widget in (w.VBox([w.HTML("hi")]), w.FloatSlider(description="a long " * 30)):
        assert _view_bundle(widget) == widget._repr_mimebundle_()


def test_explorer_display_carries_the_widget_view_an_image_and_the_readout():
    from nnlib.widgets import WIDGET_VIEW

    e = _toy_explorer()
    data = e._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == e.widget.model_id
    assert data["text/plain"] == e.text and data["image/png"]


def test_tooltip_keyword_follows_the_ipywidgets_version():
    import ipywidgets as w

    from nnlib.widgets import _tooltip

    assert _tooltip(w.Checkbox, "hint") == {"tooltip": "hint"}  # ipywidgets 8
    assert w.Checkbox(**_tooltip(w.Checkbox, "hint")).tooltip == "hint"

    class Checkbox7:  # ipywidgets 7's Checkbox: only a description tooltip
        @staticmethod
        def class_trait_names():
            return ["description", "description_tooltip", "value"]

    class Button7:  # ipywidgets 7's Button has a tooltip of its own
        @staticmethod
        def class_trait_names():
            return ["description", "tooltip"]

    assert _tooltip(Checkbox7, "hint") == {"description_tooltip": "hint"}
    assert _tooltip(Button7, "hint") == {"tooltip": "hint"}
    assert _tooltip(object, "hint") == {"tooltip": "hint"}  # the book build's stand-ins


def test_fast_png_decodes_to_the_same_pixels():
    rng = np.random.default_rng(0)
    for shape in [(1, 1, 3), (37, 53, 3), (320, 768, 3)]:
        rgb = rng.integers(0, 256, shape, dtype=np.uint8)
        decoded = Image.open(io.BytesIO(fast_png(rgb)))
        assert decoded.mode == "RGB" and np.array_equal(np.asarray(decoded), rgb)
    with pytest.raises(ValueError, match=r"fast_png: expected an \(h, w, 3\) image"):
        fast_png(np.zeros((4, 4, 4), dtype=np.uint8))


def test_a_frame_is_a_png_of_the_figure():
    e = neuron_explorer()
    e.set(w1=1.5)
    frame = np.asarray(Image.open(io.BytesIO(e.image.value)))
    assert np.array_equal(frame, np.asarray(e.figure.canvas.buffer_rgba())[..., :3])


def test_artists_of_a_removed_panel_are_no_longer_drawn():
    from matplotlib.figure import Figure

    from nnlib.widgets import _still_drawn

    fig = Figure()
    left, right = fig.subfigures(1, 2)
    ax, other = left.subplots(), right.subplots()
    (line,) = ax.plot([0, 1])
    removed = ax.text(0, 0, "gone")
    removed.remove()
    label, note = fig.suptitle("title"), right.text(0.5, 0.5, "note")
    (cleared,) = other.plot([1, 0])
    other.clear()
    assert _still_drawn([line, removed, label, note, cleared, ax.title], fig) == [
        line,
        label,
        note,
        ax.title,
    ]
    fig.clear()
    assert _still_drawn([line, label], fig) == []


def _widget_factories():
    """Every ``@widget_factory`` of nnlib.widgets, as ``(id, factory)``."""
    import importlib
    import pkgutil

    import nnlib.widgets as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"nnlib.widgets.{info.name}")
        for name, fn in sorted(vars(module).items()):
            if getattr(fn, "is_widget_factory", False) and fn.__module__ == module.__name__:
                yield pytest.param(fn, id=f"{info.name}.{name}")


def _picks(control):
    """The far end of the control's grid from where it starts, then back to the start."""
    grid = [v[1] if isinstance(v, tuple) and len(v) == 2 else v for v in control.grid()]
    return [grid[-1] if grid[-1] != control.value else grid[0], control.value]


@pytest.mark.parametrize("factory", list(_widget_factories()))
def test_every_frame_is_the_picture_a_full_draw_makes(factory):
    # A frame is blitted: the animated artists drawn on a kept background. Moving each control
    # to the far end and back must show what drawing the whole figure shows. This caught a
    # translucent map drawn twice (matplotlib before 3.11 draws an animated image into the
    # background too: the neuron explorer showed its old map through the new one), a map hiding
    # its axes' spines, and pictures squeezed to an earlier picture's aspect.
    from nnlib.widgets.backprop import BackpropExplorer

    e = factory()
    # The backprop explorer draws its frames without glyph hinting (a figure of numbers).
    rc = {"text.hinting": "no_hinting"} if isinstance(e, BackpropExplorer) else {}
    for control in e.controls:
        for value in _picks(control):
            e.set(**{control.name: value})
            frame = np.asarray(Image.open(io.BytesIO(e.image.value)).convert("RGB"), dtype=int)
            for artist in e._animated:
                artist.set_animated(False)
            with matplotlib.rc_context(rc):
                e.figure.canvas.draw()
            for artist in e._animated:
                artist.set_animated(True)
            full = np.asarray(e.figure.canvas.buffer_rgba())[..., :3].astype(int)
            off = np.count_nonzero(np.abs(frame - full).max(axis=2) > 16)
            # A few pixels where a marker meets a line of equal zorder may blend in the other
            # order.
            assert off <= 20, f"{control.name} = {value!r}: {off} pixels differ"
        e.reset()
