"""The bootstrap cell installs nnlib where it is missing, offline, and breaks nothing.

A fresh virtual environment gets the project's packages (numpy, matplotlib, ipywidgets, the
kernel; as Colab has its own) through a path file, but not nnlib. Chapter 1 then runs there
with ``NNLIB_SOURCE`` pointing at a wheel built from this checkout and pip forbidden to use an
index: the first cell must install nnlib into that environment, and no other package may change.
"""

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tools.book import ROOT, chapters
from tools.make_lite import build_wheel


def freeze(python):
    out = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {item["name"].lower(): item["version"] for item in json.loads(out)}


def nnlib_location(python):
    """Where ``python`` imports nnlib from (run outside the checkout, so that it is the
    installed nnlib, not the folder beside it)."""
    return subprocess.run(
        [str(python), "-c", "import nnlib; print(nnlib.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh")
    env = root / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The project's packages, but not nnlib: a folder of links to everything in this
    # environment's site-packages except nnlib's editable install, listed in a path file.
    shared = root / "shared"
    shared.mkdir()
    for entry in Path(site.getsitepackages()[0]).iterdir():
        if "nnlib" not in entry.name:
            (shared / entry.name).symlink_to(entry)
    Path(purelib, "project.pth").write_text(f"{shared}\n")
    kernels = root / "share" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "fresh",
                "language": "python",
            }
        )
    )
    return root, python


def test_fresh_environment_has_no_nnlib(fresh):
    _, python = fresh
    result = subprocess.run([str(python), "-c", "import nnlib"], capture_output=True, cwd="/")
    assert result.returncode != 0 and b"ModuleNotFoundError" in result.stderr


def test_bootstrap_cell_installs_nnlib_and_the_chapter_runs(fresh, monkeypatch):
    root, python = fresh
    wheel = build_wheel(root / "wheels")
    before = freeze(python)
    monkeypatch.setenv("JUPYTER_PATH", str(root / "share"))
    monkeypatch.setenv("NNLIB_SOURCE", str(wheel))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # offline: nothing may come from an index
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    path = chapters()[0]
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="fresh", resources={"metadata": {"path": "/tmp"}}
    ).execute()
    after = freeze(python)
    assert after.pop("nnlib") == "0.1.0"
    assert "nnlib" not in before and after == before, "the bootstrap changed other packages"
    where = nnlib_location(python)
    assert str(root / "venv") in where and str(ROOT / "nnlib") not in where
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    tagged = sum("raises-exception" in c.metadata.get("tags", []) for c in nb.cells)
    assert len(errors) == tagged, [e.ename for e in errors]


def test_bootstrap_cell_only_imports_where_nnlib_is_installed():
    from tools.book import bootstrap_source

    env = {**os.environ, "NNLIB_SOURCE": "/nonexistent", "PIP_NO_INDEX": "1"}
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        f"shell = InteractiveShell.instance()\nresult = shell.run_cell({bootstrap_source()!r})\n"
        "assert result.success, result.error_in_exec\nprint('nnlib' in shell.user_ns)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("True")
