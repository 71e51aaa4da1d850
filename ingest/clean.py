"""Clean extraction artefacts without changing any word.

- bullet glyphs read as letters (``e ``, ``¢``, ``o ``, ``«``) become ``•``;
- a short function word glued to the next word ("Itis", "Inrelation") is split,
  but only where the glued form never occurs elsewhere and both halves do;
- a word broken across lines with a hyphen is joined, keeping the hyphen unless
  the unbroken word is what the corpus uses elsewhere;
- a hyphenated word split by a space ("co- operation") is rejoined where the corpus
  uses the hyphenated word elsewhere ("co-operation").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

BULLET = re.compile(r"^(?:[e¢o«•●▪·]|\*)\s*(?<=[·•●▪]|\s)(?=\S)")
NUMBERED_ITEM = re.compile(r"^(?:\d{1,2}[.)]|\([a-z]\)|[a-z][.)])\s+")
WORD = re.compile(r"[A-Za-z]+")
CAPTION = "\ue000"  # (private use) marks a list's caption line (a box title inside a paragraph): it starts a line
COMPOUND = re.compile(r"[A-Za-z]+-[A-Za-z]+")
# "co- operation": a hyphenated word split by a space where the source wrapped it.
SPLIT_COMPOUND = re.compile(r"\b([A-Za-z]+)- ([a-z]+)\b")
GLUE_PREFIXES = ("it", "in", "is", "of", "to")
# A line ending in one of these runs on: the next line continues it, even after a page break.
RUNS_ON = frozenset(
    "a an the and or nor of to in at on for with by from as that which who whose their its is are be".split()
)
# A glued four-letter word ("Itis") only splits into two function words, and never when
# it is a real word of its own ("Into" is not "In to").
SHORT_TAILS = frozenset({"is", "it", "in", "to", "of", "on", "at", "as", "an", "be", "by", "or"})
REAL_SHORT_WORDS = frozenset({"into", "isis", "onto"})


def vocabulary(texts: Iterable[str]) -> Counter[str]:
    """Lower-case word counts, and counts of hyphenated compounds ("co-operation") under their own key."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.lower() for w in WORD.findall(text))
        if "-" in text:
            counts.update(w.lower() for w in COMPOUND.findall(text))
    return counts


def clean_bullet(line: str) -> str:
    return BULLET.sub("• ", line)


def is_bullet(line: str) -> bool:
    return line.startswith("• ")


def unglue(text: str, vocab: Counter[str]) -> str:
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        # Only sentence-initial gluing ("Itis", "Inrelation"): a capital, then a lower-case run.
        if vocab[low] > 1 or len(word) < 4 or not word[0].isupper() or not word[1:].islower():
            return word
        if low in REAL_SHORT_WORDS:
            return word
        for prefix in GLUE_PREFIXES:
            rest = low[len(prefix) :]
            if len(rest) == 2 and rest not in SHORT_TAILS:
                continue
            if low.startswith(prefix) and len(rest) >= 2 and vocab[rest] >= 2 and vocab[prefix] >= 5:
                return word[: len(prefix)] + " " + word[len(prefix) :]
        return word

    def rejoin(m: re.Match[str]) -> str:
        word = f"{m.group(1)}-{m.group(2)}"
        return word if vocab[word.lower()] > 0 else m.group(0)

    return SPLIT_COMPOUND.sub(rejoin, WORD.sub(fix, text))


def join_lines(lines: list[str], vocab: Counter[str]) -> str:
    """Join wrapped lines into one text; bullets, list items and captions start their own line.

    A word broken with a hyphen at a line end is joined without it only where the corpus writes
    it unbroken more often than hyphenated ("protec-tion" -> "protection", "co-operation" stays);
    a number range broken after its hyphen closes up ("2023-" + "2024" -> "2023-2024")."""
    done: list[str] = []  # finished output lines
    cur = ""  # the output line being built
    after_blank = False
    for raw in lines:
        line = " ".join(raw.split())  # runs of spaces (table columns in a PDF) as one
        if not line:
            after_blank = bool(cur or done)
            continue
        list_context = cur.endswith(":") or cur.startswith("• ")
        runs_on = cur.rsplit(" ", 1)[-1].lower() in RUNS_ON
        if cur and after_blank and line[0].islower() and list_context and not runs_on:
            line = "• " + line  # a bullet whose glyph was lost at a page break
        after_blank = False
        caption = line.startswith(CAPTION)
        line = line.lstrip(CAPTION)
        if not cur and not done:
            cur = line
        elif caption or is_bullet(line) or NUMBERED_ITEM.match(line):
            done.append(cur)
            cur = line
        elif cur.endswith("-") and len(cur) > 1 and cur[-2].isalpha():
            head = re.search(r"([A-Za-z]+)-$", cur)
            tail = re.match(r"[A-Za-z]+", line)
            joined = (head.group(1) + tail.group(0)).lower() if head and tail else ""
            hyphenated = f"{head.group(1)}-{tail.group(0)}".lower() if head and tail else ""
            if joined and vocab[joined] > 0 and vocab[joined] > vocab[hyphenated]:
                cur = cur[:-1] + line  # "protec-\ntion" -> "protection"
            else:
                cur += line  # "child-\ncentred" -> "child-centred"
        elif cur.endswith("-") and len(cur) > 1 and cur[-2].isdigit() and line[0].isdigit():
            cur += line  # "2023-\n2024" -> "2023-2024"
        else:
            cur += " " + line
    return "\n".join([*done, cur])
