"""Benchmark: how long one frame of chapter 10's playground takes.

A frame is what Play does at each animation tick: train ``Playground.epochs_per_frame`` epochs
(one, as the TensorFlow Playground), take the snapshot (losses, the output and every neuron over
the plane), update the figure's artists, blit them and encode the image the widget sends.

    .venv/bin/python bench/playground_frame.py [--frames 100]

prints the median and 90th percentile of the wall-clock time (what a learner sees) and of the
process CPU time (the same work without waiting for a busy machine's cores), for the default
settings and for the largest network (6 hidden layers of 8, all seven features), plus the
latency of a few control changes (each restarts the run).
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from nnlib.widgets.playground import FEATURES, Playground, PlaygroundConfig  # noqa: E402

CASES = {
    "default (2 features, 4-2, circle)": PlaygroundConfig(),
    "6x8 network, 7 features, spiral": PlaygroundConfig(
        dataset="spiral", features=tuple(FEATURES), hidden=(8,) * 6
    ),
}


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


def report(name, result):
    (wall, cpu), (wall90, cpu90) = result
    print(
        f"  {name:34s} wall median {wall:6.1f} ms, p90 {wall90:6.1f} ms | "
        f"CPU median {cpu:6.1f} ms, p90 {cpu90:6.1f} ms"
    )


def bench(label, config, frames, changes):
    playground = Playground(config)
    playground.step(5)  # warm up: caches, the first full draw
    print(f"{label}:")
    report("frame (1 epoch + redraw)", measure(lambda i: playground.step(1), frames))
    report("  of which training the epoch", measure(lambda i: playground.trainer.train(1), frames))
    print(f"  {'image sent per frame':34s} {len(playground.image.value) / 1024:.0f} KiB")
    rates = playground.controls["learning_rate"]
    report(
        "change the learning rate",
        measure(lambda i: setattr(rates, "value", (0.01, 0.03)[i % 2]), changes),
    )
    box = playground.feature_boxes["x1*x2"]
    report(
        "tick a feature (new diagram)",
        measure(lambda i: setattr(box, "value", not box.value), changes),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100, help="frames to time per case")
    parser.add_argument("--changes", type=int, default=10, help="control changes to time")
    args = parser.parse_args()
    for label, config in CASES.items():
        bench(label, config, args.frames, args.changes)


if __name__ == "__main__":
    main()
