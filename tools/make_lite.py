"""The JupyterLite site, "run in your browser": every chapter, with nnlib as a wheel.

``python -m tools.make_lite [OUT]`` (``make lite``, after ``make book``) builds the nnlib wheel
from this checkout into ``_build/wheels/``, stages the chapter notebooks, and runs
``jupyter lite build`` (jupyterlite-core and jupyterlite-pyodide-kernel, pinned in
requirements.txt) into ``OUT`` (default ``_build/html/lite/``), where the chapter pages'
JupyterLite launch button points (``launch_buttons.jupyterlite_url`` in ``_config.yml``).

The build itself is offline. At run time the browser fetches Pyodide and its packages (numpy,
matplotlib, scikit-learn) from the jsDelivr CDN, and ipywidgets from PyPI; nnlib comes from the
site's own piplite index (``OUT/pypi/``). The book's pages never load anything from this folder.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from tools.book import ROOT, chapters

BUILD = ROOT / "_build"


def build_wheel(out=BUILD / "wheels"):
    """Build nnlib's wheel from this checkout (offline: no build isolation); return its path."""
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    scratch = ROOT / "build"  # setuptools' working folder; removed again unless it was there
    existed = scratch.exists()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"]
        + ["--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)],
        check=True,
    )
    if not existed:
        shutil.rmtree(scratch, ignore_errors=True)
    (wheel,) = out.glob("nnlib-*.whl")
    return wheel


def stage_contents(stage):
    """Copy the chapters, without outputs, to ``stage/content/chapters``."""
    target = Path(stage) / "content" / "chapters"
    shutil.rmtree(target.parent, ignore_errors=True)
    target.mkdir(parents=True)
    for path in chapters():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, target / path.name)
    return target.parent


def build_lite(out=BUILD / "html" / "lite", stage=BUILD / "lite-src"):
    out, stage = Path(out), Path(stage)
    wheel = build_wheel()
    contents = stage_contents(stage)
    shutil.rmtree(out, ignore_errors=True)
    jupyter_lite = Path(sys.executable).with_name("jupyter-lite")
    subprocess.run(
        [str(jupyter_lite), "build", "--lite-dir", str(stage), "--contents", str(contents)]
        + ["--piplite-wheels", str(wheel), "--output-dir", str(out)],
        check=True,
        cwd=stage,
        stdout=subprocess.DEVNULL,
    )
    return out


def main(argv):
    out = build_lite(Path(argv[0])) if argv else build_lite()
    print(f"Built the JupyterLite site: {out}/lab/index.html")


if __name__ == "__main__":
    main(sys.argv[1:])
