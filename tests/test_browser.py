"""Open every built page in headless Chromium, served from 127.0.0.1, with no other network.

``test_page`` checks that nothing is requested from another host, that no script error escapes,
that math is typeset by the vendored MathJax and that every static widget starts. A screenshot
of each page is saved to ``_build/screenshots/`` for people to look at.

``test_widget`` takes every static widget of every page (found in the built HTML, so new
chapters' widgets are covered without listing them) and, for each of its controls, moves it
with the keyboard and checks that the figure's pixels and the readout change, that the readout
is what the widget's pure compute function gives for that setting (rebuilt here in Python from
the ``source`` the component carries) with the loss to the displayed precision, and that the
accessible texts follow.

Needs a built book (``make book``) and Chromium at ``$CHROMIUM`` (default ``/usr/bin/chromium``);
without them the tests are skipped. ``make test`` provides both.
"""

import base64
import functools
import http.server
import importlib
import io
import json
import os
import re
import threading
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import yaml
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from nnlib.widgets.static import STATIC_ENV

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
SKIP = pytest.mark.skip(reason="no built book in _build/html; run `make book` first")

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
    """What one page did: requests, blocked requests, failures and uncaught errors, and when
    the network was last busy."""

    def __init__(self):
        self.requests, self.blocked, self.failed, self.errors = [], [], [], []
        self.in_flight, self.last_activity = set(), time.monotonic()

    def started(self, request):
        self.requests.append(request.url)
        self.in_flight.add(id(request))
        self.last_activity = time.monotonic()

    def ended(self, request):
        self.in_flight.discard(id(request))
        self.last_activity = time.monotonic()


def wait_for_quiet_network(page, log, quiet=0.5):
    """Wait until no request is in flight and none started or ended for ``quiet`` seconds.

    (Chromium's own "networkidle" lifecycle event is unreliable on a busy machine: it sometimes
    never comes for a page that has long finished loading.)"""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while log.in_flight or time.monotonic() - log.last_activity < quiet:
        if time.monotonic() > deadline:
            pytest.fail(f"{page.url}: the network did not go quiet; in flight: {log.in_flight}")
        page.wait_for_timeout(100)


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
    page.on("request", log.started)
    page.on("requestfinished", log.ended)
    page.on("requestfailed", log.ended)
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
            errors = page.evaluate(
                "() => [...document.querySelectorAll('mjx-merror')]"
                ".map((el) => el.getAttribute('data-mjx-error') || el.textContent)"
            )
            assert not errors, f"{path}: TeX that MathJax cannot typeset: {errors[:5]}"

        assert "application/vnd.jupyter.widget" not in html, (
            f"{path}: an ipywidgets view or state was embedded (a dead widget)"
        )
        if 'class="nnw"' in html:
            wait_until(
                page,
                log,
                "starting every static widget",
                "() => [...document.querySelectorAll('div.nnw')].every("
                "(el) => el.dataset.nnwState !== undefined || el.classList.contains('nnw-failed'))",
            )
            failed = page.locator("div.nnw.nnw-failed").count()
            assert not failed, f"{path}: {failed} static widget(s) failed to start: {log.errors}"
            assert page.locator("canvas.nnw-canvas:visible").count(), f"{path}: no widget visible"
        wait_for_quiet_network(page, log)

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.replace(".html", "")) + ".png"
        page.screenshot(path=SCREENSHOTS / name, full_page=True)

        assert log.requests, f"{path}: the page made no requests at all"
        assert not log.blocked, f"{path}: requests to other hosts: {log.blocked}"
        assert not log.failed, f"{path}: failed requests: {log.failed}"
        assert not log.errors, f"{path}: uncaught errors in the page: {log.errors}"
    finally:
        context.close()


# --- every static widget, every control -------------------------------------------------------

NNW_DIV = re.compile(r'<div class="nnw" id="(nnw-\w+)"')
NUMBER = re.compile(r"-?\d+(?:\.(\d+))?(?:e([-+]?\d+))?")


def static_widgets():
    """``(page, component id)`` of every static widget in the built book."""
    found = []
    for page in toc_pages():
        file = HTML / page.split("?")[0]
        if file.exists():
            found += [(page, uid) for uid in NNW_DIV.findall(file.read_text())]
    return found


def widget_data(html, uid):
    """The decoded data of component ``uid`` (what nnwidgets.js decodes)."""
    start = html.index(f'id="{uid}"')
    blob = re.search(r'class="nnw-data">([^<]+)</script>', html[start:]).group(1)
    return json.loads(zlib.decompress(base64.b64decode(blob)))


