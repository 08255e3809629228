"""One PDF of the whole book: a single-page HTML build, printed by headless Chromium.

``python -m tools.make_pdf`` (``make pdf``) writes ``_build/pdf/book.pdf``:

1. The executed chapters: ``_build/jupyter_execute/`` from the last ``make book`` when it is
   newer than the chapter, else the chapter is executed here (nbclient, in ``chapters/``).
2. Widgets become their static figure: each widget output keeps the PNG and the text readout
   that ``nnlib.widgets.Explorer`` puts beside the live widget, and drops the widget itself.
3. ``jupyter-book build --builder singlehtml`` of a staged copy of the book with execution off
   (the notebooks already have their outputs), warnings as errors.
4. Playwright drives Debian's Chromium (``$CHROMIUM``, default ``/usr/bin/chromium``; never a
   downloaded browser): it serves the page from 127.0.0.1, blocks every other host, waits for
   MathJax to typeset every formula and prints to A4 with the print styles of
   ``_ext/static/book-extras.css``.
"""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import yaml

from tools.book import ROOT, chapters, toc_files

BUILD = ROOT / "_build"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HOST = "127.0.0.1"


def executed(path):
    """The chapter notebook ``path`` with its outputs (from the last build, or run now)."""
    built = BUILD / "jupyter_execute" / path.relative_to(ROOT)
    if built.exists() and built.stat().st_mtime >= path.stat().st_mtime:
        return nbformat.read(built, as_version=4)
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources=resources).execute()
    return nb


def static_widgets(nb):
    """Replace every widget output by its static figure and readout; return how many."""
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                count += 1
    nb.metadata.pop("widgets", None)
    return count


def stage(target=BUILD / "pdf-src"):
    """A copy of the book with executed, widget-free chapters and execution switched off."""
    target = Path(target)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    config["only_build_toc_files"] = True
    config["sphinx"].setdefault("local_extensions", {})["singlehtml_fix"] = str(ROOT / "tools")
    (target / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy2(ROOT / "_toc.yml", target / "_toc.yml")
    shutil.copytree(ROOT / "_ext", target / "_ext")
    os.symlink(ROOT / "_vendor", target / "_vendor")
    widgets = 0
    for entry in toc_files():
        for suffix in (".md", ".ipynb"):
            source = ROOT / f"{entry}{suffix}"
            if not source.exists():
                continue
            (target / entry).parent.mkdir(parents=True, exist_ok=True)
            if suffix == ".ipynb":
                nb = executed(source) if source in chapters() else nbformat.read(source, 4)
                widgets += static_widgets(nb)
                nbformat.write(nb, target / f"{entry}{suffix}")
            else:
                shutil.copy2(source, target / f"{entry}{suffix}")
    return target, widgets


def build_singlehtml(source):
    """``jupyter-book build --builder singlehtml`` of ``source``; return the page's path."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    subprocess.run(
        [str(jupyter_book), "build", str(source), "--builder", "singlehtml", "-W", "-n", "--quiet"],
        check=True,
    )
    return source / "_build" / "singlehtml" / "index.html"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def print_pdf(page, out):
    """Print the HTML ``page`` (served from its folder on 127.0.0.1) to the PDF ``out``."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(page.parent))
    httpd = http.server.ThreadingHTTPServer((HOST, 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    blocked = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context()

            def route(route):
                if urlsplit(route.request.url).hostname not in (HOST, None):
                    blocked.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()

            context.route("**/*", route)
            tab = context.new_page()
            tab.goto(f"http://{HOST}:{httpd.server_address[1]}/{page.name}", wait_until="load")
            tab.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=60_000,
            )
            untypeset = tab.evaluate(
                "async () => { await MathJax.startup.promise; return [...document"
                ".querySelectorAll('.math')].filter((el) => !el.querySelector('mjx-container'))"
                ".length; }"
            )
            if untypeset:
                raise RuntimeError(f"{untypeset} formulas were not typeset")
            tab.evaluate("() => Promise.all([...document.images].map((img) => img.decode()))")
            tab.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            tab.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
            )
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    if blocked:
        raise RuntimeError(f"the page asked for other hosts: {blocked[:5]}")
    return out


def main(argv):
    out = Path(argv[0]) if argv else BUILD / "pdf" / "book.pdf"
    source, widgets = stage()
    page = build_singlehtml(source)
    print_pdf(page, out)
    print(f"Wrote {out} ({widgets} widgets printed as their static figure)")


if __name__ == "__main__":
    main(sys.argv[1:])
