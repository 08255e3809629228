"""Book execution, nbval and HTML build times.

- Execution: every chapter run top to bottom, one after the other, each in a fresh kernel (as
  nbclient, which Jupyter Book uses, runs them); the sum includes every kernel's start-up, which
  is also timed on its own.
- nbval: ``pytest --nbval-lax`` over ``chapters/`` with two workers, as ``make notebooks`` runs
  it on this machine.
- HTML build: ``jupyter-book build`` with ``execute_notebooks: cache`` into a scratch directory:
  a first build fills the execution cache, the second builds the HTML from it. The book's own
  configuration (``execute_notebooks: force``) is not touched.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from .common import ROOT, Stopwatch, goal

DESCRIPTION = __doc__.split("\n\n", 1)[1]
SECTION = "Book: execution, nbval and build times (wall clock)"
CHAPTERS = ROOT / "chapters"
BIN = Path(sys.executable).parent


def kernel_startup():
    """Seconds to start a python3 kernel, run one empty cell and shut it down."""
    from jupyter_client.manager import start_new_kernel

    with Stopwatch() as clock:
        manager, client = start_new_kernel(kernel_name="python3")
        client.execute_interactive("pass", timeout=60)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return clock.wall


def execute(path):
    """Seconds to execute the notebook at ``path`` in a new kernel, in its own folder."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with Stopwatch() as clock:
        client.execute()
    return clock.wall


def _run(command, **kwargs):
    with Stopwatch() as clock:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, **kwargs)
    return clock.wall, done


def nbval(workers=2):
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
        "--nbval-cell-timeout=600", "-n", str(workers), "--dist", "loadfile",
        "-p", "no:cacheprovider", "-q", "chapters",
    ]  # fmt: skip
    seconds, done = _run(command)
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    return seconds, done.returncode == 0, summary


def _cache_config(scratch):
    """The book's _config.yml, with the execution cache in ``scratch`` and absolute paths."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "cache"
    config["execute"]["cache"] = str(scratch / "jupyter_cache")
    sphinx = config.get("sphinx", {})
    for name, path in sphinx.get("local_extensions", {}).items():
        sphinx["local_extensions"][name] = str((ROOT / path).resolve())
    static = sphinx.get("config", {}).get("html_static_path", [])
    sphinx.get("config", {})["html_static_path"] = [str((ROOT / p).resolve()) for p in static]
    path = scratch / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def build_from_cache():
    """(seconds to build and fill the cache, seconds to build from it, ok, message)."""
    jupyter_book = BIN / "jupyter-book"
    if not (ROOT / "_vendor").exists():
        return None, None, False, "run `make assets` first (the build needs _vendor/)"
    with tempfile.TemporaryDirectory(prefix="nnbook-bench-") as tmp:
        scratch = Path(tmp)
        config = _cache_config(scratch)
        times = []
        for output in ("first", "second"):
            command = [
                str(jupyter_book), "build", str(ROOT), "--config", str(config),
                "--path-output", str(scratch / output), "-W", "-n", "--keep-going",
            ]  # fmt: skip
            seconds, done = _run(command, env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
                return None, None, False, f"the {output} build failed: {tail}"
            times.append(seconds)
        shutil.rmtree(scratch, ignore_errors=True)
    return times[0], times[1], True, "built with -W (warnings as errors)"


def main(quick=False):
    rows = []
    chapters = sorted(CHAPTERS.glob("*.ipynb"))
    startup = kernel_startup()
    rows.append(
        {"section": SECTION, "what": "kernel start-up (one empty cell)", "seconds": startup}
    )
    total = 0.0
    for path in chapters[:2] if quick else chapters:
        seconds = execute(path)
        total += seconds
        rows.append({"section": SECTION, "what": f"execute {path.name}", "seconds": seconds})
    rows.append(
        {"section": SECTION, "what": "execute the whole book, serially (sum)", "seconds": total}
    )
    if not quick:
        rows.append(goal("whole-book execution, serially, ≤ 60 s", f"{total:.1f} s", total <= 60))
    seconds, ok, summary = nbval()
    rows.append(
        {"section": SECTION, "what": f"nbval, 2 workers ({summary})", "seconds": seconds, "ok": ok}
    )
    rows.append(goal("nbval with two workers ≤ 40 s", f"{seconds:.1f} s", ok and seconds <= 40))
    if not quick:
        first, second, ok, message = build_from_cache()
        rows.append(
            {"section": SECTION, "what": f"build, executing into the cache ({message})",
             "seconds": first, "ok": ok}
        )  # fmt: skip
        rows.append(
            {"section": SECTION, "what": "build the HTML from the execution cache",
             "seconds": second, "ok": ok}
        )  # fmt: skip
    return rows


if __name__ == "__main__":
    for row in main(quick=True):
        print(row)
