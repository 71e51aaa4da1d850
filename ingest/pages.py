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
NUMBER_ONLY = re.compile(r"^#(?:\.#)*[.)]$")  # "14." or "4.2." alone: a paragraph number, never furniture
PAGE_OF = re.compile(r"^\s*page\s+(\d{1,4})(?:\s+of\s+\d{1,4})?\s*$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?:;”\")]$")
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


def number_in_sentence(before: str, after: str) -> bool:
    """A number alone on a line between these two lines is a word of the sentence running through
    it ("under the age of" / "18" / "years"), not a page number."""
    return bool(before) and bool(after) and not SENTENCE_END.search(before) and after[0].islower()


def _page_number_lines(lines: list[str]) -> dict[int, int]:
    """Line index -> printed page number: a number alone on its line ("12", "Page 12 of 30"),
    unless it is a paragraph number missing its dot, or a number inside a sentence ("under the
    age of" / "18" / "years"), or out of step with the other page numbers."""
    bare_paragraphs = _bare_paragraph_numbers(lines)
    found: dict[int, int] = {}
    for i, ln in enumerate(lines):
        m = BARE_NUMBER.match(ln) or PAGE_OF.match(ln)
        if not m or i in bare_paragraphs:
            continue
        before = lines[i - 1].strip() if i else ""
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if BARE_NUMBER.match(ln) and number_in_sentence(before, after):
            continue
        found[i] = int(m.group(1))
    return {i: found[i] for i in _increasing(list(found.items()))}


def _increasing(items: list[tuple[int, int]]) -> set[int]:
    """Indexes of the longest run of strictly increasing numbers (in line order)."""
    best: list[list[int]] = []
    for k, (_, n) in enumerate(items):
        prev = max((best[j] for j in range(k) if items[j][1] < n), key=len, default=[])
        best.append([*prev, k])
    chain = max(best, key=len, default=[])
    return {items[k][0] for k in chain}


def _paginate_text(text: str) -> list[Line]:
    lines = [ln.rstrip() for ln in text.split("\n")]
    page_numbers = _page_number_lines(lines)
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
    if len(segments) > 1:
        kept = _drop_furniture([seg for _, seg in segments])
        segments = [(n, seg) for (n, _), seg in zip(segments, kept, strict=True)]
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
    chapter is found too, while a short line that happens to open a few pages far apart is not.
    Its numbers must be the same on every page (a year) or step with the page (a page number):
    footnotes that differ only in their numbers ("4 Children Act 1989, as amended") are text."""
    seen: dict[tuple[str, str], list[int]] = {}
    same: dict[str, set[tuple[int, ...]]] = {}  # the numbers in the line, as they are
    step: dict[str, set[tuple[int, ...]]] = {}  # ... with the first counted from the page's position
    for number, lines in enumerate(pages):
        content = [ln.strip() for ln in lines if ln.strip()]
        for edge, part in (("top", content[:2]), ("bottom", content[-2:])):
            for ln in part:
                key = _key(ln)
                if number not in seen.setdefault((edge, key), []):
                    seen[(edge, key)].append(number)
                digits = tuple(int(d) for d in re.findall(r"\d+", ln))
                same.setdefault(key, set()).add(digits)
                step.setdefault(key, set()).add(tuple(d - number for d in digits[:1]) + digits[1:])
    least = 2 if len(pages) <= 3 else 3
    found = {
        key
        for (_, key), where in seen.items()
        if len(where) >= least
        and len(where) >= (where[-1] - where[0] + 1) / 2
        and not NUMBER_ONLY.match(key)
        and (len(same[key]) == 1 or len(step[key]) == 1)
    }
    # Where most pages open (or close) with running furniture, the document has a header (footer)
    # line: then a line in that place on two pages in a row is one too (a two-page chapter's title).
    for slot in (0, -1):
        at_slot = [_key(filled[slot]) if (filled := [ln for ln in lines if ln.strip()]) else "" for lines in pages]
        if len(pages) >= 4 and sum(1 for k in at_slot if k in found) >= len(pages) / 2:
            found |= {a for a, b in zip(at_slot, at_slot[1:], strict=False) if a and a == b}
    return found


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def _drop_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Each page's lines without its running header/footer lines (see ``_furniture``): on each page
    one line per furniture key is dropped from its top or bottom edge, and a chapter title is kept
    the first time it appears (its running header repeats it later)."""
    furniture = _furniture(pages)
    if not furniture:
        return pages
    first_seen: set[str] = set()
    out: list[list[str]] = []
    for lines in pages:
        content = [i for i, ln in enumerate(lines) if ln.strip()]
        edges = set(content[:2] + content[-2:])
        dropped: set[str] = set()
        kept: list[str] = []
        for i, ln in enumerate(lines):
            key = _key(ln)
            heading_first_time = key not in first_seen and CHAPTER_LIKE.match(ln.strip())
            if i in edges and key in furniture and key not in dropped and not heading_first_time:
                dropped.add(key)
                continue
            if ln.strip():
                first_seen.add(key)
            kept.append(ln)
        out.append(kept)
    return out


def _paginate_pdf(raw_pages: list[RawPage]) -> list[Line]:
    """Lines with their printed page; running headers, footers and page numbers dropped. An empty
    page (no text layer) marks the next line with ``gap``."""
    split = _drop_furniture([[ln.rstrip() for ln in p.text.split("\n")] for p in raw_pages])
    out: list[Line] = []
    gap = False
    for page, lines in zip(raw_pages, split, strict=True):
        if not any(ln.strip() for ln in lines):
            gap = gap or not page.text.strip()
            continue
        for ln in lines:
            if BARE_NUMBER.match(ln) and int(ln.strip()) == page.number:
                continue
            if PAGE_OF.match(ln) and int(PAGE_OF.match(ln).group(1)) == page.number:  # type: ignore[union-attr]
                continue
            out.append(Line(ln.strip(), page.number, gap and bool(ln.strip())))
            gap = gap and not ln.strip()
        out.append(Line("", page.number))
    return out
