"""Widgets that respond in the static HTML book, with no kernel and no network.

In a live kernel an ``Explorer`` is an ipywidgets view. In the book build (``jupyter-book
build`` loads ``_ext/static_widgets.py``, which sets ``NNLIB_STATIC_WIDGETS=1`` for the kernels
it starts) the same ``Explorer`` creates no ipywidgets and displays a self-contained HTML
component instead: native ``<input type=range>`` and ``<select>`` controls with labels, a
canvas, a readout (an ``aria-live`` region, also the canvas's accessible name) and the widget's
states, precomputed by its own pure ``compute`` over a finite set of control values. A small
dependency-free script, ``_ext/static/nnwidgets.js``, paints the state of the chosen setting.
No maths is done in the browser.

What is precomputed (``plan``)
    Every control offers a finite list of values: ``Slider(..., static=[...])`` (a slider with
    at most ``MAX_AUTO_VALUES`` grid values offers all of them), a dropdown all its options or
    its ``static`` ones; the starting value is always among them. The build evaluates
    ``compute`` on the product of these lists, so their sizes multiply: a ``Static`` spec,
    declared with the widget, keeps the product within its ``budget`` (``StaticBudgetError``
    otherwise) by offering only some controls (``vary``; the others keep their starting
    values) or named ``presets`` (configurations of several controls at once, e.g. training
    runs, with the varied controls, e.g. the epoch, on top), and can make a control move others
    (``jumps``). Buttons (``Action``) and the loss trace need a kernel and are left out; the
    component says so and links to the live notebook.

How a state is drawn (``export``)
    The figure is the widget's own ``draw(fig, state)``, without the loss trace, at the size
    and resolution the notebook shows. Its static parts (axes, ticks, labels, legends) are one
    PNG, plus small patches where they differ for a state (an axis that rescales changes only
    its tick labels). The artists ``update(state)`` returns, and what their axes draw above
    them, are drawn for every state on a recording matplotlib renderer (``_make_recorder``),
    which keeps what matplotlib asks for in canvas pixels: paths (lines, patches, text boxes,
    collections, hatches) with fill, stroke, width, dashes, caps, joins and clip; markers as one
    shape and its offsets (snapped as Agg snaps them); images as matplotlib's RGBA pixels (those
    it upsamples by nearest neighbours unsampled, with their matrix), as grey PNGs of indices
    into a palette shared by the page when they have few colours; text as glyph outlines
    (shared by the page) where matplotlib's layout puts them. Path data are integers of tenths
    (hundredths for markers) of a pixel, in relative SVG commands. Identical primitives and
    artists that draw as before are stored and recorded once; the whole is deflated and
    base64-encoded into the page (``to_html``).

For a widget that is not an ``Explorer`` (say, its own UI class around a pure simulation), call
``export`` with its compute function, controls, draw and describe functions from its
``_repr_mimebundle_`` when ``static_mode()`` is true, and return ``{"text/html":
to_html(data, controls)}``; give it a ``source`` so the browser test can rebuild it.
"""

import base64
import contextlib
import hashlib
import html
import inspect
import io
import itertools
import json
import math
import os
import zlib
from dataclasses import dataclass, field

import numpy as np

#: Set (to anything but "" or "0") by the book build; the Explorer then emits the static version.
STATIC_ENV = "NNLIB_STATIC_WIDGETS"
#: Sliders with at most this many grid values offer all of them in HTML without being told.
MAX_AUTO_VALUES = 25
#: Format version of the embedded data, checked by nnwidgets.js.
FORMAT_VERSION = 2
#: Where the component's "Run this widget live" link points; the build replaces it.
LIVE_LINK = "#nnw-live"


