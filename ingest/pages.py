"""Turn raw pages into lines that know their page.

Text extracted from a PDF keeps page furniture as text: a printed page number
alone on a line, a run of blank lines where a page ended, a leading space on the
first line of a new page, and (in real PDFs) running headers and footers. This
stage turns that furniture into page metadata and drops it from the text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.loaders import RawPage

BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")
DOTTED_NUMBER = re.compile(r"^\s?(\d{1,3})\.(?:\s|$)")
URL_LINE = re.compile(r"^\s*https?://\S+\s*$")
CHAPTER_LIKE = re.compile(r"^(?:Chapter|Part|Section|Annex|Appendix)\s+[A-Z0-9]+\b", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    text: str
    page: int | None
    gap: bool = False  # text is missing just before this line (a PDF page with no text layer)


def paginate(raw_pages: list[RawPage]) -> list[Line]:
    if len(raw_pages) == 1 and raw_pages[0].number is None:
        return _paginate_text(raw_pages[0].text)
    return _paginate_pdf(raw_pages)


def _bare_paragraph_numbers(lines: list[str]) -> set[int]:
    """Indexes of bare-number lines that are paragraph numbers missing their dot.

    A bare number is a paragraph only when it is the next number in sequence and
    no later line gives that number with its dot (else it is a page number).
    """
    result: set[int] = set()
    last = 0
    dotted_later: Counter[int] = Counter()
    for line in lines:
        m = DOTTED_NUMBER.match(line)
        if m:
            dotted_later[int(m.group(1))] += 1
    for i, line in enumerate(lines):
        m = DOTTED_NUMBER.match(line)
        if m:
            n = int(m.group(1))
            dotted_later[n] -= 1
            if n == last + 1:
                last = n
            continue
        b = BARE_NUMBER.match(line)
        if b and int(b.group(1)) == last + 1 and dotted_later[last + 1] <= 0:
            result.add(i)
            last += 1
    return result


def _paginate_text(text: str) -> list[Line]:
    lines = [ln.rstrip() for ln in text.split("\n")]
    bare_paragraphs = _bare_paragraph_numbers(lines)
    page_numbers = {
        i: int(m.group(1)) for i, ln in enumerate(lines) if (m := BARE_NUMBER.match(ln)) and i not in bare_paragraphs
    }
    has_pages = bool(page_numbers)
    # Split into page segments: (explicit number or None, lines)
    segments: list[tuple[int | None, list[str]]] = [(None, [])]
    blank_run = 0
    pending_break = False
    for i, ln in enumerate(lines):
        if i in page_numbers:
            segments[-1] = (page_numbers[i], segments[-1][1])
            segments.append((None, []))
            blank_run = 0
            pending_break = False
            continue
        if not ln.strip():
            blank_run += 1
            segments[-1][1].append("")
            continue
        starts_page = has_pages and ln.startswith(" ") and not ln.startswith("  ") and segments[-1][1] != []
        if has_pages and blank_run >= 3 and not URL_LINE.match(ln):
            starts_page = True
        if pending_break and not URL_LINE.match(ln):
            starts_page = True
            pending_break = False
        if has_pages and blank_run >= 3 and URL_LINE.match(ln):
            pending_break = True  # footnote links close the page; the break comes after them
        if starts_page and any(s.strip() for s in segments[-1][1]):
            segments.append((None, []))
        blank_run = 0
        segments[-1][1].append(ln.lstrip() if has_pages else ln)
    numbers = _fill_numbers([n for n, _ in segments]) if has_pages else [None] * len(segments)
    return [Line(ln, num) for (_, seg), num in zip(segments, numbers, strict=True) for ln in seg]


def _fill_numbers(explicit: list[int | None]) -> list[int | None]:
    """Infer missing page numbers by counting pages from the nearest printed one."""
    known = [i for i, n in enumerate(explicit) if n is not None]
    if not known:
        return explicit
    out: list[int | None] = list(explicit)
    for i in range(len(out)):
        if out[i] is None:
            nearest = min(known, key=lambda k: abs(k - i))
            base = explicit[nearest]
            assert base is not None
            value = base + (i - nearest)
            out[i] = value if value > 0 else None
    return out


def _furniture(pages: list[list[str]]) -> set[str]:
    """Running headers and footers: a line (digits ignored) at the same edge of a page, the top two
    or the bottom two lines, on at least 3 pages (2 in a document of 2 or 3 pages) and on at least
    half the pages from the first to the last it is seen on. So a header that changes with the
    chapter is found too, while a short line that happens to open a few pages far apart is not."""
    seen: dict[tuple[str, str], list[int]] = {}
    for number, lines in enumerate(pages):
        content = [ln.strip() for ln in lines if ln.strip()]
        for edge, part in (("top", content[:2]), ("bottom", content[-2:])):
            for key in {_key(ln) for ln in part}:
                seen.setdefault((edge, key), []).append(number)
    least = 2 if len(pages) <= 3 else 3
    return {
        key
        for (_, key), where in seen.items()
        if len(where) >= least and len(where) >= (where[-1] - where[0] + 1) / 2
    }


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def _paginate_pdf(raw_pages: list[RawPage]) -> list[Line]:
    """Lines with their printed page; running headers, footers and page numbers dropped.

    On each page one line per furniture key is dropped from its top or bottom edge, and a chapter
    title is kept the first time it appears (its running header repeats it later). An empty page
    (no text layer) marks the next line with ``gap``."""
    split = [[ln.rstrip() for ln in p.text.split("\n")] for p in raw_pages]
    furniture = _furniture(split)
    first_seen: set[str] = set()
    out: list[Line] = []
    gap = False
    for page, lines in zip(raw_pages, split, strict=True):
        content = [i for i, ln in enumerate(lines) if ln.strip()]
        if not content:
            gap = True
            continue
        edges = set(content[:2] + content[-2:])
        dropped: set[str] = set()
        for i, ln in enumerate(lines):
            key = _key(ln)
            heading_first_time = key not in first_seen and CHAPTER_LIKE.match(ln.strip())
            if i in edges and key in furniture and key not in dropped and not heading_first_time:
                dropped.add(key)
                continue
            if BARE_NUMBER.match(ln) and int(ln.strip()) == page.number:
                continue
            first_seen.add(key)
            out.append(Line(ln.strip(), page.number, gap and bool(ln.strip())))
            gap = gap and not ln.strip()
        out.append(Line("", page.number))
    return out
