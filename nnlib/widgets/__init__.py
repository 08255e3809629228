"""Widgets for "tweak the weights, watch the loss".

Every widget in the book has the same three parts:

1. **Controls**, declared as data (``Slider``, ``Dropdown``): a name, a range, a default.
2. A **pure compute function** ``compute(**values) -> state``, a dict with at least ``'loss'``.
   It knows nothing of widgets, so tests (and the static HTML book) can call it directly.
3. A **drawing function** ``draw(fig, state) -> update``: it builds the figure once and returns
   ``update(state)``, which changes artists in place and returns the list of artists it changed.

``Explorer`` wires them together with ipywidgets: moving a control calls ``compute`` then
``update``, re-renders the one persistent figure into an image, appends the loss to a trace and
writes a text readout. Buttons (``Action``) run things like "train 25 steps".
It works with ipywidgets 8 and with Colab's ipywidgets 7.7 (see ``widget_bundle``).

Rendering is *blitted*: the static parts of the figure (axes, ticks, labels, legends) are drawn
once and kept as a bitmap; an update redraws only the artists ``update`` returned, which keeps a
slider step at 15-45 ms instead of 100-300 ms for a full matplotlib redraw. What remains is
mostly text: each changing number costs about 0.6 ms to draw (2.5 times as much in matplotlib
3.11, which is why the book holds matplotlib at 3.10), so an ``update`` should return only the
texts that can change, and keep the words around them static.

The same ``Explorer`` works in the static HTML book: there (``static.static_mode()``, set by the
book build) it creates no ipywidgets and displays a component whose states its own ``compute``
precomputed over each control's ``static`` values (see ``nnlib.widgets.static`` and the
``Static`` spec a widget may declare). ``update`` must return every artist it changes.
"""

import base64
import contextlib
import functools
import inspect
import json
import math
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

from ..plotting import PALETTE
from .static import (
    Static,
    StaticBudgetError,
    _background_of,
    _draw_order,
    _limits,
    _place_axes,
    _stacked_above,
    _static_texts,
    _still_drawn,
    static_error_html,
    static_mode,
)

__all__ = [
    "Action",
    "Dropdown",
    "Explorer",
    "Slider",
    "Static",
    "StaticBudgetError",
    "describe_loss",
    "diverged",
    "static_mode",
    "widget_bundle",
    "widget_factory",
]

#: The mimetype of a widget's view in a notebook's outputs (ipywidgets 7 and 8 alike).
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_bundle(widget):
    """The display data of the ipywidget ``widget``: a dict ``{mimetype: data}``, whichever
    ipywidgets is installed.

    ipywidgets 8 widgets give it through ``_repr_mimebundle_``. ipywidgets 7 (Colab's) have
    none: their ``_ipython_display_`` publishes the same data itself, a plain-text repr and a
    view of the widget's model (``WIDGET_VIEW``: ``model_id``, ``version_major`` 2,
    ``version_minor`` 0), then calls the widget's ``on_displayed`` callbacks. Here that data is
    built the same way and returned, so that ``Explorer`` and ``Playground`` can add their
    image and text to it.
    """
    if hasattr(type(widget), "_repr_mimebundle_"):  # ipywidgets 8
        bundle = widget._repr_mimebundle_()
        return dict(bundle[0] if isinstance(bundle, tuple) else bundle)
    return _view_bundle(widget)


def _tooltip(cls, text):
    """The keyword argument that gives a control of class ``cls`` the hover text ``text``:
    ``tooltip`` in ipywidgets 8; in ipywidgets 7 only buttons have that, its other controls
    call it ``description_tooltip`` (which ipywidgets 8 deprecates)."""
    names = cls.class_trait_names() if hasattr(cls, "class_trait_names") else ["tooltip"]
    if "tooltip" not in names and "description_tooltip" in names:
        return {"description_tooltip": text}
    return {"tooltip": text}


def _view_bundle(widget):
    """What ipywidgets 7's ``Widget._ipython_display_`` displays for ``widget``."""
    text = repr(widget)
    data = {"text/plain": text if len(text) <= 110 else text[:110] + "…"}
    if widget._view_name is not None:
        data[WIDGET_VIEW] = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
        displayed = getattr(widget, "_handle_displayed", None)  # ipywidgets 7's on_displayed
        if displayed is not None:
            displayed()
    return data


