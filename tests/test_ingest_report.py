"""What ingest noticed reaches the operator: warnings on the CLI and in --json, kept in the index's
report.json, counted by `wtguide documents`; --strict refuses before anything changes. And the
pages of a quoted sentence, the checker and questions read text as ingest does."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.manifest import DocumentInfo
from ingest.normalise import normalise_text, normalise_with_offsets
from ingest.parse import parse_report
from wtguide.cli import main
from wtguide.settings import Settings

# Page 2 is a scanned image: no text layer.
SCANNED = [
    ["1. Everyone who works with children has a duty to keep them safe.", "2. Partners publish", "1"],
    [],
    ["4. Leaders set the direction for the whole partnership.", "3"],
]
ADD = ["--title", "Working Together to Safeguard Children 2026", "--edition", "2026", "--kind", "statutory"]


@pytest.fixture
def live(corpus_copy: Path, cli_env: Callable[..., Settings], fake_index: Path) -> Settings:
    settings = cli_env(corpus_dir=corpus_copy)
    shutil.copytree(fake_index, settings.index_root)
    return settings


def test_add_strict_refuses_a_pdf_with_a_scanned_page_and_changes_nothing(  # type: ignore[no-untyped-def]
    live: Settings, make_pdf, capsys
) -> None:
    pdf = make_pdf(SCANNED, "wt2026.pdf")
    manifest = live.manifest_path.read_bytes()
    assert main(["add", str(pdf), *ADD, "--strict"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "page 2" in err and "no text layer" in err and "Traceback" not in err
    assert live.manifest_path.read_bytes() == manifest
    assert not (live.corpus_dir / "wt2026.pdf").exists()


def test_add_warns_names_the_page_and_keeps_the_warnings(live: Settings, make_pdf, capsys) -> None:  # type: ignore[no-untyped-def]
    pdf = make_pdf(SCANNED, "wt2026.pdf")
    assert main(["add", str(pdf), *ADD]) == 0
    out = capsys.readouterr()
    assert "warning: wt2026.pdf: page 2 (PDF page 2) has no text layer" in out.err
    assert "warning: wt2026: paragraph numbers jump from 2 to 4 (page 3); paragraph 3 not found" in out.err
    assert "2 warnings" in out.out
    # Kept with the index: the up-to-date ingest still lists them, and documents counts them.
    assert main(["ingest", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "up-to-date"
    assert sorted(w["kind"] for w in result["warnings"]) == ["no-text-layer", "numbering-gap"]
    assert all(w["doc"] == "wt2026" for w in result["warnings"])
    assert main(["documents", "--json"]) == 0
    rows = {r["doc_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["wt2026"]["warnings"] == 2 and rows["wt2023"]["warnings"] == 0
    assert main(["documents"]) == 0
    assert "2 warnings" in next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("wt2026"))
    report = json.loads((Path(result["index_dir"]) / "report.json").read_text())
    assert [p["has_text"] for p in report["wt2026"]["pages"]] == [True, False, True]
    # --strict on an index that holds warnings fails, with one line and exit 2.
    assert main(["ingest", "--strict"]) == 2
    assert "--strict" in capsys.readouterr().err


def test_seed_corpus_ingests_without_a_warning(corpus_copy: Path, cli_env, capsys) -> None:  # type: ignore[no-untyped-def]
    cli_env(corpus_dir=corpus_copy)
    assert main(["ingest", "--json", "--strict"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []


def _pdf_doc(path: Path) -> DocumentInfo:
    return DocumentInfo(
        doc_id="sample", title="Sample", kind="statutory", status="current", file=path.name, format="pdf",
        publisher="P", source_url="u", licence="OGL", attribution="A", edition="2026", paragraphs="numbered",
    )


def test_a_sentence_on_the_next_page_carries_that_page(make_pdf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ingest.chunks import chunk_paragraphs
    from ingest.embed import FakeEmbedder
    from ingest.pipeline import ingest
    from rag.compose import Claim
    from rag.service import _quoted_first, make_citation
    from rag.store import IndexStore

    pages = [
        ["1. The first paragraph.", "2. The second paragraph starts on this page.", "It says more", "here.", "7"],
        ["The last sentence is on the next page.", "3. The third paragraph.", "8"],
    ]
    pdf = make_pdf(pages, "sample.pdf")
    para = next(p for p in parse_report(_pdf_doc(pdf), pdf).paragraphs if p.paragraph == "2")
    assert (para.page, para.page_end) == (7, 8)
    assert para.pages_of("The last sentence is on the next page.") == (8, 8)
    assert para.pages_of("The second paragraph starts on this page.") == (7, 7)
    assert para.pages_of("It says more here. The last sentence is on the next page.") == (7, 8)
    chunks = chunk_paragraphs(_pdf_doc(pdf), [para], 60)  # split: each part carries its own pages
    assert [(c.page, c.page_end) for c in chunks] == [(7, 7), (8, 8)]
    assert [(c.page, c.page_end) for c in chunk_paragraphs(_pdf_doc(pdf), [para], 1200)] == [(7, 8)]

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pdf.rename(corpus / "sample.pdf")
    (corpus / "manifest.yaml").write_text(
        "documents:\n"
        "  - {doc_id: sample, title: Sample guidance, edition: '2026', kind: statutory, status: current,\n"
        "     publisher: P, source_url: u, licence: OGL, attribution: A, file: sample.pdf}\n"
    )
    ingest(corpus / "manifest.yaml", tmp_path / "index", FakeEmbedder, FakeEmbedder.name, 1200)
    store = IndexStore.load(tmp_path / "index")
    assert store.paragraph("sample", "2").page_breaks == para.page_breaks
    cited = make_citation(store, 1, "sample", "2", para.text, 7, None, True, 1.0, 8)
    assert cited.reference().endswith("paragraph 2, pages 7–8")
    shown = _quoted_first((cited,), [Claim(("The last sentence is on the next page.",), 1)], store)
    assert (shown[1].page, shown[1].page_end) == (8, 8)
    assert shown[1].reference().endswith("paragraph 2, page 8")


def test_questions_and_checker_read_text_as_ingest_does(fake_index: Path) -> None:
    from checker.check import Checker
    from rag.store import IndexStore
    from rag.understand import normalise

    assert normalise("What is the ﬁrst duty of\u200b the LSP\u00a0?") == "What is the first duty of the LSP ?"
    assert normalise_text("pro\u00ad\ntect") == "protect"
    text = "See Working Together 2023, para\u200bgraph 5, and the ﬁrst chapter."
    norm, where = normalise_with_offsets(text)
    assert norm == "See Working Together 2023, paragraph 5, and the first chapter."
    assert text[where[norm.index("graph")]] == "g"
    refs = Checker(IndexStore.load(fake_index)).check(text)
    assert refs[0].text == "Working Together 2023, para\u200bgraph 5"  # as the policy has it
    assert (refs[0].start, refs[0].end) == (4, text.index(", and"))
    assert refs[0].paragraph == "5"


def test_add_refuses_a_doc_id_that_is_a_path(live: Settings, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "x.txt"
    text.write_text("1. Everyone shares the duty.\n", encoding="utf-8")
    manifest = live.manifest_path.read_bytes()
    assert main(["add", str(text), *ADD, "--doc-id", "../../evil"]) == 2
    assert "--doc-id '../../evil': use lower-case letters, digits and hyphens" in capsys.readouterr().err
    assert live.manifest_path.read_bytes() == manifest
    assert not list(live.corpus_dir.parent.parent.glob("evil*")) and not list(live.corpus_dir.parent.glob("evil*"))
