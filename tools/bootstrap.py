"""Write the bootstrap cell (``tools.book.bootstrap_source``) as the first code cell of every
chapter, or replace it where it is out of date, e.g. after the repository URL changed in
``_config.yml``. Usage: ``python -m tools.bootstrap`` (``--check`` only reports).
"""

import sys

import nbformat

from tools.book import BOOTSTRAP_TAGS, bootstrap_source, chapters, is_bootstrap


def update(path, check=False):
    """Bring ``path``'s bootstrap cell up to date; return True if it changed (or would)."""
    nb = nbformat.read(path, as_version=4)
    source = bootstrap_source()
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    if code and is_bootstrap(nb.cells[code[0]]):
        cell = nb.cells[code[0]]
        if cell.source == source and cell.metadata.get("tags") == BOOTSTRAP_TAGS:
            return False
        cell.source, cell.metadata["tags"] = source, list(BOOTSTRAP_TAGS)
    else:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(BOOTSTRAP_TAGS)})
        cell.id = "nnlib-bootstrap"
        nb.cells.insert(code[0] if code else len(nb.cells), cell)
    if not check:
        nbformat.validate(nb)
        nbformat.write(nb, path)
    return True


def main(argv):
    check = "--check" in argv
    changed = [path.name for path in chapters() if update(path, check=check)]
    verb = "out of date" if check else "updated"
    print(f"bootstrap cell {verb} in: {', '.join(changed) or 'none'}")
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
