"""Open every built page in headless Chromium, served from 127.0.0.1, with no other network.

Checks that nothing is requested from another host, that no script error escapes, that math is
typeset by the vendored MathJax and that widgets are rendered by the vendored widget manager.
A screenshot of each page is saved to ``_build/screenshots/`` for people to look at.

Needs a built book (``make book``) and Chromium at ``$CHROMIUM`` (default ``/usr/bin/chromium``);
without them the tests are skipped. ``make test`` provides both.
"""

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
HOST = "127.0.0.1"

pytestmark = pytest.mark.browser

# Rendered text that still looks like TeX: \( \) \[ \] $$ \begin{...}, or $...$ around TeX.
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\begin\{|\$[^$\s][^$]*[\\^_][^$]*\$")


def toc_pages():
    """The HTML pages of the book, from _toc.yml, plus the index and the search page."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = ["index.html", f"{toc['root']}.html"]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(f"{node['file']}.html")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return [*pages, "search.html?q=neuron"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        pytest.skip("no built book in _build/html; run `make book` first")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{HOST}:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; run `sudo apt-get install -y chromium`")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class PageLog:
    """What one page did: requests, blocked requests, failures and uncaught errors."""

    def __init__(self):
        self.requests, self.blocked, self.failed, self.errors = [], [], [], []


def open_page(browser, url, theme=None):
    """Load ``url`` in a fresh context that lets only 127.0.0.1 through.

    ``theme`` ("light" or "dark") is stored where the book's theme reads it before the page loads.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if theme:
        context.add_init_script(f"localStorage.setItem('mode', '{theme}')")
    log = PageLog()

    def route(route):
        target = route.request.url
        if urlsplit(target).scheme in ("http", "https", "ws", "wss") and (
            urlsplit(target).hostname != HOST
        ):
            log.blocked.append(target)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("request", lambda request: log.requests.append(request.url))
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    page.on("websocket", lambda ws: log.blocked.append(ws.url))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and log.failed.append(f"{response.status} {response.url}")
        ),
    )
    page.goto(url, wait_until="load")
    return context, page, log


def wait_until(page, log, what, expression):
    """Wait until the JavaScript ``expression`` is true; fail saying ``what`` did not happen."""
    try:
        page.wait_for_function(expression)
    except PlaywrightTimeoutError:
        pytest.fail(
            f"{page.url}: {what} did not happen within {TIMEOUT_MS / 1000:.0f} s\n"
            f"  requests to other hosts: {log.blocked}\n  failed requests: {log.failed}\n"
            f"  uncaught errors: {log.errors}"
        )


def wait_for_mathjax(page, log):
    """Wait until MathJax has typeset the page; return the number of typeset formulas."""
    wait_until(
        page,
        log,
        "MathJax loading",
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
    )
    return page.evaluate(
        "async () => { await MathJax.startup.promise;"
        " return document.querySelectorAll('mjx-container').length; }"
    )


def visible_text(page):
    """The page's text without code, scripts and typeset math."""
    return page.evaluate(
        """() => {
            const main = (document.querySelector('main') || document.body).cloneNode(true);
            main.querySelectorAll('pre, code, script, style, mjx-container, .MathJax')
                .forEach((el) => el.remove());
            return main.innerText;
        }"""
    )


def widget_state(html):
    """The embedded widget state of a built page (model id -> model), or {}."""
    match = re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))["state"] if match else {}


@pytest.mark.parametrize("path", toc_pages())
def test_page(server, browser, path):
    html_file = HTML / path.split("?")[0]
    assert html_file.exists(), f"{path} was not built"
    html = html_file.read_text()
    context, page, log = open_page(browser, server + path)
    try:
        if 'class="math notranslate' in html:
            assert wait_for_mathjax(page, log) > 0, f"{path}: MathJax typeset nothing"
            untypeset = page.evaluate(
                "() => [...document.querySelectorAll('.math')]"
                ".filter((el) => !el.querySelector('mjx-container')).length"
            )
            assert untypeset == 0, f"{path}: {untypeset} formulas were not typeset"
            raw = RAW_TEX.findall(visible_text(page))
            assert not raw, f"{path}: raw TeX left on the page: {raw[:5]}"

        state = widget_state(html)
        if state:
            # The widget manager renders each view next to the script tag that describes it.
            wait_until(
                page,
                log,
                "rendering every widget",
                """() => [...document.querySelectorAll(
                    'script[type="application/vnd.jupyter.widget-view+json"]')]
                    .every((script) => script.parentElement.querySelector('.jupyter-widgets'))""",
            )
            assert page.locator(".jupyter-widgets:visible").count(), f"{path}: no widget visible"
            view_names = {model["state"].get("_view_name") for model in state.values()}
            if any(name and "Slider" in name for name in view_names):
                assert page.locator(".widget-slider:visible").count(), f"{path}: no slider visible"
            if "ImageView" in view_names:
                wait_until(
                    page,
                    log,
                    "loading every widget image",
                    "() => [...document.querySelectorAll('.jupyter-widgets img')]"
                    ".every((img) => img.complete && img.naturalWidth > 0)",
                )
        page.wait_for_load_state("networkidle")

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.replace(".html", "")) + ".png"
        page.screenshot(path=SCREENSHOTS / name, full_page=True)

        assert log.requests, f"{path}: the page made no requests at all"
        assert not log.blocked, f"{path}: requests to other hosts: {log.blocked}"
        assert not log.failed, f"{path}: failed requests: {log.failed}"
        assert not log.errors, f"{path}: uncaught errors in the page: {log.errors}"
    finally:
        context.close()
