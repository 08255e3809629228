"""Chapters 1 and 3 and the playground in Colab's environment: ipywidgets 7.7.1, numpy 2.0.2,
matplotlib 3.10.0, its kernel (ipykernel 6.17.1, IPython 7.34.0).

Colab ships ipywidgets 7, whose widgets display through ``_ipython_display_`` (ipywidgets 8:
``_repr_mimebundle_``), and a front end for ipywidgets 7's models. The test installs Colab's
versions from PyPI into a scratch virtual environment, with nnlib installed from this checkout,
checks that installing nnlib there (what the bootstrap cell does in Colab) would change no other
package, then runs chapters 1 and 3 and a small playground notebook with nbclient and checks
that every widget is displayed as an ipywidgets 7 widget view of a live model. It cannot check
Colab's front end itself.

Marked ``network`` and skipped unless asked for: ``pytest --network tests/test_colab.py``. The
environment (about 450 MB) is cached in ``tmp/cache/`` (or ``$NNLIB_TEST_CACHE``) under a name
made from the versions below: the first run takes about 90 s, later ones about 30 s. nnlib is
installed editable, so the cached environment always runs this checkout's code.
"""

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_bootstrap import freeze, nnlib_location

from tools.book import ROOT, chapters

pytestmark = pytest.mark.network

#: Colab's versions (as of 2025) of the packages nnlib uses, and of its kernel.
COLAB = [
    "ipywidgets==7.7.1",
    "numpy==2.0.2",
    "matplotlib==3.10.0",
    "ipykernel==6.17.1",
    "ipython==7.34.0",
]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CACHE = Path(os.environ.get("NNLIB_TEST_CACHE", ROOT / "tmp" / "cache"))


def pip(python, *args, **kwargs):
    return subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


@pytest.fixture(scope="module")
def colab():
    """``(root, python)``: the cached environment with Colab's versions and a kernel spec."""
    key = hashlib.sha256(json.dumps([sys.version, COLAB]).encode()).hexdigest()[:12]
    root = CACHE / f"colab-{key}"
    python = root / "venv" / "bin" / "python"
    if not (root / "ready").exists():
        venv.create(root / "venv", with_pip=True, clear=True)
        # One resolution with nnlib's own requirements: it fails if they exclude Colab's.
        pip(python, "install", "--quiet", *COLAB, "-e", str(ROOT))
        kernel = root / "share" / "kernels" / "colab"
        kernel.mkdir(parents=True, exist_ok=True)
        argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec = {"argv": argv, "display_name": "colab", "language": "python"}
        (kernel / "kernel.json").write_text(json.dumps(spec))
        (root / "ready").touch()
    return root, python


def test_the_environment_has_colabs_versions_and_this_nnlib(colab):
    _, python = colab
    installed = freeze(python)
    for pin in COLAB:
        name, version = pin.split("==")
        assert installed[name] == version, (name, installed[name])
    assert nnlib_location(python).startswith(str(ROOT / "nnlib"))


def test_installing_nnlib_in_colab_changes_no_other_package(colab, tmp_path):
    """The bootstrap cell's ``%pip install`` (here: of this checkout, as a dry run)."""
    _, python = colab
    report = tmp_path / "report.json"
    pip(python, "install", "--quiet", "--dry-run", "--report", str(report), str(ROOT))
    installs = {
        item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]
    }
    assert installs <= {"nnlib"}, f"pip would also install or upgrade {installs - {'nnlib'}}"


#: A notebook that makes the playground (chapter 10's widget), trains it a little, shows it and
#: presses Play and Pause.
PLAYGROUND = [
    "import warnings\n\nfrom nnlib.widgets.playground import Playground\n\n"
    "with warnings.catch_warnings(record=True) as caught:\n"
    '    warnings.simplefilter("always")\n'
    "    playground = Playground()\n"
    "    playground.step(2)\n"
    "# What nnlib asked of ipywidgets or traitlets that they do not know, e.g. a trait they lack\n"
    "assert not [str(w.message) for w in caught if 'ipywidgets' in w.filename "
    "or 'traitlets' in w.filename]",
    "playground",
    # Play, as the button does, then let the kernel's event loop train between cells.
    "epoch = playground.epoch\nplayground.play_button.click()\n"
    "assert playground.play_button.description == 'Pause'",
    "import asyncio\n\nawait asyncio.sleep(1.0)",
    "playground.play_button.click()\nassert playground.epoch > epoch + 2, playground.epoch\n"
    "assert playground.play_button.description == 'Play'",
]


def execute(nb, root):
    """Run ``nb`` with nbclient in the Colab environment's kernel; return it."""
    env = {"JUPYTER_PATH": str(root / "share"), "OPENBLAS_NUM_THREADS": "1"}
    old = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        client = NotebookClient(
            nb, timeout=300, kernel_name="colab", resources={"metadata": {"path": "/tmp"}}
        )
        client.execute()
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return nb


@pytest.fixture(scope="module")
def executed(colab):
    """Chapters 1 and 3 and the playground notebook executed in the Colab environment."""
    root, _ = colab
    done = {
        path.stem: execute(nbformat.read(path, as_version=4), root)
        for path in chapters()
        if path.name.startswith(("01_", "03_"))
    }
    cells = [nbformat.v4.new_code_cell(source) for source in PLAYGROUND]
    done["playground"] = execute(nbformat.v4.new_notebook(cells=cells), root)
    assert len(done) == 3, sorted(done)
    return done


def views(nb):
    """The widget views ``nb`` displayed, as ``(display data, model state)`` pairs."""
    models = nb.metadata["widgets"][WIDGET_STATE]["state"]  # nbclient keeps them
    return [
        (o.data, models[o.data[WIDGET_VIEW]["model_id"]])
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type in ("display_data", "execute_result") and WIDGET_VIEW in o.data
    ]


@pytest.mark.parametrize("chapter", ["01_neurons", "03_layers", "playground"])
def test_widgets_run_and_display_as_ipywidgets_7_views(executed, chapter):
    nb = executed[chapter]
    cells = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    tagged = sum("raises-exception" in c.metadata.get("tags", []) for c in cells)
    assert len(errors) == tagged, [f"{e.ename}: {e.evalue}" for e in errors]
    shown = views(nb)
    assert shown, f"{chapter} displayed no widget"
    image = "image/jpeg" if chapter == "playground" else "image/png"
    for data, model in shown:
        assert data[WIDGET_VIEW]["version_major"] == 2
        assert data[WIDGET_VIEW]["version_minor"] == 0
        assert model["model_name"] == "VBoxModel"
        assert model["model_module_version"] == "1.5.0"  # @jupyter-widgets/controls of 7.x
        assert data[image] and data["text/plain"]  # where widgets cannot render


def test_the_playgrounds_feature_boxes_keep_their_tooltips(executed):
    """ipywidgets 7's Checkbox has ``description_tooltip``, no ``tooltip``."""
    models = executed["playground"].metadata["widgets"][WIDGET_STATE]["state"]
    tips = {
        m["state"]["description"]: m["state"].get("description_tooltip")
        for m in models.values()
        if m["model_name"] == "CheckboxModel"
    }
    assert tips["x₁"] == "use x1 as an input", tips