def static_mode():
    """True in the book build (``NNLIB_STATIC_WIDGETS`` set), False in a live kernel."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0")


class StaticBudgetError(ValueError):
    """A widget would need more precomputed states than its budget allows."""


@dataclass
class Static:
    """How a widget is offered in the static HTML book.

    Parameters
    ----------
    vary : list of str, optional
        The controls the HTML reader can move (default: every control not set by ``presets``).
        The others keep the widget's starting values, which the component lists.
    presets : dict, optional
        ``{name: {control: value, ...}}``: named configurations the reader picks from a list,
        each setting several controls at once; the ``vary`` controls are offered on top of each
        (e.g. an epoch slider over a training run). A function returning the dict is called only
        when the build needs it. A preset may set a ``vary`` control: picking it moves that one.
        A preset may also give a *list* for a ``vary`` control: the values it offers under that
        preset (every preset then gives one, all of one length; e.g. the epochs of each
        preset's training run, which differ in length). The slider keeps its position when
        the reader picks another preset.
    presets_label : str
        The label of the presets' list (e.g. "training run").
    budget : int
        The most states the build may precompute for this widget.
    note : str
        What the HTML version leaves out, in a sentence (shown under the figure).
    jumps : dict, optional
        ``{control: function}``: when the reader picks a value ``v`` of ``control`` (or a preset
        name, for the presets' list, named ``"configuration"``), the controls in the dict
        ``function(v)`` jump to (the offered values nearest) those values. For example a
        weight picker whose value slider shows the picked weight's value.
    """

    vary: list = None
    presets: object = None  # a dict, or a function returning one (called only in the build)
    presets_label: str = "configuration"
    budget: int = 1000
    note: str = ""
    jumps: dict = None


# --------------------------------------------------------------------------------------------
# Which states


def _plain(value):
    """``value`` as a JSON-able Python scalar (numpy scalars become int/float)."""
    if isinstance(value, np.generic):
        value = value.item()
    json.dumps(value, allow_nan=False)  # raises for anything JSON cannot carry
    return value


def _format(control, value):
    """The text a control shows for ``value``, as the ipywidgets readout would."""
    if hasattr(control, "options"):
        for option in control.options:
            if isinstance(option, tuple | list) and len(option) == 2 and option[1] == value:
                return str(option[0])
        return str(value)
    fmt = ".3g" if control.log else control.readout_format
    return format(value, fmt)


def static_values(control, current, extra=()):
    """The values ``control`` offers in HTML: a list that includes ``current`` and ``extra``.

    A slider offers its ``static`` list, or its whole grid when that has at most
    ``MAX_AUTO_VALUES`` values; a dropdown its ``static`` list or all its options.
    """
    declared = getattr(control, "static", None)
    if hasattr(control, "options"):
        options = [
            o[1] if isinstance(o, tuple | list) and len(o) == 2 else o for o in control.options
        ]
        values = options if declared is None else list(declared)
        unknown = [v for v in [*values, current, *extra] if v not in options]
        if unknown:
            raise ValueError(f"Dropdown {control.name!r}: values {unknown} are not its options")
        wanted = {json.dumps(_plain(v)) for v in [*values, current, *extra]}
        return [_plain(v) for v in options if json.dumps(_plain(v)) in wanted]
    if declared is None:
        grid = control.grid()
        if len(grid) > MAX_AUTO_VALUES:
            raise StaticBudgetError(
                f"Slider {control.name!r} has {len(grid)} values on its grid, too many to "
                f"precompute; give it static=[...] with the few values (at most a couple of "
                f"dozen) the HTML book should offer"
            )
        values = [float(v) for v in grid]
    else:
        values = [float(v) for v in declared]
    low, high = min(control.min, control.max), max(control.min, control.max)
    outside = [v for v in values if not low - 1e-12 <= v <= high + 1e-12]
    if outside:
        raise ValueError(f"Slider {control.name!r}: static values {outside} are outside its range")
    for value in [current, *extra]:
        value = float(value)
        if not low - 1e-12 <= value <= high + 1e-12:
            raise ValueError(f"Slider {control.name!r}: {value} is outside its range")
        if not any(math.isclose(v, value, rel_tol=1e-9, abs_tol=1e-12) for v in values):
            values.append(value)
    return [_plain(v) for v in sorted(set(values))]


@dataclass
class Plan:
    """The states to precompute: the HTML controls and every setting of them, in order."""

    controls: list  # [{"name", "label", "kind", "values", "text", "start"}]
    fixed: dict  # controls held at one value: {name: value}
    presets: dict  # {name: {control: value}}
    settings: list = field(default_factory=list)  # one dict of compute's arguments per state

    def __len__(self):
        return len(self.settings)


PRESET = "configuration"  # the name of the presets' select in the HTML controls


def plan(controls, current, spec=None, title=""):
    """Enumerate the settings the static HTML version offers (see ``Static``).

    Parameters
    ----------
    controls : list of Slider or Dropdown
        The widget's controls (the arguments of ``compute``).
    current : dict
        Their values now: the starting point, and the value of every control held fixed.
    spec : Static, optional
    title : str
        For error messages.

    Returns
    -------
    Plan
        States in row-major order of the HTML controls (the last control varies fastest). A
        control whose values depend on the preset (``Static``: a preset giving a list) has
        ``"by_preset": {"values": [...], "text": [...]}``, one list per preset, all of one
        length; its ``"values"`` and ``"text"`` are those of the starting preset.
    """
    spec = spec or Static()
    presets = spec.presets() if callable(spec.presets) else spec.presets
    presets = {
        name: {k: _plain_or_list(v) for k, v in values.items()}
        for name, values in (presets or {}).items()
    }
    names = [c.name for c in controls]
    by_name = {c.name: c for c in controls}
    if presets and PRESET in names:
        raise ValueError(f"a control named {PRESET!r} clashes with the presets' list")
    for name, values in presets.items():
        unknown = set(values) - set(names)
        if unknown:
            raise ValueError(f"preset {name!r} sets unknown control(s) {sorted(unknown)}")
    set_by_presets = set().union(*presets.values()) if presets else set()
    listed = {k for values in presets.values() for k, v in values.items() if isinstance(v, list)}
    if spec.vary is not None:
        vary = list(spec.vary)
    else:
        vary = [n for n in names if n not in set_by_presets or n in listed]
    unknown = set(vary) - set(names)
    if unknown:
        raise ValueError(f"Static.vary names unknown control(s) {sorted(unknown)}")
    per_preset = _per_preset_values(presets, listed, vary, by_name)
    # A preset that sets a varied control moves it (the reader can still move it on).
    by_preset = set_by_presets - set(vary)
    moved = {
        name: {k: v for k, v in values.items() if k in vary and k not in per_preset}
        for name, values in presets.items()
    }
    html_controls = []
    start_preset = 0
    if presets:
        start_preset = next(
            (
                i
                for i, v in enumerate(presets.values())
                if all(k in per_preset or current[k] == x for k, x in v.items())
            ),
            0,
        )
        html_controls.append(
            {
                "name": PRESET,
                "label": spec.presets_label,
                "kind": "select",
                "values": list(presets),
                "text": list(presets),
                "start": start_preset,
            }
        )
    for control in controls:
        if control.name not in vary:
            continue
        html = {
            "name": control.name,
            "label": control.description or control.name,
            "kind": "select" if hasattr(control, "options") else "range",
        }
        if control.name in per_preset:
            lists = per_preset[control.name]
            values = lists[start_preset]
            html["by_preset"] = {
                "values": lists,
                "text": [[_format(control, v) for v in vs] for vs in lists],
            }
        else:
            extra = [m[control.name] for m in moved.values() if control.name in m]
            values = static_values(control, current[control.name], extra)
        start = values.index(_plain(_snap(values, current[control.name])))
        html.update(values=values, text=[_format(control, v) for v in values], start=start)
        html_controls.append(html)
    count = math.prod(len(c["values"]) for c in html_controls)
    if count > spec.budget:
        sizes = " × ".join(f"{c['name']} {len(c['values'])}" for c in html_controls)
        raise StaticBudgetError(
            f"{title or 'this widget'} would precompute {count} states ({sizes}), more than its "
            f"budget of {spec.budget}; offer fewer values (Slider(static=[...])), fewer controls "
            f"(Static(vary=[...])) or presets (Static(presets={{...}}))"
        )
    positions = {c["name"]: k for k, c in enumerate(html_controls)}
    jumps = dict(spec.jumps or {})
    if any(moved.values()):
        previous = jumps.get(PRESET)
        jumps[PRESET] = lambda name: {**(previous(name) if previous else {}), **moved[name]}
    for name, function in jumps.items():
        if name not in positions:
            raise ValueError(f"Static.jumps: {name!r} is not a control offered in HTML")
        control = html_controls[positions[name]]
        control["jumps"] = []
        for value in control["values"]:
            moves = []
            for other, target in function(value).items():
                if other not in positions:
                    continue  # a control held fixed in HTML does not move
                if other in per_preset:
                    raise ValueError(
                        f"Static.jumps: {other!r} offers values that depend on the preset; "
                        "it cannot be moved by another control"
                    )
                values = html_controls[positions[other]]["values"]
                moves.append([positions[other], values.index(_snap(values, target))])
            control["jumps"].append(moves)
    fixed = {n: _plain(current[n]) for n in names if n not in vary and n not in by_preset}
    # Every preset sets the same controls (those a preset leaves keep their current value).
    presets = {
        name: {
            **{k: _plain(current[k]) for k in sorted(by_preset)},
            **{k: v for k, v in values.items() if k not in per_preset},
        }
        for name, values in presets.items()
    }
    result = Plan(html_controls, fixed, presets)
    ranges = [range(len(c["values"])) for c in html_controls]
    for combo in itertools.product(*ranges):
        setting = dict(fixed)
        for control, position in zip(html_controls, combo, strict=True):
            if control["name"] == PRESET:
                preset = control["values"][position]
                setting.update({k: v for k, v in presets[preset].items() if k not in vary})
            elif "by_preset" in control:
                setting[control["name"]] = control["by_preset"]["values"][combo[0]][position]
            else:
                setting[control["name"]] = control["values"][position]
        result.settings.append({n: setting[n] for n in names})
    return result


def _plain_or_list(value):
    """``_plain(value)``, or a list of them (a preset's own values of a varied control)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return _plain(value)


def _per_preset_values(presets, listed, vary, by_name):
    """``{control: [values of preset 1, values of preset 2, ...]}`` for the controls whose
    offered values each preset lists; every preset must list them, as many for each."""
    out = {}
    for name in sorted(listed):
        if name not in vary:
            raise ValueError(f"presets list values of {name!r}, which Static.vary leaves out")
        lists = []
        for preset, values in presets.items():
            if not isinstance(values.get(name), list):
                raise ValueError(
                    f"preset {preset!r} gives no list of values for {name!r}, as the others do"
                )
            offered = values[name]
            control = by_name[name]
            if hasattr(control, "options"):
                static_values(control, offered[0], offered[1:])  # checks they are options
            else:
                low, high = min(control.min, control.max), max(control.min, control.max)
                outside = [v for v in offered if not low - 1e-12 <= float(v) <= high + 1e-12]
                if outside:
                    raise ValueError(
                        f"Slider {name!r}: preset {preset!r}'s values {outside} are outside "
                        "its range"
                    )
                if any(b <= a for a, b in itertools.pairwise(offered)):
                    raise ValueError(
                        f"Slider {name!r}: preset {preset!r}'s values must increase: {offered}"
                    )
            lists.append(list(offered))
        if len({len(v) for v in lists}) != 1:
            raise ValueError(
                f"every preset must offer as many values of {name!r}: {[len(v) for v in lists]}"
            )
        out[name] = lists
    return out


def _snap(values, value):
    """The entry of ``values`` nearest to ``value`` (equal for dropdowns)."""
    if value in values:
        return value
    return min(values, key=lambda v: abs(float(v) - float(value)))


# --------------------------------------------------------------------------------------------
# Recording what matplotlib draws


def _num(v, digits=1):
    """A short decimal for coordinates: 12.3, -4, 0.5."""
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _ints(array):
    """Integers as SVG path numbers: "12 -3 4" -> "12-3 4" (a minus sign separates too)."""
    return " ".join(map(str, array.ravel().tolist())).replace(" -", "-")


def _path_data(vertices, codes, digits=1):
    """SVG path data for vertices in canvas pixels (or font units), as integers in units of
    ``10**-digits`` (the painter scales them back): an absolute first move, then relative
    commands (l, q, c, m, z), whose small numbers are short and compress well."""
    v = np.asarray(vertices, dtype=float).reshape(-1, 2)
    if not len(v):
        return ""
    codes = np.full(len(v), 2, dtype=np.uint8) if codes is None else np.asarray(codes, np.uint8)
    stop = np.nonzero(codes == 0)[0]
    if len(stop):
        v, codes = v[: stop[0]], codes[: stop[0]]
    if not len(v):
        return ""
    q = np.round(v * 10**digits).astype(np.int64)
    # Runs of equal codes, each drawn by one command.
    bounds = np.flatnonzero(np.diff(codes.astype(np.int16))) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(codes)]])
    parts, current, subpath = [], None, None
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        code = int(codes[a])
        if code == 79:  # CLOSEPOLY (each closes the current subpath)
            parts.append("z" * (b - a))
            current = subpath
            continue
        if code == 1:  # MOVETO: consecutive moves, only the last one counts
            point = q[b - 1]
            if current is None:
                parts.append("M" + _ints(point))
            else:
                parts.append("m" + _ints(point - current))
            current = subpath = point
            continue
        if current is None:  # a path that starts without a move
            current = subpath = q[a]
            parts.append("M" + _ints(current))
            a += 1
            if a == b:
                continue
        take = {2: 1, 3: 2, 4: 3}[code]
        run = q[a:b].reshape(-1, take, 2)
        origins = np.concatenate([current[None, :], run[:-1, -1, :]])
        parts.append("lqc"[take - 1] + _ints(run - origins[:, None, :]))
        current = run[-1, -1]
    return "".join(parts)


