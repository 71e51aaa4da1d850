"""Which paragraphs a quiz draws on: the edition, the chapter, and the topic matched by retrieval."""

from __future__ import annotations

import math
import re
from typing import Any

from ingest.paragraphs import Paragraph
from ingest.sentences import tokens
from quiz.corpus import sentences
from quiz.types import QuizRequest, Source
from rag.retrieve import Filters
from wtguide.errors import NotFound

PRONOUN_START = re.compile(r"^(?:It|They|This|These|Those|He|She|Their|Its|Such|That|Both|Here)\b")
LIST_START = re.compile(r"^(?:•|\d{1,2}[.)]|\(?[a-z]\))")
MIN_WORDS, MAX_WORDS = 6, 50


def documents(store: Any, edition: str | None) -> list[str]:
    """Statutory guidance only (commentary is not authority); by default the newest edition held."""
    statutory = [d for d in store.documents.values() if d.kind == "statutory"]
    if edition:
        wanted = edition.strip().lower()
        chosen = [d for d in statutory if wanted in ((d.edition or "").lower(), d.doc_id.lower())]
        if not chosen:
            held = ", ".join(sorted({d.edition for d in statutory if d.edition}))
            raise NotFound(f"no edition '{edition}' of the guidance is held; editions held: {held}")
        return [d.doc_id for d in chosen]
    newest = max(statutory, key=lambda d: d.edition or "")
    return [newest.doc_id]


def _chapter_matches(wanted: str, chapter: str) -> bool:
    w, c = wanted.strip().lower(), chapter.lower()
    if w.isdigit():
        return c.startswith(f"chapter {w}:") or c == f"chapter {w}"
    number = re.fullmatch(r"chapter\s+(\d+)", w)
    if number:
        return c.startswith(f"chapter {number.group(1)}:") or c == w
    return w == c or (len(w) >= 4 and w in c)


def chapter_paragraphs(store: Any, doc_ids: list[str], chapter: str | None) -> list[Paragraph]:
    paras = [p for d in doc_ids for p in store.doc_paragraphs(d)]
    if not chapter:
        return paras
    kept = [p for p in paras if p.chapter and _chapter_matches(chapter, p.chapter)]
    if not kept:
        held = "; ".join(dict.fromkeys(p.chapter for p in paras if p.chapter))
        raise NotFound(f"no chapter '{chapter}' in the guidance held; chapters held: {held}")
    return kept


def ranked_paragraphs(assistant: Any, req: QuizRequest, doc_ids: list[str]) -> list[Paragraph]:
    """Paragraphs about the topic, best first: retrieval order, then any other paragraph whose
    words cover the topic. A paragraph must share at least half the topic's key words."""
    store = assistant.store
    allowed = {(p.doc_id, p.paragraph): p for p in chapter_paragraphs(store, doc_ids, req.chapter)}
    query = assistant.understand(req.topic)
    wanted = set(tokens(query.resolved))
    need = max(1, math.ceil(len(set(tokens(req.topic)) or wanted) / 2))

    def relevant(p: Paragraph) -> bool:
        return len(wanted & set(tokens(p.text))) >= need

    order: list[Paragraph] = []
    seen: set[tuple[str, str]] = set()
    hits = assistant.retriever.search(query, Filters(doc_ids=tuple(doc_ids)), top_k=len(store.chunks))
    for h in hits:
        c = store.chunks[h.chunk_index]
        key = (c.doc_id, c.paragraph)
        if key in allowed and key not in seen and relevant(allowed[key]):
            seen.add(key)
            order.append(allowed[key])
    rest = [p for k, p in allowed.items() if k not in seen and relevant(p)]
    order += sorted(rest, key=lambda p: -len(wanted & set(tokens(p.text))))
    if not order:
        where = f" in chapter '{req.chapter}'" if req.chapter else ""
        raise NotFound(f"no text in the guidance held{where} matches the topic '{req.topic}'; try other words")
    return order


def quiz_sentences(paragraphs: list[Paragraph]) -> list[Source]:
    """Whole sentences that stand alone: no list fragments, lead-ins or opening pronouns."""
    out = []
    for rank, p in enumerate(paragraphs):
        for s in sentences(p):
            words = len(s.split())
            if (
                MIN_WORDS <= words <= MAX_WORDS
                and ":" not in s
                and not LIST_START.match(s)
                and not PRONOUN_START.match(s)
                and s[0].isupper()
            ):
                out.append(Source(p.doc_id, p.paragraph, s, rank))
    return out
