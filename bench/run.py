"""Run every benchmark, print the results, and write the appendix page ``appendix/benchmarks.md``.

    python -m bench.run                    # everything (what `make bench` runs)
    python -m bench.run --quick            # a smoke test: small sizes, few repetitions
    python -m bench.run --only training    # some benchmarks, printed only (no page)
    python -m bench.run --no-page          # print only

A benchmark is any module ``bench/<name>.py`` with a ``main(quick=False)`` function returning a
list of rows (see ``bench/common.py``); an optional ``DESCRIPTION`` string introduces its part of
the page. They run in the order of ``ORDER``, then alphabetically.
"""

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from . import common

PAGE = common.ROOT / "appendix" / "benchmarks.md"
ORDER = ["training", "widgets", "playground_frame", "book"]
TITLES = {
    "training": "Training speed",
    "widgets": "Widget latency",
    "playground_frame": "The playground's frames",
    "book": "Book build times",
}
SKIP = {"common", "data", "run"}


def benchmarks():
    """Names of the modules in bench/ that have a ``main``."""
    names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])]
    names = [n for n in names if n not in SKIP and not n.startswith("_")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def fmt(value):
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        value = float(value)
        if value != value:
            return "nan"
        magnitude = abs(value)
        if magnitude >= 100:
            return f"{value:,.0f}"
        if magnitude >= 10:
            return f"{value:.1f}"
        if magnitude >= 1 or magnitude == 0:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def sections(rows):
    """``{section: [rows]}`` in order of first appearance."""
    out = {}
    for row in rows:
        out.setdefault(row["section"], []).append(row)
    return out


def table(rows, markdown=True):
    columns = []
    for row in rows:
        columns += [key for key in row if key != "section" and key not in columns]
    cells = [[fmt(row.get(c)) for c in columns] for row in rows]
    if markdown:
        esc = [[c.replace("|", "\\|") for c in line] for line in cells]
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        return "\n".join(lines + ["| " + " | ".join(line) + " |" for line in esc])
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)


def page(results, machine, seconds, quick):
    goals = [row for _, rows in results for row in rows if row["section"] == common.GOALS]
    met = sum(1 for g in goals if g.get("met") is True)
    text = [
        "# Benchmarks",
        "",
        "This page is written by `make bench` (`python -m bench.run`, the scripts in",
        "`bench/`) from one run on the machine described below; do not edit it by hand. Times",
        "are wall clock, medians over repetitions; ratios compare libraries measured in the same",
        "run, taking turns so that a change in the machine's load affects them alike. The load",
        "average shows how busy the machine was: a busy machine's numbers are slower and noisier",
        "than a quiet one's, which is why CPU times are shown beside some of them. A shared",
        "virtual machine also runs faster or slower from one minute to the next with nothing",
        "else on it: the speed probe, one fixed workload timed before each benchmark and at the",
        "end, shows how fast it ran at each point.",
        "",
    ]
    if quick:
        text += [
            "```{warning}",
            "A quick run (`--quick`): small sizes, few repetitions.",
            "```",
            "",
        ]
    text += ["## The machine", "", "| | |", "|---|---|"]
    text += [f"| {label} | {value.replace('|', '/')} |" for label, value in machine]
    text += [f"| benchmark run time | {seconds / 60:.1f} minutes |", ""]
    text += [
        "## Goals",
        "",
        f"{met} of {len(goals)} goals met in this run.",
        "",
        table([{"goal": g["goal"], "measured": g["measured"], "met": g["met"]} for g in goals]),
        "",
    ]
    for name, rows in results:
        text += [f"## {TITLES.get(name, name.replace('_', ' ').capitalize())}", ""]
        module = sys.modules.get(f"bench.{name}")
        description = getattr(module, "DESCRIPTION", "").strip()
        if description:
            text += [description, ""]
        for section, part in sections(rows).items():
            if section == common.GOALS:
                continue
            text += [f"### {section}", "", table(part), ""]
    return "\n".join(text).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--only", help="comma-separated benchmark names (modules in bench/)")
    parser.add_argument("--no-page", action="store_true", help="do not write the appendix page")
    parser.add_argument("--epochs", type=int, help="training epochs on the MNIST-sized task (10)")
    args = parser.parse_args(argv)
    if args.epochs:
        os.environ["BENCH_EPOCHS"] = str(args.epochs)
    names = benchmarks()
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - set(names)
        if unknown:
            parser.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {names}")
        names = [n for n in names if n in wanted]
        args.no_page = True  # the page shows whole runs only
    if not args.no_page and not PAGE.exists():  # the book build measured below needs the page
        PAGE.parent.mkdir(exist_ok=True)
        PAGE.write_text("# Benchmarks\n\nNot measured yet: run `make bench`.\n")
    start, results, failed = time.perf_counter(), [], []
    machine = common.machine()
    machine.append(("load average at the start", common.fmt_load()))
    probes = []  # (when, ms): the same workload before each benchmark and at the end
    for name in names:
        probes.append((f"before {name}", common.speed_probe()))
        print(f"== {name} (speed probe {probes[-1][1]:.0f} ms)", flush=True)
        try:
            rows = importlib.import_module(f"bench.{name}").main(quick=args.quick)
        except Exception:  # one broken benchmark must not hide the others' results
            traceback.print_exc()
            failed.append(name)
            rows = [common.goal(f"benchmark {name} ran", "it raised an error (see the log)", False)]
        results.append((name, rows))
        for section, part in sections(rows).items():
            print(f"\n{section}\n{table(part, markdown=False)}\n", flush=True)
    machine.append(("load average at the end", common.fmt_load()))
    probes.append(("at the end", common.speed_probe()))
    machine.append(
        (
            "speed probe: a fixed workload, CPU ms (more ms, a slower machine just then)",
            "; ".join(f"{ms:.0f} {when}" for when, ms in probes),
        )
    )
    seconds = time.perf_counter() - start
    if not args.no_page:
        PAGE.write_text(page(results, machine, seconds, args.quick))
        print(f"wrote {os.path.relpath(PAGE, common.ROOT)}")
    print(f"benchmarks took {seconds / 60:.1f} minutes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