def _round(v, digits=1):
    """``v`` rounded for the data: an int when it is whole."""
    v = round(float(v), digits)
    return int(v) if v.is_integer() else v


def _rgba(color, alpha=None):
    """A CSS colour string for an RGBA tuple of floats, with ``alpha`` overriding its alpha."""
    r, g, b, *a = (float(c) for c in color)
    a = a[0] if a else 1.0
    if alpha is not None:
        a = float(alpha)
    hexa = "#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in (r, g, b)))
    return hexa if a >= 1.0 else f"rgba({round(255 * r)},{round(255 * g)},{round(255 * b)},{a:.3g})"


class _Page:
    """Tables shared by every state of one widget: primitives, images, glyphs, readouts."""

    def __init__(self):
        self.prims, self._prim_ids = [], {}
        self.images, self._image_ids = [], {}
        self.palette, self._palette_ids = [], {}
        self.glyphs, self._glyph_ids = [], {}
        self.texts, self._text_ids = [], {}
        self.luts, self._lut_ids = [], {}
        self.layouts = {}  # (text, font, ismath) -> glyphs, as the recorder laid them out
        self.drawn = {}  # _cache_key(artist) -> the ids of its primitives
        self.keep = []  # the artists of those keys, kept alive: no other may reuse an id
        self.outlines = {}  # matplotlib's glyph id -> (vertices, codes) of its outline

    def prim(self, record):
        key = json.dumps(record, separators=(",", ":"))
        if key not in self._prim_ids:
            self._prim_ids[key] = len(self.prims)
            self.prims.append(record)
        return self._prim_ids[key]

    def image(self, rgba, shared=True):
        """Index of the (h, w, 4) uint8 image ``rgba`` in ``images``.

        With ``shared``, images whose colours fit in the page's palette (at most 256 colours
        over all such images, as a colormap gives) are stored as grey PNGs of palette indices;
        the others as PNGs (with their own palette if they have at most 256 colours).
        """
        rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
        key = hashlib.sha1(rgba.tobytes() + repr(rgba.shape).encode()).hexdigest()
        if key in self._image_ids:
            return self._image_ids[key]
        flat = rgba.reshape(-1, 4).view(np.uint32)[:, 0]
        colours, index = np.unique(flat, return_inverse=True)
        new = [c for c in colours.tolist() if c not in self._palette_ids]
        if shared and len(self._palette_ids) + len(new) <= 256:
            for c in new:
                self._palette_ids[c] = len(self.palette)
                self.palette.append(c)
            lookup = np.array([self._palette_ids[c] for c in colours.tolist()], dtype=np.uint8)
            grey = lookup[index].reshape(rgba.shape[:2])
            entry = {"p": _png(grey, "L"), "i": 1}
        else:
            entry = {"p": base64.b64encode(png_bytes(rgba)).decode("ascii")}
        self._image_ids[key] = len(self.images)
        self.images.append(entry)
        return self._image_ids[key]

    def grey(self, indices):
        """Index in ``images`` of the (h, w) uint8 image ``indices``, as a grey PNG."""
        indices = np.ascontiguousarray(indices, dtype=np.uint8)
        key = "grey:" + _digest(indices)
        if key not in self._image_ids:
            self._image_ids[key] = len(self.images)
            self.images.append({"p": _png(indices, "L")})
        return self._image_ids[key]

    def lut(self, table):
        """Index in ``luts`` of the (256, 4) uint8 colour table ``table`` (base64 RGBA)."""
        table = np.ascontiguousarray(table, dtype=np.uint8)
        if table.shape != (256, 4):
            raise ValueError(f"a colour table must have shape (256, 4), got {table.shape}")
        text = base64.b64encode(table.tobytes()).decode("ascii")
        if text not in self._lut_ids:
            self._lut_ids[text] = len(self.luts)
            self.luts.append(text)
        return self._lut_ids[text]

    def palette_bytes(self):
        """The palette as a flat list r, g, b, a, r, g, b, a, ..."""
        return np.array(self.palette, dtype=np.uint32).view(np.uint8).tolist()

    def glyph(self, key, vertices, codes):
        if key not in self._glyph_ids:
            self._glyph_ids[key] = len(self.glyphs)
            # Font units (FONT_SCALE per em), y up; the text's transform flips and scales them.
            self.glyphs.append(_path_data(np.asarray(vertices, dtype=float), codes, digits=1))
        return self._glyph_ids[key]

    def text(self, value):
        if value not in self._text_ids:
            self._text_ids[value] = len(self.texts)
            self.texts.append(value)
        return self._text_ids[value]


