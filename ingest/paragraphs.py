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
from typing import Any

from ingest.clean import CAPTION, clean_bullet, is_bullet, join_lines, unglue
from ingest.footnotes import Footnote, NotedLine
from ingest.numbering import paragraph_starts
from ingest.report import IngestWarning

CHAPTER = re.compile(r"^(Chapter\s+\d+\b.*|Introduction|Appendix\s+[A-Z0-9]\b.*)$")
PARA_START = re.compile(r"^(\d{1,5})(\.?)(?:\s+(.*))?$")
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
    page_end: int | None = None  # the last page the paragraph runs onto (== page when on one page)
    # Where in ``text`` a new page begins: (character offset, page number), in order.
    page_breaks: tuple[tuple[int, int], ...] = ()

    @property
    def heading(self) -> str | None:
        return self.headings[-1] if self.headings else None

    def page_at(self, offset: int) -> int | None:
        """The page the character at ``offset`` of ``text`` is printed on."""
        page = self.page
        for start, number in self.page_breaks:
            if start > offset:
                break
            page = number
        return page

    def pages_of(self, quoted: str) -> tuple[int | None, int | None]:
        """(first, last) page of a quotation of this paragraph (found by its first and last
        words, footnote marks and spacing ignored); the paragraph's own pages when not found."""
        if not self.page_breaks:
            return self.page, self.page_end
        words = WORDS.findall(FOOTNOTE_MARK.sub("", quoted))
        start = _find_words(self.text, words[:5], 0)
        if start is None:
            return self.page, self.page_end
        end = _find_words(self.text, words[-3:], start)
        return self.page_at(start), self.page_at(end if end is not None else start)


@dataclass
class _Unit:
    number: str | None  # the paragraph id of a numbered paragraph
    chapter: str | None
    headings: tuple[str, ...]
    page: int | None
    lines: list[str] = field(default_factory=list)
    pages: list[int | None] = field(default_factory=list)  # the page of each line
    orphan_notes: list[int] = field(default_factory=list)
    order: float = 0  # position among the units (a kept bare heading goes back to where it stood)

    def add(self, line: str, page: int | None) -> None:
        self.lines.append(line)
        self.pages.append(page)

    def text_so_far(self) -> str:
        return " ".join(ln.strip() for ln in self.lines if ln.strip())


def slug(text: str, limit: int = 40) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "text"


