"""_ext/static_widgets.py, the Sphinx extension that makes the book's widgets static."""

import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

from nnlib.widgets import static

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("static_widgets", ROOT / "_ext/static_widgets.py")
ext = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ext)

BODY = (
    '<div class="nnw" id="nnw-1"><p class="nnw-note">Computed. <a class="nnw-live-link" '
    f'href="{static.LIVE_LINK}">Run this widget live</a> for the rest.</p></div>'
)


class FakeApp:
    def __init__(self, live_url=""):
        self.config = SimpleNamespace(nnlib_live_url=live_url)
        self.env = SimpleNamespace(doc2path=lambda name, base: f"{name}.ipynb")
        self.js, self.css, self.values, self.handlers = [], [], {}, {}

    def add_js_file(self, name, **kwargs):
        self.js.append((name, kwargs))

    def add_css_file(self, name, **kwargs):
        self.css.append(name)

    def add_config_value(self, name, default, rebuild):
        self.values[name] = default

    def connect(self, event, handler):
        self.handlers[event] = handler


def test_setup_sets_the_variable_the_build_kernels_inherit(monkeypatch):
    monkeypatch.setenv(static.STATIC_ENV, "0")  # and restores the environment afterwards
    assert not static.static_mode()
    app = FakeApp()
    assert ext.setup(app)["parallel_read_safe"]
    assert os.environ[static.STATIC_ENV] == "1" and static.static_mode()
    assert app.values == {"nnlib_live_url": ""} and "html-page-context" in app.handlers
    assert ext.ENV == static.STATIC_ENV


def test_the_sentence_the_extension_replaces_is_the_one_the_component_writes():
    assert ext.LIVE_SENTENCE in BODY
    html = static.to_html(
        {
            "fallback": "",
            "texts": ["t"],
            "states": [[0, 0, []]],
            "controls": [],
            "size": [1, 1],
            "fixed": {},
            "note": "",
            "source": None,
            "title": "",
        }
    )
    assert ext.LIVE_SENTENCE in html


def test_a_page_with_widgets_gets_the_script_the_style_and_a_live_link():
    app = FakeApp()
    context = {"body": BODY}
    ext.add_static_widgets(app, "chapters/01_neurons", "page.html", context, None)
    assert app.js == [("nnwidgets.js", {"loading_method": "defer"})]
    assert app.css == ["nnwidgets.css"]
    assert static.LIVE_LINK not in context["body"]
    assert (
        'href="../_sources/chapters/01_neurons.ipynb" download>Download the notebook'
        in (context["body"])
    )
    app = FakeApp("https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/{path}")
    context = {"body": BODY}
    ext.add_static_widgets(app, "chapters/01_neurons", "page.html", context, None)
    assert (
        'href="https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/chapters/01_neurons'
        in (context["body"])
    )
    assert 'href="../_sources/chapters/01_neurons.ipynb" download>download' in context["body"]
    app = FakeApp("{root}lite/lab/index.html?path={path}")  # the book's own JupyterLite
    context = {"body": BODY}
    ext.add_static_widgets(app, "chapters/01_neurons", "page.html", context, None)
    assert 'href="../lite/lab/index.html?path=chapters/01_neurons.ipynb">Run' in context["body"]


def test_a_page_without_widgets_is_left_alone():
    app = FakeApp()
    context = {"body": "<p>text</p>"}
    ext.add_static_widgets(app, "intro", "page.html", context, None)
    assert app.js == [] and app.css == [] and context["body"] == "<p>text</p>"


def test_an_ipywidgets_view_in_a_page_is_a_build_warning(caplog):
    body = '<script type="application/vnd.jupyter.widget-view+json">{}</script>'
    with caplog.at_level("WARNING"):
        ext.add_static_widgets(FakeApp(), "chapters/09_x", "page.html", {"body": body}, None)
    assert "dead widget" in caplog.text


def test_a_widget_that_could_not_be_made_static_is_a_build_warning(caplog):
    body = static.static_error_html("fine", static.StaticBudgetError("too <many> states"))
    with caplog.at_level("WARNING"):
        ext.add_static_widgets(FakeApp(), "chapters/09_x", "page.html", {"body": body}, None)
    assert "“fine” could not be made static: StaticBudgetError: too <many> states" in caplog.text