def _png(array, mode):
    """Base64 PNG of a uint8 array in PIL ``mode``."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array), mode=mode).save(
        buffer, format="png", optimize=True
    )
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def png_bytes(rgba):
    """PNG of an (h, w, 4) uint8 image: a palette PNG if it has at most 256 colours."""
    from PIL import Image

    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = rgba.shape[:2]
    flat = rgba.reshape(-1, 4).view(np.uint32)[:, 0]
    colours, index = np.unique(flat, return_inverse=True)
    buffer = io.BytesIO()
    if len(colours) <= 256:
        palette = colours.view(np.uint8).reshape(-1, 4)
        image = Image.fromarray(index.reshape(h, w).astype(np.uint8), mode="P")
        image.putpalette(palette[:, :3].ravel().tobytes(), rawmode="RGB")
        if np.any(palette[:, 3] < 255):
            image.info["transparency"] = palette[:, 3].tobytes()
        image.save(buffer, format="png", optimize=False, compress_level=9)
    else:
        mode = "RGBA" if np.any(rgba[..., 3] < 255) else "RGB"
        data = rgba if mode == "RGBA" else rgba[..., :3]
        Image.fromarray(np.ascontiguousarray(data), mode=mode).save(
            buffer, format="png", compress_level=9
        )
    return buffer.getvalue()


def _make_recorder():
    from matplotlib.backend_bases import GraphicsContextBase, RendererBase
    from matplotlib.transforms import Affine2D

    hatch_colours = "hatchcolors" in inspect.signature(RendererBase._iter_collection).parameters

    class Recorder(RendererBase):
        """A matplotlib renderer that records what it is asked to draw, in canvas pixels.

        Text is measured by the figure's Agg renderer, so the layout is the notebook's.
        """

        def __init__(self, agg, page):
            super().__init__()
            self.agg, self.page = agg, page
            self.width, self.height = agg.get_canvas_width_height()
            self.dpi = agg.dpi
            self.flip = Affine2D().scale(1, -1).translate(0, self.height)
            self.records = []

        # --- what layout code asks -------------------------------------------------------
        def get_canvas_width_height(self):
            return self.width, self.height

        def get_text_width_height_descent(self, s, prop, ismath):
            return self.agg.get_text_width_height_descent(s, prop, ismath)

        def points_to_pixels(self, points):
            return points * self.dpi / 72

        def flipy(self):
            return False

        def new_gc(self):
            return GraphicsContextBase()

        def option_image_nocomposite(self):
            return True

        def option_scale_image(self):
            return True  # images that matplotlib would upsample by nearest neighbours

        # --- style ---------------------------------------------------------------------
        def _clip(self, gc):
            out = {}
            box = gc.get_clip_rectangle()
            if box is not None:
                x0, y0, x1, y1 = box.extents
                out["clip"] = [
                    _num(x0),
                    _num(self.height - y1),
                    _num(x1 - x0),
                    _num(y1 - y0),
                ]
                out["clip"] = [float(v) for v in out["clip"]]
            clip_path, clip_transform = gc.get_clip_path()
            if clip_path is not None:
                vertices, codes = _cleaned(clip_path, clip_transform + self.flip, curves=True)
                out["clippath"] = _path_data(vertices, codes)
            return out

        def _style(self, gc, rgbFace):
            style = {}
            alpha = gc.get_alpha() if gc.get_forced_alpha() else None
            if rgbFace is not None:
                face = tuple(rgbFace)
                face_alpha = alpha if alpha is not None else (face[3] if len(face) > 3 else 1.0)
                if face_alpha > 0:
                    style["fill"] = _rgba(face[:3], face_alpha)
            width = gc.get_linewidth()
            rgb = gc.get_rgb()
            stroke_alpha = alpha if alpha is not None else rgb[3]
            if width > 0 and stroke_alpha > 0:
                style["stroke"] = _rgba(rgb[:3], stroke_alpha)
                style["lw"] = round(float(self.points_to_pixels(width)), 2)
                offset, dashes = gc.get_dashes()
                if dashes is not None and len(dashes):
                    style["dash"] = [round(float(self.points_to_pixels(d)), 2) for d in dashes]
                    if offset:
                        style["dashoff"] = round(float(self.points_to_pixels(offset)), 2)
                cap = {"butt": "butt", "round": "round", "projecting": "square"}
                style["cap"] = cap[gc.get_capstyle()]
                style["join"] = gc.get_joinstyle()
            hatch = gc.get_hatch_path()
            if hatch is not None:  # a tile of dpi × dpi pixels, as Agg repeats it
                size = int(self.dpi)
                tile = Affine2D().scale(size, -size).translate(0, size)
                vertices, codes = _cleaned(hatch, tile, curves=True)
                style["hatch"] = {
                    "d": _path_data(vertices, codes),
                    "color": _rgba(gc.get_hatch_color()),
                    "lw": round(float(self.points_to_pixels(gc.get_hatch_linewidth())), 2),
                    "size": size,
                }
            return style

        # --- primitives ------------------------------------------------------------------
        def draw_path(self, gc, path, transform, rgbFace=None):
            style = self._style(gc, rgbFace)
            if "fill" not in style and "stroke" not in style:
                return
            open_line = rgbFace is None and gc.get_hatch() is None
            vertices, codes = _cleaned(
                path,
                transform + self.flip,
                clip=(-10.0, -10.0, self.width + 10.0, self.height + 10.0) if open_line else None,
                simplify=open_line and path.should_simplify,
                curves=True,
                stroke_width=self.points_to_pixels(gc.get_linewidth()),
                snap=gc.get_snap(),
            )
            if not len(vertices):
                return
            self.records.append(
                {"k": "path", "d": _path_data(vertices, codes), **style, **self._clip(gc)}
            )

        def draw_markers(self, gc, marker_path, marker_trans, path, trans, rgbFace=None):
            style = self._style(gc, rgbFace)
            if "fill" not in style and "stroke" not in style:
                return
            # As Agg: the marker snapped to the pixel grid, at positions rounded to pixels.
            vertices, codes = _cleaned(
                marker_path,
                marker_trans + Affine2D().scale(1, -1),
                curves=True,
                stroke_width=self.points_to_pixels(gc.get_linewidth()),
                snap=gc.get_snap(),
            )
            points = np.array(
                [s[-2:] for s, _ in path.iter_segments(trans + self.flip, simplify=False) if len(s)]
            ).reshape(-1, 2)
            points = np.floor(points[np.isfinite(points).all(axis=1)] + 0.5)
            if not len(points):
                return
            self.records.append(
                {
                    "k": "marks",
                    "d": _path_data(vertices, codes, digits=2),
                    "xy": [int(v) for v in points.ravel()],
                    **style,
                    **self._clip(gc),
                }
            )

        def draw_path_collection(
            self,
            gc,
            master_transform,
            paths,
            all_transforms,
            offsets,
            offset_trans,
            facecolors,
            edgecolors,
            linewidths,
            linestyles,
            antialiaseds,
            urls,
            offset_position,
            *,
            hatchcolors=None,
        ):
            raw = list(self._iter_collection_raw_paths(master_transform, paths, all_transforms))
            ids = list(range(len(raw)))
            # Hatch colours per path are new in matplotlib 3.11, which passes and needs them.
            hatch = {"hatchcolors": hatchcolors or []} if hatch_colours else {}
            snappable = [_rectilinear(path, transform) for path, transform in raw]
            items = self._iter_collection(
                gc,
                ids,
                offsets,
                offset_trans,
                facecolors,
                edgecolors,
                linewidths,
                linestyles,
                antialiaseds,
                urls,
                offset_position,
                **hatch,
            )
            for xo, yo, path_id, gc0, rgbFace in items:
                path, transform = raw[path_id]
                style = self._style(gc0, rgbFace)
                if "fill" not in style and "stroke" not in style:
                    continue
                if not (xo or yo):
                    self.draw_path(gc0, path, transform, rgbFace)
                    continue
                # A marker-like path at an offset. Agg snaps the whole placed path to pixels
                # when it is rectilinear (squares); else it is drawn where it falls.
                if snappable[path_id] and gc0.get_snap() is not False:
                    width = self.points_to_pixels(gc0.get_linewidth())
                    placed = transform.frozen().translate(xo, yo) + self.flip
                    snapped, snapped_codes = _cleaned(
                        path, placed, curves=True, stroke_width=width, snap=gc0.get_snap()
                    )
                    self.records.append(
                        {
                            "k": "path",
                            "d": _path_data(snapped, snapped_codes),
                            **style,
                            **self._clip(gc0),
                        }
                    )
                    continue
                vertices, codes = _cleaned(path, transform + Affine2D().scale(1, -1), curves=True)
                record = {
                    "k": "marks",
                    "d": _path_data(vertices, codes, digits=2),
                    "xy": [_round(xo), _round(self.height - yo)],
                    **style,
                    **self._clip(gc0),
                }
                previous = self.records[-1] if self.records else None
                if (
                    previous is not None
                    and previous["k"] == "marks"
                    and set(previous) == set(record)
                    and all(previous[k] == v for k, v in record.items() if k != "xy")
                ):
                    previous["xy"] += record["xy"]
                else:
                    self.records.append(record)

        def draw_image(self, gc, x, y, im, transform=None):
            h, w = im.shape[:2]
            if h == 0 or w == 0:
                return
            record = {"k": "img", **self._clip(gc)}
            if transform is None:  # resampled by matplotlib to canvas pixels (alpha included)
                # Row 0 of ``im`` is its bottom row (Agg draws it flipped), the canvas's top one.
                im = im[::-1]
                record.update(x=round(float(x), 2), y=round(float(self.height - y - h), 2))
            else:  # unsampled (drawn with nearest neighbours): the image and where it goes
                alpha = gc.get_alpha()
                if alpha is not None and alpha < 1:
                    im = np.array(im)
                    im[..., 3] = np.round(im[..., 3] * alpha).astype(np.uint8)
                matrix = (
                    Affine2D().scale(1 / w, 1 / h)
                    + transform
                    + Affine2D().translate(x, y)
                    + self.flip
                ).get_matrix()
                record["m"] = [
                    round(float(v), 4)
                    for v in (matrix[0, 0], matrix[1, 0], matrix[0, 1], matrix[1, 1])
                ] + [round(float(matrix[0, 2]), 2), round(float(matrix[1, 2]), 2)]
            record["src"] = self.page.image(im)
            self.records.append(record)

        def draw_mapped_image(self, gc, x, y, width, height, indices, lut):
            """An image of colormap indices, upsampled bilinearly to ``width`` × ``height``
            pixels with its lower left corner at ``(x, y)``, then coloured by ``lut``.

            Not part of matplotlib's renderer API: an artist that draws such a map (as
            ``playground.PixelMaps``) calls it when the renderer has it. The browser does the
            same upsampling of the small index image, so the page stores it, not the pixels.
            ``indices`` is (rows, cols) uint8, row 0 at the top; ``lut`` (256, 4) uint8 RGBA.
            """
            self.records.append(
                {
                    "k": "map",
                    "src": self.page.grey(indices),
                    "lut": self.page.lut(lut),
                    "x": int(x),
                    "y": int(round(self.height - y - height)),
                    "w": int(width),
                    "h": int(height),
                    **self._clip(gc),
                }
            )

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if ismath == "TeX":
                raise ValueError("usetex text cannot be recorded for the static book")
            key = (s, hash(prop), bool(ismath))
            if key not in self.page.layouts:
                self.page.layouts[key] = self._layout(s, prop, ismath)
            glyphs, box, scaled = self.page.layouts[key]
            rgb = gc.get_rgb()
            alpha = gc.get_alpha() if gc.get_forced_alpha() else rgb[3]
            size = prop.get_size_in_points() * self.dpi / 72 / self._text2path.FONT_SCALE
            record = {
                "k": "text",
                "g": glyphs,
                "at": [_round(x, 2), _round(self.height - y, 2)],
                "size": round(float(size), 5),
                "fill": _rgba(rgb[:3], alpha),
                **self._clip(gc),
            }
            if scaled:
                record["gs"] = 1
            if angle:
                record["rot"] = round(float(angle), 3)
            if box:
                record["rects"] = box
            self.records.append(record)

        def _layout(self, s, prop, ismath):
            """Glyphs (id, x, y[, scale], in font units), rectangles and whether scaled."""
            t2p, known = self._text2path, self.page.outlines
            if ismath:
                glyph_info, new, rects = t2p.get_glyphs_mathtext(
                    prop, s, glyph_map=known, return_new_glyphs_only=True
                )
            else:
                font = t2p._get_font(prop)
                glyph_info, new, rects = t2p.get_glyphs_with_font(
                    font, s, glyph_map=known, return_new_glyphs_only=True
                )
            known.update(new)
            glyphs, scaled = [], any(scale != 1 for *_, scale in glyph_info)
            # Agg lays text out with hinted advances, a little narrower than the outlines':
            # stretch the glyph positions to the width Agg measured, so alignments agree.
            stretch = 1.0
            if not ismath and s.strip():
                agg_width = _text_metrics(self, s, prop, ismath, self.dpi)[0]
                path_width = t2p.get_text_width_height_descent(s, prop, ismath)[0] * self.dpi / 72
                stretch = agg_width / path_width if path_width > 0 else 1.0
            for key, gx, gy, scale in glyph_info:
                vertices, codes = known[key]
                if not len(vertices):  # a space: nothing to draw
                    continue
                glyphs += [self.page.glyph(key, vertices, codes), _round(gx * stretch), _round(gy)]
                if scaled:
                    glyphs.append(round(float(scale), 4))
            box = [_path_data(np.asarray(v, dtype=float), c) for v, c in rects]
            return glyphs, box, scaled

        def draw_gouraud_triangles(self, gc, triangles_array, colors_array, transform):
            raise ValueError("Gouraud shading cannot be recorded for the static book")

    return Recorder


def _text_metrics(renderer, s, prop, ismath, dpi):
    """Agg's width, height and descent of ``s``, from matplotlib's cache where it has them."""
    from matplotlib.text import _get_text_metrics_with_cache

    return _get_text_metrics_with_cache(renderer, s, prop, ismath, dpi)


def _rectilinear(path, transform):
    """True if Agg would snap ``path`` (straight, axis-aligned segments only)."""
    codes = path.codes
    if codes is not None and np.any((codes == 3) | (codes == 4)):
        return False
    vertices = transform.transform(path.vertices)
    if len(vertices) < 2 or len(vertices) > 1024:
        return False
    steps = np.abs(np.diff(vertices, axis=0))
    return bool(np.all((steps[:, 0] < 1e-4) | (steps[:, 1] < 1e-4)))


def _cleaned(path, transform, clip=None, simplify=False, curves=True, stroke_width=1.0, snap=False):
    """Vertices and codes of ``path`` after ``transform``, as Agg would draw it."""
    cleaned = path.cleaned(
        transform=transform,
        remove_nans=True,
        clip=clip,
        simplify=simplify,
        curves=curves,
        stroke_width=stroke_width,
        snap=snap,
    )
    return cleaned.vertices, cleaned.codes


# --------------------------------------------------------------------------------------------
# Exporting a widget


def _visible_spines(ax):
    """The spines ``ax`` draws: the visible ones, unless ``ax.axis("off")`` hides them all."""
    return [s for s in ax.spines.values() if s.get_visible()] if ax.axison else []


def _stacked_above(artists):
    """``artists`` plus whatever their axes draw on top of them (points over a heat map, say),
    which must be redrawn after them. That includes the spines: a map that fills its axes would
    otherwise cover the inner half of each axis line. Axis ticks (outside the axes) and grid
    lines are left static: asking an axis for its ticks creates them all."""
    from matplotlib.axis import Axis
    from matplotlib.spines import Spine

    out = set(artists)
    for artist in artists:
        ax = artist.axes
        if ax is None or artist is ax.title:
            continue
        out.update(
            child
            for child in ax.get_children()
            if child.get_zorder() >= artist.get_zorder()
            and child is not ax.patch
            and not isinstance(child, Axis | Spine)
            and child.get_visible()
        )
        out.update(s for s in _visible_spines(ax) if s.get_zorder() >= artist.get_zorder())
    return out


def _still_drawn(artists, figure):
    """The ``artists`` that are still part of ``figure`` (an ``update`` that rebuilds a panel,
    say for another network, removes the old axes and returns the new artists).

    Walking the figure's whole tree would create every tick of every axis; instead an artist
    with axes must still be in the figure with axes that are, and any other must be one of the
    figure's (or a subfigure's) own. One dropped in doubt, say a text inside a legend, is only
    drawn into the background, which is right unless it changes (``update`` then returns it).
    """
    from matplotlib.figure import SubFigure

    axes, own, figures = {id(ax) for ax in figure.axes}, set(), [figure]
    while figures:
        children = figures.pop().get_children()
        own.update(id(child) for child in children)
        figures += [child for child in children if isinstance(child, SubFigure)]
    return [
        a
        for a in artists
        if (a.axes is None and id(a) in own)
        or (a.axes is not None and id(a.axes) in axes and a.get_figure(root=True) is figure)
    ]


def _draw_order(figure, artists):
    """``artists`` in the order matplotlib draws them: by zorder, then as found in the figure's
    tree (not below an axis, whose children are its ticks: asking for them creates them)."""
    from matplotlib.axis import Axis

    order, stack = {}, [figure]
    while stack:  # depth first, in order
        artist = stack.pop()
        order[id(artist)] = len(order)
        if not isinstance(artist, Axis):
            stack += reversed(artist.get_children())
    return sorted(artists, key=lambda a: (a.get_zorder(), order.get(id(a), 0)))


@contextlib.contextmanager
def _background_of(animated):
    """Inside this block, drawing the figure draws its background: all but ``animated``.

    matplotlib skips animated artists itself, except that before 3.11 it still draws an animated
    ``AxesImage``; a translucent one would then show each earlier state through the next. So
    those images are hidden while the background is drawn.
    """
    from matplotlib.image import AxesImage

    hidden = [a for a in animated if isinstance(a, AxesImage) and a.get_visible()]
    for image in hidden:
        image.set_visible(False)
    try:
        yield
    finally:
        for image in hidden:
            image.set_visible(True)


def _place_axes(figure):
    """Put every axes of ``figure`` where a draw would for its current limits.

    Where an axes with a fixed aspect sits depends on its limits, and only a draw puts it there:
    artists blitted onto a background kept from earlier (e.g. drawn for another picture) would
    otherwise be placed for the last full draw's limits.
    """
    for ax in figure.axes:
        ax.apply_aspect()


def _limits(figure):
    return [(ax.get_xlim(), ax.get_ylim()) for ax in figure.axes]


def _static_texts(figure, animated):
    """The texts drawn in the background that ``update`` may change (titles, axis labels,
    legends; not tick labels, which follow the axis limits): a change in one needs a new
    background."""
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    animated = {id(a) for a in animated}
    found = []

    def walk(artist):
        for child in artist.get_children():
            if isinstance(child, Axis):
                found.append(child.label)
            elif isinstance(child, Text):
                found.append(child)
            else:
                walk(child)

    walk(figure)
    return [t for t in found if id(t) not in animated]


def _nearest_upsampled(image):
    """True if matplotlib draws ``image`` by nearest-neighbour upsampling (as with
    interpolation 'auto' when each data pixel covers at least 3 screen pixels): then the
    unsampled data, scaled up by the browser, is the same picture and much smaller."""
    interpolation = image.get_interpolation()
    if interpolation in ("none", "nearest"):
        return True
    if interpolation not in ("auto", "antialiased"):
        return False
    rows, cols = image.get_array().shape[:2]
    box = image.get_window_extent()
    return abs(box.width) > 3 * cols and abs(box.height) > 3 * rows


def _rgba_png(canvas):
    return png_bytes(np.asarray(canvas.buffer_rgba()))


def _patches(base, pixels, tile=16):
    """Where ``pixels`` differs from ``base``: ``(x, y, crop)`` for each connected group of
    differing tiles (a new background is the first one with these crops pasted on: when an
    axis rescales, only its tick labels change)."""
    h, w = base.shape[:2]
    rows, cols = -(-h // tile), -(-w // tile)
    pad = ((0, rows * tile - h), (0, cols * tile - w))
    differs = np.any(base != pixels, axis=2)
    differs = np.pad(differs, pad).reshape(rows, tile, cols, tile).any(axis=(1, 3))
    seen = np.zeros_like(differs)
    out = []
    for r0, c0 in zip(*np.nonzero(differs), strict=True):
        if seen[r0, c0]:
            continue
        stack, cells = [(r0, c0)], []
        seen[r0, c0] = True
        while stack:
            r, c = stack.pop()
            cells.append((r, c))
            for rr, cc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= rr < rows and 0 <= cc < cols and differs[rr, cc] and not seen[rr, cc]:
                    seen[rr, cc] = True
                    stack.append((rr, cc))
        rs, cs = zip(*cells, strict=True)
        y0, y1 = min(rs) * tile, min((max(rs) + 1) * tile, h)
        x0, x1 = min(cs) * tile, min((max(cs) + 1) * tile, w)
        out.append((int(x0), int(y0), pixels[y0:y1, x0:x1]))
    return out


def export(
    compute,
    controls,
    draw,
    describe,
    current,
    spec=None,
    title="",
    figsize=(9, 3.6),
    dpi=80,
    source=None,
    cache=True,
    layout="constrained",
):
    """Precompute a widget's states and record how each is drawn (see the module docstring).

    Parameters
    ----------
    compute, controls, draw, describe
        The widget's (see ``Explorer``).
    current : dict
        The controls' values now: where the component starts, and the fixed values.
    spec : Static, optional
    title : str
    figsize, dpi
        The figure's size (inches) and resolution, as in the notebook.
    source : dict, optional
        ``{"factory": "module:function", "kwargs": {...}}`` that rebuilds the widget.
    cache : bool
        Reuse the records of artists that draw as they did for an earlier state (only
        ``False`` in tests, which check that it changes nothing).
    layout : str or None
        The figure's layout engine, as the widget's (see ``Explorer``).

    Returns
    -------
    dict
        The component's data, ready for ``to_html``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    spec = spec or Static()
    the_plan = plan(controls, current, spec, title)
    Recorder = _make_recorder()
    page = _Page()

    def state_of(values):
        with np.errstate(all="ignore"):
            return compute(**values)

    start = _start_index(the_plan)
    figure = Figure(figsize=figsize, dpi=dpi, layout=layout)
    canvas = FigureCanvasAgg(figure)
    with np.errstate(all="ignore"):
        first = state_of(the_plan.settings[start])
        update = draw(figure, first)
        update(first)
    canvas.draw()
    fallback = _rgba_png(canvas)
    figure.set_layout_engine("none")  # positions stay where the first draw put them

    animated, order, texts, backgrounds, bg_keys, base = set(), [], [], [], {}, None
    bg_index, drawn_keys = None, {}
    # One recorder for every state, so that matplotlib's text-metrics cache (by renderer) works.
    recorder = Recorder(canvas.get_renderer(), page)
    states = []
    for values in the_plan.settings:
        state = state_of(values)
        with np.errstate(all="ignore"):
            changed = [a for a in (update(state) or []) if a is not None]
        fresh = [a for a in changed if a not in animated]
        grown = set(_stacked_above(fresh)) - animated if fresh else set()
        if grown:
            animated = set(_still_drawn(animated, figure)) | grown
            for artist in animated:
                artist.set_animated(True)
            order = _draw_order(figure, animated)
            texts = _static_texts(figure, animated)
        key = (
            tuple(sorted(id(a) for a in animated)),
            repr(_limits(figure)),
            tuple((t.get_text(), t.get_visible()) for t in texts),
        )
        if key in drawn_keys:
            bg_index = drawn_keys[key]
        else:
            with _background_of(animated):
                canvas.draw()
            pixels = np.array(canvas.buffer_rgba())
            if base is None:
                base = pixels
            layers = [[page.image(base, shared=False), []]]
            for x, y, patch in _patches(base, pixels):
                layers[0][1].append([page.image(patch, shared=False), x, y])
            digest = json.dumps(layers)
            if digest not in bg_keys:
                bg_keys[digest] = len(backgrounds)
                backgrounds.append(layers[0])
            bg_index = drawn_keys[key] = bg_keys[digest]
        _place_axes(figure)  # the last full draw may have been of other limits
        prims = []
        with np.errstate(all="ignore"):
            for artist in order:
                prims += _record_artist(artist, recorder, cache=cache)
        states.append([bg_index, page.text(describe(values, state)), prims])
    width, height = (int(round(v)) for v in canvas.get_width_height())
    return {
        "version": FORMAT_VERSION,
        "title": title,
        "source": source,
        "size": [width, height],
        "controls": the_plan.controls,
        "fixed": the_plan.fixed,
        "presets": the_plan.presets,
        "note": spec.note,
        "fallback": base64.b64encode(fallback).decode("ascii"),
        "backgrounds": backgrounds,
        "images": page.images,
        "palette": page.palette_bytes(),
        "glyphs": page.glyphs,
        "luts": page.luts,
        "prims": page.prims,
        "texts": page.texts,
        "states": states,
    }