def _is_heading(lines: list[NotedLine], i: int, numbered_doc: bool, wrapped: bool = False) -> bool:
    t = lines[i].text.strip()
    if not t or len(t) > 90 or len(t.split()) > 12 or is_bullet(t) or LIST_ITEM.match(t) or " | " in t or "  " in t:
        return False  # (a table row, its columns set apart by " | " or runs of spaces, is not a heading)
    if t[-1] in ".,;:" or not (t[0].isupper() or t[0].isdigit()) or PARA_START.match(t):
        return False
    prev_blank = i == 0 or not lines[i - 1].text.strip() or lines[i - 1].page != lines[i].page
    nxt = lines[i + 1].text.strip() if i + 1 < len(lines) else ""
    if numbered_doc:
        # PDF text has no blank lines: there a heading is a short line between the end of
        # one sentence and the start of the next numbered paragraph.
        after = _after_sentence(lines, i)
        # ... or a short line after a finished sentence, above a line that starts a new sentence
        # (a box's title above its text).
        boxed = (
            wrapped and after and len(t) <= 60 and nxt[:1].isupper() and not PARA_START.match(nxt)
            and not is_bullet(nxt)
        )
        return (prev_blank and not nxt) or (after and bool(PARA_START.match(nxt))) or boxed
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
    warnings: list[IngestWarning] | None = None,
) -> list[Paragraph]:
    """Paragraphs and unnumbered blocks of one document, in order. Numbering gaps and restarts
    (``ingest.numbering``) are appended to ``warnings``."""
    lines = [ln for ln in lines if ln.text.strip() not in drop_lines]
    one_line_paragraphs = _one_line_paragraphs(lines)
    wrapped = _wrapped(lines)
    cleaned = [clean_bullet(ln.text.strip()) if ln.text.strip() else "" for ln in lines]
    pages = [ln.page for ln in lines]
    found = warnings if warnings is not None else []
    gaps = frozenset(i for i, ln in enumerate(lines) if ln.gap)
    starts = paragraph_starts(doc_id, cleaned, pages, _chapters(cleaned), found, gaps) if numbered else {}
    units: list[_Unit] = []
    chapter: str | None = None
    headings: list[str] = []
    current: _Unit | None = None
    donate_to: _Unit | None = None  # a number set apart from its text: see below
    skipping_contents = False
    skip_next = False
    in_items = False  # inside a list of short lines after a lead-in
    # A heading with no text under it: followed by another heading it is that heading's parent
    # (a box title over its own headings); followed by a new chapter or the end it is text, kept
    # as a block of its own rather than lost.
    bare: _Unit | None = None

    def keep_bare() -> None:
        nonlocal bare
        if bare is not None:
            units.append(bare)
        bare = None

    def set_heading(text: str, page: int | None) -> None:
        nonlocal bare, headings
        before = tuple(headings) if bare is None else tuple(headings[:-1])
        headings = [*headings[-2:], text] if bare is not None else [text]
        bare = None
        if text.lower() != "contents":
            bare = _Unit(None, chapter, before, page, order=len(units) - 0.5)
            bare.add(text, page)

    for i, ln in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        line = cleaned[i]
        if ln.gap:
            # Text is missing before this line (a page with no text layer): nothing runs across it.
            current, donate_to = None, None
        if not line:
            if current is not None:
                current.add("", ln.page)
            continue
        if CHAPTER.match(line) and len(line) < 90:
            keep_bare()
            chapter, headings, current, donate_to = line, [], None, None
            continue
        start = starts.get(i)
        if start is not None and start.title:
            set_heading(start.rest or start.pid, ln.page)
            current, donate_to = None, None
            continue
        if start is not None:
            prev = units[-1] if units and units[-1].number is not None else None
            current = _Unit(start.pid, chapter, tuple(headings), ln.page, order=len(units))
            units.append(current)
            bare = None
            if start.rest:
                current.add(start.rest, ln.page)
            # PDF extraction sometimes sets the number apart, before the bullets that
            # end the previous paragraph ("38. ... to:" / "39." / "work together ...").
            donate_to = prev if (not start.rest and prev and prev.text_so_far().endswith(":")) else None
            current.orphan_notes.extend(ln.orphan_notes)
            continue
        if donate_to is not None:
            if not line[0].isupper() or is_bullet(line):
                if i > 0 and not lines[i - 1].text.strip():
                    donate_to.add("", ln.page)  # keep the break: it may start a bullet
                donate_to.add(line, ln.page)
                donate_to.orphan_notes.extend(ln.orphan_notes)
                continue
            donate_to = None
        awaiting_text = current is not None and current.number is not None and not current.text_so_far()
        if current is not None and (in_items or current.text_so_far().endswith(":")) and _item_here(
            cleaned, i, starts
        ):
            # Short lines after a lead-in ("should consider:" / "Early help" / "Social care") are its
            # list, whose bullets the extract lost: they stay in the paragraph, not become headings.
            current.add("• " + line, ln.page)
            current.orphan_notes.extend(ln.orphan_notes)
            in_items = True
            continue
        in_items = False
        if not awaiting_text and numbered and _wrapped_heading(lines, i):
            set_heading(f"{line} {cleaned[i + 1]}", ln.page)
            current = None
            skip_next = True
            continue
        if not awaiting_text and _is_heading(lines, i, numbered, wrapped):
            following = _next_text(lines, i)
            caption = (LIST_START.match(following) or is_bullet(clean_bullet(following))) and (
                current is not None and current.number is not None
            )
            if not caption:
                set_heading(line, ln.page)
                current = None
                skipping_contents = line.lower() == "contents"
                continue
            assert current is not None
            current.add(CAPTION + line, ln.page)  # on a line of its own, above its list
            current.orphan_notes.extend(ln.orphan_notes)
            continue
        if skipping_contents:
            # A table of contents is navigation, not text: skip it up to the first blank line.
            skipping_contents = bool(lines[i + 1].text.strip()) if i + 1 < len(lines) else False
            if not skipping_contents:
                headings = [chapter] if chapter else []
            continue
        if current is None or _starts_new_block(current, line, lines, i, one_line_paragraphs):
            current = _Unit(None, chapter, tuple(headings), ln.page, order=len(units))
            units.append(current)
            bare = None
        current.add(line, ln.page)
        current.orphan_notes.extend(ln.orphan_notes)
    keep_bare()
    units.sort(key=lambda u: u.order)
    return _finish(doc_id, units, notes, vocab)


def _short(text: str) -> bool:
    """A short line that is not a lead-in and not a table row (columns set apart by runs of spaces)."""
    return bool(text) and len(text) <= 60 and len(text.split()) <= 8 and not text.endswith(":") and "  " not in text


