"""Unicode normalisation shared by ingest, questions and the policy checker, so all three meet.

- NFKC folds compatibility forms: ligatures ("ﬁ" -> "fi"), full-width letters and digits,
  non-breaking and other fixed-width spaces (-> " ");
- zero-width characters, bidi marks and byte-order marks are removed;
- a soft hyphen inside a line is removed; one that ends a line joins the word broken there
  ("protec\\u00ad" + newline + "tion" -> "protection");
- superscript and subscript digits are kept as they are: NFKC would glue a footnote marker onto
  the word before it ("2004²" -> "20042") and so change a word.

Nothing else changes: letters, punctuation and line breaks stay where they were.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SOFT_HYPHEN = "\u00ad"
# Zero-width space/joiners, word joiner, BOM, Mongolian vowel separator, bidi marks/embeddings/isolates.
INVISIBLE = frozenset(
    [0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x061C, *range(0x202A, 0x202F),
     *range(0x2066, 0x206A)]
)
KEEP = frozenset("¹²³⁰ⁱ⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
# Unicode's own line and paragraph separators and NEL break lines as a newline does.
LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"})
NON_ASCII = re.compile(r"[^\x00-\x7f]+")
BROKEN_AT_SOFT_HYPHEN = re.compile("\u00ad[ \\t]*\\r?\\n[ \\t]*")


@lru_cache(maxsize=4096)
def _fold(run: str) -> str:
    out = []
    for ch in run:
        if ord(ch) in INVISIBLE or ch == SOFT_HYPHEN:
            continue
        out.append(ch if ch in KEEP else unicodedata.normalize("NFKC", ch))
    return unicodedata.normalize("NFC", "".join(out))


def normalise_text(text: str) -> str:
    """``text`` with compatibility forms folded and invisible characters removed (see module doc).

    A soft hyphen that ends the whole text (a word broken over a page) becomes a plain hyphen, so
    the line joiner can decide from the corpus whether the word is hyphenated."""
    if text.isascii():
        return text
    text = BROKEN_AT_SOFT_HYPHEN.sub("", text).translate(LINE_BREAKS)
    if text.rstrip().endswith(SOFT_HYPHEN):
        text = text.rstrip()[:-1] + "-"
    text = NON_ASCII.sub(lambda m: _fold(m.group(0)), text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalise_text`` character by character, with, for each output character, the offset in
    ``text`` it came from (so spans found in the normalised text map back to the original)."""
    if text.isascii():
        return text, list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == SOFT_HYPHEN:
            m = BROKEN_AT_SOFT_HYPHEN.match(text, i)
            i = m.end() if m else i + 1
            continue
        folded = ch if ch.isascii() else _fold(ch)
        out.append(folded)
        where.extend([i] * len(folded))
        i += 1
    return "".join(out), where
