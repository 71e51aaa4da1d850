"""Deterministic metrics: pure functions of rankings, answers and gold.

A ranking is a list of retrieved items, best first; each item is the set of
(doc_id, paragraph) keys it covers. Our system's items cover one paragraph each;
a naive chunk can cover several (see evals/baselines.py). Gold is a set of keys.

Every per-question metric returns ``None`` where it does not apply (no gold, no
answer); aggregates are means over the questions where it applies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

Key = tuple[str, str]
Ranking = Sequence[Collection[Key]]

RETRIEVAL = ("recall@1", "recall@3", "recall@5", "mrr", "ndcg@5")
ANSWER = ("citation_precision", "citation_recall", "keyword_coverage", "faithfulness")
ABSTENTION = ("oos_abstention", "false_abstention", "offtopic_declined")
# What /api/ask cites (quoted passages first, then related paragraphs), scored like retrieval.
ANSWER_RETRIEVAL = ("answer_recall@5", "answer_mrr")
STATUS = ("answered", "uncertain", "declined")
HYGIENE = ("clean_answer",)
SUPPORT_THRESHOLD = 0.6

# Our own word list, deliberately not rag/ or ingest/'s: the support check must be independent
# of the one the answers are verified with.
_STOP = frozenset(
    """a an the and or but if then than so as of to in on at by for with from into onto about over
    under between through during before after above below up down out off again further once
    is are was were be been being am do does did doing have has had having will would shall should
    can could may might must this that these those it its itself they them their theirs he she him
    her his hers we us our ours you your yours i me my mine who whom whose which what when where why
    how all any both each few more most other some such no nor not only own same too very just also
    there here s t""".split()
)
_WORD = re.compile(r"[a-z0-9]+")
_MARKERS = re.compile(r"((?:\s*\[\d+\])+)")
_MARKER_ID = re.compile(r"\[(\d+)\]")


# ---- retrieval ----------------------------------------------------------------------------
def _found(ranking: Ranking, gold: Collection[Key], k: int) -> set[Key]:
    hit: set[Key] = set()
    for item in ranking[:k]:
        hit |= set(item) & set(gold)
    return hit


def recall_at(ranking: Ranking, gold: Collection[Key], k: int) -> float | None:
    """Share of the gold paragraphs found in the top k (1.0 or 0.0 when there is one gold)."""
    if not gold:
        return None
    return len(_found(ranking, gold, k)) / len(set(gold))


def reciprocal_rank(ranking: Ranking, gold: Collection[Key]) -> float | None:
    if not gold:
        return None
    for rank, item in enumerate(ranking, start=1):
        if set(item) & set(gold):
            return 1.0 / rank
    return 0.0


def ndcg_at(ranking: Ranking, gold: Collection[Key], k: int) -> float | None:
    """Binary gain; an item gains only for gold not already found higher up, so duplicates earn nothing."""
    if not gold:
        return None
    seen: set[Key] = set()
    dcg = 0.0
    for rank, item in enumerate(ranking[:k], start=1):
        new = (set(item) & set(gold)) - seen
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(set(gold)), k) + 1))
    return dcg / ideal


def retrieval_scores(ranking: Ranking, gold: Collection[Key]) -> dict[str, float | None]:
    return {
        "recall@1": recall_at(ranking, gold, 1),
        "recall@3": recall_at(ranking, gold, 3),
        "recall@5": recall_at(ranking, gold, 5),
        "mrr": reciprocal_rank(ranking, gold),
        "ndcg@5": ndcg_at(ranking, gold, 5),
    }


# ---- answers ------------------------------------------------------------------------------
def content_words(text: str) -> set[str]:
    text = text.lower().replace("’", "'").replace("'s ", " ")
    return {w for w in _WORD.findall(text) if w not in _STOP}


def supports(sentence: str, passage: str, threshold: float = SUPPORT_THRESHOLD) -> bool:
    """At least ``threshold`` of the sentence's content words appear in the passage.

    A sentence with no content words claims nothing and counts as supported.
    """
    words = content_words(_MARKER_ID.sub("", sentence))
    if not words:
        return True
    return len(words & content_words(passage)) / len(words) >= threshold


def answer_sentences(answer: str) -> list[tuple[str, tuple[int, ...]]]:
    """Split an answer at its ``[n]`` markers: each piece with the citation ids that follow it.

    Text after the last marker is returned with no ids (an uncited claim) unless it is blank.
    """
    parts = _MARKERS.split(answer)
    out: list[tuple[str, tuple[int, ...]]] = []
    for i in range(0, len(parts), 2):
        text = parts[i].strip()
        ids = tuple(int(n) for n in _MARKER_ID.findall(parts[i + 1])) if i + 1 < len(parts) else ()
        if text or ids:
            out.append((text, ids))
    return out


def _cited(answer: str, passages: Mapping[int, Any]) -> dict[int, list[str]]:
    """Citation id -> the sentences that cite it (only ids that exist)."""
    by_id: dict[int, list[str]] = {}
    for sentence, ids in answer_sentences(answer):
        for n in ids:
            if n in passages:
                by_id.setdefault(n, []).append(sentence)
    return by_id


def citation_precision(answer: str, passages: Mapping[int, tuple[Key, str]], gold: Collection[Key]) -> float | None:
    """Cited passages that are gold, or that support a sentence citing them. ``passages``: id -> (key, text)."""
    cited = _cited(answer, passages)
    if not cited:
        return None
    good = sum(
        1
        for n, sentences in cited.items()
        if passages[n][0] in gold or any(supports(s, passages[n][1]) for s in sentences)
    )
    return good / len(cited)


def citation_recall(answer: str, passages: Mapping[int, tuple[Key, str]], gold: Collection[Key]) -> float | None:
    if not gold:
        return None
    keys = {passages[n][0] for n in _cited(answer, passages)}
    return len(keys & set(gold)) / len(set(gold))


def keyword_coverage(answer: str, keywords: Collection[str]) -> float | None:
    if not keywords:
        return None
    text = " ".join(answer.lower().replace("’", "'").split())
    return sum(1 for k in keywords if " ".join(k.lower().split()) in text) / len(keywords)


def faithfulness(answer: str, passages: Mapping[int, tuple[Key, str]]) -> float | None:
    """Share of answer sentences supported by at least one passage they cite (uncited ones fail)."""
    sentences = answer_sentences(answer)
    if not sentences:
        return None
    ok = sum(1 for s, ids in sentences if any(n in passages and supports(s, passages[n][1]) for n in ids))
    return ok / len(sentences)


def answer_scores(
    answer: str,
    passages: Mapping[int, tuple[Key, str]],
    gold: Collection[Key],
    keywords: Collection[str],
    answerable: bool,
    abstained: bool,
) -> dict[str, float | None]:
    """Answer metrics for one question. Abstaining on an answerable question scores 0 recall and coverage."""
    scores: dict[str, float | None] = {
        "citation_precision": None if abstained else citation_precision(answer, passages, gold),
        "citation_recall": (0.0 if abstained else citation_recall(answer, passages, gold)) if answerable else None,
        "keyword_coverage": (0.0 if abstained else keyword_coverage(answer, keywords)) if answerable else None,
        "faithfulness": None if abstained else faithfulness(answer, passages),
        "oos_abstention": None if answerable else float(abstained),
        "false_abstention": float(abstained) if answerable else None,
    }
    if answerable and not keywords:
        scores["keyword_coverage"] = None
    return scores


def answer_retrieval(cited: Ranking, gold: Collection[Key]) -> dict[str, float | None]:
    """Recall@5 and MRR of what an answer cites, in the order shown (gold only: None otherwise)."""
    return {"answer_recall@5": recall_at(cited, gold, 5), "answer_mrr": reciprocal_rank(cited, gold)}


def status_scores(status: str, answerable: bool, off_topic: bool) -> dict[str, float | None]:
    """One-hot status, and for off-topic questions whether it was declined (not merely hedged)."""
    out: dict[str, float | None] = {s: float(status == s) for s in STATUS}
    out["offtopic_declined"] = float(status == "declined") if off_topic else None
    return out


_LABEL = re.compile(r"^.{0,80}?\(commentary\) says:\s*")
_LIST_NUMBER = re.compile(r"^(?:\d{1,2}[.)]|\([a-z0-9]{1,3}\)|[a-z][.)])\s")


def hygiene(answer: str, headings: Collection[str], notes: Collection[str]) -> list[str]:
    """What reads as junk in an answer: ending on a lead-in (":"), a list number or a heading run
    into a sentence, a bare footnote body quoted as a sentence. ``headings`` and ``notes`` are the
    corpus's headings and footnote bodies, lower case with white space folded."""
    problems: list[str] = []
    pieces = [s for s, _ in answer_sentences(answer) if s]
    if pieces and pieces[-1].rstrip().endswith(":"):
        problems.append("ends on a lead-in")
    for s in pieces:
        s = _LABEL.sub("", " ".join(s.split()))
        low = s.lower()
        if _LIST_NUMBER.match(s):
            problems.append(f"list number: {s[:40]}")
        if low.rstrip(".") in notes and (len(low.split()) < 8 or not low.endswith(".")):
            problems.append(f"footnote body: {s[:40]}")
        # "New roles within safeguarding partners Each Safeguarding Partner needs...": a heading,
        # then a capital where no sentence ended.
        run_in = next((h for h in headings if len(h.split()) >= 2 and low.startswith(h + " ")), None)
        if run_in and s[len(run_in) + 1 : len(run_in) + 2].isupper() and s[len(run_in) - 1].islower():
            problems.append(f"heading run in: {s[:40]}")
    return problems


# ---- aggregation --------------------------------------------------------------------------
def mean(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (deterministic, no interpolation)."""
    if not values:
        return None
    xs = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(xs)))
    return xs[rank - 1]


def aggregate(rows: Sequence[Mapping[str, float | None]], names: Sequence[str]) -> dict[str, float | None]:
    return {name: mean(r.get(name) for r in rows) for name in names}