@dataclass
class Slider:
    """A numeric control from ``min`` to ``max`` in steps of ``step``."""

    name: str
    min: float
    max: float
    step: float
    value: float
    description: str = ""
    log: bool = False  # a logarithmic slider: min/max/value are the values, step is in decades
    continuous_update: bool = True  # False: update on release only (for slow computations)
    readout_format: str = ".2f"  # e.g. ".0f" for whole numbers
    static: list = None  # the values offered in the static HTML book (default: the grid, if small)

    def widget(self):
        import ipywidgets as w

        label = self.description or self.name
        common = dict(
            description=label,
            continuous_update=self.continuous_update,
            style={"description_width": "initial"},
            layout=w.Layout(width="320px"),
        )
        if self.log:
            return w.FloatLogSlider(
                value=self.value,
                base=10,
                min=math.log10(self.min),
                max=math.log10(self.max),
                step=self.step,
                **common,
            )
        return w.FloatSlider(
            value=self.value,
            min=self.min,
            max=self.max,
            step=self.step,
            readout_format=self.readout_format,
            **common,
        )

    def grid(self):
        """Every value the slider can take (for precomputing states)."""
        if self.log:
            return 10.0 ** np.arange(math.log10(self.min), math.log10(self.max) + 1e-9, self.step)
        return np.round(np.arange(self.min, self.max + self.step / 2, self.step), 10)


@dataclass
class Dropdown:
    """A choice among ``options``."""

    name: str
    options: list
    value: object
    description: str = ""
    static: list = None  # the option values offered in the static HTML book (default: all)

    def widget(self):
        import ipywidgets as w

        return w.Dropdown(
            options=self.options,
            value=self.value,
            description=self.description or self.name,
            style={"description_width": "initial"},
        )

    def grid(self):
        return list(self.options)


@dataclass
class Action:
    """A button: ``run(values, settings) -> (new_values, losses_along_the_way)``."""

    label: str
    run: object
    settings: list = field(default_factory=list)  # controls only this action reads, e.g. lr


class _Inert:
    """What stands in for an ipywidget in the book build, where none may be made (it would be a
    dead one): it keeps whatever is set on it, calls its ``value`` observers when the value
    changes and its click handlers on ``click()``, so code drives a widget there as in a kernel.
    """

    def __init__(self, *children, **traits):
        object.__setattr__(self, "_observers", [])
        object.__setattr__(self, "_clicks", [])
        self.children = children
        self.layout = traits.pop("layout", None) or _Inert.__new__(_Inert)
        for name, value in traits.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        old = self.__dict__.get(name)
        object.__setattr__(self, name, value)
        if name == "value" and old != value:
            for callback in self.__dict__.get("_observers", []):
                callback({"name": "value", "old": old, "new": value, "owner": self})

    def observe(self, callback, names="value"):
        if names == "value":
            self._observers.append(callback)

    def on_click(self, callback):
        self._clicks.append(callback)

    def click(self):
        for callback in self._clicks:
            callback(self)


class _InertWidgets:
    """``ipywidgets`` for the book build: every widget class makes an ``_Inert``."""

    def __getattr__(self, name):
        return _Inert


INERT_WIDGETS = _InertWidgets()


class _Holder(_Inert):
    """The ``_Inert`` stand-in for a ``Slider`` or ``Dropdown`` in the book build.

    It keeps the value as ipywidgets would (sliders clamp to their range, dropdowns accept
    only their options), so ``explorer.widgets[name].value``, ``set``, ``run`` and ``reset``
    behave as in a kernel.
    """

    def __init__(self, control=None, value=None):
        super().__init__(
            control=control,
            description=getattr(control, "description", "") or getattr(control, "name", ""),
            continuous_update=getattr(control, "continuous_update", True),
        )
        self.value = control.value if control is not None else value

    def __setattr__(self, name, value):
        super().__setattr__(name, self._validate(value) if name == "value" else value)

    def _validate(self, value):
        control = self.control
        if control is None:
            return value
        if isinstance(control, Dropdown):
            options = [o[1] if isinstance(o, tuple | list) else o for o in control.options]
            if value not in options:
                raise ValueError(f"{control.name}: {value!r} is not one of {options}")
            return value
        low, high = sorted((control.min, control.max))
        return float(min(max(float(value), low), high))


def widget_factory(fn):
    """Mark ``fn`` as a function that makes a widget, so that its widget remembers how it was
    made (``explorer.source``: ``fn``'s import path and its JSON-able arguments). The static
    HTML book carries this along, and its browser test rebuilds the widget from it to check
    the page against the widget's pure compute function."""

    @functools.wraps(fn)
    def make(*args, **kwargs):
        widget = fn(*args, **kwargs)
        signature = inspect.signature(fn)
        arguments = {}
        for name, value in signature.bind(*args, **kwargs).arguments.items():
            kind = signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                arguments.update(value)
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                arguments = None  # not expressible as keyword arguments
                break
            else:
                arguments[name] = value
        try:
            json.dumps(arguments, allow_nan=False)
            factory = f"{fn.__module__}:{fn.__qualname__}"
            widget.source = None if arguments is None else {"factory": factory, "kwargs": arguments}
        except (TypeError, ValueError):
            widget.source = None  # made from arrays or objects: it cannot be rebuilt from text
        return widget

    make.is_widget_factory = True  # how tools (the benchmarks) find every widget
    return make


