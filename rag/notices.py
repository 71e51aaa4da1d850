"""Notices shown above an answer, built from manifest data and the question."""

from __future__ import annotations

import re

from ingest.manifest import DocumentInfo
from rag.store import IndexStore
from rag.types import Citation

DANGER = re.compile(
    r"\b(immediate(ly)? (danger|risk)|in danger (now|right now|tonight)|being (hurt|abused|attacked) (now|right now)|"
    r"right now.*(hurt|harm|danger)|emergency|going to (hurt|kill)|threatening to (hurt|kill)|"
    r"(hurt|harm|hit|beat)\w* (him|her|them|a child|the child) (now|right now|tonight))\b",
    re.IGNORECASE,
)
CASE = re.compile(
    r"\b(my (pupil|student|client|child|son|daughter|case)|a (pupil|child|boy|girl) in my (class|school|care|nursery)|"
    r"(should|do|must) i (refer|report|tell|call)|i('m| am) worried about (a|my|this|one)|"
    r"(one of my|this) (pupils|children|families|child|family))\b",
    re.IGNORECASE,
)
DANGER_NOTICE = (
    "If a child is in immediate danger, call 999 now, then follow your local safeguarding procedures "
    "and tell your designated safeguarding lead."
)
CASE_NOTICE = (
    "This assistant explains the guidance; it does not make decisions about individual cases. For a concern "
    "about a particular child, speak to your designated safeguarding lead or contact your local authority "
    "children's social care."
)


def question_notices(question: str) -> list[str]:
    out = []
    if DANGER.search(question):
        out.append(DANGER_NOTICE)
    if CASE.search(question):
        out.append(CASE_NOTICE)
    return out


def replacement(store: IndexStore, doc: DocumentInfo) -> str | None:
    if not doc.superseded_by:
        return None
    newer = store.documents.get(doc.superseded_by)
    return newer.title if newer else (doc.superseded_by_title or doc.superseded_by)


def source_notices(store: IndexStore, citations: list[Citation]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for c in citations:
        if c.doc_id in seen:
            continue
        seen.add(c.doc_id)
        doc = store.documents[c.doc_id]
        if doc.kind == "commentary":
            out.append(f"{doc.title} is commentary ({doc.publisher}), not statutory guidance.")
        elif doc.status == "superseded":
            newer = replacement(store, doc)
            held = doc.superseded_by in store.documents
            tail = (
                ""
                if held
                else " The newer edition's text is not in the guidance I hold, so check it before relying on this."
            )
            out.append(f"This cites {doc.title}, which has been replaced by {newer}.{tail}")
    return out


def coverage_statement(store: IndexStore) -> str:
    """What the assistant covers, from the index (no hard-coded titles)."""
    parts = []
    for doc in store.documents.values():
        if doc.kind != "statutory":
            continue
        nums = [p.paragraph for p in store.doc_paragraphs(doc.doc_id) if p.numbered]
        span = f" (paragraphs {nums[0]}–{nums[-1]})" if nums else ""
        parts.append(f"{doc.title}{span}")
    commentary = sum(1 for d in store.documents.values() if d.kind == "commentary")
    extra = f", with {commentary} commentaries on it" if commentary else ""
    return "I can answer questions about the parts I hold of " + "; ".join(parts) + extra + "."
