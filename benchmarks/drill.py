"""The 2026 drill: a realistic stand-in for the Working Together 2026 PDF, built from the held 2023 text.

    from benchmarks.drill import make_wt2026
    drill = make_wt2026(wt2023_paragraphs, pages=200)   # drill.pdf: bytes; drill.truth: what ingest must find

About 200 pages like a DfE PDF: an unnumbered title page (so printed page numbers are one behind
the physical ones), a running header that is the chapter's title, a page number in the footer,
chapters whose numbered paragraphs continue across chapters, footnotes glued to a year
("Children Act 20043") with their bodies at the foot of the page, bullet lists with sub-items,
boxed text, a table, and a myth-buster box. The text starts from the held 2023 paragraphs: some
unchanged, some reworded, some removed (which renumbers the rest), and new ones; the generator
records each 2026 paragraph's number, pages, chapter, text and footnotes, and where each 2023
paragraph went (the expected crosswalk).
"""

from __future__ import annotations

import random
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

HEADER_TITLE = "Working Together to Safeguard Children 2026"
LINES_PER_PAGE = 46
WIDTH = 92
REWORDS = [("should", "must"), ("practitioners", "professionals"), ("organisations", "bodies"), ("ensure", "make sure")]
NEW_TOPICS = [
    "family help", "multi-agency child protection teams", "the lead child protection practitioner",
    "family group decision-making", "kinship care", "children in custody", "online harms", "extra-familial harm",
    "young carers", "disabled children", "children missing education", "private fostering",
]
NEW_VERBS = ["review", "record", "share", "agree", "publish", "explain", "monitor", "escalate"]
NEW_ACTORS = ["safeguarding partners", "the local authority", "integrated care boards", "the police",
              "education settings", "relevant agencies", "lead safeguarding partners", "designated leads"]
ACTS = ["Children Act 1989", "Children Act 2004", "Children and Social Work Act 2017", "Education Act 2002"]


@dataclass
class Truth:
    """What a faithful ingest finds in the drill PDF."""

    # 2026 paragraph number -> (first printed page, last printed page, chapter, text, footnote numbers)
    paragraphs: dict[int, tuple[int, int, str, str, tuple[int, ...]]] = field(default_factory=dict)
    # 2023 paragraph -> (what happened: unchanged | changed | removed, 2026 paragraph or None)
    fate: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    footnotes: dict[int, str] = field(default_factory=dict)
    pages: int = 0


@dataclass
class Drill:
    pdf: bytes
    truth: Truth


@dataclass
class _Block:
    """Lines that flow onto pages; ``paragraph`` set for a numbered paragraph's lines."""

    lines: list[str]
    paragraph: int | None = None
    notes: list[tuple[int, str]] = field(default_factory=list)  # footnotes whose markers are in these lines
    new_page: bool = False
    chapter: str | None = None


def _reword(text: str, rng: random.Random) -> str:
    for old, new in rng.sample(REWORDS, len(REWORDS)):
        if re.search(rf"\b{old}\b", text):
            return re.sub(rf"\b{old}\b", new, text, count=1) + " This applies from 2026."
    return text + " This applies from 2026."


def _new_paragraph(n: int, rng: random.Random) -> str:
    topic = NEW_TOPICS[n % len(NEW_TOPICS)]
    actor, other = rng.sample(NEW_ACTORS, 2)
    verb = NEW_VERBS[(n * 7) % len(NEW_VERBS)]
    law = f" as the {ACTS[n % len(ACTS)]} requires" if n % 4 == 0 else ""
    return (
        f"In relation to {topic}, {actor} should {verb} their approach at least once a year (reference {n}). "
        f"They should work with {other} so that children and families receive help that is timely and "
        f"proportionate{law}, and record the reasons for each decision about {topic} in case record {n}."
    )


def _wrap(text: str, first: str = "") -> list[str]:
    """Lines as a PDF sets them: each line of the text (a lead-in, each bullet) wrapped on its own."""
    out: list[str] = []
    for k, part in enumerate((first + text).split("\n")):
        out += textwrap.wrap(part, WIDTH, break_long_words=False, break_on_hyphens=False) or ([""] if k else [])
    return out


