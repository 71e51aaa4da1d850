"""Citation checker: planted references in a policy, each classified; reading files; CLI; speed.

The policy in tests/data/checker_policy.txt plants one reference of each kind; the table
below says, reference by reference, what the checker must conclude.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from checker.check import Checker
from checker.find import find
from checker.read import read_bytes, read_path
from rag.store import IndexStore
from tests.conftest import pdf_bytes
from wtguide.errors import EmptyDocument, TooLarge, UnsupportedDocument

DATA = Path(__file__).parent / "data"
POLICY = (DATA / "checker_policy.txt").read_text(encoding="utf-8")

# (reference text as found, status, (suggested doc, paragraph) or None, what the plant is)
PLANTED = [
    # Working Together 2023 is replaced by 2026 (not held here): naming it is out of date, even when right.
    ("Working Together to Safeguard Children 2023, paragraph 14", "superseded", None,
     "correct, with a correct quotation, but of a replaced edition"),
    ("Working Together 2023, paragraph 12", "mismatch", ("wt2023", "14"), "wrong paragraph: the quote is para 14"),
    ("Working Together 2023, paragraph 12", "mismatch", None, "misquotation of the right paragraph"),
    ("WT2023 para 150", "not_held", None, "beyond the paragraphs we hold (1-62)"),
    ("paragraph 0 of Working Together 2023", "not_found", None, "a paragraph that cannot exist"),
    ("Working Together 2018, paragraph 11", "superseded", ("wt2023", "12"), "2018 with a 2023 equivalent"),
    ("(Working Together, 2018)", "superseded", ("wt2023", None), "2018 edition cited as a whole"),
    ("Keeping Children Safe in Education, paragraph 5", "not_held", None, "a document we do not hold"),
    ("Working Together 2015", "not_held", None, "an edition we do not hold"),
    ("paras 12–14", "superseded", None, "a range, edition from the same sentence"),
    ("WT2023 p. 32", "not_held", None, "a page beyond the pages we hold"),
    ("chapter 2", "superseded", None, "a chapter, edition inherited"),
    ("HM Government (2023) Working Together to Safeguard Children, paragraph 9", "superseded", None,
     "footnote reference whose quotation is in the body"),
]


@pytest.fixture(scope="module")
def store(fake_index: Path) -> IndexStore:
    return IndexStore.load(fake_index)


@pytest.fixture(scope="module")
def checker(store: IndexStore) -> Checker:
    return Checker(store)


@pytest.fixture(scope="module")
def report(checker: Checker) -> list:
    return checker.check(POLICY)


def test_finds_exactly_the_planted_references(report: list) -> None:
    assert [r.text for r in report] == [p[0] for p in PLANTED]
    for r in report:
        assert POLICY[r.start:r.end] == r.text


@pytest.mark.parametrize("index", range(len(PLANTED)), ids=[p[3] for p in PLANTED])
def test_each_planted_reference_is_classified(report: list, index: int) -> None:
    text, status, suggestion, what = PLANTED[index]
    ref = report[index]
    assert ref.text == text
    assert ref.status == status, f"{what}: {ref.message}"
    got = (ref.suggestion.doc_id, ref.suggestion.paragraph) if ref.suggestion else None
    assert got == suggestion, f"{what}: {ref.message}"
    assert ref.message


def test_messages_say_what_a_policy_lead_needs(report: list) -> None:
    ok, wrong, misquote, beyond, impossible, old = report[:6]
    assert ok.message.startswith("Working Together 2023 has been replaced by Working Together to Safeguard "
                                  "Children 2026, which we do not hold")  # from manifest data
    assert "Paragraph 14 of Working Together 2023 is in the text we hold. The quotation matches." in ok.message
    assert "paragraph 14 of Working Together 2023" in wrong.message
    assert misquote.cited_text and "the welfare of children is paramount" in misquote.cited_text
    assert "which reads" in misquote.message and misquote.quote_score < 90
    assert "paragraphs 1–62 only" in beyond.message
    assert "no paragraph 0" in impossible.message
    assert "paragraph 12 of Working Together 2023" in old.message


def test_the_json_shape_is_the_contract(report: list) -> None:
    keys = {"text", "start", "end", "doc_id", "edition", "paragraph", "status", "message", "suggestion"}
    for r in report:
        data = r.to_json()
        assert keys <= set(data)
        assert data["suggestion"] is None or set(data["suggestion"]) == {"doc_id", "paragraph", "edition"}
    json.dumps([r.to_json() for r in report])


@pytest.mark.parametrize(
    ("text", "status", "edition"),
    [
        ("In Working Together 2018 the principles are set out (paragraph 11).", "superseded", "2018"),
        ("The chair (paragraph 61) is agreed by the partners.", "ok", "2023"),  # default: newest held
        ("Working Together 2026, paragraph 10 changes this.", "not_held", "2026"),
        ("WT2018 paragraph 40 is our source.", "superseded", "2018"),  # 2018 beyond held: update it anyway
        ("Schedule 2, paragraph 5 of the Children Act 1989 applies.", "not_held", None),
        ("Working Together 2023 reminds us that “Nothing is more important than children’s welfare”.", "superseded",
         "2023"),
    ],
)
def test_editions_are_inherited_or_defaulted(checker: Checker, text: str, status: str, edition: str | None) -> None:
    (ref,) = checker.check(text)
    assert (ref.status, ref.edition) == (status, edition), ref.message


def test_self_references_and_headings_are_not_references() -> None:
    text = "Chapter 3: Our procedures\nSee section 4.2 of this policy, paragraph 3 of this policy and page 7."
    assert find(text) == []


def test_quotation_found_elsewhere_names_the_paragraph(checker: Checker) -> None:
    (ref,) = checker.check('Paragraph 10 of Working Together 2023 says "Nothing is more important than '
                           'children’s welfare. Every child deserves to grow up in a safe, stable, and loving home".')
    assert ref.status == "mismatch"
    assert ref.suggestion and ref.suggestion.paragraph == "introduction-1"


# ---- reading files --------------------------------------------------------------------------------


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_reads_pdf_docx_html_and_text(checker: Checker, make_pdf) -> None:  # type: ignore[no-untyped-def]
    line = "Working Together 2018, paragraph 11 is still quoted in our policy."
    pdf = make_pdf([["Policy", line]]).read_bytes()
    html = f"<html><body><h1>Policy</h1><p>{line}</p><script>x()</script></body></html>".encode()
    for name, data in [("p.pdf", pdf), ("p.docx", _docx(["Policy", line])), ("p.html", html),
                       ("p.txt", line.encode("utf-8"))]:
        text = read_bytes(name, data)
        refs = checker.check(text)
        assert [(r.text, r.status) for r in refs] == [("Working Together 2018, paragraph 11", "superseded")], name


@pytest.mark.parametrize(
    ("name", "data", "error", "words"),
    [
        ("empty.txt", b"", EmptyDocument, "empty"),
        ("blank.pdf", b"   \n", EmptyDocument, "empty"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj <<", UnsupportedDocument, "corrupt or unreadable PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", UnsupportedDocument, "corrupt or unreadable Word"),
        ("locked.docx", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, UnsupportedDocument, "password-protected"),
        ("image.png", b"\x89PNG\r\n", UnsupportedDocument, "unsupported file type"),
        ("huge.txt", b"a" * 2048, TooLarge, "too large"),
    ],
)
def test_bad_files_get_one_line_errors(name: str, data: bytes, error: type, words: str) -> None:
    with pytest.raises(error) as info:
        read_bytes(name, data, max_bytes=1024)
    message = str(info.value)
    assert words in message and "\n" not in message and name in message


def _bomb(part: str, unpacked: int) -> bytes:
    """A small .docx whose ``part`` inflates to ``unpacked`` bytes of spaces."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx(["Policy"]))) as real, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            if info.filename != part:
                z.writestr(info, real.read(info))
        z.writestr(part, b"<w:document>" + b" " * unpacked + b"</w:document>", compresslevel=9)
    return buf.getvalue()


