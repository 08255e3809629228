"""The playground (chapter 10): how long a frame of Play and a control change take.

A frame is what Play does at each animation tick: train ``Playground.epochs_per_frame`` epochs
(one, as the TensorFlow Playground), take the snapshot (losses, the output and every neuron over
the plane), update the figure's artists, blit them and encode the image the widget sends.
Medians and 90th percentiles of wall-clock and CPU time, for the default settings and for the
largest network (6 hidden layers of 8, all seven features), and for two control changes (each
restarts the run; ticking a feature draws a new network diagram). Goals as for the other
widgets: a frame, like a slider dragged, ≤ 30 ms; a control change ≤ 100 ms.

    .venv/bin/python -m bench.playground_frame [--frames 100]
"""

import argparse
import time

import numpy as np

from .common import latency_goal

DESCRIPTION = __doc__.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]
SECTION = "Playground: a frame of Play and control changes (ms)"
FRAME_GOAL_MS, CHANGE_GOAL_MS = 30.0, 100.0


def measure(action, repeats):
    """Median and 90th percentile of wall and CPU milliseconds over ``repeats`` calls."""
    wall, cpu = [], []
    for i in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        action(i)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    ms = 1e3 * np.array([wall, cpu])
    return np.median(ms, axis=1), np.percentile(ms, 90, axis=1)


def _cases():
    from nnlib.widgets.playground import FEATURES, PlaygroundConfig

    return {
        "default (2 features, 4-2, circle)": PlaygroundConfig(),
        "6x8 network, 7 features, spiral": PlaygroundConfig(
            dataset="spiral", features=tuple(FEATURES), hidden=(8,) * 6
        ),
    }


def _row(case, what, result, limit=None, extra=None):
    (wall, cpu), (wall90, cpu90) = result
    row = {
        "section": SECTION,
        "settings": case,
        "what": what,
        "median ms": wall,
        "90th percentile ms": wall90,
        "CPU median ms": cpu,
        "CPU 90th percentile ms": cpu90,
    }
    row.update(extra or {})
    if limit is not None:
        row.update({"goal ms": limit, "met": wall <= limit})
    return row


def bench(label, config, frames, changes):
    """The rows for one playground: frames, training alone, two control changes."""
    from nnlib.widgets.playground import Playground

    playground = Playground(config)
    playground.step(5)  # warm up: caches, the first full draw
    rows = [
        _row(
            label,
            "frame (1 epoch + redraw)",
            measure(lambda i: playground.step(1), frames),
            FRAME_GOAL_MS,
            {"KiB sent": len(playground.image.value) / 1024},
        ),
        _row(
            label,
            "of which training the epoch",
            measure(lambda i: playground.trainer.train(1), frames),
        ),
    ]
    rates = playground.controls["learning_rate"]
    change = measure(lambda i: setattr(rates, "value", (0.01, 0.03)[i % 2]), changes)
    rows.append(_row(label, "change the learning rate", change, CHANGE_GOAL_MS))
    box = playground.feature_boxes["x1*x2"]
    tick = measure(lambda i: setattr(box, "value", not box.value), changes)
    rows.append(_row(label, "tick a feature (new diagram)", tick, CHANGE_GOAL_MS))
    return rows


def main(quick=False, frames=None, changes=None):
    import matplotlib

    matplotlib.use("Agg")
    frames, changes = frames or (20 if quick else 100), changes or (4 if quick else 10)
    rows = []
    for label, config in _cases().items():
        rows += bench(label, config, frames, changes)
    rows.append(
        latency_goal(
            f"playground: a frame of Play ≤ {FRAME_GOAL_MS:.0f} ms, a control change ≤ "
            f"{CHANGE_GOAL_MS:.0f} ms",
            [r for r in rows if "met" in r],
            lambda r: f"{r['settings']}: {r['what']}",
        )
    )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100, help="frames to time per case")
    parser.add_argument("--changes", type=int, default=10, help="control changes to time")
    args = parser.parse_args()
    for row in main(frames=args.frames, changes=args.changes):
        print(row)