def state_index(data, positions):
    index = 0
    for control, position in zip(data["controls"], positions, strict=True):
        index = index * len(control["values"]) + position
    return index


def preset_position(data, positions):
    names = [c["name"] for c in data["controls"]]
    return positions[names.index("configuration")] if "configuration" in names else None


def value_at(data, positions, k):
    """The value of control ``k`` at ``positions`` (under the chosen preset, if it has one)."""
    control = data["controls"][k]
    if "by_preset" in control:
        return control["by_preset"]["values"][preset_position(data, positions)][positions[k]]
    return control["values"][positions[k]]


def text_at(data, positions, k):
    """The text control ``k`` shows at ``positions``."""
    control = data["controls"][k]
    if "by_preset" in control:
        return control["by_preset"]["text"][preset_position(data, positions)][positions[k]]
    return control["text"][positions[k]]


def setting(data, positions):
    """The arguments of the widget's compute for ``positions`` (as static.plan made them)."""
    values = dict(data["fixed"])
    for k, control in enumerate(data["controls"]):
        value = value_at(data, positions, k)
        if control["name"] == "configuration" and data["presets"]:
            values.update(data["presets"][value])
        else:
            values[control["name"]] = value
    return values


def moved(data, positions, k, position):
    """``positions`` after the reader puts control ``k`` at ``position`` (with its jumps)."""
    positions = list(positions)
    positions[k] = position
    for other, target in (data["controls"][k].get("jumps") or [[]] * (position + 1))[position]:
        positions[other] = target
    return positions


def find_move(data, k):
    """A setting and a one-step move of control ``k`` from it (keyboard: one arrow key) that
    changes both the readout and the picture; near the start if possible."""
    start = [c["start"] for c in data["controls"]]
    bases = [start] + [
        moved(data, start, j, position)
        for j, control in enumerate(data["controls"])
        if j != k
        for position in range(len(control["values"]))
        if position != start[j]
    ]
    states = data["states"]
    for base in bases:
        for step in (1, -1):
            position = base[k] + step
            if not 0 <= position < len(data["controls"][k]["values"]):
                continue
            after = moved(data, base, k, position)
            a, b = states[state_index(data, base)], states[state_index(data, after)]
            if a[1] != b[1] and (a[0] != b[0] or a[2] != b[2]):
                return base, after, step
    return None


def rebuild(source):
    """The widget, made again from the factory and arguments its component names."""
    module, name = source["factory"].split(":")
    return getattr(importlib.import_module(module), name)(**source["kwargs"])


def shows_loss(text, loss):
    """True if ``text`` shows ``loss`` to the precision it is written with."""
    for match in NUMBER.finditer(text.replace("−", "-")):
        decimals = len(match.group(1) or "")
        exponent = int(match.group(2) or 0)
        if abs(float(match.group(0)) - loss) <= 0.5 * 10.0 ** (exponent - decimals) * (1 + 1e-9):
            return True
    return False


def canvas_pixels(page, uid):
    url = page.evaluate(f"() => document.querySelector('#{uid} canvas.nnw-canvas').toDataURL()")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def set_control(page, uid, data, k, position):
    control = data["controls"][k]
    element = page.locator(f'#{uid} [data-nnw-control="{control["name"]}"]')
    if control["kind"] == "range":
        element.fill(str(position))
    else:
        element.select_option(str(position))


def wait_for_state(page, log, uid, index):
    wait_until(
        page,
        log,
        f"showing state {index} of {uid}",
        f"() => document.getElementById('{uid}').dataset.nnwState === '{index}'",
    )


@pytest.fixture(scope="module")
def rebuilt():
    """Widgets rebuilt from their sources, once each (in static mode: no ipywidgets)."""
    before = os.environ.get(STATIC_ENV)
    os.environ[STATIC_ENV] = "1"
    cache = {}
    yield lambda source: cache.setdefault(json.dumps(source), rebuild(source))
    if before is None:
        os.environ.pop(STATIC_ENV, None)
    else:
        os.environ[STATIC_ENV] = before


