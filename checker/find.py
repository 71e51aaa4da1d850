"""Find references to the guidance in a policy's text, each with its offsets.

A reference is a locator ("paragraph 61", "paras 12–14", "p. 32", "chapter 2") or a
citation of a document on its own ("(Working Together, 2018)"). A locator takes its
document from a name right beside it ("Working Together 2018, paragraph 12",
"paragraph 5 of Keeping Children Safe in Education"), else from the nearest name in
the same sentence, else from an earlier name in the same block; with none, the
checker uses the newest edition it holds. Quotations go to the nearest reference in
their block, or through a footnote marker to the reference in that footnote.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

YEAR = r"(?:19|20)\d\d"
WT_NAME = r"Working\s+Together(?:\s+to\s+Safeguard\s+Children)?"
WT_MENTION = re.compile(
    rf"\(\s*(?P<pname>{WT_NAME})\s*,?\s*(?P<py>{YEAR})\s*\)"
    rf"|(?:HM\s+Government|Department\s+for\s+Education|DfE)\s*,?\s*\(?(?P<hy>{YEAR})\)?[.,:]?\s*[‘'\"“]?{WT_NAME}"
    rf"|{WT_NAME}(?:\s*,\s*|\s*\(\s*|\s+)(?P<y>{YEAR})(?:\s*\))?(?!\d)"
    rf"|\bWT\s?(?P<ay>{YEAR}|\d\d)\b"
    rf"|\b[Tt]he\s+(?P<ey>{YEAR})\s+(?:edition|version|guidance)\b"
    rf"|{WT_NAME}"
)
OTHER_NAMES = (
    r"Keeping\s+Children\s+Safe\s+in\s+Education|KCSIE|Information\s+sharing:?\s+advice\s+for\s+practitioners"
    r"|What\s+to\s+do\s+if\s+you(?:'|’)re\s+worried\s+a\s+child\s+is\s+being\s+abused"
    r"|Children\s+Act\s+(?:1989|2004)|Children\s+and\s+Social\s+Work\s+Act\s+2017|Education\s+Act\s+(?:1996|2002)"
)
OTHER_MENTION = re.compile(rf"\b(?P<name>{OTHER_NAMES})(?:\s*,?\s*\(?(?P<year>{YEAR})\)?(?!\d))?", re.I)

# A number we can check: "12", "12(a)"; never the start of "4.2", "12a" or "3(b)(ii)" (those are unrecognised).
NUM = r"\d{1,3}(?:\s?\([a-z0-9]{1,4}\))?(?!\.\d|\d|[A-Za-z(])"
SEP = r"\s*(?:,\s*(?:and|or)?|and|&|or|-|–|—|to)\s*"
LOCATORS = {
    "paragraph": re.compile(rf"(?:\b(?:paragraphs?|paras?\.?)|¶¶?|§§?)\s*(?P<nums>{NUM}(?:{SEP}{NUM})*)", re.I),
    "page": re.compile(rf"\b(?:pages?|pp?\.)\s*(?P<nums>{NUM}(?:\s*(?:-|–|—|to)\s*{NUM})?)", re.I),
    "chapter": re.compile(rf"\b(?:chapters?|ch\.)\s*(?P<nums>{NUM}(?:{SEP}{NUM})*)", re.I),
}
# Reference-like text the locators above cannot read ("paragraph 4.2", "para. 12a", "§ 3(b)(ii)"):
# reported as unrecognised when the guidance is named in the same sentence, never dropped.
REFERENCE_LIKE = re.compile(
    r"(?:\b(?:paragraphs?|paras?\.?|pages?|pp?\.|chapters?|ch\.|annex|appendix)|¶¶?|§§?)\s*\d[\w.()–-]*", re.I
)
WT_ABBREVIATION = re.compile(r"\b(?:WTTSC|WTSC|WT)\b")
SELF_REFERENCE = re.compile(
    r"\s*(?:of\s+(?:this|our|the\s+(?:policy|procedure|procedures|document|plan|protocol))\b|above\b|below\b)", re.I
)
GAP_BEFORE = re.compile(r"[\s,:;(–—-]{0,4}")
GAP_AFTER = re.compile(r"\s*,?\s*(?:of|in|from)\s+(?:the\s+)?", re.I)
TITLE_WORD = r"(?:[A-Z][\w’'-]*|of|in|to|for|and|the|on)"
TITLE_AFTER = re.compile(rf"(?P<title>[A-Z][\w’'-]*(?:\s+{TITLE_WORD}){{1,10}})(?:\s*\(?(?P<year>{YEAR})\)?)?")
TITLE_BEFORE = re.compile(rf"(?P<title>[A-Z][\w’'-]*(?:\s+{TITLE_WORD}){{1,10}})\s*(?:\(?(?P<year>{YEAR})\)?)?\s*,\s*$")
NOT_TITLES = {"this", "our", "that", "see", "in", "under", "as", "per", "according", "the", "and", "also", "at"}
QUOTE = re.compile(
    r"“(?P<a>[^”]{10,3000})”|\"(?P<b>[^\"]{10,3000})\"|(?<!\w)‘(?P<c>.{10,3000}?)’(?!\w)", re.S
)
MARKER = re.compile(r"\s?(?:\[\^?(?P<a>\d{1,3})\]|(?P<b>[¹²³⁴⁵⁶⁷⁸⁹⁰]+)|(?P<c>\d{1,2})\b)")
FOOTNOTE_LINE = re.compile(r"(?m)^[ \t]*(?:\[\^?(?P<a>\d{1,3})\]:?|(?P<b>\d{1,3})[.)]?)[ \t]+\S.*$")
SENTENCE_END = re.compile(r"[.!?][”\"’')\]]*\s+(?=[A-Z“\"‘(\[])|\n[ \t]*\n")
BLOCK_END = re.compile(r"\n[ \t]*\n")
SUPERSCRIPT = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
MIN_QUOTE_WORDS = 5
NEAR = 200


@dataclass(frozen=True)
class Source:
    """The document a reference names: a Working Together edition (year None: not said) or another one."""

    family: str  # "wt" | "other"
    year: str | None = None
    name: str = "Working Together to Safeguard Children"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    source: Source
    explicit: bool  # a citation in its own right: an edition year, or "(Title, year)"


@dataclass(frozen=True)
class Quote:
    start: int  # offsets of the quoted words, inside the quotation marks
    end: int
    text: str


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    kind: str  # paragraph | page | chapter | document | unrecognised (reference-like, not read)
    numbers: tuple[int, ...] = ()
    label: str | None = None  # "12", "12-14", "12, 14" as it will be reported
    source: Source | None = None  # None: no document named anywhere near
    inherited: bool = False  # the document was named elsewhere in the sentence or block
    quotes: tuple[Quote, ...] = field(default=())


def _year(y: str | None) -> str | None:
    if y is None:
        return None
    return y if len(y) == 4 else "20" + y


def mentions(text: str) -> list[Mention]:
    found: list[Mention] = []
    for m in WT_MENTION.finditer(text):
        year = _year(m.group("py") or m.group("hy") or m.group("y") or m.group("ay") or m.group("ey"))
        explicit = year is not None and m.group("ey") is None
        found.append(Mention(m.start(), m.end(), m.group(0), Source("wt", year), explicit))
    for m in OTHER_MENTION.finditer(text):
        name = " ".join(m.group("name").split())
        name = "Keeping Children Safe in Education" if name.upper() == "KCSIE" else name
        cited = m.start() > 0 and text[m.start() - 1] == "(" and bool(m.group("year"))
        found.append(Mention(m.start(), m.end(), m.group(0), Source("other", m.group("year"), name), cited))
    found.sort(key=lambda x: (x.start, -x.end))
    out: list[Mention] = []
    for mention in found:
        if out and mention.start < out[-1].end:
            continue  # overlapping: keep the first, longest
        out.append(mention)
    return out


def parse_numbers(nums: str) -> tuple[tuple[int, ...], str]:
    """'12–14' -> ((12, 13, 14), '12-14'); '12, 14 and 16' -> ((12, 14, 16), '12, 14, 16')."""
    tokens = re.findall(r"\d{1,4}|-|–|—|\bto\b", re.sub(r"\([a-z0-9]{1,4}\)", "", nums, flags=re.I))
    numbers: list[int] = []
    parts: list[str] = []
    i = 0
    while i < len(tokens):
        a = int(tokens[i])
        if i + 2 < len(tokens) and tokens[i + 1] in ("-", "–", "—", "to") and int(tokens[i + 2]) >= a:
            b = int(tokens[i + 2])
            numbers.extend(range(a, min(b, a + 60) + 1))
            parts.append(f"{a}-{b}")
            i += 3
        else:
            numbers.append(a)
            parts.append(str(a))
            i += 1 if i + 1 >= len(tokens) or tokens[i + 1].isdigit() else 2
    return tuple(dict.fromkeys(numbers)), ", ".join(parts)


class Layout:
    """Sentence and block boundaries, for 'the same sentence' and 'the same block'."""

    def __init__(self, text: str, footnotes: list[tuple[int, int]]) -> None:
        sentence_ends = {m.end() for m in SENTENCE_END.finditer(text)}
        block_ends = {m.end() for m in BLOCK_END.finditer(text)}
        for start, end in footnotes:  # a footnote line is a block of its own
            sentence_ends |= {start, end}
            block_ends |= {start, end}
        self.sentences = sorted(sentence_ends)
        self.blocks = sorted(block_ends)
        self.length = len(text)

    @staticmethod
    def _span(bounds: list[int], pos: int, length: int) -> tuple[int, int]:
        i = bisect.bisect_right(bounds, pos)
        return (bounds[i - 1] if i else 0, bounds[i] if i < len(bounds) else length)

    def sentence(self, pos: int) -> tuple[int, int]:
        return self._span(self.sentences, pos, self.length)

    def block(self, pos: int) -> tuple[int, int]:
        return self._span(self.blocks, pos, self.length)


def _title_source(title: str, year: str | None) -> Source | None:
    words = title.split()
    while words and words[0].lower() in NOT_TITLES:
        words.pop(0)
    while words and words[-1].lower() in NOT_TITLES | {"of", "for", "to", "on"}:
        words.pop()
    if sum(1 for w in words if w[:1].isupper()) < 2 or "Working Together" in " ".join(words):
        return None
    return Source("other", year, " ".join(words))


def _footnote_lines(text: str) -> dict[int, tuple[int, int]]:
    """Footnote number -> (start, end) of its line, for lines that name a document."""
    out: dict[int, tuple[int, int]] = {}
    for m in FOOTNOTE_LINE.finditer(text):
        line = m.group(0)
        if WT_MENTION.search(line) or OTHER_MENTION.search(line):
            out.setdefault(int(m.group("a") or m.group("b")), (m.start(), m.end()))
    return out


def _locators(text: str, named: list[Mention], layout: Layout) -> tuple[list[Found], set[int]]:
    """Locator references with their documents; returns them and the indexes of mentions they took up."""
    used: set[int] = set()
    out: list[Found] = []
    starts = [m.start for m in named]
    for kind, pattern in LOCATORS.items():
        for m in pattern.finditer(text):
            if SELF_REFERENCE.match(text, m.end()):
                continue
            start, end = m.start(), m.end()
            numbers, label = parse_numbers(m.group("nums"))
            if not numbers:
                continue
            line_start = text.rfind("\n", 0, start) + 1
            if kind == "chapter" and not text[line_start:start].strip() and re.match(r"\s*[:–-]", text[end:]):
                continue  # "Chapter 2: Roles" at the start of a line is the policy's own heading
            source, inherited = None, False
            i = bisect.bisect_left(starts, start) - 1
            after = bisect.bisect_left(starts, end)
            if i >= 0 and named[i].end <= start and GAP_BEFORE.fullmatch(text, named[i].end, start):
                source, start = named[i].source, named[i].start
                used.add(i)
            elif after < len(named) and GAP_AFTER.fullmatch(text, end, named[after].start):
                source, end = named[after].source, named[after].end
                used.add(after)
            else:
                gap = GAP_AFTER.match(text, end)
                title = TITLE_AFTER.match(text, gap.end()) if gap else None
                before = TITLE_BEFORE.search(text[max(line_start, start - 150):start])
                if title and (src := _title_source(title.group("title"), title.group("year"))):
                    source, end = src, title.end()
                elif before and (src := _title_source(before.group("title"), before.group("year"))):
                    source, start = src, start - (len(text[max(line_start, start - 150):start]) - before.start())
            if source is None:
                s0, s1 = layout.sentence(m.start())
                b0, _ = layout.block(m.start())
                in_sentence = [j for j, n in enumerate(named) if s0 <= n.start and n.end <= s1]
                earlier = [j for j in in_sentence if named[j].end <= m.start()]
                later = [j for j in in_sentence if named[j].start >= m.end()]
                block_earlier = [j for j, n in enumerate(named) if b0 <= n.start and n.end <= m.start()]
                # Nearest name before in the sentence, else after it in the sentence, else before in the block.
                pick = earlier[-1] if earlier else later[0] if later else block_earlier[-1] if block_earlier else None
                if pick is not None:
                    source, inherited = named[pick].source, True
                    used.add(pick)
            if kind == "page" and source is None:
                continue  # "page 3" with no document named is the policy's own page
            out.append(Found(start, end, text[start:end], kind, numbers, label, source, inherited))
    out.sort(key=lambda f: f.start)
    deduped: list[Found] = []
    for f in out:
        if deduped and f.start < deduped[-1].end:
            continue
        deduped.append(f)
    return deduped, used


def _quotes(text: str) -> list[tuple[Quote, int]]:
    """Quotations long enough to be quotations (not scare quotes), with the offset just past the closing mark."""
    out = []
    for m in QUOTE.finditer(text):
        group = next(g for g in ("a", "b", "c") if m.group(g) is not None)
        words = m.group(group)
        if len(words.split()) >= MIN_QUOTE_WORDS:
            out.append((Quote(m.start(group), m.end(group), words), m.end()))
    return out


def _nearest(refs: list[Found], q: Quote, close: int, text: str, layout: Layout) -> int | None:
    b0, b1 = layout.block(q.start)
    s0, s1 = layout.sentence(q.start)
    best: tuple[int, int, int, int] | None = None  # (other sentence, gap, before the quote, index)
    for i, r in enumerate(refs):
        if not (b0 <= r.start < b1):
            continue
        if r.start >= close:
            gap, side = r.start - close, 0
        elif r.end <= q.start:
            gap, side = q.start - r.end, 1
        else:
            continue
        # A reference right after the closing mark ("… harm” (paragraph 9)) belongs to the quote's sentence.
        right_after = side == 0 and gap <= 3 and not re.search(r"[.!?]", text[close:r.start])
        elsewhere = 0 if s0 <= r.start < s1 or right_after else 1
        key = (elsewhere, gap, side, i)
        if gap <= NEAR and (best is None or key < best):
            best = key
    return best[3] if best else None


def _target(refs: list[Found], q: Quote, close: int, text: str, notes: dict[int, tuple[int, int]],
            layout: Layout) -> int | None:
    marker = MARKER.match(text, close)
    if marker:
        number = int((marker.group("a") or marker.group("b") or marker.group("c")).translate(SUPERSCRIPT))
        if number in notes:
            n0, n1 = notes[number]
            hit = next((i for i, r in enumerate(refs) if n0 <= r.start < n1), None)
            if hit is not None:
                return hit
    return _nearest(refs, q, close, text, layout)


def find(text: str) -> list[Found]:
    notes = _footnote_lines(text)
    layout = Layout(text, list(notes.values()))
    named = mentions(text)
    refs, used = _locators(text, named, layout)
    for i, mention in enumerate(named):
        if mention.explicit and i not in used and not any(r.start <= mention.start < r.end for r in refs):
            refs.append(Found(mention.start, mention.end, mention.text, "document", source=mention.source))
    refs.sort(key=lambda f: f.start)
    quotes = _quotes(text)
    # A quotation attributed to the guidance by name only ("Working Together says “…”") makes that name a reference.
    for q, close in quotes:
        if _target(refs, q, close, text, notes, layout) is not None:
            continue
        s0, s1 = layout.sentence(q.start)
        near = [m for m in named if m.source.family == "wt" and s0 <= m.start < s1]
        if near:
            m = min(near, key=lambda n: abs(n.start - q.start))
            refs.append(Found(m.start, m.end, m.text, "document", source=m.source))
            refs.sort(key=lambda f: f.start)
    attached: dict[int, list[Quote]] = {}
    for q, close in quotes:
        target = _target(refs, q, close, text, notes, layout)
        if target is not None:
            attached.setdefault(target, []).append(q)
    found = [replace(r, quotes=tuple(attached.get(i, ()))) for i, r in enumerate(refs)]
    odd = _unrecognised(text, found, named, layout)
    # "Working Together 2023, paragraph 4.2": one reference (unrecognised), not also the document alone.
    beside = [(r, u) for r in found for u in odd if re.fullmatch(r"[\s,]*", text[r.end : u.start])]
    found = [r for r in found if not (r.kind == "document" and not r.quotes and any(r is b for b, _ in beside))]
    return sorted(found + odd, key=lambda f: f.start)


def _unrecognised(text: str, refs: list[Found], named: list[Mention], layout: Layout) -> list[Found]:
    """Reference-like text no locator read, in a sentence that names the guidance (or "WT")."""
    out: list[Found] = []
    for m in REFERENCE_LIKE.finditer(text):
        end = m.end()
        while end > m.start() and (
            text[end - 1] in ".,;:–-"
            or (text[end - 1] == ")" and text.count("(", m.start(), end) < text.count(")", m.start(), end))
        ):
            end -= 1  # a full stop or unmatched bracket after the number is the sentence's, not the reference's
        if any(r.start < end and m.start() < r.end for r in refs) or SELF_REFERENCE.match(text, end):
            continue
        s0, s1 = layout.sentence(m.start())
        names_guidance = any(n.source.family == "wt" and s0 <= n.start < s1 for n in named)
        if names_guidance or WT_ABBREVIATION.search(text, s0, s1):
            out.append(Found(m.start(), end, text[m.start() : end], "unrecognised"))
    return out
