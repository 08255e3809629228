"""Accessibility of the built book, measured: axe-core on every page in light and dark mode, and
meaningful alt text on every image.

axe-core comes from the npm registry (``package.json``, installed by ``make assets``) and is
injected by the test only; the book never serves it. Like ``test_browser.py`` this needs a built
book and Chromium, and is skipped without them.
"""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_browser import (
    HTML,
    ROOT,
    browser,
    open_page,
    server,
    toc_pages,
    wait_for_mathjax,
    wait_for_quiet_network,
)

__all__ = ["browser", "server"]  # fixtures shared with test_browser.py

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The impacts that fail the test. axe's "minor" and "moderate" findings are reported, not fatal.
FATAL = {"serious", "critical"}
# Rules we exempt, with the reason. Keep this empty unless a finding is a false positive or
# comes from third-party markup we cannot change; say which.
EXEMPT = {}

# index.html only redirects to the first page; the search page is checked without a query.
PAGES = [page for page in toc_pages() if page != "index.html" and not page.startswith("search")]


def run_axe(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': '
                                                + n.failureSummary.replace(/\\s+/g, ' ')),
                count: v.nodes.length,
            }));
        }"""
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_violations(server, browser, path, theme):
    if not AXE.exists():
        pytest.skip("axe-core is not installed; run `make assets`")
    context, page, log = open_page(browser, server + path, theme=theme)
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        if page.locator(".math").count():
            wait_for_mathjax(page, log)
        wait_for_quiet_network(page, log)
        violations = run_axe(page)
        fatal = [v for v in violations if v["impact"] in FATAL and v["id"] not in EXEMPT]
        report = "\n".join(
            f"  {v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}\n    "
            + "\n    ".join(v["nodes"])
            for v in fatal
        )
        assert not fatal, f"{path} in {theme} mode: axe found\n{report}"
        assert not log.blocked, f"{path}: requests to other hosts: {log.blocked}"
    finally:
        context.close()


# Alt text that says nothing: empty, a file name, matplotlib's repr, a generic word.
MEANINGLESS_ALT = re.compile(
    r"^\s*$|\.(png|jpe?g|svg|gif)$|^<.*(Figure|Axes).*>$|^(image|figure|plot|graph|chart)\s*\d*$",
    re.IGNORECASE,
)


def images_of(path):
    """The images of a page's article: its figures (not the theme's icons, such as the logos on
    the launch buttons, which the button's text names)."""
    soup = BeautifulSoup((HTML / path).read_text(), "html.parser")
    article = soup.find("article") or soup
    return article.find_all("img")


@pytest.mark.parametrize("path", PAGES)
def test_every_image_has_meaningful_alt_text(path):
    if not (HTML / path).exists():
        pytest.skip("no built book in _build/html; run `make book` first")
    bad = []
    for img in images_of(path):
        alt = img.get("alt")
        if alt is None or MEANINGLESS_ALT.search(alt) or len(alt.split()) < 5:
            bad.append(f"{img.get('src')}: alt={alt!r}")
    assert not bad, f"{path}: images without a meaningful description:\n  " + "\n  ".join(bad)


def test_the_alt_text_check_rejects_what_it_should():
    for alt in ["", "  ", "3f2a9c.png", "<Figure size 640x480 with 1 Axes>", "Figure 2", "plot"]:
        assert MEANINGLESS_ALT.search(alt), alt
    good = "Line plot of the sigmoid rising from 0 to 1 through 0.5 at z = 0."
    assert not MEANINGLESS_ALT.search(good)


def test_pages_list_covers_every_chapter():
    chapters = {p.stem for p in (ROOT / "chapters").glob("*.ipynb")}
    listed = {Path(p).stem for p in PAGES}
    assert chapters <= listed