def make_wt2026(wt2023: dict[int, str], pages: int = 200, seed: int = 2026) -> Drill:
    """``wt2023``: paragraph number -> text of the held 2023 paragraphs (text only, no footnote marks)."""
    rng = random.Random(seed)
    truth = Truth()
    blocks: list[_Block] = []
    number = 0
    note = 0

    def paragraph(text: str, chapter: str) -> int:
        nonlocal number, note
        number += 1
        notes: list[tuple[int, str]] = []
        shown = text
        act = next((a for a in ACTS if a in text), None)
        if act is not None and rng.random() < 0.5:
            note += 1
            notes.append((note, f"{act}, as amended"))
            truth.footnotes[note] = f"{act}, as amended"
            text = text.replace(act, f"{act}{note}", 1)  # the marker glued to the year, as PDFs give it
            shown = shown.replace(act, f"{act}[^{note}]", 1)
        blocks.append(_Block(_wrap(text, f"{number}. "), number, notes, chapter=chapter))
        truth.paragraphs[number] = (0, 0, chapter, shown, tuple(n for n, _ in notes))
        return number

    # Part 1: the 2023 paragraphs, unchanged, reworded or removed, with new ones among them.
    chapter = "Introduction"
    blocks.append(_Block([HEADER_TITLE, "Statutory guidance on multi-agency working to help, protect",
                          "and promote the welfare of children", "December 2026"], new_page=True))
    blocks.append(_Block(["Introduction"], new_page=True, chapter=chapter))
    for old in sorted(wt2023):
        if old == 10:
            chapter = "Chapter 1: A shared responsibility"
            blocks.append(_Block([chapter], new_page=True, chapter=chapter))
        if old == 34:
            chapter = "Chapter 2: Multi-agency safeguarding arrangements"
            blocks.append(_Block([chapter], new_page=True, chapter=chapter))
        roll = rng.random()
        if roll < 0.1:
            truth.fate[old] = ("removed", None)
            continue
        if roll < 0.3:
            truth.fate[old] = ("changed", paragraph(_reword(wt2023[old], rng), chapter))
        else:
            truth.fate[old] = ("unchanged", paragraph(wt2023[old], chapter))
        if rng.random() < 0.15:
            paragraph(_new_paragraph(number + 1, rng), chapter)
        if old == 20:  # a list with sub-items inside a paragraph
            blocks[-1].lines += ["Leaders should:", "• set the direction for the partnership", "o agree priorities",
                                 "o publish the arrangements", "• hold each other to account"]
            n, _, ch, text, notes = truth.paragraphs[number]
            items = "\n• set the direction for the partnership\n• agree priorities\n• publish the arrangements"
            truth.paragraphs[number] = (0, 0, ch, text + " Leaders should:" + items + "\n• hold each other to account",
                                        notes)
        if old == 33:  # a myth-buster box: headings and unnumbered answers
            blocks.append(_Block(["Myths about information sharing", "",
                                  "Consent is always needed to share information", "",
                                  "No. Practitioners can share information without consent where it is",
                                  "necessary to keep a child safe.", ""]))
    # Part 2: new chapters of new paragraphs, with a box and a table, up to the page count.
    chapters = ["Chapter 3: Providing help, support and protection", "Chapter 4: Organisational responsibilities",
                "Chapter 5: Learning from serious child safeguarding incidents", "Chapter 6: Child death reviews"]
    used = sum(len(b.lines) + 1 for b in blocks)
    per_chapter = max(20, (pages * (LINES_PER_PAGE - 2) - used) // (len(_wrap(_new_paragraph(999, rng))) + 1) // 4)
    for title in chapters:
        chapter = title
        blocks.append(_Block([title], new_page=True, chapter=chapter))
        for k in range(per_chapter):
            paragraph(_new_paragraph(number + 1, rng), chapter)
            if k == 3:
                blocks.append(_Block(["Box: what good looks like", "Partners agree priorities, publish plans and "
                                      "check that they made a difference.", ""]))
            if k == 6:
                blocks[-1].lines += ["Agency        Lead", "Police        Chief Constable",
                                     "Health        ICB Chief Executive"]
                n, _, ch, text, notes = truth.paragraphs[number]
                truth.paragraphs[number] = (0, 0, ch, text + " Agency Lead Police Chief Constable Health ICB "
                                            "Chief Executive", notes)
    return Drill(_lay_out(blocks, truth), truth)


def _lay_out(blocks: list[_Block], truth: Truth) -> bytes:
    """Flow the blocks onto pages: header, body lines, footnote bodies, printed page number."""
    from tests.pdfgen import pdf_bytes

    pages: list[list[str]] = []
    body: list[str] = []
    notes: list[str] = []
    header = HEADER_TITLE
    first_page: dict[int, int] = {}
    last_page: dict[int, int] = {}

    def close() -> None:
        nonlocal body, notes
        physical = len(pages) + 1
        printed = physical - 1
        page = body + [""] * max(0, LINES_PER_PAGE - len(body) - len(notes)) + notes
        if printed >= 1:
            page = [header, *page, str(printed)]
        pages.append(page)
        body, notes = [], []

    for block in blocks:
        if block.new_page and (body or pages):
            close()
        if block.chapter:
            header = block.chapter
        # Each footnote goes on the page of the line holding its marker ("Children Act 198912").
        at = {i: [nt for nt in block.notes if re.search(rf"(?:19|20)\d\d{nt[0]}\b", line)]
              for i, line in enumerate(block.lines)}
        for i, line in enumerate(block.lines):
            needed = 1 + len(at[i])
            if len(body) + len(notes) + needed > LINES_PER_PAGE:
                close()
            body.append(line)
            if block.paragraph is not None:
                printed = len(pages)  # the page being filled is physical len+1, printed len
                first_page.setdefault(block.paragraph, printed)
                last_page[block.paragraph] = printed
            notes += [f"{n} {t}" for n, t in at[i]]
        body.append("")
    close()
    for n, (_, _, chapter, text, fns) in list(truth.paragraphs.items()):
        truth.paragraphs[n] = (first_page[n], last_page[n], chapter, text, fns)
    truth.pages = len(pages)
    return pdf_bytes(pages)


def wt2023_texts(paragraphs: list[Any]) -> dict[int, str]:
    """The held 2023 numbered paragraphs as plain text (footnote marks taken out)."""
    from ingest.paragraphs import FOOTNOTE_MARK

    return {int(p.paragraph): FOOTNOTE_MARK.sub("", p.text) for p in paragraphs if p.numbered and p.paragraph.isdigit()}