def _text_key(text):
    """Everything that decides how a plain ``Text`` is drawn (or None to draw it anyway)."""
    from matplotlib.text import Annotation

    if type(text).__name__ != "Text" or isinstance(text, Annotation) or text.get_path_effects():
        return None
    patch = text.get_bbox_patch()
    box = None
    if patch is not None:
        box = (
            tuple(patch.get_facecolor()),
            tuple(patch.get_edgecolor()),
            patch.get_linewidth(),
            patch.get_linestyle(),
            repr(patch.get_boxstyle()),
            patch.get_visible(),
        )
    clip = text.get_clip_box()
    clip_path = text.get_clip_path()
    return (
        "text",
        id(text),
        text.get_text(),
        text.get_visible(),
        tuple(text.get_transform().transform(text.get_unitless_position())),
        text.get_rotation(),
        text.get_rotation_mode(),
        text.get_horizontalalignment(),
        text.get_verticalalignment(),
        text._get_multialignment(),
        text._linespacing,  # (get_linespacing is new in matplotlib 3.11)
        hash(text.get_fontproperties()),
        str(text.get_color()),
        text.get_alpha(),
        text.get_usetex(),
        text.get_wrap(),
        box,
        text.get_clip_on(),
        None if clip is None else tuple(clip.extents),
        None if clip_path is None else id(clip_path),
    )


