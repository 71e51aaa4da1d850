"""Stage 5, decide: answered, uncertain or declined, from evidence with a measured error rate.

Two kinds of decision:
- what the parsed question alone settles (``screen``): another language, a request for writing,
  nothing asked, a paragraph or an edition named that is not held. These are facts of the parse.
- everything else (``decide``): a logistic regression over evidence features (retrieval scores,
  how much of the question's key terms the best passages and the answer hold, words the corpus
  never uses, whether the answer holds the kind of thing asked for, documents or chapters named
  that are not held). Its coefficients and the two thresholds are data (``data/decision.json``),
  fitted and chosen on the dev split by ``wtguide eval --fit-decision``; they are never fitted on
  the test or blind splits.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rag.answer import holds_form, unseen_share
from rag.query import Query
from rag.retrieve import Retriever
from rag.types import Hit

DATA = Path(__file__).resolve().parent / "data"
PARAMS_FILE = DATA / "decision.json"
FEATURES = (
    "dense_top",
    "lexical_top",
    "passage_coverage",
    "sentence_coverage",
    "answer_coverage",
    "unseen_share",
    "key_terms",
    "kind_missing",
    "unknown_title",
    "unheld_chapter",
    "commentary_top",
    "names_guidance",
    "about_a_child",
)


@dataclass(frozen=True)
class Decision:
    status: str  # "answered", "uncertain" or "declined"
    probability: float  # that the held text answers the question
    reasons: tuple[str, ...]
    features: dict[str, float]


@lru_cache(maxsize=1)
def _kinds() -> list[tuple[str, re.Pattern[str], re.Pattern[str]]]:
    data = yaml.safe_load((DATA / "kinds.yaml").read_text())
    number = data["number"]
    return [
        (name, re.compile(k["asks"], re.I), re.compile(k["gives"].replace("{number}", number), re.I))
        for name, k in data["kinds"].items()
    ]


def kind_asked(text: str) -> str | None:
    """The kind of thing the question asks for ("duration" for "how long...?"), if any."""
    return next((name for name, asks, _ in _kinds() if asks.search(text)), None)


def gives_kind(kind: str, text: str) -> bool:
    return any(name == kind and gives.search(text) for name, _, gives in _kinds())


def screen(q: Query, missing_paragraphs: tuple[str, ...]) -> str | None:
    """A reason to decline that the parsed question alone settles, or None."""
    if q.request == "empty":
        return "empty_question"
    if q.request == "courtesy":
        return "courtesy"
    if q.request == "about":
        return "about_assistant"
    if q.language != "en":
        return "other_language"
    if q.request == "writing":
        return "writing_request"
    if q.unheld_edition and q.request != "edition":  # which edition is current is answered from the manifest
        return "edition_not_held"
    if q.paragraphs and missing_paragraphs and len(missing_paragraphs) == len(q.paragraphs):
        return "paragraph_not_held"
    return None


def held_share(terms: list[str], text: str, retriever: Retriever) -> float:
    """The IDF-weighted share of the question's key terms a text holds, in some form (an acronym's
    long form, a synonym's corpus words). A word the corpus never uses counts, unheld, at the
    highest weight: "recipe" and "lasagne" are what that question is about."""
    if not terms:
        return 0.0
    words = retriever.words_of(text)
    weights = [retriever.idf(t) for t in terms]
    got = sum(w for t, w in zip(terms, weights, strict=True) if holds_form(words, retriever.forms(t)))
    return got / sum(weights)


def features(
    q: Query, hits: list[Hit], answer_text: str, retriever: Retriever, about_a_child: bool = False
) -> dict[str, float]:
    """The evidence the decision weighs, each in [0, 1] or a small count (see FEATURES).
    ``about_a_child``: the safeguarding check read the message as about a particular child or a
    child in danger (a case story is about safeguarding even when its words are not the guidance's)."""
    top = hits[:3]
    chunks = [retriever.store.chunks[h.chunk_index] for h in top]
    terms = retriever.key_terms(q)
    kind = kind_asked(q.plain or q.text)
    sentences = [s for h in top for s in retriever.chunk_sentences[h.chunk_index]]
    return {
        "dense_top": max((h.dense for h in top), default=0.0),
        "lexical_top": math.log1p(max((h.lexical for h in top), default=0.0)),
        "passage_coverage": max((held_share(terms, c.text, retriever) for c in chunks), default=0.0),
        "sentence_coverage": max((held_share(terms, s, retriever) for s in sentences), default=0.0),
        "answer_coverage": held_share(terms, answer_text, retriever),
        "unseen_share": unseen_share(terms, retriever.prefixes, retriever.idf),
        "key_terms": min(len(terms), 8) / 8,
        "kind_missing": float(bool(kind) and not gives_kind(kind or "", answer_text)),
        "unknown_title": float(bool(q.unknown_title)),
        "unheld_chapter": float(q.unheld_chapter),
        "commentary_top": float(bool(chunks) and chunks[0].kind == "commentary"),
        "names_guidance": float(q.names_guidance),
        "about_a_child": float(about_a_child),
    }


@lru_cache(maxsize=4)
def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """The fitted model: {"features", "mean", "scale", "coef", "intercept", "answer_at", "decline_below"}."""
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def probability(feats: dict[str, float], params: dict[str, Any]) -> float:
    z = float(params["intercept"])
    rows = zip(params["features"], params["mean"], params["scale"], params["coef"], strict=True)
    for name, mean, scale, coef in rows:
        z += coef * (feats.get(name, 0.0) - mean) / (scale or 1.0)
    return 1.0 / (1.0 + math.exp(-z))


def decide(feats: dict[str, float], params: dict[str, Any] | None = None) -> Decision:
    """Declined when the question is not about the guidance at all (``scope`` below its
    threshold); else answered when the held text answers it (at or above ``answer_at``), and
    uncertain, with the closest passages shown, when it may not."""
    params = params or load_params()
    p = probability(feats, params)
    scope = params.get("scope")
    on_topic = probability(feats, scope) if scope else 1.0
    if scope and on_topic < scope["decline_below"]:
        status = "declined"
    elif p >= params["answer_at"]:
        status = "answered"
    else:
        status = "uncertain"
    strongest = sorted(
        ((coef * (feats.get(n, 0.0) - m) / (s or 1.0), n) for n, m, s, coef in
         zip(params["features"], params["mean"], params["scale"], params["coef"], strict=True)),
    )
    against = [n for v, n in strongest[:2] if v < 0]
    reasons = (
        f"decide:{status}", f"p_answers={p:.2f}", f"p_on_topic={on_topic:.2f}",
        *(f"against:{n}" for n in against if status != "answered"),
    )
    return Decision(status, p, reasons, feats)