def describe_loss(loss, name="loss"):
    """Readout text for a loss value; says so when training has diverged."""
    if not np.isfinite(loss):
        return f"{name} = {loss} (diverged: the numbers overflowed)"
    return f"{name} = {loss:.4f}"


def diverged(losses, factor=100.0):
    """True if a run of losses hit NaN/inf or ended ``factor`` times above where it started."""
    losses = np.asarray(losses, dtype=float)
    if losses.size == 0:
        return False
    return bool(not np.all(np.isfinite(losses)) or np.max(losses) > factor * max(losses[0], 1e-12))


def fast_png(rgb):
    """PNG bytes of an (h, w, 3) uint8 image, written for speed rather than size.

    A widget sends a new frame on every slider step. Pillow's encoder tries a filter per row to
    save bytes, which takes ~10 ms for a widget's 768×320 frame; unfiltered rows compressed by
    zlib at level 1 take ~3 ms and are no bigger (a frame is mostly flat colour). The format:
    the signature, then chunks (length, type, data, CRC): IHDR (size; 8-bit RGB), IDAT (the
    zlib stream of the rows, each led by its filter type, 0 = none), IEND.
    """
    rgb = np.asarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"fast_png: expected an (h, w, 3) image, got shape {rgb.shape}")
    h, w = rgb.shape[:2]
    rows = np.zeros((h, 1 + 3 * w), dtype=np.uint8)  # column 0: the filter type of each row
    rows[:, 1:] = rgb.reshape(h, 3 * w)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    # 8 bits per channel, colour type 2 (RGB), deflate, filtering per row, no interlacing
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


