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

BRACKET_NOTE = re.compile(r"^\s*\[(\d{1,3})\]\s+(\S.*)$")
BRACKET_REF = re.compile(r"\[(\d{1,3})\]")
NOTE_START = re.compile(r"^(\d{1,3})\s?(\S.*)$")
# A marker glued to a year ("20042" = 2004 + note 2) or to a word (digits or OCR'd symbols).
YEAR_GLUED = re.compile(r"\b((?:19|20)\d\d)(\d{1,2})\b")
SYMBOL_GLUED = re.compile(r"(?<=[A-Za-z)\d])( ?'|[?®°”*!'])([\dS°®”!?']?)(?=[\s.,;:)]|$)")


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
        for ln in plain:
            body.append(NotedLine(BRACKET_REF.sub(r"[^\1]", ln.text), ln.page))
        return body, notes
    return _extract_page_notes(plain)


def _extract_page_notes(lines: list[Line]) -> tuple[list[NotedLine], dict[int, Footnote]]:
    notes: dict[int, Footnote] = {}
    pages: list[list[Line]] = []
    for ln in lines:
        if not pages or pages[-1][0].page != ln.page:
            pages.append([])
        pages[-1].append(ln)
    if all(p[0].page is None for p in pages):
        return [NotedLine(ln.text, ln.page) for ln in lines], notes
    expected = 1
    out: list[NotedLine] = []
    for page in pages:
        start = _note_region_start(page, expected)
        text_lines, region = (page, []) if start is None else (page[:start], page[start:])
        page_notes = _parse_region(region, expected)
        expected += len(page_notes)
        notes.update({n.number: n for n in page_notes})
        out.extend(_mark(text_lines, [n.number for n in page_notes]))
    return out, notes


def _note_region_start(page: list[Line], expected: int) -> int | None:
    for i, ln in enumerate(page):
        m = NOTE_START.match(ln.text)
        if m and int(m.group(1)) == expected and not ln.text.startswith(f"{expected}."):
            rest = page[i + 1 :]
            # The rest of the page is footnotes, their wrapped lines and their links.
            if all(_is_note_line(r.text, expected) for r in rest):
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


def _mark(lines: list[Line], numbers: list[int]) -> list[NotedLine]:
    """Replace glued markers on a page with ``[^n]``, in order; unplaced notes go to the last line."""
    if not numbers:
        return [NotedLine(ln.text, ln.page) for ln in lines]
    candidates: list[tuple[int, int, int, int]] = []  # (line index, start, end, keep)
    for i, ln in enumerate(lines):
        if _looks_like_heading(ln.text):
            continue
        for m in YEAR_GLUED.finditer(ln.text):
            candidates.append((i, m.start(2), m.end(2), 0))
        for m in SYMBOL_GLUED.finditer(ln.text):
            candidates.append((i, m.start(), m.end(), 0))
    candidates.sort()
    placed: dict[int, list[tuple[int, int, int]]] = {}
    if len(candidates) == len(numbers):
        for (i, s, e, _), n in zip(candidates, numbers, strict=True):
            placed.setdefault(i, []).append((s, e, n))
        orphans: list[int] = []
    else:
        orphans = list(numbers)
    out: list[NotedLine] = []
    for i, ln in enumerate(lines):
        text = ln.text
        for s, e, n in sorted(placed.get(i, []), reverse=True):
            text = text[:s].rstrip() + f"[^{n}]" + text[e:]
        out.append(NotedLine(text, ln.page))
    if orphans:
        last = max((i for i, ln in enumerate(out) if ln.text.strip()), default=None)
        if last is not None:
            out[last] = replace(out[last], orphan_notes=tuple(orphans))
    return out


def _looks_like_heading(text: str) -> bool:
    t = text.strip()
    return bool(t) and len(t) < 90 and t[-1] == "?" and len(t.split()) <= 12
