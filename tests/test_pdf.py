"""The PDF of the whole book (``make pdf`` → ``_build/pdf/book.pdf``, tools/make_pdf.py).

Skipped until the PDF exists; ``make test`` builds it after the book.
"""

import re
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tools.book import ROOT, chapter_title, chapters, toc_files

PDF = ROOT / "_build" / "pdf" / "book.pdf"
HTML = ROOT / "_build" / "html"

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def pdf():
    if not PDF.exists():
        pytest.skip("no _build/pdf/book.pdf; run `make pdf`")
    from pypdf import PdfReader

    reader = PdfReader(PDF)
    return reader, [page.extract_text() for page in reader.pages]


def md_title(path):
    return re.search(r"^#\s+(.+)$", Path(path).read_text(), re.M).group(1).strip()


def sections():
    """The ``##`` sections of every page of the book, from the built HTML."""
    count = 0
    for entry in toc_files():
        page = HTML / f"{entry}.html"
        if page.exists():
            count += len(BeautifulSoup(page.read_text(), "html.parser").select("main h2"))
    return count


def test_pdf_has_a_page_per_section(pdf):
    reader, _ = pdf
    expected = sections()
    assert expected > 50, "the HTML book is needed to count the sections; run `make book`"
    assert len(reader.pages) >= expected, f"{len(reader.pages)} pages for {expected} sections"


def test_pdf_contains_every_chapter_and_page_title(pdf):
    _, texts = pdf
    # NFKC: the PDF's text has the typeset ligatures ("Overﬁtting" with U+FB01).
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", " ".join(texts)))
    titles = [chapter_title(path) for path in chapters()]
    titles += [md_title(ROOT / f"{e}.md") for e in toc_files() if (ROOT / f"{e}.md").exists()]
    missing = [title for title in titles if title not in text]
    assert not missing, f"titles missing from the PDF: {missing}"


def test_pdf_has_figures_and_typeset_maths(pdf):
    reader, texts = pdf
    figures = sum(len(page.images) for page in reader.pages)
    built = sum(
        len(BeautifulSoup(p.read_text(), "html.parser").select(".cell_output img"))
        for p in (HTML / "chapters").glob("*.html")
    )
    assert built > 20 and figures >= built, f"{figures} images in the PDF, {built} figures"
    text = " ".join(texts)
    # Untypeset maths would leave its delimiters (code cells have none of these).
    for raw in (r"\(", r"\)", r"\[", r"\]", "$$"):
        assert raw not in text, f"untypeset TeX {raw!r} in the PDF"
    assert "Solution to" in text, "the solutions should be printed open"