class Explorer:
    """Controls → ``compute`` → figure updated in place, with a loss readout and trace.

    Parameters
    ----------
    compute : callable
        ``compute(**values) -> dict`` with a float ``'loss'`` (pure: no widgets, no drawing).
    controls : list of Slider or Dropdown
        The inputs of ``compute``.
    draw : callable
        ``draw(fig, state) -> update``; ``update(state)`` changes the figure's artists in place
        and returns them (a list).
    actions : list of Action, optional
    describe : callable, optional
        ``describe(values, state) -> str``: the text readout (also the figure's text alternative).
    figsize : tuple
        Size of the whole figure in inches; with ``trace`` the right third shows the loss trace.
    trace : bool
        Show the loss as it changes. Without a trace, ``compute`` need not return a ``'loss'``.
    static : Static, optional
        How the static HTML book offers the widget (see ``nnlib.widgets.static``).
    layout : str or None
        The figure's layout engine: ``"constrained"``, or None for a ``draw`` that places its
        axes itself (``fig.add_axes``).
    """

    #: How many static backgrounds (one per set of axis limits seen) a widget keeps.
    BACKGROUNDS = 8

    def __init__(
        self,
        compute,
        controls,
        draw,
        actions=(),
        describe=None,
        title="",
        figsize=(9, 3.6),
        dpi=80,
        trace=True,
        static=None,
        layout="constrained",
    ):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.compute, self.controls, self.actions = compute, list(controls), list(actions)
        self.describe = describe or (lambda values, state: describe_loss(state["loss"]))
        self.title, self.figsize, self.dpi, self.static = title, figsize, dpi, static
        self.layout = layout
        self._draw, self._has_trace = draw, trace
        self.source = None  # set by @widget_factory
        self.losses = []
        self._holding = False
        self.is_static = static_mode()
        self.widgets = {c.name: self._control(c) for c in self.controls}
        for action in self.actions:
            for c in action.settings:
                self.widgets[c.name] = self._control(c)

        self.figure = Figure(figsize=figsize, dpi=dpi, layout=layout)
        FigureCanvasAgg(self.figure)
        self.state = self._compute()
        self._trace = None
        if trace:
            main, side = self.figure.subfigures(1, 2, width_ratios=[2, 1])
            self._update = draw(main, self.state)
            self._trace_ax = side.subplots()
            (self._trace,) = self._trace_ax.plot(
                [], [], color=PALETTE[0], marker=".", lw=1.5, animated=True
            )
            self._trace_ax.set(title="Loss as you go", xlabel="update", ylabel="loss", yscale="log")
        else:
            self._update = draw(self.figure, self.state)
        self._backgrounds, self._animated, self._static_texts = {}, [], []
        self._frame_background = None

        if self.is_static:  # the book build: no widget may exist (it would be a dead one)
            self.image, self.readout, self.buttons, self.widget = _Holder(), _Holder(), {}, None
        else:
            self._build_view()
        for c in self.controls:
            self.widgets[c.name].observe(self._on_change, names="value")
        self._record()

    def _control(self, control):
        return _Holder(control) if self.is_static else control.widget()

    def _build_view(self):
        import ipywidgets as w

        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.readout = w.HTML()
        self.buttons = {}
        for action in self.actions:
            button = w.Button(description=action.label, tooltip=action.label)
            button.on_click(lambda _, a=action: self.run(a.label))
            self.buttons[action.label] = button
        reset = w.Button(
            description="Reset", tooltip="Back to the starting values; clear the trace"
        )
        reset.on_click(lambda _: self.reset())
        self.buttons["Reset"] = reset
        rows = [w.HTML(f"<b>{self.title}</b>")] if self.title else []
        rows += [
            w.HBox([self.widgets[c.name] for c in self.controls[i : i + 2]])
            for i in range(0, len(self.controls), 2)
        ]
        settings = [self.widgets[c.name] for a in self.actions for c in a.settings]
        rows += [w.HBox(settings + list(self.buttons.values())), self.image, self.readout]
        self.widget = w.VBox(rows)

    # --- the loop: values -> state -> picture --------------------------------------------
    @property
    def values(self):
        """Current control values, by name."""
        return {c.name: self.widgets[c.name].value for c in self.controls}

    def _compute(self, values=None):
        with np.errstate(all="ignore"):
            return self.compute(**(values or {c.name: c.value for c in self.controls}))

    def _on_change(self, change):
        if not self._holding:
            self.refresh()

    def refresh(self):
        """Recompute the state from the controls and redraw (called on every change)."""
        self.state = self._compute(self.values)
        self._record()
        return self.state

    def _record(self, extra_losses=()):
        if "loss" in self.state:
            self.losses.extend([*extra_losses, self.state["loss"]])
        self.redraw()
        text = self.describe(self.values, self.state)
        if diverged(extra_losses):
            text = (
                f"Training diverged: the loss went from {extra_losses[0]:.4g} to "
                f"{max(extra_losses):.4g} (the learning rate is too large). " + text
            )
        self.readout.value = f'<span role="status" aria-live="polite">{text}</span>'
        self.text = text

    def redraw(self):
        """Draw the current state again, without recomputing it: what a change costs beyond
        ``compute`` (the benchmark times it)."""
        with np.errstate(all="ignore"):
            changed = list(self._update(self.state) or [])
            if self._trace is not None:
                changed.append(self._trace)
                self._update_trace()
            self.image.value = self._render(changed)

    def _update_trace(self):
        """Show the loss trace; grow the axes (forcing a full redraw) only when it runs out."""
        trace = np.asarray(self.losses, dtype=float)
        finite = trace[np.isfinite(trace) & (trace > 0)]
        self._trace.set_data(
            np.arange(1, len(trace) + 1), np.where(np.isfinite(trace), trace, np.nan)
        )
        ax = self._trace_ax
        xmax = ax.get_xlim()[1]
        (ylo, yhi), (lo, hi) = (
            ax.get_ylim(),
            (finite.min(), finite.max()) if finite.size else (1, 1),
        )
        if len(trace) > xmax or lo < ylo or hi > yhi or not self._backgrounds:
            ax.set_xlim(0, max(10, 2 ** math.ceil(math.log2(len(trace) + 1))))
            low = max(math.floor(math.log10(lo) - 0.3), -8)  # a log axis; absurd losses sit
            high = min(math.ceil(math.log10(hi) + 0.3), 12)  # off-chart (the readout says them)
            ax.set_ylim(10.0**low, 10.0 ** max(high, low + 1))

    def _render(self, artists):
        """PNG bytes of the figure: blit ``artists`` onto the cached static background.

        A background is drawn for each set of axis limits (and of static texts) the figure
        shows, and the last ``BACKGROUNDS`` are kept: going back to a data set, a picture or a
        preset seen before redraws only what changed.
        """
        canvas = self.figure.canvas
        if not self._backgrounds or not set(self._animated).issuperset(artists):
            animated = set(_still_drawn(self._animated, self.figure)) | _stacked_above(artists)
            self._animated = _draw_order(self.figure, animated)
            for artist in self._animated:
                artist.set_animated(True)
            self._static_texts = _static_texts(self.figure, self._animated)
            self._backgrounds = {}  # they show the newly animated artists as static
        key = repr(
            (
                _limits(self.figure),  # they place the ticks and grid lines
                [(t.get_text(), t.get_visible()) for t in self._static_texts],
            )
        )
        background = self._backgrounds.pop(key, None)
        if background is None:
            background = self._draw_background()
        self._backgrounds[key] = background  # the most recently used last
        if len(self._backgrounds) > self.BACKGROUNDS:
            del self._backgrounds[next(iter(self._backgrounds))]
        self._frame_background = background  # what the frame shown last was drawn on
        _place_axes(self.figure)  # a kept background fits these limits; the axes may not yet
        canvas.restore_region(background)
        for artist in self._animated:  # in drawing order: by zorder, then as matplotlib would
            self.figure.draw_artist(artist)
        return fast_png(np.asarray(canvas.buffer_rgba())[..., :3])

    def _draw_background(self):
        """Draw everything but the animated artists; returns the canvas region, for blitting."""
        with _background_of(self._animated):
            self.figure.canvas.draw()
        # Later full draws keep the axes where this one put them, as the static book does:
        # constrained layout is half the cost of a draw, and nothing would move anyway.
        self.figure.set_layout_engine("none")
        return self.figure.canvas.copy_from_bbox(self.figure.bbox)

    # --- what a learner (or a test) does ---------------------------------------------------
    def set(self, **values):
        """Set controls programmatically, all at once, then redraw once."""
        unknown = set(values) - set(self.widgets)
        if unknown:
            raise ValueError(
                f"Explorer has no control(s) {sorted(unknown)}; it has {sorted(self.widgets)}"
            )
        with self._hold():
            for name, value in values.items():
                self.widgets[name].value = value
        return self.refresh()

    def run(self, label):
        """Press the button ``label``: run its action and jump the controls to the result."""
        action = next(a for a in self.actions if a.label == label)
        settings = {c.name: self.widgets[c.name].value for c in action.settings}
        with np.errstate(all="ignore"):
            new_values, losses = action.run(self.values, settings)
        with self._hold():
            for name, value in new_values.items():
                self.widgets[name].value = value
        self.state = self._compute(self.values)
        self._record(extra_losses=losses)
        return self.state

    def reset(self):
        """Back to the starting values (controls and action settings), with an empty trace."""
        with self._hold():
            for c in self.controls + [c for a in self.actions for c in a.settings]:
                self.widgets[c.name].value = c.value
        self.losses = []
        self.refresh()

    @contextlib.contextmanager
    def _hold(self):
        """Within ``with self._hold():`` control changes do not each trigger a redraw."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def static_spec(self):
        """The widget's ``Static`` spec, with a note on what needs a live kernel."""
        from . import static

        notes = [self.static.note] if self.static and self.static.note else []
        needs = [f"the button “{a.label}”" for a in self.actions]
        if self._has_trace:
            needs.append("the loss trace")
        if needs:
            need = " and ".join(needs)
            verb = "needs" if len(needs) == 1 else "need"
            notes.append(f"{need[0].upper()}{need[1:]} {verb} a live kernel.")
        return static.Static(**{**vars(self.static or static.Static()), "note": " ".join(notes)})

    def static_data(self):
        """Precompute this widget's states for the static HTML book (see ``static.export``).

        The figure is ``draw``'s alone: the loss trace, which depends on the path a learner
        took, is left out, and the figure keeps the width the notebook gives it.
        """
        from . import static

        width, height = self.figsize
        return static.export(
            self._compute_values,
            self.controls,
            self._draw,
            self.describe,
            self.values,
            spec=self.static_spec(),
            title=self.title,
            figsize=(width * 2 / 3, height) if self._has_trace else (width, height),
            dpi=self.dpi,
            source=self.source,
            layout=self.layout,
        )

    def _compute_values(self, **values):
        return self._compute(values)

    def static_html(self):
        """The static HTML component (what the book build displays instead of the widget)."""
        from . import static

        return static.to_html(self.static_data(), self.controls)

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a PNG of its figure where widgets cannot render (PDF, GitHub).

        In the book build: the static HTML component, and no widget at all."""
        if self.is_static:
            try:
                page = self.static_html()
            except Exception as error:  # IPython would swallow it: _ext/static_widgets.py
                page = static_error_html(self.title, error)  # turns this into a build error
            return {"text/html": page, "text/plain": self.text}
        data = widget_bundle(self.widget)
        data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        data["text/plain"] = self.text
        return data
