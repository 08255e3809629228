"""nnlib.widgets.static: the states the static HTML book precomputes, how they are recorded and
packed, and the Explorer in the book build (no ipywidgets, an HTML component instead)."""

import base64
import dataclasses
import importlib
import io
import json
import re
import zlib

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from nnlib.widgets import (  # noqa: E402
    Dropdown,
    Explorer,
    Slider,
    Static,
    StaticBudgetError,
    static,  # noqa: E402
)

pytestmark = pytest.mark.usefixtures("warnings_are_errors")  # see conftest.py


# --- which states ----------------------------------------------------------------------------


def test_plan_is_the_row_major_product_of_the_offered_values():
    controls = [
        Slider("a", 0, 2, 1, 1),  # a small grid: all 3 values
        Dropdown("kind", ["x", "y"], "y"),
        Slider("b", -10, 10, 0.1, 0.5, static=[-1, 0, 1]),  # 0.5, the start, is added
    ]
    p = static.plan(controls, {"a": 1, "kind": "y", "b": 0.5})
    assert [c["values"] for c in p.controls] == [[0.0, 1.0, 2.0], ["x", "y"], [-1, 0, 0.5, 1]]
    assert [c["start"] for c in p.controls] == [1, 1, 2]
    assert len(p) == 3 * 2 * 4
    assert p.settings[0] == {"a": 0.0, "kind": "x", "b": -1.0}
    assert p.settings[1] == {"a": 0.0, "kind": "x", "b": 0.0}  # the last control is fastest
    assert p.settings[4] == {"a": 0.0, "kind": "y", "b": -1.0}
    start = static._start_index_of(p.controls)
    assert p.settings[start] == {"a": 1.0, "kind": "y", "b": 0.5}
    assert [c["kind"] for c in p.controls] == ["range", "select", "range"]


def test_a_fine_slider_must_declare_its_static_values():
    with pytest.raises(StaticBudgetError, match="Slider 'w' has 201 values.*static="):
        static.plan([Slider("w", -10, 10, 0.1, 0)], {"w": 0})


def test_the_budget_names_every_control_and_what_to_do():
    controls = [Slider(n, 0, 9, 1, 0) for n in "abcd"]  # 10 ** 4 states
    with pytest.raises(StaticBudgetError, match=r"10000 states \(a 10 × b 10 × c 10 × d 10\)"):
        static.plan(controls, dict.fromkeys("abcd", 0), Static(budget=5000))
    assert len(static.plan(controls, dict.fromkeys("abcd", 0), Static(budget=10000))) == 10000


def test_values_outside_a_slider_or_not_among_the_options_are_errors():
    with pytest.raises(ValueError, match="outside its range"):
        static.plan([Slider("a", 0, 1, 0.5, 0, static=[0, 2])], {"a": 0})
    with pytest.raises(ValueError, match="not its options"):
        static.plan([Dropdown("k", ["x", "y"], "x", static=["z"])], {"k": "x"})


def test_dropdown_options_with_labels_offer_the_values_and_show_the_labels():
    d = Dropdown("batch", [("4", 4), ("full batch (160)", 0)], 0, "batch size")
    p = static.plan([d], {"batch": 0})
    (control,) = p.controls
    assert control["values"] == [4, 0] and control["text"] == ["4", "full batch (160)"]
    assert control["label"] == "batch size" and control["start"] == 1


def test_vary_holds_the_other_controls_at_their_current_values():
    controls = [Slider("a", 0, 2, 1, 0), Slider("b", 0, 2, 1, 0), Dropdown("k", ["x", "y"], "x")]
    p = static.plan(controls, {"a": 2, "b": 1, "k": "y"}, Static(vary=["b"]))
    assert p.fixed == {"a": 2, "k": "y"}
    assert [s["b"] for s in p.settings] == [0.0, 1.0, 2.0]
    assert all(s["a"] == 2 and s["k"] == "y" for s in p.settings)
    with pytest.raises(ValueError, match="unknown control"):
        static.plan(controls, {"a": 0, "b": 0, "k": "x"}, Static(vary=["nope"]))


