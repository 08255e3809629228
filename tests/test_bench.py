"""The benchmark harness (bench/): its data, its tables and its discovery of widgets.

These check what the benchmarks compute, never how fast anything runs (``make bench`` measures).
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not installed

from bench import book, data, playground_frame, run, training, widgets  # noqa: E402, F401


def test_mnist_like_data_has_mnist_s_traps():
    X, y = data.make_mnist_like(3000, seed=0)
    assert X.shape == (3000, 784) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and set(np.unique(y)) == set(range(10))
    images = X.reshape(-1, 28, 28)
    frame = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]])
    assert not frame.any()  # the frame is never inked: those weights' gradients are always 0
    band = np.zeros((28, 28), bool)
    band[1:-1, 1:-1], band[4:-4, 4:-4] = True, False
    assert (X[:, band.ravel()] > 0).mean(axis=0).max() < 0.01  # inked in a handful of images
    assert 0.1 < (X > 0).mean() < 0.3  # MNIST: 19% of the pixels are inked
    np.testing.assert_array_equal(data.make_mnist_like(3000, seed=0)[0], X)  # seeded
    facts = data.describe(X)
    assert facts["pixels never inked"] >= 108  # at least the frame


def test_textbook_adam_is_adam():
    from nnlib import Adam
    from nnlib.layers import Parameter

    rng = np.random.default_rng(0)
    a, b = Parameter(np.ones(6), "a"), Parameter(np.ones(6), "b")
    plain, nnlib_adam = training.TextbookAdam(1e-3), Adam(1e-3, epsilon=training.EPSILON)
    for _ in range(20):
        a.grad = b.grad = rng.standard_normal(6)
        plain.step([a])
        nnlib_adam.step([b])
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12)


def test_race_runs_contenders_in_turn_and_reports_each_epoch():
    results = training.race(training.DIGITS, ["nnlib", "gemm"], {"nnlib": 3, "gemm": 2}, 1)
    assert len(results["nnlib"]["wall"]) == 3 and len(results["gemm"]["cpu"]) == 2
    nn = results["nnlib"]
    assert nn["loss"][-1] < nn["loss"][0]  # it trained
    assert nn["dtypes"] == ["float32"] and nn["subnormal state"] == 0
    rows = training._rows("section", results, "nnlib")
    assert [r["contender"] for r in rows] == ["nnlib", "matrix products only (the bound)"]
    assert rows[0]["÷ nnlib"] == 1.0
    # The breakdown: Adam's steps timed inside the epochs; the three parts add up to the epoch.
    assert 0 < nn["optimizer s/epoch"] < min(nn["wall"][1:])
    parts = training._breakdown("where", results)
    assert [r["part"].split()[0] for r in parts] == ["matrix", "Adam's", "everything", "nnlib's"]
    assert sum(r["s/epoch"] for r in parts[:3]) == pytest.approx(parts[3]["s/epoch"])
    assert parts[3]["share"] == "100%"


def test_with_two_threads_each_turn_waits_until_the_last_contenders_threads_are_idle(monkeypatch):
    waits, sleep = [], training.time.sleep
    monkeypatch.setattr(training.time, "sleep", lambda s: waits.append(s) or sleep(s))
    training.race(training.DIGITS, ["nnlib", "gemm"], {"nnlib": 2, "gemm": 1}, 2)
    assert waits == [training.IDLE_WAIT] * 3  # one before each of the three turns
    waits.clear()
    training.race(training.DIGITS, ["gemm"], {"gemm": 2}, 1)
    assert waits == []  # one thread: no worker threads to wait for


def test_table_and_formatting():
    assert run.fmt(None) == "–" and run.fmt(True) == "yes" and run.fmt(np.False_) == "no"
    assert [run.fmt(v) for v in (1234.5, 12.345, 1.2345, 0.012345)] == [
        "1,234",
        "12.3",
        "1.23",
        "0.0123",
    ]
    rows = [{"section": "s", "a": 1.0, "b": "x|y"}, {"section": "s", "c": None}]
    assert run.table(rows).splitlines() == [
        "| a | b | c |",
        "|---|---|---|",
        "| 1.00 | x\\|y | – |",
        "| – | – | – |",
    ]


def test_benchmarks_are_discovered():
    assert run.benchmarks() == ["training", "widgets", "playground_frame", "book"]


def test_every_widget_factory_is_found_and_drags_move_by_one_step():
    found = {f"{module}.{name}" for module, name, _ in widgets.discover()}
    assert {
        "neuron.neuron_explorer",
        "descent.descent_explorer",
        "network_types.lstm_stepper",
        "overfitting.overfitting_lab",
    } <= found
    folder = Path(__file__).resolve().parents[1] / "nnlib" / "widgets"
    source = "".join(p.read_text() for p in folder.glob("*.py"))
    assert len(found) == source.count("\n@widget_factory\n")  # every one of them
    from nnlib.widgets import Slider

    slider = Slider("w", -1.0, 1.0, 0.5, 0.5)
    assert widgets.drag(slider, 2) == [0.0, -0.5]  # no room for 2 steps up: it drags down
    assert widgets.drag(Slider("w", -1.0, 1.0, 0.5, -1.0), 2) == [-0.5, 0.0]
    assert widgets.sweep(slider, 3) == [-1.0, 0.0, 1.0, 0.5]
    short = Slider("p", 0.0, 0.3, 0.1, 0.0)  # fewer steps than asked for, all of them upwards
    assert widgets.drag(short, 8) == pytest.approx([0.1, 0.2, 0.3])


def test_the_page_shows_the_speed_probe_before_each_benchmark_and_at_the_end(monkeypatch, tmp_path):
    import types

    fake = types.ModuleType("bench.fake")
    fake.main = lambda quick=False: [{"section": "Fake", "what": "nothing", "seconds": 0.0}]
    monkeypatch.setitem(sys.modules, "bench.fake", fake)
    monkeypatch.setattr(run, "benchmarks", lambda: ["fake"])
    monkeypatch.setattr(run, "PAGE", tmp_path / "benchmarks.md")
    probes = iter([40.0, 61.0])  # the machine slowed down during the run
    monkeypatch.setattr(run.common, "speed_probe", lambda: next(probes))
    assert run.main([]) == 0
    row = next(line for line in run.PAGE.read_text().splitlines() if "| speed probe" in line)
    assert row.endswith("| 40 before fake; 61 at the end |")


def test_the_speed_probe_is_a_positive_time():
    assert 0 < run.common.speed_probe(repeats=1) < 60_000


@pytest.mark.parametrize("name", ["training", "widgets", "playground_frame", "book"])
def test_each_benchmark_module_has_a_main_and_a_description(name):
    module = sys.modules[f"bench.{name}"]
    assert callable(module.main) and module.DESCRIPTION.strip()


def test_widget_timing_splits_a_change_into_computing_and_redrawing():
    import matplotlib

    matplotlib.use("Agg")
    from nnlib.widgets.neuron import neuron_explorer

    explorer, calls = neuron_explorer(), []
    compute = explorer.compute
    explorer.compute = lambda **values: calls.append(values["w1"]) or compute(**values)
    wall, cpu, redraw = widgets._time(explorer, "w1", [0.5, 1.0])
    assert calls == [0.5, 1.0]  # one compute per change: the redraws compute nothing
    assert len(wall) == len(cpu) == len(redraw) == 2 and min(redraw) > 0