def _line_key(line):
    """Everything that decides how a ``Line2D`` is drawn: where its points land on the canvas
    and its style."""
    if line.get_path_effects() or not line.get_visible():
        return None
    xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
    clip = line.get_clip_box()
    return (
        "line",
        id(line),
        hashlib.sha1(np.ascontiguousarray(xy).tobytes()).hexdigest(),
        str(line.get_color()),
        line.get_alpha(),
        line.get_linewidth(),
        repr(line.get_linestyle()),
        repr(getattr(line, "_dash_pattern", None)),
        line.get_drawstyle(),
        repr(line.get_marker()),
        line.get_markersize(),
        str(line.get_markerfacecolor()),
        str(line.get_markeredgecolor()),
        line.get_markeredgewidth(),
        repr(line.get_markevery()),
        line.get_solid_capstyle(),
        line.get_dash_capstyle(),
        line.get_clip_on(),
        None if clip is None else tuple(clip.extents),
    )


def _digest(*arrays):
    h = hashlib.sha1()
    for a in arrays:
        a = np.ascontiguousarray(np.ma.filled(a, np.nan) if np.ma.isMaskedArray(a) else a)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _clip_key(artist):
    clip, clip_path = artist.get_clip_box(), artist.get_clip_path()
    return (
        artist.get_clip_on(),
        None if clip is None else tuple(clip.extents),
        None if clip_path is None else id(clip_path),
    )