def test_presets_set_several_controls_and_can_move_a_varied_one():
    controls = [Slider("lr", 0.001, 10, 0.1, 0.01, log=True), Slider("epoch", 0, 2, 1, 0)]
    runs = {"slow": {"lr": 0.01}, "fast": {"lr": 1.0, "epoch": 2.0}}
    spec = Static(presets=runs, vary=["epoch"], presets_label="training run")
    p = static.plan(controls, {"lr": 0.01, "epoch": 0}, spec)
    assert p.controls[0]["name"] == static.PRESET and p.controls[0]["values"] == ["slow", "fast"]
    assert p.controls[0]["label"] == "training run"
    assert [(s["lr"], s["epoch"]) for s in p.settings] == [
        (0.01, 0.0),
        (0.01, 1.0),
        (0.01, 2.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (1.0, 2.0),
    ]
    # Choosing "fast" moves the epoch slider to 2 (its position 2); "slow" moves nothing.
    assert p.controls[0]["jumps"] == [[], [[1, 2]]]
    # Computed only when asked; a preset that leaves a control keeps its current value.
    lazy = static.plan(controls, {"lr": 0.01, "epoch": 0}, Static(presets=lambda: runs))
    assert lazy.presets == {"slow": {"lr": 0.01, "epoch": 0}, "fast": runs["fast"]}
    assert [(s["lr"], s["epoch"]) for s in lazy.settings] == [(0.01, 0), (1.0, 2.0)]
    with pytest.raises(ValueError, match="unknown control"):
        static.plan(controls, {"lr": 0.01, "epoch": 0}, Static(presets={"x": {"nope": 1}}))


def test_presets_can_offer_their_own_values_of_a_varied_control():
    controls = [Dropdown("run", ["short", "long"], "long"), Slider("epoch", 0, 200, 1, 100)]
    runs = {
        "short": {"run": "short", "epoch": [0, 5, 30]},
        "long": {"run": "long", "epoch": [0, 50, 200]},
    }
    p = static.plan(controls, {"run": "long", "epoch": 60}, Static(presets=runs, vary=["epoch"]))
    preset, epoch = p.controls
    assert preset["values"] == ["short", "long"] and preset["start"] == 1  # the current run
    assert epoch["by_preset"]["values"] == [[0, 5, 30], [0, 50, 200]]
    assert epoch["by_preset"]["text"] == [["0.00", "5.00", "30.00"], ["0.00", "50.00", "200.00"]]
    assert epoch["values"] == [0, 50, 200] and epoch["start"] == 1  # 60 snaps to 50
    assert "jumps" not in preset and p.presets == {
        "short": {"run": "short"},
        "long": {"run": "long"},
    }
    assert [(s["run"], s["epoch"]) for s in p.settings] == [
        ("short", 0),
        ("short", 5),
        ("short", 30),
        ("long", 0),
        ("long", 50),
        ("long", 200),
    ]
    # Every preset lists as many values, increasing, inside the slider's range.
    for bad, message in [
        ({"short": {"epoch": [0, 5]}, "long": {"epoch": [0, 50, 200]}}, "as many values"),
        ({"short": {"epoch": [0, 5, 30]}, "long": {"epoch": 50}}, "gives no list"),
        ({"short": {"epoch": [0, 30, 5]}, "long": {"epoch": [0, 50, 200]}}, "must increase"),
        ({"short": {"epoch": [0, 5, 300]}, "long": {"epoch": [0, 50, 200]}}, "outside its range"),
    ]:
        with pytest.raises(ValueError, match=message):
            static.plan(controls, {"run": "long", "epoch": 0}, Static(presets=bad))
    with pytest.raises(ValueError, match="depend on the preset"):
        static.plan(
            controls,
            {"run": "long", "epoch": 0},
            Static(presets=runs, vary=["epoch"], jumps={"configuration": lambda n: {"epoch": 5}}),
        )


def test_jumps_move_other_controls_to_the_nearest_offered_value():
    controls = [Dropdown("weight", ["a", "b"], "a"), Slider("value", -1, 1, 0.5, 0.5)]
    start = {"a": 0.5, "b": -0.9}
    p = static.plan(
        controls,
        {"weight": "a", "value": 0.5},
        Static(jumps={"weight": lambda key: {"value": start[key]}}),
    )
    values = p.controls[1]["values"]
    assert values == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert p.controls[0]["jumps"] == [[[1, values.index(0.5)]], [[1, values.index(-1.0)]]]


# --- recording and packing -------------------------------------------------------------------


def _parse_path(d, scale):
    """Absolute (x, y) vertices of our path data, to check _path_data against its input."""
    points, current, start = [], np.zeros(2), np.zeros(2)
    for letter, numbers in re.findall(r"([MmLlQqCcZz])([^MmLlQqCcZz]*)", d):
        values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", numbers)]
        pairs = np.array(values, dtype=float).reshape(-1, 2) * scale
        if letter in "Zz":
            current = start
            continue
        if letter == "M":
            current = start = pairs[0]
            points.append(current)
            for p in pairs[1:]:  # numbers after M continue as absolute lines
                current = p
                points.append(current)
            continue
        take = {"m": 1, "l": 1, "q": 2, "c": 3}[letter]
        for group in pairs.reshape(-1, take, 2):
            absolute = current + group
            points.extend(absolute)
            current = absolute[-1]
            if letter == "m":
                start = current
    return np.array(points)


@pytest.mark.parametrize("digits", [1, 2])
def test_path_data_round_trips_lines_curves_moves_and_closes(digits):
    rng = np.random.default_rng(0)
    vertices = rng.uniform(-50, 400, size=(12, 2))
    codes = [1, 2, 2, 79, 1, 4, 4, 4, 3, 3, 2, 2]  # move, lines, close, curves, more lines
    d = static._path_data(vertices, codes, digits=digits)
    kept = np.array([v for v, c in zip(vertices, codes, strict=True) if c != 79])
    np.testing.assert_allclose(_parse_path(d, 10.0**-digits), kept, atol=0.5 * 10**-digits)
    assert d.startswith("M") and "z" in d and "c" in d and "q" in d
    assert re.fullmatch(r"[MmlqcZz0-9 \-]+", d), "integers only: no decimal points"


def test_path_data_stops_at_stop_and_starts_without_a_move():
    assert static._path_data(np.array([[1.0, 2.0], [3.0, 4.0]]), [0, 2]) == ""
    assert static._path_data(np.array([[1.0, 2.0], [3.0, 4.0]]), None) == "M10 20l20 20"


def test_images_are_stored_losslessly_with_a_shared_palette_when_they_can_be():
    page = static._Page()
    rng = np.random.default_rng(1)
    colours = rng.integers(0, 256, size=(5, 4), dtype=np.uint8)
    indexed = colours[rng.integers(0, 5, size=(6, 7))]
    first = page.image(indexed)
    assert page.image(indexed.copy()) == first  # the same pixels are stored once
    entry = page.images[first]
    grey = np.asarray(Image.open(io.BytesIO(base64.b64decode(entry["p"]))))
    palette = np.array(page.palette_bytes(), dtype=np.uint8).reshape(-1, 4)
    assert entry["i"] == 1 and np.array_equal(palette[grey], indexed)
    smooth = rng.integers(0, 256, size=(20, 20, 4), dtype=np.uint8)  # 400 colours: a PNG
    entry = page.images[page.image(smooth)]
    assert "i" not in entry
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(entry["p"]))).convert("RGBA"))
    assert np.array_equal(decoded, smooth)


