"""What every benchmark shares: result rows, medians, the machine's description.

A row is a dict: ``{"section": "...", "<column>": value, ...}``. ``bench.run`` groups rows by
section and shows each section as a table whose columns are the rows' other keys, in order.
Rows whose section is ``GOALS`` are also collected into the page's table of goals: give them the
keys ``goal``, ``measured`` and ``met`` (True/False/None).
"""

import datetime
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = "Goals"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def goal(goal_text, measured, met, section=GOALS):
    """A row for the table of goals."""
    return {"section": section, "goal": goal_text, "measured": measured, "met": met}


def latency_goal(text, timed, name):
    """The goal row for the timed rows ``timed`` (each with ``'median ms'`` and ``'met'``): how
    many meet their goal, and the three slowest that do not, each called ``name(row)``."""
    slow = sorted((r for r in timed if not r["met"]), key=lambda r: -r["median ms"])
    worst = "; ".join(f"{name(r)} {r['median ms']:.0f} ms" for r in slow[:3])
    measured = f"{len(timed) - len(slow)} of {len(timed)} within" + (
        f"; slowest: {worst}" if slow else ""
    )
    return goal(f"{text} (median)", measured, not slow)


def load_average():
    """The 1-minute load average (how busy the machine is), or None where unknown."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def speed_probe(repeats=5):
    """CPU milliseconds of one fixed workload, the median of ``repeats``: how fast the machine is
    running right now.

    A shared virtual machine can run the same code up to twice as fast or as slow from one
    minute to the next, with nothing else running on it (the load average stays near 1). The
    probe is timed before each benchmark and at the end: when it takes longer, so does
    everything measured around then. The workload is what the book's small networks and widgets
    spend their time on: many NumPy operations on small arrays, called from Python.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    W, X = rng.standard_normal((32, 32)), rng.standard_normal((80, 32))
    times = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(2000):
            Z = X @ W
            Z += 0.1
            np.maximum(Z, 0.0, out=Z)
            W -= 1e-6 * (X.T @ Z)
        times.append((time.process_time() - start) * 1e3)
    return statistics.median(times)


class Stopwatch:
    """Wall-clock and CPU time (all threads of this process) of a ``with`` block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return False


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def git_commit():
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine():
    """``(label, value)`` pairs describing this machine and the libraries measured."""
    import numpy as np
    import threadpoolctl

    blas = [
        f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')}, "
        f"{info.get('threading_layer')})"
        for info in threadpoolctl.threadpool_info()
        if info.get("user_api") == "blas"
    ]
    rows = [
        ("date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory", f"{memory_gib()} GiB"),
        ("system", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("NumPy", f"{np.__version__}; BLAS: {', '.join(blas) or 'unknown'}"),
    ]
    for name, module in (
        ("matplotlib (widget and figure drawing)", "matplotlib"),
        ("PyTorch", "torch"),
        ("scikit-learn", "sklearn"),
    ):
        try:
            version = __import__(module).__version__
        except ImportError:
            version = "not installed"
        rows.append((name, version))
    rows.append(("book commit", git_commit()))
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            rows.append((name, os.environ[name]))
    return rows


def fmt_load():
    """The 1, 5 and 15-minute load averages as text."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" (on {os.cpu_count()} cores)"
    except OSError:
        return "unknown"
