"""The PDF and HTML paths, on documents generated here: pages, running headers, headings, footnotes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.loaders import load
from ingest.manifest import DocumentInfo
from ingest.paragraphs import Paragraph
from ingest.parse import parse_document

HEADER = "Working Together to Safeguard Children 2026 (test edition)"


def doc_info(file: str, fmt: str, kind: str = "statutory") -> DocumentInfo:
    """What a manifest entry for the generated file would give."""
    return DocumentInfo(
        doc_id="sample",
        title="Sample guidance",
        kind=kind,
        status="current",
        file=file,
        format=fmt,
        publisher="Test publisher",
        source_url="https://example.org/sample",
        licence="Open Government Licence v3.0",
        attribution="Test attribution",
        edition="2026" if kind == "statutory" else None,
        paragraphs="numbered" if kind == "statutory" else "unnumbered",
    )


# Three pages, printed page numbers 7-9 (not the physical 1-3), a running header on each,
# paragraph 2 running over a page break, a heading mid-page, a footnote with a glued marker.
PAGES = [
    [
        HEADER,
        "Chapter 1: A shared responsibility",
        "1. The first paragraph says that the Children Act 19891 requires",
        "agencies to:",
        "• work together",
        "• keep children safe",
        "2. The second paragraph starts on this page and runs on",
        "to the next page, where it ends",
        "1 Children Act 1989",
        "7",
    ],
    [
        HEADER,
        "with these words.",
        "Information sharing",
        "3. The third paragraph is about sharing information early.",
        "4. The fourth paragraph lists two steps:",
        "1. record the concern",
        "2. tell the designated lead",
        "8",
    ],
    [
        HEADER,
        "5. The fifth paragraph is on the last page.",
        "6. The sixth paragraph closes the document.",
        "9",
    ],
]


@pytest.fixture
def sample_pdf(make_pdf: Callable[..., Path]) -> Path:
    return make_pdf(PAGES, "sample.pdf")


@pytest.fixture
def parsed(sample_pdf: Path) -> dict[str, Paragraph]:
    return {p.paragraph: p for p in parse_document(doc_info(sample_pdf.name, "pdf"), sample_pdf)}


def test_the_generated_pdf_has_a_text_layer_per_page(sample_pdf: Path) -> None:
    pages = load(sample_pdf, "pdf")
    assert [p.number for p in pages] == [7, 8, 9]  # the printed numbers, not the physical ones
    assert all(HEADER in p.text for p in pages)


def test_pdf_paragraphs_in_order_with_their_printed_page(parsed: dict[str, Paragraph]) -> None:
    assert list(parsed) == ["1", "2", "3", "4", "5", "6"]
    assert {n: p.page for n, p in parsed.items()} == {"1": 7, "2": 7, "3": 8, "4": 8, "5": 9, "6": 9}


def test_pdf_running_header_and_page_numbers_are_dropped(parsed: dict[str, Paragraph]) -> None:
    for p in parsed.values():
        assert HEADER not in p.text
        assert "Working Together to Safeguard Children 2026" not in (p.heading or "")
    assert parsed["2"].text.endswith("runs on to the next page, where it ends with these words.")


def test_pdf_paragraph_across_a_page_break_keeps_its_first_page(parsed: dict[str, Paragraph]) -> None:
    assert parsed["2"].page == 7
    assert "with these words" not in parsed["3"].text


def test_pdf_heading_between_paragraphs_without_blank_lines(parsed: dict[str, Paragraph]) -> None:
    # pypdf gives no blank lines; the heading must not be glued onto paragraph 2.
    assert "Information sharing" not in parsed["2"].text
    assert parsed["3"].heading == "Information sharing"
    assert parsed["1"].chapter == parsed["6"].chapter == "Chapter 1: A shared responsibility"


def test_pdf_bullets_and_inner_numbered_list(parsed: dict[str, Paragraph]) -> None:
    assert parsed["1"].text.splitlines()[1:] == ["• work together", "• keep children safe"]
    assert parsed["4"].text.splitlines() == [
        "The fourth paragraph lists two steps:",
        "1. record the concern",
        "2. tell the designated lead",
    ]


def test_pdf_footnote_is_attached_and_its_body_removed(parsed: dict[str, Paragraph]) -> None:
    assert "the Children Act 1989[^1] requires" in parsed["1"].text
    assert [(f.number, f.text) for f in parsed["1"].footnotes] == [(1, "Children Act 1989")]
    assert all("1 Children Act 1989" not in p.text for p in parsed.values())


def test_pdf_without_printed_numbers_uses_physical_pages(make_pdf: Callable[..., Path]) -> None:
    path = make_pdf([["1. First page text."], ["2. Second page text."]], "plain.pdf")
    paras = parse_document(doc_info(path.name, "pdf"), path)
    assert [(p.paragraph, p.page) for p in paras] == [("1", 1), ("2", 2)]


def test_pdf_through_the_pipeline_into_the_index(make_pdf: Callable[..., Path], tmp_path: Path) -> None:
    from ingest.embed import FakeEmbedder
    from ingest.pipeline import ingest
    from rag.store import IndexStore

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(PAGES, "sample.pdf").rename(corpus / "sample.pdf")
    (corpus / "manifest.yaml").write_text(
        "documents:\n"
        "  - {doc_id: sample, title: Sample guidance, edition: '2026', kind: statutory, status: current,\n"
        "     publisher: P, source_url: u, licence: OGL, attribution: A, file: sample.pdf}\n"
    )
    result = ingest(corpus / "manifest.yaml", tmp_path / "index", FakeEmbedder, FakeEmbedder.name, 1200)
    assert (result.documents, result.paragraphs) == (1, 6)
    store = IndexStore.load(tmp_path / "index")
    assert store.documents["sample"].format == "pdf"  # guessed from the extension
    assert store.paragraph("sample", "3").page == 8
    assert [c.page for c in store.chunks_of("sample", "5")] == [9]


# --- HTML ---------------------------------------------------------------------------------------

HTML = """<!doctype html>
<html><head><title>Sample</title><style>p { color: red }</style><script>var tracking = 1;</script></head>
<body>
<nav><a href="/">Home</a> <a href="/guidance">Guidance</a></nav>
<header>Site banner text</header>
<main>
<h1>Sample guidance</h1>
<h2>About this guidance</h2>
<p>1. This guidance covers what agencies must do to keep children safe.</p>
<p>2. It replaces the earlier edition. It applies to:</p>
<ul><li>local authorities</li><li>the police</li></ul>
<h2>Information sharing</h2>
<p>3. Practitioners should share information early.</p>
</main>
<footer>Contact us</footer>
</body></html>
"""


@pytest.fixture
def sample_html(tmp_path: Path) -> Path:
    path = tmp_path / "sample.html"
    path.write_text(HTML, encoding="utf-8")
    return path


def test_html_numbered_paragraphs_headings_and_list_items(sample_html: Path) -> None:
    paras = {p.paragraph: p for p in parse_document(doc_info(sample_html.name, "html"), sample_html)}
    assert list(paras) == ["1", "2", "3"]
    assert paras["1"].heading == "About this guidance"
    assert paras["3"].heading == "Information sharing"
    assert paras["2"].text == "It replaces the earlier edition. It applies to:\n• local authorities\n• the police"
    assert all(p.page is None for p in paras.values())


def test_html_navigation_scripts_and_footer_are_dropped(sample_html: Path) -> None:
    paras = parse_document(doc_info(sample_html.name, "html"), sample_html)
    text = " ".join(p.text + " " + (p.heading or "") for p in paras)
    for junk in ("Home", "Site banner", "tracking", "color: red", "Contact us"):
        assert junk not in text


def test_html_commentary_becomes_heading_anchored_blocks(sample_html: Path) -> None:
    paras = parse_document(doc_info(sample_html.name, "html", kind="commentary"), sample_html)
    assert [p.paragraph for p in paras] == ["about-this-guidance-1", "information-sharing-1"]
    assert not any(p.numbered for p in paras)
