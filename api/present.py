"""The engine's frozen dataclasses turned into the contract's JSON shapes."""

from __future__ import annotations

from typing import Any

from rag.notices import replacement
from rag.types import Answer, Citation


def citation_json(store: Any, c: Citation) -> dict[str, Any]:
    doc = store.documents.get(c.doc_id)
    return {
        "id": c.id,
        "doc_id": c.doc_id,
        "doc_title": c.doc_title,
        "kind": c.kind,
        "edition": c.edition,
        "status": c.status,
        "paragraph": c.paragraph,
        "page": c.page,
        "page_end": c.page_end,
        "heading": c.heading,
        "text": c.text,
        "score": c.score,
        "url": c.url,
        "verified": c.verified,
        "quoted": c.quoted,
        "reference": c.reference(),
        "replaced_by": replacement(store, doc) if doc is not None else None,
    }


def answer_json(store: Any, ans: Answer) -> dict[str, Any]:
    return {
        "answer": ans.answer,
        "citations": [citation_json(store, c) for c in ans.citations],
        "abstained": ans.abstained,
        "status": ans.status,
        "reasons": list(ans.reasons),
        "notices": list(ans.notices),
        "safeguarding": safeguarding_json(ans),
    }


def safeguarding_json(ans: Answer) -> dict[str, Any]:
    """What the guardrails found, without their scores: the kind of each notice (``notices[i]``
    is of kind ``notices[i]``), crisis, harm_type, writer, case, the personal details' kinds, what
    an earlier message of the conversation carried (``carried``), what a crisis message says of help
    (``help``), and the question as kept (redacted)."""
    keys = ("crisis", "harm_type", "writer", "case", "personal_details", "notices", "carried", "help")
    return {**{k: ans.safeguarding[k] for k in keys if k in ans.safeguarding}, "question": ans.question}


def verification(ans: Answer) -> dict[str, Any]:
    checked = sum(1 for c in ans.citations if c.verified)
    return {"citations": len(ans.citations), "verified": checked, "all_verified": checked == len(ans.citations)}


def answer_text(ans: Answer, base_url: str) -> str:
    """The answer as one plain text for chat clients (/v1, MCP): the safeguarding notices first
    (a crisis notice is the first line), then the answer with its ``[n]`` markers, then a
    references list, one "[n] <reference> — <absolute url>" line per citation."""
    base = base_url.rstrip("/")
    parts = [*ans.notices, ans.answer]
    if ans.citations:
        refs = [f"[{c.id}] {c.reference()} — {base}{c.url}" for c in ans.citations]
        parts.append("References:\n" + "\n".join(refs))
    return "\n\n".join(p for p in parts if p)