def test_a_background_differing_in_one_place_is_the_first_with_one_patch():
    rng = np.random.default_rng(2)
    base = rng.integers(0, 256, size=(100, 150, 4), dtype=np.uint8)
    new = base.copy()
    new[10:20, 5:12] = 0  # e.g. the tick labels of one axis
    new[70:75, 140:150] = 255  # and of another, far away
    patches = static._patches(base, new)
    assert len(patches) == 2
    rebuilt = base.copy()
    for x, y, crop in patches:
        rebuilt[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
    assert np.array_equal(rebuilt, new)
    assert sum(c.shape[0] * c.shape[1] for _, _, c in patches) < 0.1 * base.shape[0] * base.shape[1]
    assert static._patches(base, base) == []


def _toy(trace=False, **kwargs):
    """y = a x on [0, 1], a line and a marker; kind switches the line's colour."""

    def compute(a, kind):
        return {"loss": (a - 2.0) ** 2, "a": a, "kind": kind}

    def draw(fig, state):
        ax = fig.subplots()
        x = np.linspace(0, 1, 5)
        (line,) = ax.plot(x, state["a"] * x, lw=2, ls="--")
        (point,) = ax.plot([1], [state["a"]], "s", ms=6)
        ax.set(xlim=(0, 1), ylim=(-5, 5))

        def update(state):
            line.set_ydata(state["a"] * x)
            line.set_color("C0" if state["kind"] == "x" else "C1")
            point.set_ydata([state["a"]])
            ax.set_title(f"a = {state['a']:.1f}")
            return [line, point, ax.title]

        update(state)
        return update

    return Explorer(
        compute,
        [Slider("a", -5, 5, 0.5, 0.0, static=[-2, 0, 2]), Dropdown("kind", ["x", "y"], "x")],
        draw,
        describe=lambda values, state: f"a = {values['a']}: loss = {state['loss']:.4f}",
        figsize=(3, 2),
        trace=trace,
        **kwargs,
    )


def test_export_records_each_state_as_matplotlib_draws_it():
    e = _toy()
    data = e.static_data()
    assert len(data["states"]) == 6 and data["size"] == [240, 160]
    assert data["texts"][data["states"][0][1]] == "a = -2.0: loss = 16.0000"
    # State 0 (a = -2, kind x): a dashed line through the data points, in canvas pixels.
    figure = Figure(figsize=(3, 2), dpi=80, layout="constrained")
    FigureCanvasAgg(figure)
    update = e._draw(figure, e.compute(a=-2.0, kind="x"))
    figure.canvas.draw()
    line = figure.axes[0].lines[0]
    expected = line.get_transform().transform(line.get_xydata())
    expected[:, 1] = 160 - expected[:, 1]
    prims = [data["prims"][i] for i in data["states"][0][2]]
    (path,) = [p for p in prims if p["k"] == "path" and "dash" in p]
    np.testing.assert_allclose(_parse_path(path["d"], 0.1), expected, atol=0.6)
    assert path["lw"] == pytest.approx(2 * 80 / 72, abs=0.01) and path["stroke"] == "#1f77b4"
    (marks,) = [p for p in prims if p["k"] == "marks"]
    point = figure.axes[0].lines[1].get_transform().transform([[1, -2]])[0]
    assert marks["xy"] == [round(point[0]), round(160 - point[1])]  # snapped, as Agg does
    (title,) = [p for p in prims if p["k"] == "text"]
    assert len(title["g"]) == 3 * len("a=-2.0")  # one (glyph, x, y) per character but spaces
    # The other colour of the same line is another primitive; the same title is shared.
    assert data["states"][1][2] != data["states"][0][2]
    assert update is not None


def test_identical_pictures_share_their_primitives():
    e = _toy()
    data = e.static_data()
    a0_x, a0_y = data["states"][2], data["states"][3]  # a = 0: the line is flat either way...
    assert a0_x[2][1:] == a0_y[2][1:]  # ...only the line's colour differs; marker and title not


def test_the_cache_of_drawn_artists_changes_nothing():
    e = _toy()
    args = (e._compute_values, e.controls, e._draw, e.describe, e.values)
    fast = static.export(*args, figsize=(3, 2), cache=True)
    slow = static.export(*args, figsize=(3, 2), cache=False)
    assert fast == slow


CHAPTER_WIDGETS = [
    ("nnlib.widgets.neuron", "neuron_explorer", {}),
    ("nnlib.widgets.activations", "activation_explorer", {}),
    ("nnlib.widgets.activations", "fit_explorer", {}),
    ("nnlib.widgets.layers", "bumps_explorer", {}),
    ("nnlib.widgets.forward", "network_explorer", {}),
    ("nnlib.widgets.backprop", "backprop_explorer", {"step": 12}),
    ("nnlib.widgets.descent", "descent_explorer", {}),
    ("nnlib.widgets.descent", "training_explorer", {}),
    (
        "nnlib.widgets.network_types",
        "kernel_explorer",
        {"kernel": "vertical edge", "image": "shapes", "padding": "same"},
    ),
    ("nnlib.widgets.network_types", "lstm_stepper", {"example": 0, "step": 12}),
    ("nnlib.widgets.overfitting", "overfitting_lab", {}),
    ("nnlib.widgets.limits", "bias_explorer", {}),
    ("nnlib.widgets.limits", "adversarial_explorer", {}),
    ("nnlib.widgets.playground", "replay_explorer", {"preset": "playground default", "epoch": 30}),
]


def _make(module, factory, kwargs):
    return getattr(importlib.import_module(module), factory)(**kwargs)


@pytest.mark.parametrize(("module", "factory", "kwargs"), CHAPTER_WIDGETS)
def test_chapter_widgets_plan_within_budget_and_record_the_same_with_or_without_cache(
    module, factory, kwargs
):
    e = _make(module, factory, kwargs)
    assert e.source == {"factory": f"{module}:{factory}", "kwargs": kwargs}
    full = static.plan(e.controls, e.values, e.static, e.title)
    assert 0 < len(full) <= (e.static.budget if e.static else 1000)
    # A few states of each, recorded both ways (the offered values cut to their first two;
    # those a preset lists stay as they are).
    cut = {h["name"] for h in full.controls if "by_preset" not in h}
    small = [
        dataclasses.replace(c, static=list(static.static_values(c, e.values[c.name]))[:2])
        if c.name in cut
        else c
        for c in e.controls
    ]
    spec = dataclasses.replace(e.static or Static(), budget=10**6)
    if isinstance(spec.presets, dict) or callable(spec.presets):
        presets = spec.presets() if callable(spec.presets) else spec.presets
        spec = dataclasses.replace(spec, presets=dict(list(presets.items())[:2]))
    args = (e._compute_values, small, e._draw, e.describe, e.values, spec, e.title)
    size = (e.figsize[0] * 2 / 3, e.figsize[1]) if e._has_trace else e.figsize
    fast = static.export(*args, figsize=size, cache=True, layout=e.layout)
    slow = static.export(*args, figsize=size, cache=False, layout=e.layout)
    assert 2 <= len(fast["states"]) <= 100
    assert fast == slow
    # Every readout is the widget's describe() of its compute() for that setting.
    p = static.plan(small, e.values, spec, e.title)
    for setting, state in zip(p.settings, fast["states"], strict=True):
        assert fast["texts"][state[1]] == e.describe(setting, e.compute(**setting))


# --- the Explorer in the book build -----------------------------------------------------------


@pytest.fixture
def book_build(monkeypatch):
    monkeypatch.setenv(static.STATIC_ENV, "1")


def test_static_mode_follows_the_environment(monkeypatch):
    monkeypatch.delenv(static.STATIC_ENV, raising=False)
    assert not static.static_mode()
    monkeypatch.setenv(static.STATIC_ENV, "0")
    assert not static.static_mode()
    monkeypatch.setenv(static.STATIC_ENV, "1")
    assert static.static_mode()


def test_in_the_book_build_no_ipywidget_is_made_and_the_controls_still_work(book_build):
    from ipywidgets.widgets.widget import _instances  # every live widget, by model id

    before = set(_instances)
    e = _toy(trace=True)
    assert set(_instances) == before and e.widget is None
    e.set(a=100)  # clamped, as the slider would
    assert e.values == {"a": 5.0, "kind": "x"} and e.state["loss"] == 9.0
    with pytest.raises(ValueError, match="not one of"):
        e.set(kind="z")
    e.widgets["a"].value = 1.0  # observed: the state follows
    assert e.state["a"] == 1.0 and "loss = 1.0000" in e.text
    e.reset()
    assert e.values == {"a": 0.0, "kind": "x"}


def test_in_the_book_build_the_display_is_the_static_component(book_build):
    e = _toy(trace=True)
    bundle = e._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    page = bundle["text/html"]
    assert "widget-view" not in page and page.startswith('<div class="nnw"')
    # Labelled native controls, disabled until the script enables them.
    for name in ("a", "kind"):
        cid = re.search(rf'id="(nnw-\w+-{name})"', page).group(1)
        assert f'<label for="{cid}">' in page
    assert re.search(r'<input type="range"[^>]*aria-valuetext="0.00" disabled>', page)
    assert re.search(r"<select [^>]*disabled><option", page)
    # The readout is live, and is also the figure's text alternative, as is the fallback's alt.
    readout = "a = 0.0: loss = 4.0000"
    assert f'role="status" aria-live="polite">{readout}</p>' in page
    assert f'role="img" aria-label="{readout}"' in page and f'alt="{readout}"' in page
    assert "The loss trace needs a live kernel." in page and 'href="#nnw-live"' in page
    blob = re.search(r'class="nnw-data">([^<]+)</script>', page).group(1)
    data = json.loads(zlib.decompress(base64.b64decode(blob)))
    assert data["version"] == static.FORMAT_VERSION and len(data["states"]) == 6
    # With the trace left out, the figure keeps the notebook's width for its main part.
    assert data["size"] == [160, 160]


def test_in_a_kernel_the_display_is_the_ipywidget(monkeypatch):
    monkeypatch.delenv(static.STATIC_ENV, raising=False)
    bundle = _toy()._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data and "image/png" in data


def test_buttons_and_the_trace_are_named_in_the_note(book_build):
    from nnlib.widgets.neuron import neuron_explorer

    e = neuron_explorer()
    assert e.widget is None
    e.widgets["learning_rate"].value = 1.0
    before = e.state["loss"]
    e.run("Train 25 steps")  # the check cells of chapter 1 run in the build too
    assert e.state["loss"] < before
    e.reset()
    assert e.static_spec().note == (
        "The button “Train 25 steps” and the loss trace need a live kernel."
    )
    assert e.static_spec().budget == e.static.budget
    assert _toy().static_spec().note == ""


def test_a_widget_factory_remembers_how_to_rebuild_its_widget():
    from nnlib.widgets.layers import bumps_explorer
    from nnlib.widgets.neuron import neuron_explorer

    e = bumps_explorer("sine", s1=0.3)
    assert e.source == {
        "factory": "nnlib.widgets.layers:bumps_explorer",
        "kwargs": {"target": "sine", "s1": 0.3},
    }
    module, name = e.source["factory"].split(":")
    again = getattr(importlib.import_module(module), name)(**e.source["kwargs"])
    assert again.values == e.values
    X = np.zeros((4, 2))
    assert neuron_explorer(X, np.zeros(4)).source is None  # arrays are not JSON: no source


def test_a_widget_that_cannot_be_static_says_why_in_the_page(book_build):
    e = Explorer(
        lambda w: {"loss": w * w},
        [Slider("w", -10, 10, 0.01, 1.0)],  # 2001 values and no static=[...]
        lambda fig, state: lambda state: [],
        title="too fine",
    )
    page = e._repr_mimebundle_()["text/html"]
    assert page.startswith('<div class="nnw-error" role="alert">')
    assert (
        "“too fine” could not be made static: StaticBudgetError: Slider &#x27;w&#x27; has 2001"
        in page
    )


def test_hatches_rotated_boxed_and_math_text_are_recorded():
    def draw(fig, state):
        ax = fig.subplots()
        (bar,) = ax.bar([0], [1], hatch="//", color="#E69F00", edgecolor="black")
        label = ax.text(0, 0.5, "", rotation=20, bbox=dict(boxstyle="round", fc="w"))
        ax.set(ylim=(0, 4))

        def update(state):
            bar.set_height(state["h"])
            label.set_text(f"$h = {state['h']:.0f}\\beta^2$")
            return [bar, label]

        update(state)
        return update

    data = static.export(
        lambda h: {"h": h},
        [Slider("h", 1, 3, 1, 2)],
        draw,
        lambda values, state: f"h = {state['h']}",
        {"h": 2},
        figsize=(2, 2),
    )
    prims = [data["prims"][i] for i in data["states"][0][2]]
    (hatched,) = [p for p in prims if "hatch" in p]
    assert hatched["hatch"]["size"] == 80 and hatched["hatch"]["d"].startswith("M")
    (math,) = [p for p in prims if p["k"] == "text"]
    assert math["rot"] == 20 and math.get("gs") == 1  # a superscript: glyphs carry their scale
    assert len(math["g"]) == 4 * len("h=1β2")
    boxes = [p for p in prims if p["k"] == "path" and p.get("fill") == "#ffffff"]
    assert boxes, "the text's rounded box is a filled path"


def _pictures():
    """A picture of three shapes (fixed aspect) and a bilinear, origin-lower ramp."""
    shapes = {"tall": (8, 4), "square": (6, 6), "wide": (4, 8)}

    def compute(v, shape):
        rows, cols = shapes[shape]
        ramp = np.linspace(0, 1, 12)[:, None] * np.ones((1, 7))  # row 0 low: bottom, as lower
        return {"loss": v, "picture": np.full((rows, cols), v), "ramp": ramp * (1 + v) / 2}

    def draw(fig, state):
        ax, ax_ramp = fig.subplots(1, 2)
        picture = ax.imshow(state["picture"], cmap="viridis", vmin=0, vmax=1)
        ramp = ax_ramp.imshow(
            state["ramp"], origin="lower", cmap="viridis", vmin=0, vmax=1,
            interpolation="bilinear", aspect="auto",
        )  # fmt: skip
        ax_ramp.set_axis_off()

        def update(state):
            picture.set_data(state["picture"])
            rows, cols = state["picture"].shape
            picture.set_extent((-0.5, cols - 0.5, rows - 0.5, -0.5))
            ramp.set_data(state["ramp"])
            return [picture, ramp]

        update(state)
        return update

    controls = [Slider("v", 0, 1, 1, 0, static=[0, 1]), Dropdown("shape", list(shapes), "tall")]
    return Explorer(compute, controls, draw, figsize=(6, 3), trace=False)


def test_images_are_recorded_where_and_the_way_up_matplotlib_draws_them():
    data = _pictures().static_data()
    states = data["states"]  # v = 0: tall, square, wide; v = 1: tall, square, wide

    def images(state):
        return [data["prims"][i] for i in state[2] if data["prims"][i]["k"] == "img"]

    # (v=1, tall) reuses the background of (v=0, tall), drawn when the axes had the tall
    # picture's aspect; the last full draw was of the wide one. Its picture is placed as then.
    assert images(states[3])[0]["m"] == images(states[0])[0]["m"]
    assert images(states[0])[0]["m"] != images(states[2])[0]["m"]
    # The resampled ramp (Agg hands it over bottom row first) is the right way up: as in the
    # fallback, matplotlib's own picture of the starting state.
    ramp = images(states[0])[1]
    assert "m" not in ramp
    palette = np.array(data["palette"], dtype=np.uint8).reshape(-1, 4)
    entry = data["images"][ramp["src"]]
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(entry["p"]))))
    rgb = (palette[pixels] if entry.get("i") else pixels)[..., :3].astype(float)
    fallback = Image.open(io.BytesIO(base64.b64decode(data["fallback"]))).convert("RGB")
    x, y = round(ramp["x"]), round(ramp["y"])
    crop = np.asarray(fallback)[y : y + rgb.shape[0], x : x + rgb.shape[1]].astype(float)
    assert np.abs(rgb - crop).mean() < 1.0
    assert np.abs(rgb[::-1] - crop).mean() > 20