def _mappable_key(artist):
    """The colour mapping of an artist with a colormap (image, scatter with ``c=``)."""
    array = artist.get_array()
    norm = artist.norm
    return (
        None if array is None else _digest(np.asarray(array)),
        artist.get_cmap().name,
        type(norm).__name__,
        norm.vmin,
        norm.vmax,
    )


def _collection_key(collection):
    """Everything that decides how a ``Collection`` with affine transforms is drawn."""
    transform, offsets = collection.get_transform(), collection.get_offset_transform()
    if collection.get_path_effects() or not (transform.is_affine and offsets.is_affine):
        return None
    paths = collection.get_paths()
    return (
        id(collection),
        collection.get_visible(),
        _digest(*[p.vertices for p in paths], *[p.codes for p in paths if p.codes is not None]),
        len(paths),
        _digest(
            np.asarray(collection.get_offsets(), dtype=float),
            np.asarray(collection.get_transforms()),
            np.asarray(collection.get_facecolor()),
            np.asarray(collection.get_edgecolor()),
            np.asarray(collection.get_linewidth(), dtype=float),
            transform.get_matrix(),
            offsets.get_matrix(),
        ),
        repr(collection.get_linestyle()),
        repr(collection.get_hatch()),
        collection.get_alpha(),
        _mappable_key(collection),
        _clip_key(collection),
    )


def _image_key(image):
    """Everything that decides how an ``AxesImage`` is drawn."""
    box = image.get_window_extent()
    return (
        id(image),
        image.get_visible(),
        _digest(np.asarray(image.get_array())),
        tuple(box.extents),
        tuple(image.get_extent()),
        image.origin,
        image.get_interpolation(),
        image.get_interpolation_stage(),
        image.get_alpha() if np.ndim(image.get_alpha()) == 0 else _digest(image.get_alpha()),
        _mappable_key(image),
        _clip_key(image),
    )