@pytest.mark.parametrize(("path", "uid"), static_widgets() or [pytest.param("", "", marks=SKIP)])
def test_widget(server, browser, rebuilt, path, uid):
    html = (HTML / path).read_text()
    data = widget_data(html, uid)
    assert data["source"], f"{path} {uid}: the widget has no source to rebuild it from"
    widget = rebuilt(data["source"])
    context, page, log = open_page(browser, server + path)
    try:
        root = page.locator(f"#{uid}")
        start = [c["start"] for c in data["controls"]]
        wait_for_state(page, log, uid, state_index(data, start))
        # The canvas looks like matplotlib's own picture of the starting state (the fallback
        # PNG): only antialiasing at edges and glyph hinting differ.
        fallback = root.locator("img.nnw-fallback").get_attribute("src").split(",", 1)[1]
        agg = np.asarray(Image.open(io.BytesIO(base64.b64decode(fallback))).convert("RGB"))
        drawn = canvas_pixels(page, uid)[..., :3]
        assert drawn.shape == agg.shape
        difference = np.abs(drawn.astype(int) - agg.astype(int))
        assert difference.mean() < 3.0, f"{path} {uid}: the canvas strays from matplotlib's PNG"
        assert np.mean(difference.max(axis=-1) > 64) < 0.02
        for k, control in enumerate(data["controls"]):
            name = control["name"]
            move = find_move(data, k)
            assert move, f"{path} {uid}: moving {name!r} never changes the figure and readout"
            base, after, step = move
            for j, position in enumerate(base):  # the setting to move from, via the controls
                set_control(page, uid, data, j, position)
            wait_for_state(page, log, uid, state_index(data, base))
            before_pixels, before_text = canvas_pixels(page, uid), root.locator(".nnw-readout")
            before_text = before_text.inner_text()
            # The move itself, from the keyboard.
            element = root.locator(f'[data-nnw-control="{name}"]')
            element.focus()
            key = {(True, 1): "ArrowRight", (True, -1): "ArrowLeft"}
            key.update({(False, 1): "ArrowDown", (False, -1): "ArrowUp"})
            page.keyboard.press(key[control["kind"] == "range", step])
            wait_for_state(page, log, uid, state_index(data, after))
            pixels, text = canvas_pixels(page, uid), root.locator(".nnw-readout").inner_text()
            where = f"{path} {uid}: moving {name!r} to {text_at(data, after, k)!r}"
            changed = np.any(pixels != before_pixels, axis=-1).sum()
            assert changed > 20, f"{where} changed {changed} pixels of the figure"
            assert text != before_text, f"{where} left the readout as it was"
            # The readout is what nnlib's pure function gives for this setting.
            values = setting(data, after)
            page_values = root.evaluate("el => el.nnw.values()")
            assert page_values.keys() == values.keys() and all(
                page_values[key] == values[key]
                or np.isclose(float(page_values[key]), float(values[key]))
                for key in values
            ), f"{where}: the page computes with {page_values}, not {values}"
            state = widget.compute(**values)
            assert text == widget.describe(values, state), f"{where}: readout differs from Python"
            loss = np.ravel(np.asarray(state.get("loss", np.nan), dtype=float))
            if loss.size and np.isfinite(loss[-1]):
                assert shows_loss(text, float(loss[-1])), f"{where}: no loss {loss[-1]} in {text!r}"
            # The accessible texts follow.
            canvas = root.locator("canvas.nnw-canvas")
            assert canvas.get_attribute("aria-label") == text
            # Every slider shows its value (one that depends on the preset follows it).
            for j, other in enumerate(data["controls"]):
                if other["kind"] == "range":
                    slider = root.locator(f'[data-nnw-control="{other["name"]}"]')
                    assert slider.get_attribute("aria-valuetext") == text_at(data, after, j)
                    assert root.locator(
                        f'output[data-nnw-for="{other["name"]}"]'
                    ).inner_text() == text_at(data, after, j)
        wait_for_quiet_network(page, log)
        assert not log.blocked, f"{path}: requests to other hosts: {log.blocked}"
        assert not log.errors, f"{path}: uncaught errors in the page: {log.errors}"
    finally:
        context.close()


def test_widgets_work_from_a_local_folder(browser):
    """Opened as a file (no server at all), the widgets start and respond."""
    pages = [page for page, _ in static_widgets()]
    if not pages:
        pytest.skip("no built book with widgets in _build/html; run `make book` first")
    context, page, log = open_page(browser, (HTML / pages[0]).as_uri())
    try:
        uid = NNW_DIV.findall((HTML / pages[0]).read_text())[0]
        data = widget_data((HTML / pages[0]).read_text(), uid)
        start = [c["start"] for c in data["controls"]]
        wait_for_state(page, log, uid, state_index(data, start))
        base, after, step = find_move(data, len(start) - 1)
        for j, position in enumerate(base):
            set_control(page, uid, data, j, position)
        wait_for_state(page, log, uid, state_index(data, base))
        set_control(page, uid, data, len(start) - 1, after[-1])
        wait_for_state(page, log, uid, state_index(data, after))
        assert not log.errors, f"{pages[0]} as a file: uncaught errors: {log.errors}"
    finally:
        context.close()
