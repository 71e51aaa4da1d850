"""Footnotes: find their bodies, turn glued markers into ``[^n]`` references.

PDF text extraction puts footnote bodies at the bottom of each page and glues
the superscript marker to the word it follows ("Children Act 20042",
"(ICBs)®", "duty'®"). Footnotes are numbered in sequence through a document,
so the next expected number tells a footnote from anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.pages import URL_LINE, Line
from ingest.sentences import tokens

BRACKET_NOTE = re.compile(r"^\s*\[(\d{1,3})\]\s+(\S.*)$")
BRACKET_REF = re.compile(r"\[(\d{1,3})\]")
# A digit run glued to a lower-case word ("leaders4"), or a reference already marked "[^3]".
GLUED_REF = re.compile(r"(?<=[a-z])(\d{1,2})(?=[\s.,;:)]|$)|\[\^(\d{1,3})\]")
# "8 Domestic Abuse Act" or OCR's "8Domestic"; never "18" alone, nor "2) Verbal" (a list item)
NOTE_START = re.compile(r"^(\d{1,3})(?!\d)(?:\s+|(?=[A-Za-z“\"‘']))(\S.*)$")
# A marker glued to a year ("20042" = 2004 + note 2) or to a word (digits or OCR'd symbols).
YEAR_GLUED = re.compile(r"\b((?:19|20)\d\d)(\d{1,3})\b")
# The curly apostrophe is a marker only with a digit after it ("requirements’3"); alone it is
# a possessive or a closing quote.
SYMBOL_GLUED = re.compile(r"(?<=[A-Za-z)\d])( ?'|[?®°”*!']|’(?=[\dS°!]))([\dS°®”!?']?)(?=[\s.,;:)]|$)")
# A marker glued to a section number ("section 38" = section 3 + note 8): taken only for a note
# whose own text cites that section ("Domestic Abuse Act 2021 Section 3").
NUMBER_GLUED = re.compile(
    r"\b(section|sections|paragraph|part|schedule|regulation|article|chapter|rule)\s+(\d{2,4})\b", re.IGNORECASE
)
# OCR reads superscript digits as look-alike glyphs: "?°" is 20, "?!" is 21, "'S" is 15.
LOOKALIKE = {"°": "0", "!": "1", "S": "5"}
TENS = {"'": "1", "’": "1", "?": "2"}


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str


@dataclass(frozen=True)
class NotedLine(Line):
    """A body line, with footnotes that could not be placed at a marker but belong here."""

    orphan_notes: tuple[int, ...] = ()


def extract(lines: list[Line]) -> tuple[list[NotedLine], dict[int, Footnote]]:
    """Split footnote bodies from the text and mark references in the text."""
    notes: dict[int, Footnote] = {}
    body: list[NotedLine] = []
    # Bracket style ("[1] text") is self-describing wherever it stands.
    plain: list[Line] = []
    for ln in lines:
        m = BRACKET_NOTE.match(ln.text)
        if m:
            notes[int(m.group(1))] = Footnote(int(m.group(1)), m.group(2).strip())
        else:
            plain.append(ln)
    if notes:
        last = 0  # the highest note referred to so far: notes are numbered in reading order
        for ln in plain:
            text = BRACKET_REF.sub(r"[^\1]", ln.text)
            text, last = _mark_next_glued(text, last)
            body.append(NotedLine(text, ln.page, ln.gap))
        return body, notes
    return _extract_page_notes(plain)


def _mark_next_glued(text: str, last: int) -> tuple[str, int]:
    """A bracket-style document's text with a marker the extract glued to its word ("practice
    leaders4", the note's body not held) written ``[^4]``: only the number next in sequence after
    the notes referred to so far counts, so "Covid19" or "section 17" never does. Returns the
    text and the highest note referred to by the end of it."""
    out: list[str] = []
    at = 0
    for m in GLUED_REF.finditer(text):
        number = int(m.group(2) or m.group(1))
        if m.group(2):  # an already bracketed reference moves the sequence on
            last = max(last, number)
        elif number == last + 1:
            out.append(text[at:m.start(1)] + f"[^{number}]")
            at = m.end(1)
            last = number
    return "".join(out) + text[at:], last


def _extract_page_notes(lines: list[Line]) -> tuple[list[NotedLine], dict[int, Footnote]]:
    notes: dict[int, Footnote] = {}
    pages: list[list[Line]] = []
    for ln in lines:
        if not pages or pages[-1][0].page != ln.page:
            pages.append([])
        pages[-1].append(ln)
    if all(p[0].page is None for p in pages):
        return [NotedLine(ln.text, ln.page, ln.gap) for ln in lines], notes
    expected = 1
    out: list[NotedLine] = []
    for page in pages:
        start = _note_region_start(page, expected)
        text_lines, region = (page, []) if start is None else (page[:start], page[start:])
        page_notes = _parse_region(region, expected)
        expected += len(page_notes)
        notes.update({n.number: n for n in page_notes})
        out.extend(_mark(text_lines, page_notes))
    return out, notes


def _note_region_start(page: list[Line], expected: int) -> int | None:
    for i, ln in enumerate(page):
        m = NOTE_START.match(ln.text)
        if m and int(m.group(1)) == expected and not ln.text.startswith(f"{expected}."):
            rest = page[i + 1 :]
            # The rest of the page is footnotes, their wrapped lines and their links, at its foot
            # (never more than half of it: a page of body text is not a footnote).
            content = sum(1 for r in page if r.text.strip())
            at_foot = sum(1 for r in rest if r.text.strip()) < content / 2
            if at_foot and all(_is_note_line(r.text, expected) for r in rest):
                return i
    return None


def _is_note_line(text: str, first: int) -> bool:
    if not text.strip() or URL_LINE.match(text):
        return True
    m = NOTE_START.match(text)
    if m and first <= int(m.group(1)) <= first + 9:
        return True
    # A wrapped footnote line: short prose that is not a new paragraph or bullet.
    return not re.match(r"^(\d{1,3}\.|•|e |¢ |o )", text)


def _parse_region(region: list[Line], expected: int) -> list[Footnote]:
    found: list[list[str]] = []
    links: list[str] = []
    nxt = expected
    for ln in region:
        text = ln.text.strip()
        if not text:
            continue
        if URL_LINE.match(text):
            links.append(text)
            continue
        m = NOTE_START.match(text)
        if m and int(m.group(1)) == nxt:
            found.append([m.group(2).strip()])
            nxt += 1
        elif found:
            found[-1].append(text)
    result = [Footnote(expected + i, " ".join(parts)) for i, parts in enumerate(found)]
    if links and len(links) == len(result):
        result = [replace(n, text=f"{n.text} ({url})") for n, url in zip(result, links, strict=True)]
    return result


@dataclass(frozen=True)
class _Marker:
    """A place on a page that may be a glued footnote marker."""

    line: int
    start: int
    end: int
    units: str  # the digit the marker reads as ("2" in "2018'2", "0" in "?°"), "" when it shows none
    tens: str  # the tens digit a two-glyph marker suggests ("1" in "'2", "2" in "?°")
    printed: bool  # real digits, which rarely disagree with the note's number
    context: frozenset[str]  # words just before it, to match against the note's text
    needs: str = ""  # the note must cite this ("section 3"), else the marker is not one


def _markers(lines: list[Line]) -> list[_Marker]:
    found: list[_Marker] = []
    before = ""  # the page's text so far, to tell a closing quote from a marker
    for i, ln in enumerate(lines):
        if not _looks_like_heading(ln.text):
            for m in YEAR_GLUED.finditer(ln.text):
                context = _context(before, ln.text[: m.start(2)])
                found.append(_Marker(i, m.start(2), m.end(2), m.group(2), "", True, context))
            for m in NUMBER_GLUED.finditer(ln.text):
                digits = m.group(2)
                for cut in (1, 2):
                    if len(digits) > cut:
                        head, tail = digits[:-cut], digits[-cut:]
                        at = m.start(2) + len(head)
                        context = _context(before, ln.text[: m.start()])
                        needs = f"{m.group(1).lower()} {head}"
                        found.append(_Marker(i, at, m.end(2), tail[-1], tail[:-1], True, context, needs))
            for m in SYMBOL_GLUED.finditer(ln.text):
                head, tail = m.group(1).strip(), m.group(2)
                if head in "”’" and not tail and _closes_quote(before + ln.text[: m.start()], head):
                    continue
                glyph = tail or (head if head in LOOKALIKE else "")
                units = glyph if glyph.isdigit() else LOOKALIKE.get(glyph, "")
                tens = TENS.get(head, "") if tail else ""
                context = _context(before, ln.text[: m.start()])
                found.append(_Marker(i, m.start(), m.end(), units, tens, glyph.isdigit(), context))
        before += ln.text + "\n"
    return sorted(found, key=lambda c: (c.line, c.start))


def _closes_quote(text: str, glyph: str) -> bool:
    opening = "“" if glyph == "”" else "‘"
    return text.count(opening) > text.count(glyph)


def _context(before: str, line_head: str) -> frozenset[str]:
    return frozenset(tokens(f"{before[-200:]} {line_head}")[-8:])


def _fit(marker: _Marker, note: Footnote, note_words: frozenset[str]) -> float:
    """How well a marker fits a note: digits that agree, then words shared with the note."""
    number = str(note.number)
    if marker.needs and not re.search(rf"\b{re.escape(marker.needs)}\b", note.text.lower()):
        return -10.0
    if marker.needs and number != marker.units and number != marker.tens + marker.units:
        return -10.0
    if marker.units and number.endswith(marker.units):
        score = 3.0
    else:
        score = -1.0 if marker.printed else 0.0  # OCR misreads digits too ("20108" for note 6)
    if marker.tens and number[-2:-1] == marker.tens:
        score += 1.0
    return score + min(len(marker.context & note_words), 3)


def _align(markers: list[_Marker], notes: list[Footnote]) -> dict[int, _Marker]:
    """Match notes to markers in reading order: as many as possible, then the best fit.

    With exactly as many markers as notes, every marker is taken in order (as the numbering
    says). Otherwise only markers with some evidence (a digit that agrees, or words shared
    with the note) are used, so a stray apostrophe is never replaced by a reference.
    """
    m, k = len(markers), len(notes)
    words = [frozenset(tokens(n.text)) for n in notes]
    fits = [[_fit(markers[i], notes[j], words[j]) for j in range(k)] for i in range(m)]
    usable = sum(1 for x in markers if not x.needs) == len(notes)
    # best[i][j]: (matches, score) from markers[i:] and notes[j:]; step[i][j]: how to get it.
    best = [[(0, 0.0)] * (k + 1) for _ in range(m + 1)]
    step = [[""] * (k + 1) for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        for j in range(k - 1, -1, -1):
            options = [(best[i + 1][j], "skip-marker"), (best[i][j + 1], "skip-note")]
            if (usable and not markers[i].needs) or fits[i][j] >= 1:
                n, score = best[i + 1][j + 1]
                options.append(((n + 1, score + fits[i][j]), "match"))
            best[i][j], step[i][j] = max(options, key=lambda o: o[0])
    placed: dict[int, _Marker] = {}
    i = j = 0
    while i < m and j < k:
        if step[i][j] == "match":
            placed[notes[j].number] = markers[i]
            i, j = i + 1, j + 1
        elif step[i][j] == "skip-marker":
            i += 1
        else:
            j += 1
    return placed


def _mark(lines: list[Line], notes: list[Footnote]) -> list[NotedLine]:
    """Replace glued markers on a page with ``[^n]``; notes without a marker go to the last line."""
    if not notes:
        return [NotedLine(ln.text, ln.page, ln.gap) for ln in lines]
    placed = _align(_markers(lines), notes)
    by_line: dict[int, list[tuple[int, int, int]]] = {}
    for number, marker in placed.items():
        by_line.setdefault(marker.line, []).append((marker.start, marker.end, number))
    out: list[NotedLine] = []
    for i, ln in enumerate(lines):
        text = ln.text
        for s, e, n in sorted(by_line.get(i, []), reverse=True):
            text = text[:s].rstrip() + f"[^{n}]" + text[e:]
        out.append(NotedLine(text, ln.page, ln.gap))
    orphans = tuple(n.number for n in notes if n.number not in placed)
    if orphans:
        last = max((i for i, ln in enumerate(out) if ln.text.strip()), default=None)
        if last is not None:
            out[last] = replace(out[last], orphan_notes=orphans)
    return out


def _looks_like_heading(text: str) -> bool:
    t = text.strip()
    return bool(t) and len(t) < 90 and t[-1] == "?" and len(t.split()) <= 12
