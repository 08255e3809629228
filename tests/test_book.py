"""Checks on the book as a whole: table of contents, chapter structure, clean notebooks, pins.

Tests marked ``build`` read the HTML in ``_build/html`` and are skipped until it exists.
"""

import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from tools.book import toc_files

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
HTML = ROOT / "_build" / "html"

# The chapter template (README.md): these headings, in this order.
REQUIRED_HEADINGS = [
    "Learning objectives",
    "Prerequisites",
    "Summary",
    "Exercises",
    "Further reading",
]
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
# sphinx-exercise directives, in ``` or ::: fences; a label is one of the option lines after them.
EXERCISE_LABEL = re.compile(
    r"(?:```|:::)\{exercise(?:-start)?\}[^\n]*\n(?:[ \t]*:(?!label:)[^\n]*\n)*[ \t]*:label:\s*(\S+)"
)
SOLUTION_TARGET = re.compile(r"(?:```|:::)\{solution(?:-start)?\}[ \t]+(\S+)")


def markdown(nb):
    """The markdown cells of a notebook, without code blocks (whose # lines are no headings).

    A fence with a language opens a code block; a bare fence closes one, or closes a directive.
    """
    kept, in_code = [], False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            fence = line.startswith("```")
            info = line[3:].strip()
            if in_code:
                in_code = not fence
            elif fence and info and not info.startswith("{"):
                in_code = True
            else:
                kept.append(line)
    return "\n".join(kept)


def read(path):
    return nbformat.read(path, as_version=4)


chapter_ids = [path.stem for path in CHAPTERS]


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


def test_every_toc_entry_exists():
    for entry in toc_files():
        candidates = [ROOT / f"{entry}{suffix}" for suffix in (".md", ".ipynb")]
        assert any(path.exists() for path in candidates), f"_toc.yml lists missing file {entry}"


