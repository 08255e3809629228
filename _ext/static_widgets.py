"""Widgets that respond in the built book, with no kernel and no network (nnlib.widgets.static).

``setup()`` sets ``NNLIB_STATIC_WIDGETS=1`` in the build's environment. The kernels that
myst-nb starts to execute the notebooks inherit it, so every ``nnlib.widgets.Explorer`` they
display becomes a self-contained HTML component (its states precomputed by its own pure compute
function) instead of an ipywidgets view; nbval, JupyterLab and Binder never see the variable and
keep the live widgets. On each page that has such a component, this extension adds
``nnwidgets.js`` and ``nnwidgets.css`` (from ``_ext/static/``) and points its "Run this widget
live" link at ``nnlib_live_url``.

A page that still contains an ipywidgets view (a widget made without ``Explorer``) would show
sliders that do nothing, and a widget that cannot be made static (e.g. too many states) shows
an error instead of itself: in both cases the build warns, so ``-W`` fails it.

Configuration (``sphinx: config:`` in ``_config.yml``)
    ``nnlib_live_url``: where "Run this widget live" goes, a template with ``{path}`` (the
    notebook's path in the repository, e.g. ``chapters/01_neurons.ipynb``) and ``{root}`` (the
    book's root relative to the page, e.g. ``../``), such as a Binder, Colab or JupyterLite URL;
    a second link downloads the notebook. Empty (the default): only the download link.
"""

import html
import os
import re

from sphinx.application import Sphinx
from sphinx.util import logging

ENV = "NNLIB_STATIC_WIDGETS"
# The sentence nnlib.widgets.static.to_html ends each widget's note with.
LIVE_SENTENCE = '<a class="nnw-live-link" href="#nnw-live">Run this widget live</a> for the rest.'
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

logger = logging.getLogger(__name__)


def _live_sentence(app, pagename):
    """The links to the live notebook (the configured URL) and to the notebook's source, which
    works even from a local folder."""
    source = str(app.env.doc2path(pagename, False))
    root = "../" * pagename.count("/")
    # The book's own copy of the notebook (Sphinx's html_copy_source), relative to the page.
    download = f'class="nnw-live-link" href="{root}_sources/{source}" download'
    template = app.config.nnlib_live_url
    if not template:
        return f"<a {download}>Download the notebook</a> and run it in Jupyter for the rest."
    url = template.format(path=source, root=root)
    return (
        f'<a class="nnw-live-link" href="{url}">Run this widget live</a> for the rest, or '
        f"<a {download}>download the notebook</a> and run it in Jupyter."
    )


def add_static_widgets(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    if WIDGET_VIEW in body:
        logger.warning(
            f"{pagename}: an ipywidgets view would be a dead widget in the static book; "
            "build it with nnlib.widgets.Explorer (see nnlib/widgets/static.py)",
            location=pagename,
        )
    for message in re.findall(r'<div class="nnw-error" role="alert"><p>(.*?)</p>', body, re.S):
        logger.warning(f"{pagename}: {html.unescape(message)}", location=pagename)
    if 'class="nnw"' not in body:
        return
    app.add_js_file("nnwidgets.js", loading_method="defer")
    app.add_css_file("nnwidgets.css")
    context["body"] = body.replace(LIVE_SENTENCE, _live_sentence(app, pagename))


def setup(app: Sphinx) -> dict:
    os.environ[ENV] = "1"
    app.add_config_value("nnlib_live_url", "", "html")
    app.connect("html-page-context", add_static_widgets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
