"""Which lines open numbered paragraphs: in sequence, across gaps and restarts, flat or nested.

A numbered paragraph opens where the next number in sequence starts a line ("14." after 13, or
"4.2" after 4.1 in a document numbered that way). When the number we wait for never comes:

- a **gap** (1, 2, 4: a paragraph missing, or on a page with no text): a later number opens a
  paragraph if the sequence goes on from it before the awaited number turns up;
- a **restart** (an appendix numbered from 1 again): "1." opens a paragraph if the awaited number
  never appears anywhere later; its paragraphs get ids prefixed with the chapter ("annex-a-1").

Both are warnings that name the document and the numbers. A jump forward must read as a paragraph
(the text after the number starts with a capital, or the number stands alone), so a numbered
list item inside a paragraph is never taken for a missing paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from ingest.report import IngestWarning

FLAT = re.compile(r"^(\d{1,5})(\.?)(?:\s+(.*))?$")
LETTERED = re.compile(r"^(\d{1,5})([A-Za-z])\.\s+(\S.*)$")
NESTED = re.compile(r"^(\d{1,2})\.(\d{1,3})\.?(?:\s+(\S.*))?$")
SENTENCE_END = re.compile(r"[.!?:;,]$")
CHAPTER_LABEL = re.compile(r"^((?:chapter|part|section|annex|appendix|schedule)\s+[a-z0-9]+)\b", re.IGNORECASE)
MAX_JUMP = 25  # a paragraph number further ahead than this is not a gap but something else
Key = tuple[int, int]  # (number, 0) for "14."; (4, 2) for "4.2"


@dataclass(frozen=True)
class Start:
    """A line that opens a numbered paragraph (or, in a nested document, a numbered section title)."""

    line: int
    pid: str
    rest: str | None  # the text after the number on that line
    title: bool = False  # "2. Roles and responsibilities" above 2.1, 2.2: a heading, not a paragraph


@dataclass(frozen=True)
class _Candidate:
    line: int
    key: Key
    rest: str | None
    dotted: bool
    suffix: str = ""  # "A" in "1A.": a paragraph inserted by amendment after paragraph 1

    @property
    def reads_as_paragraph(self) -> bool:
        return self.rest is None or self.rest[:1].isupper() or self.rest[:1] in "“\"‘'("


def _candidates(lines: Sequence[str]) -> tuple[list[_Candidate], bool]:
    flat: list[_Candidate] = []
    nested: list[_Candidate] = []
    for i, text in enumerate(lines):
        n = NESTED.match(text)
        if n:
            nested.append(_Candidate(i, (int(n.group(1)), int(n.group(2))), n.group(3), True))
            continue
        m = FLAT.match(text)
        if m and (m.group(2) or not m.group(3)):
            flat.append(_Candidate(i, (int(m.group(1)), 0), m.group(3), bool(m.group(2))))
            continue
        a = LETTERED.match(text)
        if a:
            flat.append(_Candidate(i, (int(a.group(1)), 0), a.group(3), True, a.group(2)))
    uses_nested = sum(1 for c in nested if c.reads_as_paragraph) >= 3
    found = sorted(flat + nested, key=lambda c: c.line) if uses_nested else flat
    return found, uses_nested


def _successors(key: Key, nested: bool) -> set[Key]:
    a, b = key
    return {(a, b + 1), (a + 1, 0), (a + 1, 1)} if nested else {(a + 1, 0)}


def _pid(key: Key, prefix: str) -> str:
    base = f"{key[0]}.{key[1]}" if key[1] else str(key[0])
    return f"{prefix}-{base}" if prefix else base


def _is_title(c: _Candidate, nested: bool) -> bool:
    if not nested or c.key[1] != 0 or c.rest is None:
        return False
    return not SENTENCE_END.search(c.rest) and len(c.rest.split()) <= 12


def paragraph_starts(
    doc: str,
    lines: Sequence[str],
    pages: Sequence[int | None],
    chapters: Sequence[str | None],
    warnings: list[IngestWarning],
    gaps: frozenset[int] = frozenset(),
) -> dict[int, Start]:
    """Line index -> the paragraph it opens. ``lines`` are cleaned line texts; ``pages`` and
    ``chapters`` say where each line stands (for warnings and restart prefixes); ``gaps``: lines
    just after a page with no text layer. Gaps and restarts are appended to ``warnings`` (kinds
    ``numbering-gap``, ``numbering-restart``)."""
    cands, nested = _candidates(lines)
    starts: dict[int, Start] = {}
    state: Key = (0, 0)
    prefix = ""
    prefixes: set[str] = set()
    run = 0  # a numbered list inside the current paragraph: 1, 2, 3, ... since the last start
    run_lower = False  # that list's first item starts in lower case
    last_line = -1
    last_at = {c.key: k for k, c in enumerate(cands) if not c.suffix}  # where each number is seen last
    as_paragraph_at = {c.key: k for k, c in enumerate(cands) if not c.suffix and c.reads_as_paragraph}
    for k, c in enumerate(cands):
        later = (x for x in islice(cands, k + 1, None) if not x.suffix)  # read only to weigh a gap
        if c.suffix:
            if not nested and c.key[0] == state[0] and c.reads_as_paragraph:
                starts[c.line] = Start(c.line, _pid(c.key, prefix) + c.suffix, c.rest)
                run, last_line = 0, c.line
            continue
        if c.key == state and c.dotted and c.reads_as_paragraph and state != (0, 0) and _after_sentence(lines, c.line):
            page = f" (page {pages[c.line]})" if pages[c.line] is not None else ""
            warnings.append(
                IngestWarning(
                    doc,
                    "numbering-duplicate",
                    f"{doc}: paragraph {_pid(c.key, prefix)} is numbered twice{page}; "
                    "the second is kept inside the first",
                    page=pages[c.line],
                )
            )
            continue
        if c.key == (run + 1, 0) and c.dotted:  # a bare "1" (a raised footnote marker) starts no list
            run += 1
            if run == 1:
                run_lower = not c.reads_as_paragraph
            # "3." after "1." and "2." inside a paragraph is a list item, unless the list was in
            # lower case and this reads as the paragraph we await ("3. Charlie is ...").
            elif not (run_lower and c.reads_as_paragraph and c.key in _successors(state, nested)):
                continue
        if not c.reads_as_paragraph and as_paragraph_at.get(c.key, -1) > k:
            continue  # "3. below, which ..." wrapped onto a line of its own; the real 3. comes later
        if c.key in _successors(state, nested) and (c.dotted or c.rest is None):
            pass
        elif c.key > state and _may_jump(state, c):
            # A gap: accept only if the sequence goes on from here before the awaited number appears.
            awaited = _successors(state, nested)
            goes_on = _successors(c.key, nested)
            nxt = next((x for x in _outside_lists(later) if x.key in goes_on or x.key in awaited), None)
            after_gap = any(last_line < g <= c.line for g in gaps)
            ends = _after_sentence(lines, c.line) or after_gap
            if (nxt is None and not ends) or (nxt is not None and nxt.key in awaited):
                continue
            missing = _missing(state, c.key, nested)
            page = f" (page {pages[c.line]})" if pages[c.line] is not None else ""
            warnings.append(
                IngestWarning(
                    doc,
                    "numbering-gap",
                    f"{doc}: paragraph numbers jump from {_pid(state, prefix) if state[0] else 'the start'} "
                    f"to {_pid(c.key, prefix)}{page}; {missing} not found",
                    page=pages[c.line],
                )
            )
        elif c.key in {(1, 0), (1, 1)} and state[0] > 1 and c.dotted and c.reads_as_paragraph:
            # A restart: only if the number we wait for never comes.
            awaited = _successors(state, nested)
            comes_later = any(last_at.get(key, -1) > k for key in awaited)
            goes_on_later = any(last_at.get(key, -1) > k for key in _successors(c.key, nested))
            if comes_later or not goes_on_later:
                continue
            prefix = _restart_prefix(chapters[c.line], len(prefixes), prefixes)
            prefixes.add(prefix)
            page = f" (page {pages[c.line]})" if pages[c.line] is not None else ""
            warnings.append(
                IngestWarning(
                    doc,
                    "numbering-restart",
                    f"{doc}: paragraph numbers start again at 1 after {_pid(state, '')}{page}; "
                    f"these paragraphs are cited as {_pid(c.key, prefix)}, {_pid(_next(c.key, nested), prefix)}, …",
                    page=pages[c.line],
                )
            )
        else:
            continue
        state, run, last_line = c.key, 0, c.line
        starts[c.line] = Start(c.line, _pid(c.key, prefix), c.rest, _is_title(c, nested))
    return starts


def _may_jump(state: Key, c: _Candidate) -> bool:
    """A number ahead of the one awaited may open a paragraph: it reads as one, and (after the
    first paragraph) it is not far ahead. A document may start at any number (an extract)."""
    near = state == (0, 0) or c.key[0] - state[0] <= MAX_JUMP
    return near and c.dotted and c.reads_as_paragraph


def _after_sentence(lines: Sequence[str], i: int) -> bool:
    """The text before line ``i`` ends a sentence (not a lead-in to a list)."""
    prev = next((t for t in reversed(lines[:i]) if t.strip()), "")
    return not prev or prev.rstrip()[-1] in ".!?”\")"


def _outside_lists(cands: Iterable[_Candidate]) -> Iterator[_Candidate]:
    """Candidates that are not items 2, 3, ... of a numbered list (a run counting up from 1)."""
    run = 0
    for c in cands:
        if c.key == (run + 1, 0):
            run += 1
            if run > 1:
                continue
        yield c


def _next(key: Key, nested: bool) -> Key:
    return (key[0], key[1] + 1) if nested and key[1] else (key[0] + 1, 0)


def _missing(state: Key, key: Key, nested: bool) -> str:
    if not nested or (state[0] == key[0]):
        lo, hi = (state[1] + 1, key[1]) if nested else (state[0] + 1, key[0])
        names = [f"{key[0]}.{n}" if nested else str(n) for n in range(lo, hi)]
        if not names:
            return "nothing"
        label = "paragraph" if len(names) == 1 else "paragraphs"
        return f"{label} {names[0]}" if len(names) == 1 else f"{label} {names[0]}–{names[-1]}"
    return f"paragraphs between {state[0]}.{state[1]} and {key[0]}.{key[1]}"


def _restart_prefix(chapter: str | None, count: int, used: set[str]) -> str:
    m = CHAPTER_LABEL.match(chapter or "")
    base = re.sub(r"[^a-z0-9]+", "-", m.group(1).lower()).strip("-") if m else f"part-{count + 2}"
    prefix, n = base, 2
    while prefix in used:
        prefix, n = f"{base}-{n}", n + 1
    return prefix
