"""Structure: chapters, headings, numbered paragraphs and unnumbered blocks.

Top-level paragraphs are recognised by sequential numbering: a line starting
"14." only opens paragraph 14 when 13 was the last one, so numbered lists
inside a paragraph and page numbers are never taken for paragraphs.
Unnumbered text (introductions, commentary) becomes heading-anchored blocks
with stable ids ("common-myths-that-hinder-2").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.clean import clean_bullet, is_bullet, join_lines, unglue
from ingest.footnotes import Footnote, NotedLine

CHAPTER = re.compile(r"^(Chapter\s+\d+\b.*|Introduction|Appendix\s+[A-Z0-9]\b.*)$")
PARA_START = re.compile(r"^(\d{1,3})(\.?)(?:\s+(.*))?$")
LIST_START = re.compile(r"^(?:1[.)]|a[.)]|\(a\))\s+")
LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[a-z][.)]|\([a-z]\))\s+")
FOOTNOTE_REF = re.compile(r"\[\^(\d{1,3})\]")
FOOTNOTE_MARK = re.compile(r"\[\^\d+\]")  # a footnote mark as the text holds it, to strip
SENTENCE_END = re.compile(r"[.!?”\"')]$")
SENTENCE_DONE = re.compile(r"[.!?][”\"')\]]*$")


@dataclass(frozen=True)
class Paragraph:
    doc_id: str
    paragraph: str  # "14" for numbered paragraphs, a block id for unnumbered text
    numbered: bool
    order: int
    chapter: str | None
    headings: tuple[str, ...]
    page: int | None
    text: str
    footnotes: tuple[Footnote, ...] = ()

    @property
    def heading(self) -> str | None:
        return self.headings[-1] if self.headings else None


@dataclass
class _Unit:
    number: int | None
    chapter: str | None
    headings: tuple[str, ...]
    page: int | None
    lines: list[str] = field(default_factory=list)
    orphan_notes: list[int] = field(default_factory=list)

    def text_so_far(self) -> str:
        return " ".join(ln.strip() for ln in self.lines if ln.strip())


def slug(text: str, limit: int = 40) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "text"


def _is_heading(lines: list[NotedLine], i: int, numbered_doc: bool) -> bool:
    t = lines[i].text.strip()
    if not t or len(t) > 90 or len(t.split()) > 12 or is_bullet(t) or LIST_ITEM.match(t):
        return False
    if t[-1] in ".,;:" or not (t[0].isupper() or t[0].isdigit()) or PARA_START.match(t):
        return False
    prev_blank = i == 0 or not lines[i - 1].text.strip() or lines[i - 1].page != lines[i].page
    nxt = lines[i + 1].text.strip() if i + 1 < len(lines) else ""
    if numbered_doc:
        # PDF text has no blank lines: there a heading is a short line between the end of
        # one sentence and the start of the next numbered paragraph.
        return (prev_blank and not nxt) or (_after_sentence(lines, i) and bool(PARA_START.match(nxt)))
    # Unnumbered documents often have one line per paragraph and no blank lines.
    return bool(nxt) and len(nxt) > len(t) and not is_bullet(nxt) or (prev_blank and not nxt)


def _after_sentence(lines: list[NotedLine], i: int) -> bool:
    prev = next((ln.text.strip() for ln in reversed(lines[:i]) if ln.text.strip()), "")
    return not prev or bool(SENTENCE_DONE.search(prev))


def _next_text(lines: list[NotedLine], i: int) -> str:
    for ln in lines[i + 1 :]:
        if ln.text.strip():
            return ln.text.strip()
    return ""


def build(
    doc_id: str,
    lines: list[NotedLine],
    notes: dict[int, Footnote],
    vocab: Counter[str],
    numbered: bool,
    drop_lines: tuple[str, ...] = (),
) -> list[Paragraph]:
    lines = [ln for ln in lines if ln.text.strip() not in drop_lines]
    one_line_paragraphs = _one_line_paragraphs(lines)
    units: list[_Unit] = []
    chapter: str | None = None
    headings: list[str] = []
    expected = 1
    current: _Unit | None = None
    donate_to: _Unit | None = None  # a number set apart from its text: see below
    skipping_contents = False
    for i, ln in enumerate(lines):
        raw = ln.text.strip()
        if not raw:
            if current is not None:
                current.lines.append("")
            continue
        line = clean_bullet(raw)
        if CHAPTER.match(line) and len(line) < 90:
            chapter, headings, current, donate_to = line, [], None, None
            continue
        m = PARA_START.match(line) if numbered else None
        if m and int(m.group(1)) == expected and (m.group(2) or not m.group(3)):
            prev = units[-1] if units and units[-1].number == expected - 1 else None
            current = _Unit(expected, chapter, tuple(headings), ln.page)
            units.append(current)
            expected += 1
            if m.group(3):
                current.lines.append(m.group(3))
            # PDF extraction sometimes sets the number apart, before the bullets that
            # end the previous paragraph ("38. ... to:" / "39." / "work together ...").
            donate_to = prev if (not m.group(3) and prev and prev.text_so_far().endswith(":")) else None
            current.orphan_notes.extend(ln.orphan_notes)
            continue
        if donate_to is not None:
            if not line[0].isupper() or is_bullet(line):
                if i > 0 and not lines[i - 1].text.strip():
                    donate_to.lines.append("")  # keep the break: it may start a bullet
                donate_to.lines.append(line)
                donate_to.orphan_notes.extend(ln.orphan_notes)
                continue
            donate_to = None
        awaiting_text = current is not None and current.number is not None and not current.text_so_far()
        if not awaiting_text and _is_heading(lines, i, numbered):
            following = _next_text(lines, i)
            caption = (LIST_START.match(following) or is_bullet(clean_bullet(following))) and (
                current is not None and current.number is not None
            )
            if not caption:
                headings = [line]
                current = None
                skipping_contents = line.lower() == "contents"
                continue
        if skipping_contents:
            # A table of contents is navigation, not text: skip it up to the first blank line.
            skipping_contents = bool(lines[i + 1].text.strip()) if i + 1 < len(lines) else False
            if not skipping_contents:
                headings = [chapter] if chapter else []
            continue
        if current is None or _starts_new_block(current, line, lines, i, one_line_paragraphs):
            current = _Unit(None, chapter, tuple(headings), ln.page)
            units.append(current)
        current.lines.append(line)
        current.orphan_notes.extend(ln.orphan_notes)
    return _finish(doc_id, units, notes, vocab)


def _starts_new_block(current: _Unit, line: str, lines: list[NotedLine], i: int, one_line: bool) -> bool:
    """Unnumbered text: a new prose paragraph starts a new block; bullets stay with their lead-in."""
    if current.number is not None:
        return False
    if is_bullet(line) or LIST_ITEM.match(line) or not (line[0].isupper() or line[0] in "“\"‘'"):
        return False
    text = current.text_so_far()
    after_break = one_line or i == 0 or not lines[i - 1].text.strip()
    return bool(text) and after_break and bool(SENTENCE_END.search(text))


def _one_line_paragraphs(lines: list[NotedLine]) -> bool:
    """Web extracts put a whole paragraph on one line; PDF extracts wrap at ~90 characters."""
    text = [ln.text for ln in lines if ln.text.strip()]
    if not text:
        return False
    blank = len(lines) - len(text)
    lengths = sorted(len(t) for t in text)
    return blank < 0.2 * len(text) or lengths[len(lengths) // 2] > 110


def _finish(doc_id: str, units: list[_Unit], notes: dict[int, Footnote], vocab: Counter[str]) -> list[Paragraph]:
    out: list[Paragraph] = []
    block_counts: Counter[str] = Counter()
    for order, unit in enumerate(units):
        text = unglue(join_lines(unit.lines, vocab), vocab).strip()
        if not text:
            continue
        if unit.number is not None:
            pid = str(unit.number)
        else:
            anchor = slug(unit.headings[-1]) if unit.headings else slug(unit.chapter or "start")
            block_counts[anchor] += 1
            pid = f"{anchor}-{block_counts[anchor]}"
        refs = [int(n) for n in FOOTNOTE_REF.findall(text)] + unit.orphan_notes
        fns = tuple(notes[n] for n in sorted(set(refs)) if n in notes)
        headings = unit.headings if unit.headings else ((unit.chapter,) if unit.chapter else ())
        out.append(
            Paragraph(
                doc_id=doc_id,
                paragraph=pid,
                numbered=unit.number is not None,
                order=order,
                chapter=unit.chapter,
                headings=headings,
                page=unit.page,
                text=text,
                footnotes=fns,
            )
        )
    return out
