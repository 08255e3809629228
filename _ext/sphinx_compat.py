"""Work around a Sphinx 7.4 bug that writes some inline <script> blocks twice on every page.

``Sphinx.add_js_file(None, body=...)`` registers the script under the name ``None``, but when
the HTML builder re-reads its registry it uses ``''``, so the two entries do not compare equal
and the script is emitted twice. sphinx-thebe's inline ``const THEBE_JS_URL = ...`` then fails
with "Identifier 'THEBE_JS_URL' has already been declared". Sphinx fixed this upstream
(sphinx-doc/sphinx#13402) by passing ``''`` from the start, which is what this does until the
pinned Sphinx includes the fix. Remove this extension (and its entry in _config.yml) then.
"""

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict:
    add_js_file = app.add_js_file

    def add_js_file_named(filename, *args, **kwargs):
        return add_js_file(filename or "", *args, **kwargs)

    app.add_js_file = add_js_file_named
    return {"parallel_read_safe": True, "parallel_write_safe": True}