#: Patches whose picture is their path through their transform, in their style (``draw`` is
#: ``Patch.draw``): bars, boxes, polygons, circles.
_PLAIN_PATCHES = ("Rectangle", "Polygon", "PathPatch", "Circle", "Ellipse", "Wedge")


def _patch_key(patch):
    """Everything that decides how a plain patch (``_PLAIN_PATCHES``) with an affine transform
    is drawn."""
    transform = patch.get_transform()
    if patch.get_path_effects() or patch.get_sketch_params() or not transform.is_affine:
        return None
    path = patch.get_path()
    hatch_width = getattr(patch, "get_hatch_linewidth", lambda: None)()
    return (
        "patch",
        id(patch),
        patch.get_visible(),
        _digest(
            np.asarray(path.vertices, dtype=float),
            np.asarray(path.codes if path.codes is not None else []),
            transform.get_matrix(),
        ),
        tuple(patch.get_facecolor()),
        tuple(patch.get_edgecolor()),
        patch.get_linewidth(),
        repr(patch.get_linestyle()),
        repr(getattr(patch, "_dash_pattern", None)),
        patch.get_fill(),
        patch.get_hatch(),
        repr(getattr(patch, "_hatch_color", None)),
        hatch_width,
        patch.get_alpha(),
        patch.get_capstyle(),
        patch.get_joinstyle(),
        patch.get_antialiased(),
        patch.get_snap(),
        _clip_key(patch),
    )


def _cache_key(artist):
    """A key that changes whenever ``artist`` would draw differently, or None (draw it)."""
    from matplotlib.collections import Collection
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    if isinstance(artist, Text):
        return _text_key(artist)
    if isinstance(artist, Line2D):
        return _line_key(artist)
    if type(artist).__name__ in _PLAIN_PATCHES and isinstance(artist, Patch):
        return _patch_key(artist)
    if type(artist).__name__ in ("PathCollection", "LineCollection", "PolyCollection") and (
        isinstance(artist, Collection)
    ):
        return _collection_key(artist)
    if type(artist) is AxesImage:
        return _image_key(artist)
    return None


def _record_artist(artist, recorder, cache=True):
    """Draw ``artist`` on the recorder (an image that matplotlib would upsample by nearest
    neighbours, unsampled) and return the ids of its primitives in the page's table. With
    ``cache``, an artist that would draw exactly as it did for an earlier state (see
    ``_cache_key``) is not drawn again: it has the same primitives."""
    from matplotlib.image import AxesImage

    key = _cache_key(artist) if cache else None
    drawn = recorder.page.drawn
    if key is not None and key in drawn:
        return drawn[key]
    recorder.records = []
    if isinstance(artist, AxesImage) and _nearest_upsampled(artist):
        interpolation = artist.get_interpolation()
        artist.set_interpolation("none")
        try:
            artist.draw(recorder)
        finally:
            artist.set_interpolation(interpolation)
    else:
        artist.draw(recorder)
    ids = [recorder.page.prim(record) for record in recorder.records]
    if key is not None:
        drawn[key] = ids
        recorder.page.keep.append(artist)
    return ids


def _start_index(the_plan):
    return _start_index_of(the_plan.controls)


# --------------------------------------------------------------------------------------------
# The HTML component


def _fixed_text(controls, fixed):
    by_name = {c.name: c for c in controls}
    parts = [
        f"{by_name[name].description or name} = {_format(by_name[name], value)}"
        for name, value in fixed.items()
    ]
    return "; ".join(parts)


def component_id(payload):
    """A stable id for a component, from its data."""
    return "nnw-" + hashlib.sha1(payload).hexdigest()[:10]


def _control_html(uid, control):
    """A labelled native control: a range input over the offered values, or a select."""
    esc = html.escape
    cid, name = f"{uid}-{control['name']}", esc(control["name"])
    label = f'<label for="{cid}">{esc(control["label"])}</label>'
    if control["kind"] == "range":
        text = esc(control["text"][control["start"]])
        last = len(control["values"]) - 1
        return (
            f'<div class="nnw-control">{label}<input type="range" id="{cid}" '
            f'data-nnw-control="{name}" min="0" max="{last}" step="1" '
            f'value="{control["start"]}" aria-valuetext="{text}" disabled>'
            f'<output for="{cid}" data-nnw-for="{name}">{text}</output></div>'
        )
    options = "".join(
        f'<option value="{i}"{" selected" if i == control["start"] else ""}>{esc(t)}</option>'
        for i, t in enumerate(control["text"])
    )
    return (
        f'<div class="nnw-control">{label}'
        f'<select id="{cid}" data-nnw-control="{name}" disabled>{options}</select></div>'
    )


def to_html(data, controls=()):
    """The self-contained HTML of one static widget (``data`` from ``export``).

    The controls start disabled and the figure is the PNG of the starting state, so a browser
    without JavaScript shows the notebook's picture; ``nnwidgets.js`` enables the controls and
    swaps the PNG for a canvas. ``controls`` (the widget's) name the values held fixed.
    """
    esc = html.escape
    data = dict(data)
    fallback = data.pop("fallback")
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
    blob = base64.b64encode(zlib.compress(payload, 9)).decode("ascii")
    uid = component_id(payload)
    readout = esc(data["texts"][data["states"][_start_index_of(data["controls"])][1]])
    width, height = data["size"]
    count = len(data["states"])
    note = (
        f"This figure responds without a kernel: the book's build computed its {count} "
        "settings with nnlib, and each move of a control shows one of them."
    )
    if data["fixed"] and controls:
        note += f" Held fixed on this page: {esc(_fixed_text(controls, data['fixed']))}."
    if data["note"]:
        note += " " + esc(data["note"])
    note += f' <a class="nnw-live-link" href="{LIVE_LINK}">Run this widget live</a> for the rest.'
    attributes = f'class="nnw" id="{uid}" data-nnw-states="{count}"'
    if data["source"]:
        attributes += f' data-nnw-source="{esc(json.dumps(data["source"]))}"'
    parts = [f"<div {attributes}>"]
    if data["title"]:
        parts.append(f'<p class="nnw-title"><strong>{esc(data["title"])}</strong></p>')
    parts += [
        '<div class="nnw-controls">',
        *(_control_html(uid, control) for control in data["controls"]),
        "</div>",
        '<div class="nnw-figure">',
        f'<img class="nnw-fallback" src="data:image/png;base64,{fallback}" width="{width}" '
        f'height="{height}" alt="{readout}">',
        f'<canvas class="nnw-canvas" width="{width}" height="{height}" role="img" '
        f'aria-label="{readout}"></canvas>',
        "</div>",
        f'<p class="nnw-readout" role="status" aria-live="polite">{readout}</p>',
        f'<p class="nnw-note">{note}</p>',
        '<p class="nnw-status" role="alert"></p>',
        f'<script type="application/octet-stream" class="nnw-data">{blob}</script>',
        "</div>",
    ]
    return "".join(parts)


def static_error_html(title, error):
    """What the page shows when a widget cannot be made static (the build fails on it)."""
    what = f"{type(error).__name__}: {error}"
    return (
        f'<div class="nnw-error" role="alert"><p>The widget “{html.escape(title)}” could not '
        f"be made static: {html.escape(what)}</p></div>"
    )


def _start_index_of(controls):
    index = 0
    for control in controls:
        index = index * len(control["values"]) + control["start"]
    return index
