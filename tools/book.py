"""What the tools read from the book: its configuration, its chapters, the bootstrap cell.

The repository's URL and branch are defined once, in ``_config.yml`` (``repository.url`` and
``repository.branch``); everything else reads them from here.
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def config():
    """``_config.yml`` as a dict."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository():
    """``(url, branch)`` of the book's repository, from ``_config.yml``."""
    repo = config()["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def toc_files():
    """Every ``file:`` of ``_toc.yml`` in order, the root first, without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key, value in node.items():
                if key != "file":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({key: value for key, value in toc.items() if key != "root"})
    return found


def chapters():
    """The chapter notebooks, ``chapters/NN_name.ipynb``, in file order."""
    return sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def chapter_title(path):
    """The title of a chapter notebook: its first ``# `` heading, without the number."""
    import nbformat

    first = nbformat.read(path, as_version=4).cells[0].source
    title = re.match(r"#\s+(.+)", first.strip()).group(1).strip()
    return re.sub(r"^\d+\.\s*", "", title)


#: Tagged on the bootstrap cell (myst-nb hides it from the HTML book; it still runs).
BOOTSTRAP_TAGS = ["bootstrap", "remove-cell"]


def bootstrap_source():
    """The first code cell of every chapter: import nnlib, installing it only where it is missing.

    Where nnlib is installed (a local checkout, Binder, the book's build, nbval) it is one
    import. In Colab it installs nnlib from the repository with pip, which leaves the numpy,
    matplotlib and ipywidgets already there alone, since they satisfy nnlib's requirements;
    ``NNLIB_SOURCE`` overrides where from (the tests point it at the local checkout). In
    JupyterLite (``sys.platform == "emscripten"``) ``%pip`` is piplite, which takes the nnlib
    wheel shipped with the site.
    """
    url, branch = repository()
    return (
        "# Set-up for Colab and JupyterLite: install nnlib, the book's library, if it is missing.\n"
        "# Where nnlib is already installed (Binder, your own machine) this cell only imports it.\n"
        "try:\n"
        "    import nnlib  # noqa: F401\n"
        "except ModuleNotFoundError:\n"
        "    import os\n"
        "    import sys\n"
        "\n"
        '    if sys.platform == "emscripten":  # JupyterLite: the wheel that ships with the site\n'
        "        %pip install -q nnlib scikit-learn\n"
        "    else:  # Colab: from the book's repository\n"
        f'        source = os.environ.get("NNLIB_SOURCE", "git+{url}@{branch}")\n'
        "        %pip install -q $source\n"
        "    import nnlib  # noqa: F401"
    )


def is_bootstrap(cell):
    return cell.cell_type == "code" and "bootstrap" in cell.metadata.get("tags", [])
