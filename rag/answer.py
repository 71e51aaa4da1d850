"""Extractive answers: the passages' own sentences that best answer the question, each cited."""

from __future__ import annotations

import math
import re
from collections import Counter

from ingest.chunks import Chunk
from ingest.sentences import split_sentences, tokens
from rag.verify import FOOTNOTE

GENERIC = frozenset(
    tokens(
        "guidance working together safeguard safeguarding children child wt document paragraph para "
        "according need needs must should does say said mean means tell about new old edition 2023 2018 "
        "current version what who whom which how why when where"
    )
)
DURATION_Q = re.compile(
    r"\b(how long|how many (days|weeks|months|hours)|timescales?|deadline|within how|how quickly|how soon)\b", re.I
)
DURATION_A = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|ten|fifteen|twenty)\s+(working\s+)?(days?|weeks?|months?|hours?)\b",
    re.I,
)
FREQUENCY_Q = re.compile(r"\bhow (often|frequently|regularly)\b", re.I)
FREQUENCY_A = re.compile(r"\b(annually|yearly|every (year|month|week)|monthly|weekly|quarterly|regular(ly)?)\b", re.I)


class Idf:
    def __init__(self, chunks: list[Chunk]) -> None:
        df: Counter[str] = Counter()
        for c in chunks:
            df.update(set(tokens(c.text)))
        self.n = max(1, len(chunks))
        self.df = df

    def __call__(self, token: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(token, 0)))


def key_terms(question_tokens: list[str]) -> list[str]:
    return [t for t in dict.fromkeys(question_tokens) if t not in GENERIC and len(t) > 1]


def coverage(terms: list[str], text: str, idf: Idf) -> float:
    """IDF-weighted share of the question's key terms found in one passage."""
    if not terms:
        return 1.0
    # Compare on 6-letter prefixes so "interpret" meets "interpretation".
    present = {t[:5] for t in tokens(text)}
    total = sum(idf(t) for t in terms)
    return sum(idf(t) for t in terms if t[:5] in present) / total if total else 1.0


def unseen_share(terms: list[str], corpus_prefixes: set[str], idf: Idf) -> float:
    """IDF-weighted share of key terms the corpus never uses at all ("radiator", "timescale")."""
    total = sum(idf(t) for t in terms)
    # Short words ("yr", "info", "doc") are too often casual spellings to count against a question.
    unseen = [t for t in terms if len(t) > 4 and t[:5] not in corpus_prefixes and not t.isdigit()]
    return sum(idf(t) for t in unseen) / total if total else 0.0


def answer_shape(question: str) -> re.Pattern[str] | None:
    """What an answer must contain for some questions: a timescale needs a duration."""
    if DURATION_Q.search(question):
        return DURATION_A
    if FREQUENCY_Q.search(question):
        return FREQUENCY_A
    return None


def clean_sentence(sentence: str) -> str:
    return " ".join(FOOTNOTE.sub("", sentence).split())


def pick_sentences(
    terms: list[str],
    passages: list[tuple[int, str]],
    idf: Idf,
    max_words: int = 120,
    max_sentences: int = 3,
    per_passage: int = 2,
) -> list[tuple[str, int]]:
    """(sentence, citation id) pairs, verbatim, best first then in passage order."""
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    scored: list[tuple[float, int, int, str]] = []
    for rank, (_cid, text) in enumerate(passages):
        for pos, sentence in enumerate(split_sentences(text)):
            s = clean_sentence(sentence)
            if len(s.split()) < 4:
                continue
            present = set(tokens(s))
            score = sum(w for t, w in weights.items() if t in present) / total
            score += 0.3 / (rank + 1) + (0.05 if pos == 0 else 0.0)
            scored.append((score, rank, pos, s))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    chosen: list[tuple[float, int, int, str]] = []
    words = 0
    used: Counter[int] = Counter()
    seen: set[str] = set()
    for item in scored:
        score, rank, pos, s = item
        n_words = len(s.split())
        key = " ".join(tokens(s))
        if key in seen or used[rank] >= per_passage:
            continue
        if chosen and (words + n_words > max_words or score < chosen[0][0] * 0.5):
            continue
        chosen.append(item)
        seen.add(key)
        used[rank] += 1
        words += n_words
        if len(chosen) >= max_sentences:
            break
    chosen.sort(key=lambda x: (x[1], x[2]))
    return [(s, passages[rank][0]) for _, rank, _, s in chosen]


def first_sentences(text: str, max_words: int = 120) -> list[str]:
    out: list[str] = []
    words = 0
    for sentence in split_sentences(text):
        s = clean_sentence(sentence)
        if out and words + len(s.split()) > max_words:
            break
        out.append(s)
        words += len(s.split())
    return out
