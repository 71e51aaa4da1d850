"""Every case of the robustness corpus (tests/robustness.py) yields exactly its paragraphs, pages,
text and warnings: no text lost or garbled without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.manifest import DocumentInfo
from ingest.parse import Parsed, parse_report
from tests.conftest import pdf_bytes
from tests.robustness import CASES, Case

SUFFIX = {"text": ".txt", "html": ".html", "pdf": ".pdf"}


def parse_case(case: Case, tmp_path: Path) -> Parsed:
    path = tmp_path / f"{case.name}{SUFFIX[case.format]}"
    if case.format == "pdf":
        assert isinstance(case.content, list)
        path.write_bytes(pdf_bytes(case.content))
    elif isinstance(case.content, bytes):
        path.write_bytes(case.content)
    else:
        assert isinstance(case.content, str)
        path.write_text(case.content, encoding="utf-8")
    doc = DocumentInfo(
        doc_id="sample",
        title="Sample",
        kind="statutory" if case.numbered else "commentary",
        status="current",
        file=path.name,
        format=case.format,
        publisher="Test",
        source_url="https://example.org/",
        licence="Open Government Licence v3.0",
        attribution="Test",
        edition="2026" if case.numbered else None,
        paragraphs="numbered" if case.numbered else "unnumbered",
    )
    return parse_report(doc, path)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_yields_its_paragraphs_pages_and_text(case: Case, tmp_path: Path) -> None:
    parsed = parse_case(case, tmp_path)
    got = [(p.paragraph, p.page, p.page_end, p.text) for p in parsed.paragraphs]
    assert got == case.paragraphs
    for pid, heading in case.headings.items():
        assert next(p for p in parsed.paragraphs if p.paragraph == pid).heading == heading


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_warns_exactly_as_expected(case: Case, tmp_path: Path) -> None:
    parsed = parse_case(case, tmp_path)
    assert sorted(w.kind for w in parsed.warnings) == sorted(kind for kind, _ in case.warnings)
    for kind, words in case.warnings:
        messages = [w.message for w in parsed.warnings if w.kind == kind]
        assert any(all(word in m for word in words) for m in messages), (kind, words, messages)
        assert all("\n" not in m for m in messages)


@pytest.mark.parametrize("case", [c for c in CASES if c.absent], ids=[c.name for c in CASES if c.absent])
def test_case_keeps_no_furniture_or_odd_characters(case: Case, tmp_path: Path) -> None:
    parsed = parse_case(case, tmp_path)
    everything = "\n".join(p.text + " " + " ".join(p.headings) for p in parsed.paragraphs)
    for text in case.absent:
        assert text not in everything