def test_every_chapter_is_in_the_toc():
    listed = set(toc_files())
    for path in CHAPTERS:
        entry = path.relative_to(ROOT).with_suffix("").as_posix()
        assert entry in listed, f"{entry} is not listed in _toc.yml"


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_notebook_is_valid_and_uses_python3(path):
    nb = read(path)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: kernelspec must be python3"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_notebook_is_committed_without_outputs(path):
    nb = read(path)
    dirty = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have outputs or execution counts; clear them with\n"
        f"  .venv/bin/jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_chapter_follows_the_template(path):
    nb = read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        f"{path.name}: the first cell must be the chapter title (# ...)"
    )
    headings = [title for _, title in HEADING.findall(markdown(nb))]
    positions = []
    for required in REQUIRED_HEADINGS:
        matches = [i for i, title in enumerate(headings) if title.lower() == required.lower()]
        assert matches, f"{path.name}: no heading '{required}'"
        positions.append(matches[0])
    assert positions == sorted(positions), (
        f"{path.name}: headings out of order; expected {REQUIRED_HEADINGS}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_every_exercise_has_a_solution(path):
    text = markdown(read(path))
    exercises = set(EXERCISE_LABEL.findall(text))
    solutions = set(SOLUTION_TARGET.findall(text))
    assert solutions, f"{path.name}: no solution blocks"
    assert exercises == solutions, (
        f"{path.name}: exercises without solutions {sorted(exercises - solutions)}, "
        f"solutions without exercises {sorted(solutions - exercises)}"
    )


def test_requirements_are_pinned():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert requirements
    pinned = re.compile(r"[A-Za-z0-9._\-\[\]]+==\S+")
    unpinned = [line for line in requirements if not pinned.fullmatch(line)]
    assert not unpinned, f"requirements.txt lines not pinned with ==: {unpinned}"


def test_browser_assets_are_pinned_exactly():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"package.json: {name} is not pinned"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, (
            f"package-lock.json is out of date for {name}; run npm install"
        )


# --- the built HTML ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built():
    if not (HTML / "index.html").exists():
        pytest.skip("no built book in _build/html; run `make book` first")
    return HTML


@pytest.mark.build
@pytest.mark.parametrize("entry", toc_files())
def test_page_was_built_without_errors(built, entry):
    page = built / f"{entry}.html"
    assert page.exists(), f"{entry} was not built"
    soup = BeautifulSoup(page.read_text(), "html.parser")
    # Errors and warnings are shown only by cells tagged to expect them.
    for output in soup.select(".cell_output .traceback, .cell_output .stderr"):
        cell = output.find_parent(class_="cell")
        assert cell is not None and "tag_raises-exception" in cell["class"], (
            f"{entry}.html shows an error or warning in a cell not tagged raises-exception:\n"
            f"{output.get_text()[:1000]}"
        )
    loaded = "script[src], link[rel~=stylesheet], link[rel~=preload], link[rel~=icon]"
    external = [
        tag.get("src") or tag.get("href")
        for tag in soup.select(loaded)
        if re.match(r"(https?:)?//", tag.get("src") or tag.get("href"))
    ]
    assert not external, f"{entry}.html loads assets from other hosts: {external}"


@pytest.mark.build
@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_solutions_are_collapsible(built, path):
    html = (built / path.relative_to(ROOT).with_suffix(".html")).read_text()
    solutions = re.findall(r'<div class="[^"]*\bsolution\b[^"]*"', html)
    assert solutions, f"{path.name}: no solution in the built page"
    assert all("dropdown" in tag for tag in solutions), (
        f"{path.name}: every solution should use :class: dropdown"
    )


# --- exercises, self-checks and the bootstrap cell (tools/) -------------------------------------

EXERCISE_KINDS = ("concept", "derive", "implement", "experiment", "challenge")
REQUIRED_KINDS = ("concept", "derive", "implement", "experiment")


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_exercises_span_easy_to_challenging(path):
    from tools.make_student import exercises

    found = exercises(read(path))
    assert len(found) >= 4, f"{path.name}: {len(found)} exercises; at least four are expected"
    kinds = {label: exercise.kind for label, exercise in found.items()}
    untyped = [label for label, kind in kinds.items() if kind is None]
    assert not untyped, (
        f"{path.name}: exercises {untyped} do not end their title with one of "
        f"{', '.join(f'({k})' for k in EXERCISE_KINDS)}"
    )
    missing = [kind for kind in REQUIRED_KINDS if kind not in kinds.values()]
    assert not missing, f"{path.name}: no exercise of kind {missing}"


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_solutions_are_dropdowns(path):
    text = markdown(read(path))
    starts = re.findall(r"(?:```|:::)\{solution(?:-start)?\}[^\n]*\n((?:[ \t]*:[^\n]*\n)*)", text)
    assert starts and all(re.search(r":class:\s*dropdown", opts) for opts in starts), (
        f"{path.name}: every solution needs `:class: dropdown` (collapsed in the HTML)"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_implementation_exercises_use_a_self_check(path):
    from tools.make_student import exercises, solutions

    nb = read(path)
    sols = solutions(nb)
    unchecked = [
        label
        for label, exercise in exercises(nb).items()
        if exercise.kind == "implement"
        and not any(re.search(r"^checks\.check_\w+\(", code, re.M) for code in sols[label].code)
    ]
    assert not unchecked, (
        f"{path.name}: implementation exercises {unchecked} do not call an nnlib.checks function "
        "in their solution (the student copy's stub runs that check)"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_first_code_cell_is_the_bootstrap_cell(path):
    from tools.book import BOOTSTRAP_TAGS, bootstrap_source

    first = next(cell for cell in read(path).cells if cell.cell_type == "code")
    assert first.source == bootstrap_source() and first.metadata.get("tags") == BOOTSTRAP_TAGS, (
        f"{path.name}: the first code cell must be the bootstrap cell that installs nnlib where it "
        "is missing (Colab, JupyterLite); write it with `.venv/bin/python -m tools.bootstrap`"
    )


def test_bootstrap_cell_installs_from_the_configured_repository():
    from tools.book import bootstrap_source

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url, branch = config["repository"]["url"], config["repository"]["branch"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    assert f'"git+{url}@{branch}"' in bootstrap_source()
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_binder_environment_is_pinned():
    runtime = (ROOT / "runtime.txt").read_text().strip()
    python = re.search(
        r"PYTHON \?= \$\(shell command -v (python3\.\d+)", (ROOT / "Makefile").read_text()
    )
    assert runtime == f"python-{python.group(1)[len('python') :]}", runtime
    post = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post


# --- the instructor guide --------------------------------------------------------------------

GUIDE_PARTS = [
    "Learning objectives.",
    "Prerequisites.",
    "Time needed.",
    "Suggested assignments.",
    "Self-checks.",
    "Common misconceptions.",
]


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_instructor_guide_covers_the_chapter(path):
    from tools.book import chapter_title
    from tools.make_student import exercises

    assert "instructors" in toc_files(), "instructors.md is not in _toc.yml"
    guide = (ROOT / "instructors.md").read_text()
    number = int(path.name[:2])
    heading = f"## Chapter {number}. {chapter_title(path)}"
    assert heading in guide, f"the instructor guide has no entry '{heading}'"
    section = guide.split(heading, 1)[1].split("\n## ", 1)[0]
    for part in GUIDE_PARTS:
        assert f"**{part}**" in section, f"{heading}: no '{part}'"
    nb = read(path)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    used = set(re.findall(r"checks\.(check_\w+)\(", code))
    named = set(re.findall(r"`(check_\w+)`", section))
    assert used == named, f"{heading}: self-checks used {sorted(used)}, listed {sorted(named)}"
    labels = set(exercises(nb))
    referenced = set(re.findall(r"\{ref\}`([\w-]+)`", section))
    assert labels <= referenced, f"{heading}: exercises not assigned: {sorted(labels - referenced)}"


#: The most bytes a chapter page may weigh beyond the shared assets of ``_static/``: its HTML
#: (with its widgets' precomputed states inside) and the figures it loads.
PAGE_BUDGET = 3_000_000


def page_weight(page):
    """Bytes of a built page's HTML plus the files it loads from outside ``_static/``."""
    html = page.read_text()
    total = page.stat().st_size
    for src in set(re.findall(r'<img[^>]+src="([^"]+)"', html)):
        if src.startswith(("data:", "http:", "https:", "//")) or "_static/" in src:
            continue  # inline (already counted), external (the test above forbids it), shared
        total += (page.parent / src.split("#")[0].split("?")[0]).resolve().stat().st_size
    return total


@pytest.mark.build
@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_chapter_page_stays_under_its_weight_budget(built, path):
    page = built / path.relative_to(ROOT).with_suffix(".html")
    weight = page_weight(page)
    assert weight < PAGE_BUDGET, (
        f"{path.name}: the page weighs {weight / 1e6:.2f} MB beyond the shared assets, more "
        f"than {PAGE_BUDGET / 1e6:.0f} MB; offer fewer states in its widgets' Static specs"
    )


@pytest.mark.build
@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_ids)
def test_widgets_are_static_components_never_ipywidgets(built, path):
    html = (built / path.relative_to(ROOT).with_suffix(".html")).read_text()
    assert "application/vnd.jupyter.widget" not in html, f"{path.name}: an ipywidget was embedded"
    assert "embed-amd" not in html and "require.js" not in html
    components = re.findall(r'<div class="nnw" id="nnw-\w+" data-nnw-states="\d+"([^>]*)>', html)
    if components:
        assert "nnwidgets.js" in html and "nnwidgets.css" in html
        assert all("data-nnw-source=" in attributes for attributes in components), (
            f"{path.name}: a widget without a source (make it with an @widget_factory function "
            "called with JSON-able arguments) cannot be checked by the browser test"
        )
        assert 'href="#nnw-live"' not in html, "the build did not point the live links anywhere"
