"""Widget latency, kernel side: every widget factory (``@widget_factory``) in ``nnlib.widgets.*``.

Each widget is built with its defaults, then each control is moved, timing ``explorer.set(...)``:
the pure ``compute`` plus redrawing the persistent figure and encoding it as a PNG, which is what
a learner waits for after moving a control. "drag" moves a slider step by step from where it
starts, as a learner drags it (the goal is judged on its median); "sweep" jumps across its whole
range, extremes included (axes may rescale, which forces a full redraw); a dropdown goes through
its options. "redraw" draws the state just computed again (``explorer.redraw()``): the drawing
and encoding part of a change; the rest of it, "computing", is ``compute`` (training, for some
widgets), what the static HTML book precomputes per state. (Timing ``compute`` on its own after
the change would time the widgets' caches, not the work.) Buttons (actions) are timed from a
reset. Widgets added to ``nnlib.widgets`` later are found and measured automatically.
"""

import importlib
import inspect
import pkgutil

import numpy as np

from .common import Stopwatch, latency_goal, median

DESCRIPTION = __doc__.split("\n\n", 1)[1]
SECTION = "Widget latency (kernel side; median over a drag of each slider, or all options)"
LIVE_GOAL_MS, SLOW_GOAL_MS = 30.0, 100.0


def discover():
    """``(module name, factory name, factory)`` for every widget factory in nnlib.widgets.*."""
    import nnlib.widgets as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if getattr(fn, "is_widget_factory", False) and fn.__module__ == module.__name__:
                yield info.name, name, fn


def _grid(control):
    # A dropdown's options may be (label, value) pairs, as ipywidgets allows.
    values = [v[1] if isinstance(v, tuple) and len(v) == 2 else v for v in control.grid()]
    return [float(v) if isinstance(v, np.floating) else v for v in values]


def sweep(control, points):
    """Values to move ``control`` through: evenly spaced over its grid, then back to start."""
    grid = _grid(control)
    if len(grid) > points:
        grid = [grid[int(round(i))] for i in np.linspace(0, len(grid) - 1, points)]
    return grid + [control.value]


def drag(control, steps):
    """Up to ``steps`` neighbouring grid values from the control's start: upwards, or downwards
    where there is more room that way (near the top of a short slider)."""
    grid = _grid(control)
    start = int(np.argmin([abs(v - control.value) for v in grid]))
    up, down = grid[start + 1 :], grid[:start][::-1]
    return (up if len(up) >= min(steps, len(down)) else down)[:steps]


def _time(explorer, name, values):
    """Wall and CPU seconds of each ``set`` over ``values``, and of redrawing its state."""
    wall, cpu, redraw = [], [], []
    with np.errstate(all="ignore"):
        for value in values:
            with Stopwatch() as clock:
                explorer.set(**{name: value})
            wall.append(clock.wall)
            cpu.append(clock.cpu)
            with Stopwatch() as clock:
                explorer.redraw()
            redraw.append(clock.wall)
    return wall, cpu, redraw


def _goal(text, timed):
    return latency_goal(text, timed, lambda r: f"{r['widget']} / {r['control']}")


def kind(control):
    from nnlib.widgets import Slider

    if isinstance(control, Slider):
        return "slider, while dragging" if control.continuous_update else "slider, on release"
    return "dropdown"


def main(quick=False):
    import matplotlib

    matplotlib.use("Agg")
    rows, points, presses = [], (4 if quick else 8), (1 if quick else 3)
    for module, factory_name, factory in discover():
        name = f"{module}.{factory_name}"
        try:
            with Stopwatch() as build:
                explorer = factory()
        except TypeError as error:  # needs arguments: say so rather than guess them
            rows.append({"section": SECTION, "widget": name, "control": f"not built: {error}"})
            continue
        rows.append(
            {
                "section": SECTION,
                "widget": name,
                "control": "(building the widget)",
                "updates": "once",
                "median ms": build.wall * 1e3,
            }
        )
        for control in explorer.controls:
            how = kind(control)
            explorer.set(**{control.name: control.value})  # warm up (caches, first draw)
            if how == "dropdown":
                moved, cpu, redraw = _time(explorer, control.name, sweep(control, points))
                swept = moved
            else:
                moved, cpu, redraw = _time(explorer, control.name, drag(control, points))
                explorer.reset()
                swept, _, _ = _time(explorer, control.name, sweep(control, points))
            explorer.reset()
            ms = median(moved) * 1e3
            limit = LIVE_GOAL_MS if how == "slider, while dragging" else SLOW_GOAL_MS
            rows.append(
                {
                    "section": SECTION,
                    "widget": name,
                    "control": control.description or control.name,
                    "updates": how,
                    "median ms": ms,
                    "CPU median ms": median(cpu) * 1e3,
                    "sweep median ms": median(swept) * 1e3,
                    "max ms": max(moved + swept) * 1e3,
                    "redraw median ms": median(redraw) * 1e3,
                    "computing ms (median − redraw)": max(ms - median(redraw) * 1e3, 0.0),
                    "goal ms": limit,
                    "met": ms <= limit,
                }
            )
        for action in explorer.actions:
            times = []
            for _ in range(presses):
                explorer.reset()
                with Stopwatch() as clock:
                    explorer.run(action.label)
                times.append(clock.wall)
            explorer.reset()
            rows.append(
                {
                    "section": SECTION,
                    "widget": name,
                    "control": f"button: {action.label}",
                    "updates": "on click",
                    "median ms": median(times) * 1e3,
                    "max ms": max(times) * 1e3,
                }
            )
    timed = [r for r in rows if "met" in r]
    live = [r for r in timed if r["updates"] == "slider, while dragging"]
    rows.append(_goal(f"every slider that updates while dragging ≤ {LIVE_GOAL_MS:.0f} ms", live))
    rows.append(
        _goal(
            f"every other control (on release, dropdowns: retraining, new pictures) ≤ "
            f"{SLOW_GOAL_MS:.0f} ms",
            [r for r in timed if r not in live],
        )
    )
    return rows


if __name__ == "__main__":
    for row in main(quick=True):
        print(row)