@pytest.mark.parametrize(("part", "unpacked", "words"), [
    ("word/document.xml", 78 * 1024 * 1024, " unpacks to 79 MB; the limit is 64 MB"),
    ("word/document.xml", 19 * 1024 * 1024, "'s part word/document.xml unpacks to 19 MB; the limit is 16 MB"),
])
def test_a_zip_bomb_docx_is_refused_before_it_is_inflated(part: str, unpacked: int, words: str) -> None:
    import time

    data = _bomb(part, unpacked)
    assert len(data) < 200 * 1024  # a small upload ...
    start = time.perf_counter()
    with pytest.raises(TooLarge) as info:
        read_bytes("bomb.docx", data)
    assert time.perf_counter() - start < 1.0  # ... refused from the zip directory, not after parsing
    assert str(info.value) == f"bomb.docx: the Word file{words}"


def test_encrypted_and_image_only_pdfs(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([["Working Together 2023, paragraph 14"]]))))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(UnsupportedDocument, match="encrypted"):
        read_bytes("locked.pdf", buf.getvalue())
    with pytest.raises(UnsupportedDocument, match="no text layer"):
        read_bytes("scan.pdf", pdf_bytes([[]]))


def test_text_over_the_character_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.read as read

    monkeypatch.setattr(read, "MAX_TEXT_CHARS", 100)
    with pytest.raises(TooLarge, match="the limit is 100"):
        read.check_text("x" * 101)


# ---- speed ----------------------------------------------------------------------------------------


