"""The launch buttons of the built chapter pages, and the JupyterLite site (``make lite``).

Skipped until the book (``make book``) and the lite site (``make lite``) are built.
"""

import json
import re
import zipfile
from urllib.parse import parse_qs, urljoin, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

import nnlib
from tools.book import ROOT, bootstrap_source, chapters, config, repository

HTML = ROOT / "_build" / "html"
LITE = HTML / "lite"

pytestmark = pytest.mark.build
IDS = [path.stem for path in chapters()]


@pytest.fixture(scope="module")
def built():
    if not (HTML / "index.html").exists():
        pytest.skip("no built book; run `make book`")
    return HTML


@pytest.fixture(scope="module")
def lite(built):
    if not (LITE / "lab" / "index.html").exists():
        pytest.skip("no JupyterLite site; run `make lite`")
    return LITE


def launch_links(page):
    soup = BeautifulSoup(page.read_text(), "html.parser")
    return {
        a.get_text(" ", strip=True): a["href"] for a in soup.select(".dropdown-launch-buttons a")
    }


@pytest.mark.parametrize("path", chapters(), ids=IDS)
def test_chapter_pages_have_binder_colab_and_jupyterlite_buttons(built, path):
    url, branch = repository()
    org_repo = urlsplit(url).path.strip("/")
    rel = path.relative_to(ROOT).as_posix()
    links = launch_links(built / path.relative_to(ROOT).with_suffix(".html"))
    assert links.get("Binder") == (
        f"https://mybinder.org/v2/gh/{org_repo}/{branch}?urlpath=lab/tree/{rel}"
    )
    assert links.get("Colab") == (
        f"https://colab.research.google.com/github/{org_repo}/blob/{branch}/{rel}"
    )
    lite_url = config()["launch_buttons"]["jupyterlite_url"]
    assert links.get("JupyterLite") == f"{lite_url}?path={rel}"


@pytest.mark.parametrize("path", chapters(), ids=IDS)
def test_jupyterlite_button_opens_the_chapter_in_the_lite_site(lite, path):
    page = HTML / path.relative_to(ROOT).with_suffix(".html")
    href = launch_links(page)["JupyterLite"]
    target = urlsplit(urljoin(page.relative_to(HTML).as_posix(), href))
    assert (HTML / target.path).exists(), f"the JupyterLite button leads to missing {target.path}"
    (opened,) = parse_qs(target.query)["path"]
    notebook = lite / "files" / opened
    assert notebook.exists(), f"the lite site has no {opened}"
    nb = nbformat.read(notebook, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert first.source == bootstrap_source()
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def test_lite_site_lists_every_chapter(lite):
    listing = json.loads((lite / "api" / "contents" / "chapters" / "all.json").read_text())
    names = {item["name"] for item in listing["content"]}
    assert names == {path.name for path in chapters()}


def test_lite_site_ships_the_nnlib_wheel(lite):
    index = json.loads((lite / "pypi" / "all.json").read_text())
    (release,) = index["nnlib"]["releases"][nnlib.__version__]
    wheel = lite / "pypi" / release["filename"]
    assert wheel.exists()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    modules = {f"nnlib/{p.name}" for p in (ROOT / "nnlib").glob("*.py")}
    assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
    assert "nnlib/widgets/__init__.py" in names
    # The bootstrap cell asks piplite for nnlib by name, which this index answers.
    assert re.search(r"%pip install -q nnlib\b", bootstrap_source())
    settings = json.loads((lite / "jupyter-lite.json").read_text())["jupyter-config-data"]
    plugin = settings["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert any(urlsplit(url).path == "./pypi/all.json" for url in plugin["pipliteUrls"])


def test_book_pages_do_not_load_the_lite_site(built):
    for page in built.rglob("*.html"):
        if LITE in page.parents:
            continue
        soup = BeautifulSoup(page.read_text(), "html.parser")
        loaded = [t.get("src") or t.get("href") for t in soup.select("script[src], link[href]")]
        assert not [u for u in loaded if u and "lite/" in u and "lite/lab" not in u], page
