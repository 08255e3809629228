"""Sphinx extension for the PDF's single-page build only (tools/make_pdf.py adds it).

sphinx-jupyterbook-latex registers its ``HiddenCellNode`` for the ``html`` builder by name, so
``singlehtml`` does not know it and warns "unknown node type"; this registers the same
(skipping) visitor for ``singlehtml``.
"""


def setup(app):
    from sphinx_jupyterbook_latex.nodes import HiddenCellNode, visit_HiddenCellNode

    app.add_node(HiddenCellNode, override=True, singlehtml=(visit_HiddenCellNode, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
