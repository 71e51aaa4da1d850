"""A quiz from a request: sources by topic, drafts by type, checks, balanced answer positions, JSON."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from quiz import sources as pick
from quiz.checks import check_item, report
from quiz.corpus import Corpus, corpus_for, norm, text_hash
from quiz.generate import CATEGORY_BONUS, Candidate, Drafter, candidates
from quiz.types import DIFFICULTIES, MAX_COUNT, TYPES, Draft, QuizRequest
from rag.cli import citation_json
from rag.notices import replacement
from rag.service import make_citation
from rag.types import Citation
from wtguide.errors import BadRequest

log = logging.getLogger(__name__)
OPTIONS = 4
# Seeds reorder paragraphs only within this many ranks, so every quiz stays on topic.
RANK_JITTER = 4.0


@dataclass
class Quiz:
    request: QuizRequest
    items: list[dict[str, Any]]
    checks: dict[str, Any]
    notices: list[str]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        r = self.request
        return {
            "items": self.items,
            "checks": self.checks,
            "notices": self.notices,
            "request": {
                "topic": r.topic,
                "count": r.count,
                "types": list(r.types),
                "edition": r.edition,
                "chapter": r.chapter,
                "difficulty": r.difficulty,
                "seed": r.seed,
            },
        }


def validate(req: QuizRequest) -> None:
    if not req.topic.strip():
        raise BadRequest("topic: must not be empty")
    if not 1 <= req.count <= MAX_COUNT:
        raise BadRequest(f"count: must be between 1 and {MAX_COUNT}")
    unknown = [t for t in req.types if t not in TYPES]
    if unknown or not req.types:
        raise BadRequest(f"types: must be some of {', '.join(TYPES)} (got {', '.join(unknown) or 'none'})")
    if req.difficulty not in DIFFICULTIES:
        raise BadRequest(f"difficulty: must be one of {', '.join(DIFFICULTIES)}")


def _plan(req: QuizRequest, rng: random.Random) -> list[str]:
    """Item types for each slot: an even share per type, the remainder to random types."""
    types = list(dict.fromkeys(req.types))
    plan = [types[i % len(types)] for i in range(req.count)]
    rng.shuffle(plan)
    return plan


def _balanced(n: int, values: list[Any], rng: random.Random) -> list[Any]:
    """n values spread as evenly as possible over ``values``, in random order."""
    start = rng.randrange(len(values))
    out = [values[(start + i) % len(values)] for i in range(n)]
    rng.shuffle(out)
    return out


def _order(cands: list[Candidate], difficulty: str, rng: random.Random) -> list[Candidate]:
    noise = {c.source: rng.random() * RANK_JITTER for c in cands}

    def key(c: Candidate) -> float:
        words = len(c.source.sentence.split())
        length = words / 10 if difficulty == "easy" else (-words / 20 if difficulty == "hard" else 0.0)
        return c.source.rank + noise[c.source] + length + CATEGORY_BONUS.get(c.term.category, 2.0) + rng.random() / 10

    return sorted(cands, key=key)


def build_quiz(assistant: Any, req: QuizRequest) -> Quiz:
    t0 = time.perf_counter()
    validate(req)
    store = assistant.store
    corpus = corpus_for(store, assistant.glossary)
    doc_ids = pick.documents(store, req.edition)
    paragraphs = pick.ranked_paragraphs(assistant, req, doc_ids)
    rng = random.Random(req.seed)
    titles = {d: store.documents[d].short_title or store.documents[d].title for d in doc_ids}
    drafter = Drafter(corpus, rng, req.difficulty, titles)
    pool = _order(candidates(pick.quiz_sentences(paragraphs), corpus), req.difficulty, rng)

    plan = _plan(req, rng)
    truths = iter(_balanced(plan.count("true_false"), [True, False], rng))
    rejected: Counter[str] = Counter()
    seen: set[str] = set()
    used_sentences: set[str] = set()
    per_paragraph: Counter[tuple[str, str]] = Counter()
    answers: Counter[str] = Counter()
    drafts: list[Draft] = []
    cap = 1
    for kind in plan:
        truth = next(truths) if kind == "true_false" else True
        draft = None
        # Spread items over paragraphs: one per paragraph first, then two, and so on.
        while draft is None and cap <= req.count:
            draft = _first(
                drafter, pool, kind, truth, corpus, seen, used_sentences, (per_paragraph, answers), cap, rejected
            )
            if draft is None:
                cap += 1
        if draft is None:
            continue
        drafts.append(draft)
        seen |= {norm(draft.question), "sentence:" + norm(draft.source.sentence)}
        used_sentences.add(draft.source.sentence)
        per_paragraph[(draft.source.doc_id, draft.source.paragraph)] += 1
        answers[draft.correct.lower()] += draft.type != "true_false"

    _place_answers(drafts, rng)
    for d in drafts:
        if store.documents[d.source.doc_id].status == "superseded":
            d.flags.append("superseded")
    notices = []
    if len(drafts) < req.count:
        notices.append(
            f"Only {len(drafts)} of the {req.count} items asked for could be made and checked from the text "
            f"matching '{req.topic}'; widen the topic, chapter or item types for more."
        )
    items = [_item_json(store, corpus, d, i + 1) for i, d in enumerate(drafts)]
    superseded = {i["citation"]["doc_id"] for i in items if "superseded" in i["flags"]}
    for doc_id in sorted(superseded):
        doc = store.documents[doc_id]
        notices.append(
            f"Items cite {doc.title}, which has been replaced by {replacement(store, doc)}: "
            "check them against the current edition before use."
        )
    seconds = time.perf_counter() - t0
    log.info("quiz: %d items in %.3fs", len(items), seconds)
    return Quiz(req, items, report(drafts, rejected, OPTIONS), notices, seconds)


def _first(
    drafter: Drafter,
    pool: list[Candidate],
    kind: str,
    truth: bool,
    corpus: Corpus,
    seen: set[str],
    used: set[str],
    usage: tuple[Counter[tuple[str, str]], Counter[str]],
    cap: int,
    rejected: Counter[str],
) -> Draft | None:
    """The first candidate, in ranked order, that makes a draft of this kind passing every item check.
    ``usage`` counts items per paragraph and per keyed answer; neither may reach ``cap``."""
    per_paragraph, answers = usage
    for cand in pool:
        src = cand.source
        if src.sentence in used or per_paragraph[(src.doc_id, src.paragraph)] >= cap:
            continue
        if kind != "true_false" and answers[cand.term.text.lower()] >= cap:
            continue
        if kind == "mcq":
            draft = drafter.mcq(cand)
        elif kind == "cloze":
            draft = drafter.cloze(cand)
        else:
            draft = drafter.true_false(cand, truth)
        if draft is None:
            continue
        results = check_item(draft, corpus, seen)
        failed = [name for name, ok in results.items() if not ok]
        if failed:
            rejected.update(failed)
            continue
        return draft
    return None


def _place_answers(drafts: list[Draft], rng: random.Random) -> None:
    """Keyed options spread evenly over positions across the quiz (never left to chance)."""
    mcq = [d for d in drafts if d.type == "mcq"]
    for d, pos in zip(mcq, _balanced(len(mcq), list(range(OPTIONS)), rng), strict=True):
        wrong = d.options[1:]
        rng.shuffle(wrong)
        d.options = wrong[:pos] + [d.correct] + wrong[pos:]
        d.answer = pos


def item_id(d: Draft) -> str:
    body = json.dumps([d.type, d.question, d.options, d.answer, d.source.doc_id, d.source.paragraph])
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _citation(store: Any, d: Draft, cid: int) -> Citation:
    p = store.paragraphs[(d.source.doc_id, d.source.paragraph)]
    return make_citation(store, cid, p.doc_id, p.paragraph, p.text, p.page, p.heading, p.numbered)


def explanation(d: Draft, reference: str) -> str:
    quote = f"{reference}: “{d.source.sentence}”"
    if d.type == "true_false":
        return f"{'True' if d.answer else 'False'}. {quote}"
    return f"The answer is “{d.correct}”. {quote}"


def _item_json(store: Any, corpus: Corpus, d: Draft, cid: int) -> dict[str, Any]:
    c = _citation(store, d, cid)
    doc = store.documents[c.doc_id]
    citation = {**citation_json(c), "reference": c.reference(), "replaced_by": replacement(store, doc)}
    return {
        "id": item_id(d),
        "type": d.type,
        "question": d.question,
        "options": d.options,
        "answer": d.answer,
        "explanation": explanation(d, c.reference()),
        "citation": citation,
        "accept": d.accept if d.type == "cloze" else [],
        "category": d.category,
        "checks": d.checks,
        "flags": d.flags,
        "source": {"sentence": d.source.sentence, "paragraph_hash": text_hash(c.text)},
    }
