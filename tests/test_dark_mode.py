"""Figures and widgets stay readable in the theme's dark mode (``html[data-theme=dark]``).

Each chapter page is opened in Chromium with a dark colour-scheme preference, which the theme
follows. Every figure in a cell output must sit on a light card (``_ext/static/book-extras.css``:
matplotlib draws for a white page), and every piece of text in a cell output (widget labels,
readouts, printed output) must have a WCAG contrast of at least 4.5 against what is behind it.
Screenshots go to ``_build/screenshots/dark-*.png``.
"""

from urllib.parse import urlsplit

import pytest
from test_browser import HOST, browser, server

from tools.book import ROOT, chapters

__all__ = ["browser", "server"]  # fixtures shared with test_browser.py
SCREENSHOTS = ROOT / "_build" / "screenshots"

pytestmark = pytest.mark.browser

# For every text element in a cell output: its colour composited over the first opaque
# background behind it, and the contrast ratio. For every figure: its background colour.
MEASURE = """() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g) || []; return m.map(Number); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const [r, g, b, a = 1] = parse(getComputedStyle(e).backgroundColor);
      if (a > 0.5) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p);
                            return (a + 0.05) / (b + 0.05); };
  const texts = [];
  for (const el of document.querySelectorAll('.cell_output *')) {
    if (el.closest('.traceback, mjx-container, svg')) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const bg = background(el);
    const [r, g, b, a = 1] = parse(getComputedStyle(el).color);
    const fg = [r, g, b].map((v, i) => a * v + (1 - a) * bg[i]);
    texts.push({text: el.textContent.trim().slice(0, 40), ratio: ratio(fg, bg)});
  }
  const figures = [...document.querySelectorAll('.cell_output img')]
    .filter((img) => img.getClientRects().length)
    .map((img) => ({src: img.src.slice(-40), bg: getComputedStyle(img).backgroundColor,
                    padding: parseFloat(getComputedStyle(img).paddingTop),
                    widget: !!img.closest('.nnw')}));
  return {theme: document.documentElement.dataset.theme, texts, figures};
}"""


@pytest.mark.parametrize("path", chapters(), ids=[p.stem for p in chapters()])
def test_figures_and_widgets_are_readable_in_dark_mode(server, browser, path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    context.route(
        "**/*",
        lambda route: (
            route.abort()
            if urlsplit(route.request.url).hostname not in (HOST, None)
            else route.continue_()
        ),
    )
    page = context.new_page()
    try:
        page.goto(server + path.relative_to(ROOT).with_suffix(".html").as_posix(), timeout=60_000)
        page.wait_for_function(
            "() => [...document.images].every((img) => img.complete)", timeout=60_000
        )
        result = page.evaluate(MEASURE)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"dark-{path.stem}.png", full_page=True)
    finally:
        context.close()
    assert result["theme"] == "dark", "the page did not switch to the dark theme"
    assert len(result["figures"]) >= 3, f"{path.name}: too few figures found"
    unlit = [f["src"] for f in result["figures"] if f["bg"] != "rgb(255, 255, 255)"]
    assert not unlit, f"{path.name}: figures without a white card in dark mode: {unlit[:3]}"
    # A figure has a margin of white around it; a widget's image sits on the widget's card.
    assert all(f["padding"] > 0 or f["widget"] for f in result["figures"])
    assert result["texts"], f"{path.name}: no text in any cell output"
    low = [t for t in result["texts"] if t["ratio"] < 4.5]
    assert not low, f"{path.name}: text with contrast below 4.5 in dark mode: {low[:5]}"