def test_a_thirty_page_policy_pdf_is_checked_quickly(checker: Checker, make_pdf) -> None:  # type: ignore[no-untyped-def]
    lines = [ln for ln in POLICY.splitlines() if ln.strip()]
    filler = "Staff record every concern on the same day and share it with the designated safeguarding lead."
    pages = [[filler] * 30 + lines[i % len(lines): i % len(lines) + 6] + [filler] * 10 for i in range(30)]
    path = make_pdf(pages, name="policy30.pdf")
    assert checker.crosswalks  # built once per index at startup in the API; not part of a check
    start = time.perf_counter()
    text = read_path(path)
    refs = checker.check(text)
    seconds = time.perf_counter() - start
    print(f"\n30-page PDF ({len(text):,} characters, {len(refs)} references) read and checked in {seconds:.2f}s")
    assert len(refs) >= 30
    assert seconds < 2.0


# ---- command line ---------------------------------------------------------------------------------


def test_cli_check_table_json_csv_markdown(fake_index: Path, cli_env, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from wtguide.cli import main

    cli_env(data_dir=fake_index.parent)
    policy = tmp_path / "policy.txt"
    policy.write_text(POLICY, encoding="utf-8")
    csv_out, md_out = tmp_path / "r.csv", tmp_path / "r.md"
    assert main(["check", str(policy), "--csv", str(csv_out), "--markdown", str(md_out)]) == 0
    table = capsys.readouterr().out
    assert "SUPERSEDED" in table and "13 references" in table
    assert csv_out.read_text().splitlines()[0] == "status,reference,start,end,document,paragraph,suggestion,message"
    assert len(csv_out.read_text().splitlines()) == len(PLANTED) + 1
    assert "| 6 | superseded | Working Together 2018, paragraph 11 | wt2023 paragraph 12 |" in md_out.read_text()
    assert main(["check", str(policy), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in data["references"]] == [p[1] for p in PLANTED]


def test_cli_bad_file_is_one_line(fake_index: Path, cli_env, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from wtguide.cli import main

    cli_env(data_dir=fake_index.parent)
    bad = tmp_path / "policy.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wtguide: error: policy.pdf: corrupt or unreadable PDF") and err.count("\n") == 1


def test_cli_crosswalk(fake_index: Path, cli_env, capsys) -> None:  # type: ignore[no-untyped-def]
    from wtguide.cli import main

    cli_env(data_dir=fake_index.parent)
    assert main(["crosswalk", "wt2018", "wt2023", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["old"]["doc_id"], data["new"]["doc_id"]) == ("wt2018", "wt2023")
    pair = {(x["old_paragraph"], x["new_paragraph"]): x for x in data["links"]}
    assert pair[("11", "12")]["status"] in ("changed", "unchanged")
    assert {x["status"] for x in data["links"]} <= {"changed", "unchanged", "new", "removed"}
    assert main(["crosswalk", "wt2018", "nope"]) == 2


# ---- honest about editions and about what it cannot read (issue 16, part 5) -------------------------


def test_every_reference_to_a_replaced_edition_is_superseded(checker: Checker) -> None:
    old, older = checker.check("WT2023 para 48 and WT2018 para 9 both apply.")
    assert (old.status, older.status) == ("superseded", "superseded")
    assert "which we do not hold" in old.message  # 2026 is not held in the seed corpus
    assert older.suggestion is not None and older.suggestion.doc_id == "wt2023"


def test_a_weak_crosswalk_match_is_offered_as_possibly_with_its_score(store: IndexStore) -> None:
    from rag.crosswalk import Link

    links = {("wt2018", "wt2023"): [Link("wt2018", "11", "wt2023", "12", 0.61, "changed")]}
    (ref,) = Checker(store, crosswalks=links).check("Working Together 2018, paragraph 11 applies.")
    assert ref.status == "superseded"
    assert "possibly paragraph 12 (similarity 0.61)" in ref.message
    assert "The matching text is in" not in ref.message
    (sure,) = Checker(store, crosswalks={("wt2018", "wt2023"): [Link("wt2018", "11", "wt2023", "12", 0.93,
                                                                                "unchanged")]}).check(
        "Working Together 2018, paragraph 11 applies.")
    assert "The matching text is in paragraph 12 of Working Together 2023." in sure.message


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Working Together 2023, paragraph 4.2 sets this out.", "paragraph 4.2"),
        ("As WT says at para. 12a, partners must agree.", "para. 12a"),
        ("See Working Together 2023 § 3(b)(ii) on this.", "§ 3(b)(ii)"),
    ],
)
def test_reference_like_text_it_cannot_read_is_unrecognised_never_dropped(
    checker: Checker, text: str, span: str
) -> None:
    refs = [r for r in checker.check(text) if r.status == "unrecognised"]
    assert [r.text for r in refs] == [span]
    assert text[refs[0].start : refs[0].end] == span
    assert "not in a form we can check" in refs[0].message


def test_reference_like_text_about_something_else_is_not_flagged(checker: Checker) -> None:
    assert checker.check("Section 4.2 of this policy and paragraph 3.1 of our procedure apply.") == []


def test_a_reference_it_cannot_read_is_one_finding_not_two(checker: Checker) -> None:
    refs = checker.check("Working Together 2023, paragraph 4.2 sets this out.")
    assert [(r.text, r.status) for r in refs] == [("paragraph 4.2", "unrecognised")]
