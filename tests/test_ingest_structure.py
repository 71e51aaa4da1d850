"""The structure of the seed corpus, pinned: paragraph numbers, pages, headings, footnotes, clean text.

Practitioners cite "paragraph 14 of the 2023 guidance"; if one of these moves, every citation
downstream is wrong, so each expectation here is read off the source text by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.chunks import chunk_paragraphs, content_id, split_long
from ingest.manifest import DocumentInfo, load_manifest
from ingest.paragraphs import Paragraph
from ingest.parse import parse_document
from ingest.pipeline import build_chunks, parse_corpus

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[Paragraph]]:
    _, by_doc = parse_corpus(load_manifest(CORPUS / "manifest.yaml"))
    return by_doc


@pytest.fixture(scope="module")
def wt2023(corpus: dict[str, list[Paragraph]]) -> dict[str, Paragraph]:
    return {p.paragraph: p for p in corpus["wt2023"]}


def numbered(paragraphs: list[Paragraph]) -> list[int]:
    return [int(p.paragraph) for p in paragraphs if p.numbered]


# --- wt2023: numbers, order, introduction ------------------------------------------------------


def test_wt2023_has_paragraphs_1_to_62_once_each_in_order(corpus: dict[str, list[Paragraph]]) -> None:
    assert numbered(corpus["wt2023"]) == list(range(1, 63))


def test_wt2023_paragraph_ids_are_unique(corpus: dict[str, list[Paragraph]]) -> None:
    ids = [p.paragraph for p in corpus["wt2023"]]
    assert [pid for pid, n in Counter(ids).items() if n > 1] == []


def test_wt2023_introduction_is_unnumbered_blocks_before_paragraph_1(corpus: dict[str, list[Paragraph]]) -> None:
    paras = corpus["wt2023"]
    first_numbered = next(i for i, p in enumerate(paras) if p.numbered)
    intro = paras[:first_numbered]
    assert len(intro) >= 5
    assert all(not p.numbered and p.paragraph.startswith("introduction-") for p in intro)
    assert intro[0].text.startswith("Nothing is more important than children’s welfare.")
    assert all(p.chapter == "Introduction" for p in intro)


@pytest.mark.parametrize(("paragraph", "page"), [("10", 11), ("13", 11), ("14", 12), ("22", 17), ("27", 18)])
def test_wt2023_pages_where_the_text_gives_them(wt2023: dict[str, Paragraph], paragraph: str, page: int) -> None:
    assert wt2023[paragraph].page == page


def test_wt2023_pages_never_go_backwards(corpus: dict[str, list[Paragraph]]) -> None:
    pages = [p.page for p in corpus["wt2023"] if p.page is not None]
    assert pages == sorted(pages)


# --- wt2023: numbered lists and page numbers are not paragraphs ---------------------------------


def test_numbered_list_in_paragraph_50_stays_inside_it(wt2023: dict[str, Paragraph]) -> None:
    text = wt2023["50"].text
    assert "1. Set the strategic direction, vision, and culture" in text
    assert "6. Ensure all relevant agencies, including education settings" in text
    assert wt2023["51"].text.startswith("LSPs should be clearly named in published arrangements")


def test_numbered_list_in_paragraph_60_stays_inside_it(wt2023: dict[str, Paragraph]) -> None:
    text = wt2023["60"].text
    assert "1. Delivery and monitoring of multi-agency priorities" in text
    assert "6. Seeking of, and responding to, feedback from children and families" in text
    assert wt2023["61"].text.startswith("To support delivery of these functions")


def test_page_number_lines_are_not_text(wt2023: dict[str, Paragraph]) -> None:
    # "10", "11", "12", "16", "17" stand alone on their own lines in the source.
    assert wt2023["9"].text.endswith("should also read and follow this guidance.")
    assert wt2023["13"].text.startswith("Children are clear about what they want from an effective safeguarding")
    assert "\n11\n" not in wt2023["13"].text and " 11 Children have said" not in wt2023["13"].text


def test_paragraph_number_set_apart_from_its_text(wt2023: dict[str, Paragraph]) -> None:
    # "39." stands alone above the bullets that end paragraph 38.
    assert wt2023["38"].text.splitlines()[1:] == [
        "• work together as a team to safeguard and promote the welfare of all children in a local area",
        "• include and develop the role of wider local organisations and agencies (see chapter 2, paragraphs "
        "65-75 on Relevant agencies) in the process.",
    ]
    assert wt2023["39"].text.startswith("Every local authority, ICB and constabulary in England must be covered")


# --- wt2023: footnotes ---------------------------------------------------------------------------


def test_footnotes_attached_to_the_paragraph_that_cites_them(wt2023: dict[str, Paragraph]) -> None:
    assert [f.number for f in wt2023["48"].footnotes] == [20, 21]
    assert "Chief Officer of Police[^20]" in wt2023["48"].text
    assert "Chief Executive[^21]" in wt2023["48"].text
    assert wt2023["48"].footnotes[0].text.startswith("A chief police officer is the most senior police officer")
    assert [f.number for f in wt2023["35"].footnotes] == [16]
    assert "have a duty[^16] to ensure" in wt2023["35"].text
    assert wt2023["35"].footnotes[0].text == "Children Act 2004 Section 11"


@pytest.mark.parametrize(
    ("paragraph", "notes", "marked"),
    [
        ("14", [6], "Equality Act 2010[^6]"),
        ("18", [10], "where harm is outside the home[^10]"),
        ("28", [11], "severe consequences for children[^11]"),
        # "2018'2" and "requirements’3": OCR'd superscripts, next to quotes that are not markers.
        ("31", [12, 13], "The Data Protection Act 2018[^12] and UK General"),
        ("31", [12, 13], "has different requirements[^13]."),
        ("32", [14], "which is likely to be high risk[^14]"),
        ("41", [19], "to a single authority[^19]."),
        ("53", [22], "protected characteristics[^22] engage"),
        ("57", [23], "DSPs[^23] should be sufficiently senior"),
    ],
)
def test_glued_footnote_markers_become_references(
    wt2023: dict[str, Paragraph], paragraph: str, notes: list[int], marked: str
) -> None:
    assert [f.number for f in wt2023[paragraph].footnotes] == notes
    assert marked in wt2023[paragraph].text


def test_every_wt2023_footnote_is_attached_once(corpus: dict[str, list[Paragraph]]) -> None:
    attached = [f.number for p in corpus["wt2023"] for f in p.footnotes]
    assert sorted(attached) == list(range(1, 24))


def test_quotes_and_possessives_are_not_taken_for_markers(wt2023: dict[str, Paragraph]) -> None:
    assert "“legal obligation” or “public task”" in wt2023["31"].text
    assert "“special category personal data”" in wt2023["32"].text
    assert "[^" not in wt2023["33"].text


def test_footnote_bodies_are_not_paragraph_text(corpus: dict[str, list[Paragraph]]) -> None:
    for p in corpus["wt2023"]:
        assert "https://" not in p.text
        assert "Children Act 2004 Section 16E" not in p.text


# --- wt2023: clean-up without changing words ----------------------------------------------------


def test_bullets_are_cleaned(wt2023: dict[str, Paragraph]) -> None:
    lines = wt2023["7"].text.splitlines()
    assert lines[0] == "The guidance is issued under:"
    assert lines[1].startswith("• section 7 of the Local Authority Social Services Act 1970")
    assert all(line.startswith("• ") for line in lines[1:])
    for p in wt2023.values():
        for line in p.text.splitlines():
            assert not line.startswith(("e ", "¢ ", "o ")), (p.paragraph, line)


def test_glued_words_are_split(wt2023: dict[str, Paragraph]) -> None:
    assert wt2023["46"].text.startswith("It is particularly important that all partners collaborate")
    assert wt2023["48"].text.startswith("In relation to the police, the LSP is already defined")
    assert "Itis" not in wt2023["46"].text and "Inrelation" not in wt2023["48"].text


def test_wrapped_lines_are_joined_and_hyphens_kept(wt2023: dict[str, Paragraph]) -> None:
    assert "take a child-centred approach to meeting the needs of the whole family" in wt2023["10"].text
    assert "The professions listed as examples for each level is not exhaustive, decision-making structures" in (
        wt2023["24"].text
    )


def test_bullet_continued_over_a_page_break_stays_one_bullet(wt2023: dict[str, Paragraph]) -> None:
    assert "UK GDPR that allow them to store and share information, including information" in wt2023["32"].text
    assert "when they are at risk of harm and to provide care for those who need it" in wt2023["16"].text


# --- wt2023: headings and chapters --------------------------------------------------------------


CH1 = "Chapter 1: A shared responsibility"
CH2 = "Chapter 2: Multi-agency safeguarding arrangements"


@pytest.mark.parametrize(
    ("paragraph", "heading", "chapter"),
    [
        ("1", "About this guidance", "Introduction"),
        ("3", "What is the status of this guidance?", "Introduction"),
        ("10", CH1, CH1),
        ("12", "A child-centred approach within a whole family focus", CH1),
        ("28", "Information sharing", CH1),
        ("34", CH2, CH2),
        ("41", "Geography", CH2),
        ("48", "Strategic leadership and accountability", CH2),
        ("56", "Delivering multi-agency safeguarding arrangements", CH2),
    ],
)
def test_headings_and_chapters(wt2023: dict[str, Paragraph], paragraph: str, heading: str, chapter: str) -> None:
    assert wt2023[paragraph].heading == heading
    assert wt2023[paragraph].chapter == chapter


def test_list_caption_stays_in_its_paragraph(wt2023: dict[str, Paragraph]) -> None:
    # "Joint functions of lead safeguarding partners" captions the list in 50; it is not a heading.
    assert "Joint functions of lead safeguarding partners" in wt2023["50"].text
    assert wt2023["51"].heading == "Strategic leadership and accountability"


# --- wt2018 ---------------------------------------------------------------------------------------


def test_wt2018_has_paragraphs_1_to_19_including_12_without_its_dot(corpus: dict[str, list[Paragraph]]) -> None:
    paras = {p.paragraph: p for p in corpus["wt2018"]}
    assert numbered(corpus["wt2018"]) == list(range(1, 20))
    assert paras["12"].text.startswith("Children may be vulnerable to neglect and abuse or exploitation")
    assert paras["11"].text.endswith("unless compulsory intervention in family life is necessary.")


def test_wt2018_contents_list_is_skipped_and_bracket_footnotes_attached(corpus: dict[str, list[Paragraph]]) -> None:
    paras = {p.paragraph: p for p in corpus["wt2018"]}
    assert all("Who is this guidance for?" not in p.text for p in corpus["wt2018"])
    assert "Children[^1] who need help" in paras["introduction-1"].text
    assert paras["introduction-1"].footnotes[0].text.startswith("In this document, a child is defined as anyone")
    assert all(p.page is None for p in corpus["wt2018"])  # an HTML extract has no pages


def test_wt2018_marker_glued_to_a_word_is_a_reference_though_its_note_is_not_held(
    corpus: dict[str, list[Paragraph]],
) -> None:
    # The extract glues note 4's marker ("practice leaders4"); the note's body lies beyond the
    # paragraphs held. It is next in sequence after [3], so it is a reference, not the word's.
    paras = {p.paragraph: p for p in corpus["wt2018"]}
    assert "practice leaders[^4] and practice supervisors" in paras["19"].text
    assert paras["19"].footnotes == ()
    assert not any(re.search(r"[a-z]\d\b", p.text) for p in corpus["wt2018"])


# --- commentary: unnumbered, heading-anchored, stable ids ---------------------------------------


@pytest.mark.parametrize("doc_id", ["schools-guide", "lgl-news", "lg-explainer"])
def test_commentary_is_unnumbered_blocks_with_unique_ids(corpus: dict[str, list[Paragraph]], doc_id: str) -> None:
    paras = corpus[doc_id]
    assert paras, doc_id
    assert not any(p.numbered for p in paras)
    ids = [p.paragraph for p in paras]
    assert len(set(ids)) == len(ids)
    assert all(pid[-1].isdigit() and not pid.isdigit() for pid in ids)


def test_commentary_block_ids_are_anchored_on_headings(corpus: dict[str, list[Paragraph]]) -> None:
    explainer = {p.paragraph: p for p in corpus["lg-explainer"]}
    assert explainer["early-help-1"].heading == "Early help"
    assert explainer["early-help-1"].text.startswith("Early help is support for children")
    assert "information-sharing-1" in explainer
    news = [p.paragraph for p in corpus["lgl-news"]]
    assert all("gld-vacancies" not in pid for pid in news)  # site navigation dropped by the manifest
    assert not any("GLD Vacancies" in p.text for p in corpus["lgl-news"])


def test_each_file_is_read_once_per_ingest(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 200-page PDF takes seconds to extract; the corpus-wide vocabulary must not read it twice.
    import ingest.parse

    calls: list[str] = []
    real_load = ingest.parse.load

    def counting_load(path: Path, fmt: str, *rest):  # type: ignore[no-untyped-def]
        calls.append(path.name)
        return real_load(path, fmt, *rest)

    monkeypatch.setattr(ingest.parse, "load", counting_load)
    parse_corpus(load_manifest(CORPUS / "manifest.yaml"))
    assert sorted(calls) == sorted(d.file for d in load_manifest(CORPUS / "manifest.yaml").documents)


def test_block_ids_are_stable_across_runs(corpus: dict[str, list[Paragraph]]) -> None:
    _, again = parse_corpus(load_manifest(CORPUS / "manifest.yaml"))
    assert {d: [p.paragraph for p in ps] for d, ps in again.items()} == {
        d: [p.paragraph for p in ps] for d, ps in corpus.items()
    }


# --- chunks -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chunks():  # type: ignore[no-untyped-def]
    return build_chunks(load_manifest(CORPUS / "manifest.yaml"), 1200)[1]


def test_every_chunk_carries_its_citation_fields(chunks) -> None:  # type: ignore[no-untyped-def]
    for c in chunks:
        assert c.doc_id and c.title and c.kind in ("statutory", "commentary") and c.status
        assert c.paragraph and c.text and 1 <= c.part <= c.parts
    p14 = [c for c in chunks if c.doc_id == "wt2023" and c.paragraph == "14"]
    assert [(c.edition, c.page, c.heading, c.footnotes) for c in p14] == [
        ("2023", 12, "A child-centred approach within a whole family focus", ("6. Equality Act 2010",))
    ]
    assert {c.edition for c in chunks if c.doc_id == "schools-guide"} == {"2023"}  # about_edition


def test_chunks_never_mix_paragraphs(chunks) -> None:  # type: ignore[no-untyped-def]
    wt = [c for c in chunks if c.doc_id == "wt2023" and c.numbered]
    assert sorted({int(c.paragraph) for c in wt}) == list(range(1, 63))
    for c in wt:
        assert "\n" + str(int(c.paragraph) + 1) + ". " not in c.text


def test_chunk_ids_are_content_hashes(chunks) -> None:  # type: ignore[no-untyped-def]
    again = build_chunks(load_manifest(CORPUS / "manifest.yaml"), 1200)[1]
    assert [c.id for c in again] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)
    c = chunks[0]
    assert c.id == content_id(c.doc_id, c.paragraph, c.part, c.text)
    assert content_id(c.doc_id, c.paragraph, c.part, c.text + " Changed.") != c.id
    assert content_id(c.doc_id, "other", c.part, c.text) != c.id


def test_a_changed_paragraph_changes_only_its_chunk_ids(tmp_path: Path) -> None:
    source = (CORPUS / "wt2023.txt").read_text(encoding="utf-8")
    changed = tmp_path / "wt2023.txt"
    changed.write_text(source.replace("placed as close to home as possible", "placed as near to home as possible"))
    doc = load_manifest(CORPUS / "manifest.yaml").get("wt2023")
    assert doc is not None
    before = {c.id: c.paragraph for c in chunk_paragraphs(doc, parse_document(doc, CORPUS / "wt2023.txt"), 1200)}
    after = {c.id: c.paragraph for c in chunk_paragraphs(doc, parse_document(doc, changed), 1200)}
    assert sorted(set(before.values()) - set(after.values())) == []
    assert {before[i] for i in before.keys() - after.keys()} == {"46"}
    assert {after[i] for i in after.keys() - before.keys()} == {"46"}


def test_long_paragraph_splits_at_sentences_and_keeps_its_number() -> None:
    doc = DocumentInfo(
        doc_id="d", title="T", kind="statutory", status="current", file="d.txt", format="text",
        publisher="p", source_url="u", licence="l", attribution="a", edition="2026",
    )
    sentences = [f"Sentence number {i} says that agencies must share information early." for i in range(40)]
    para = Paragraph("d", "7", True, 0, "Chapter 1", ("Chapter 1",), 3, " ".join(sentences))
    pieces = chunk_paragraphs(doc, [para], 300)
    assert len(pieces) > 5
    assert all(c.paragraph == "7" and c.page == 3 and c.parts == len(pieces) for c in pieces)
    assert [c.part for c in pieces] == list(range(1, len(pieces) + 1))
    assert all(len(c.text) <= 300 for c in pieces)
    assert all(c.text.endswith("early.") and c.text.startswith("Sentence number") for c in pieces)
    assert " ".join(c.text for c in pieces) == para.text
    assert len({c.id for c in pieces}) == len(pieces)


def test_split_long_keeps_abbreviations_and_short_text_whole() -> None:
    assert split_long("Short text.", 100) == ["Short text."]
    text = "See para. 14 of the guidance, e.g. the duty to share. " * 3 + "Then a last sentence."
    pieces = split_long(text.strip(), 60)
    assert not any(p.endswith(("para.", "e.g.")) for p in pieces)


def test_long_wt2023_paragraphs_are_split_and_keep_their_number(chunks) -> None:  # type: ignore[no-untyped-def]
    p18 = [c for c in chunks if c.doc_id == "wt2023" and c.paragraph == "18"]
    assert len(p18) > 1
    assert all(c.parts == len(p18) for c in p18)
    # Each part carries the pages its own text is on: paragraph 18 runs from page 14 to 16.
    assert [(c.page, c.page_end) for c in p18] == [(14, 14), (14, 15), (15, 15), (15, 16), (16, 16)]
    assert p18[0].text.startswith("In the context of a child-centred approach")


# --- faults seen in the shipped text (issue 17) -------------------------------------------------


def test_footnote_8_is_not_glued_into_section_3(wt2023: dict[str, Paragraph]) -> None:
    # "section 38" in the extract is section 3 with footnote marker 8, whose note cites Section 3.
    assert "the Domestic Abuse Act 2021, section 3[^8] recognises" in wt2023["16"].text
    assert "section 38" not in wt2023["16"].text
    assert 8 in [f.number for f in wt2023["16"].footnotes]


def test_myth_headings_wrapped_over_two_lines_are_whole_headings(corpus: dict[str, list[Paragraph]]) -> None:
    headings = {p.heading: p for p in corpus["wt2023"] if not p.numbered}
    for heading in (
        "Personal information collected by one organisation/agency cannot be disclosed to another",
        "The common law duty of confidence and the Human Rights Act 1998 prevent the sharing of personal information",
    ):
        assert headings[heading].text.startswith("No, this is not the case")
        assert heading not in headings[heading].text


def test_split_hyphenated_word_is_rejoined(corpus: dict[str, list[Paragraph]]) -> None:
    text = " ".join(p.text for p in corpus["wt2018"])
    assert "co- operation" not in text and text.count("co-operation") == 3


def test_paragraphs_running_over_a_page_keep_their_last_page(wt2023: dict[str, Paragraph]) -> None:
    p18 = wt2023["18"]
    assert (p18.page, p18.page_end) == (14, 16)
    # Each page's first words in the source start where the paragraph records that page begins.
    assert [page for _, page in p18.page_breaks] == [15, 16]
    assert all(p.page_end is not None and p.page is not None and p.page_end >= p.page for p in wt2023.values())