def _item_here(cleaned: list[str], i: int, starts: dict[int, Any]) -> bool:
    """Line ``i`` is a short line whose next text is another short line, a paragraph, a chapter or
    the end: an item of a list without its bullets, not a heading over prose."""
    line = cleaned[i]
    if not _short(line) or is_bullet(line) or LIST_ITEM.match(line) or i in starts or CHAPTER.match(line):
        return False
    j = next((k for k in range(i + 1, len(cleaned)) if cleaned[k]), None)
    if j is None or j in starts or CHAPTER.match(cleaned[j]):
        return True
    return _short(cleaned[j]) and not LIST_ITEM.match(cleaned[j])


def _chapters(lines: list[str]) -> list[str | None]:
    """The chapter each line stands in (for the ids of paragraphs numbered again from 1)."""
    out: list[str | None] = []
    chapter: str | None = None
    for line in lines:
        if CHAPTER.match(line) and len(line) < 90:
            chapter = line
        out.append(chapter)
    return out


def _wrapped_heading(lines: list[NotedLine], i: int) -> bool:
    """A heading wrapped over two lines in a PDF extract: a long first line and a short second one
    that carries on in lower case, set apart by blank lines (or a page break) from the text around,
    with no closing punctuation, followed by prose that starts with a capital."""
    if i + 2 >= len(lines):
        return False
    first, second, after = lines[i].text.strip(), lines[i + 1].text.strip(), lines[i + 2].text.strip()
    prev_blank = i == 0 or not lines[i - 1].text.strip() or lines[i - 1].page != lines[i].page
    if not (prev_blank and first and second and not after) or lines[i + 1].page != lines[i].page:
        return False
    words = len(first.split()) + len(second.split())
    following = _next_text(lines, i + 1)
    return (
        first[0].isupper()
        and second[0].islower()
        and len(first) >= 50
        and len(second) < len(first)
        and words <= 24
        and not SENTENCE_END.search(second)
        and second[-1] not in ",;:"
        and not is_bullet(first)
        and not LIST_ITEM.match(first)
        and not PARA_START.match(first)
        and following[:1].isupper()
        and not PARA_START.match(following)
    )


def _starts_new_block(current: _Unit, line: str, lines: list[NotedLine], i: int, one_line: bool) -> bool:
    """Unnumbered text: a new prose paragraph starts a new block; bullets stay with their lead-in."""
    if current.number is not None:
        return False
    if is_bullet(line) or LIST_ITEM.match(line) or not (line[0].isupper() or line[0] in "“\"‘'"):
        return False
    text = current.text_so_far()
    after_break = one_line or i == 0 or not lines[i - 1].text.strip()
    return bool(text) and after_break and bool(SENTENCE_END.search(text))


def _wrapped(lines: list[NotedLine]) -> bool:
    """Text wrapped at a page's width (a PDF extract): many lines carry on a sentence in lower case."""
    text = [ln.text.strip() for ln in lines if ln.text.strip()]
    return bool(text) and sum(1 for t in text if t[0].islower()) >= 0.25 * len(text)


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
                page_end=next(
                    (p for ln, p in zip(reversed(unit.lines), reversed(unit.pages), strict=True) if ln.strip() and p),
                    unit.page,
                ),
                page_breaks=_page_breaks(text, unit),
            )
        )
    return out


WORDS = re.compile(r"\w+")


def _page_breaks(text: str, unit: _Unit) -> tuple[tuple[int, int], ...]:
    """Where each later page's first line begins in the finished text: found by its first words
    (or, when the first word was joined to the line before it, by the words after it)."""
    breaks: list[tuple[int, int]] = []
    current, cursor = unit.page, 0
    for line, page in zip(unit.lines, unit.pages, strict=True):
        if not line.strip() or page is None or page == current:
            continue
        words = WORDS.findall(FOOTNOTE_MARK.sub("", line))
        at = _find_words(text, words[:4], cursor)
        if at is None and len(words) > 1:
            after = _find_words(text, words[1:5], cursor)
            at = None if after is None else text.rfind(" ", cursor, after) + 1 if " " in text[cursor:after] else after
        if at is not None:
            breaks.append((at, page))
            current, cursor = page, at
    return tuple(breaks)


def _find_words(text: str, words: list[str], start: int) -> int | None:
    if not words:
        return None
    m = re.compile(r"\b" + r"\W+(?:\[\^\d+\]\W*)?".join(map(re.escape, words))).search(text, start)
    return m.start() if m else None
