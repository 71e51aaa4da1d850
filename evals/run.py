"""Run the questions through our assistant (search and ask) and the baselines; score and summarise."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from evals.dataset import OFF_TOPIC, GoldResolver, Question, successors
from evals.metrics import (
    ABSTENTION,
    ANSWER,
    ANSWER_RETRIEVAL,
    HYGIENE,
    RETRIEVAL,
    STATUS,
    Key,
    aggregate,
    answer_retrieval,
    answer_scores,
    hygiene,
    percentile,
    retrieval_scores,
    status_scores,
)

log = logging.getLogger(__name__)
OURS = "ours"
TOP_K = 5


class Baseline(Protocol):
    name: str

    def rank(self, question: str, k: int = 5) -> list[frozenset[Key]]: ...


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    gold: tuple[Key, ...]
    rankings: dict[str, list[frozenset[Key]]]
    retrieval: dict[str, dict[str, float | None]]
    answer: str
    abstained: bool
    cited: tuple[tuple[int, Key], ...]
    scores: dict[str, float | None]
    latency_ms: float
    status: str = "answered"
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        q = self.question
        return {
            "id": q.id,
            "type": q.type,
            "split": q.split,
            "question": q.question,
            "answerable": q.answerable,
            "gold": [list(k) for k in self.gold],
            "rankings": {s: [sorted(list(k) for k in item) for item in r] for s, r in self.rankings.items()},
            "retrieval": self.retrieval,
            "answer": self.answer,
            "abstained": self.abstained,
            "cited": [[n, list(k)] for n, k in self.cited],
            "scores": self.scores,
            "status": self.status,
            "problems": list(self.problems),
            "latency_ms": round(self.latency_ms, 2),
        }


@dataclass(frozen=True)
class EvalRun:
    split: str
    questions_file: str
    questions_sha: str
    systems: tuple[str, ...]
    results: tuple[QuestionResult, ...]
    date: str = field(default_factory=lambda: dt.date.today().isoformat())

    def summary(self) -> dict[str, Any]:
        types = sorted({r.question.type for r in self.results})
        return {
            "date": self.date,
            "split": self.split,
            "questions_file": self.questions_file,
            "questions_sha": self.questions_sha,
            "systems": list(self.systems),
            "overall": summarise(self.results, self.systems),
            "by_type": {t: summarise([r for r in self.results if r.question.type == t], self.systems) for t in types},
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "questions": [r.to_dict() for r in self.results]}


def summarise(results: Sequence[QuestionResult], systems: Sequence[str]) -> dict[str, Any]:
    block: dict[str, Any] = {"n": len(results)}
    for s in systems:
        block[s] = aggregate([r.retrieval[s] for r in results], RETRIEVAL)
    latencies = [r.latency_ms for r in results]
    block[OURS] |= aggregate([r.scores for r in results], ANSWER + ABSTENTION + ANSWER_RETRIEVAL + STATUS + HYGIENE)
    block[OURS] |= {"latency_p50_ms": percentile(latencies, 50), "latency_p95_ms": percentile(latencies, 95)}
    return block


def file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def our_ranking(assistant: Any, q: Question, k: int = TOP_K) -> list[frozenset[Key]]:
    """Our top-k passages as paragraph keys, a paragraph counted once at its best rank."""
    seen: dict[Key, None] = {}
    for c in assistant.search(q.question, top_k=k, history=q.history_dicts() or None):
        seen.setdefault((c.doc_id, str(c.paragraph)), None)
    return [frozenset({key}) for key in seen]


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Furniture:
    """The corpus's headings and footnote bodies (lower case, white space folded): what an answer
    must never run into a sentence or quote as one."""

    headings: frozenset[str]
    notes: frozenset[str]

    @classmethod
    def of(cls, store: Any) -> Furniture:
        heads = frozenset(_fold(h) for c in store.chunks for h in c.headings)
        notes = frozenset(_fold(re.sub(r"^\d{1,3}\.\s*", "", f)).rstrip(".") for c in store.chunks for f in c.footnotes)
        return cls(heads, notes)


def evaluate_one(
    assistant: Any,
    q: Question,
    gold: tuple[Key, ...],
    baselines: Sequence[Baseline],
    furniture: Furniture | None = None,
) -> QuestionResult:
    rankings = {OURS: our_ranking(assistant, q)}
    for b in baselines:
        rankings[b.name] = b.rank(q.question, TOP_K)
    t0 = time.perf_counter()
    ans = assistant.ask(q.question, history=q.history_dicts() or None)
    latency = (time.perf_counter() - t0) * 1000
    passages = {c.id: ((c.doc_id, str(c.paragraph)), c.text) for c in ans.citations}
    status = getattr(ans, "status", "declined" if ans.abstained else "answered")
    shown = [frozenset({key}) for key in dict.fromkeys(key for key, _ in passages.values())]
    scores = answer_scores(ans.answer, passages, gold, q.keywords, q.answerable, bool(ans.abstained))
    scores |= answer_retrieval(shown, gold) if q.answerable else dict.fromkeys(ANSWER_RETRIEVAL)
    scores |= status_scores(status, q.answerable, q.type in OFF_TOPIC)
    problems = hygiene(ans.answer, furniture.headings, furniture.notes) if furniture and status != "declined" else []
    scores["clean_answer"] = None if status == "declined" else float(not problems)
    return QuestionResult(
        question=q,
        gold=gold,
        rankings=rankings,
        retrieval={s: retrieval_scores(r, gold) for s, r in rankings.items()},
        answer=ans.answer,
        abstained=bool(ans.abstained),
        cited=tuple((n, key) for n, (key, _) in passages.items()),
        scores=scores,
        latency_ms=latency,
        status=status,
        problems=tuple(problems),
    )


def evaluate(
    assistant: Any,
    questions: Sequence[Question],
    baselines: Sequence[Baseline] = (),
    split: str = "all",
    questions_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvalRun:
    resolver = GoldResolver(assistant.store.paragraphs)
    # A newer edition held (2026 replacing 2023): gold mapped through the crosswalk where a
    # question names no edition.
    mapped = successors(assistant.store, questions, assistant.crosswalks)
    gold = {q.id: resolver.resolve(q, mapped) for q in questions}  # fail fast on bad gold, before any work
    results = []
    furniture = Furniture.of(assistant.store)
    for q in questions:
        results.append(evaluate_one(assistant, q, gold[q.id], baselines, furniture))
        if progress:
            progress(1)
    return EvalRun(
        split=split,
        questions_file=str(questions_file or ""),
        questions_sha=file_sha(questions_file) if questions_file else "",
        systems=(OURS, *(b.name for b in baselines)),
        results=tuple(results),
    )
