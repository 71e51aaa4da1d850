"""Re-checking an exported quiz against the current index: has each item's paragraph changed,
has its sentence moved to another paragraph, or has its edition been superseded since export?"""

from __future__ import annotations

from typing import Any

from quiz.corpus import corpus_for, text_hash
from rag.notices import replacement
from wtguide.errors import BadRequest

STATUSES = ("ok", "changed", "moved", "superseded", "missing")


def _verdict(store: Any, corpus: Any, item: dict[str, Any]) -> dict[str, Any]:
    c = item["citation"]
    doc_id, paragraph = c["doc_id"], c["paragraph"]
    source = item.get("source") or {}
    sentence = source.get("sentence", "")
    out: dict[str, Any] = {
        "id": item.get("id"),
        "doc_id": doc_id,
        "paragraph": paragraph,
        "status": "ok",
        "message": "paragraph unchanged since export",
    }
    doc = store.documents.get(doc_id)
    if doc is None:
        return {**out, "status": "missing", "message": f"{c.get('doc_title') or doc_id} is no longer in the index"}
    para = store.paragraphs.get((doc_id, paragraph))
    old_hash = source.get("paragraph_hash") or text_hash(c.get("text", ""))
    if para is None or text_hash(para.text) != old_hash:
        found = [p for p in corpus.locate(sentence, doc_id) if p != paragraph] if sentence else []
        if found:
            return {
                **out,
                "status": "moved",
                "moved_to": found[0],
                "message": f"the quoted sentence is now in paragraph {found[0]}",
            }
        if para is None:
            return {**out, "status": "missing", "message": f"{doc.title} no longer has paragraph {paragraph}"}
        still = bool(sentence) and corpus.supported_by((doc_id, paragraph), sentence)
        return {
            **out,
            "status": "changed",
            "message": "the paragraph's text has changed since export"
            + ("; the quoted sentence is still there" if still else "; the quoted sentence is no longer there"),
        }
    if doc.status == "superseded" and c.get("status") != "superseded":
        return {**out, "status": "superseded", "message": f"{doc.title} has been replaced by {replacement(store, doc)}"}
    if doc.status == "superseded":
        out["message"] += f" (from an edition already superseded at export, by {replacement(store, doc)})"
    return out


def check_quiz(assistant: Any, quiz: Any) -> dict[str, Any]:
    """``quiz``: the JSON of an exported quiz (or a POST /api/quiz response)."""
    items = quiz.get("items") if isinstance(quiz, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) and "citation" in i for i in items):
        raise BadRequest("not a wtguide quiz: expected a JSON object with 'items', each with a 'citation'")
    corpus = corpus_for(assistant.store, assistant.glossary)
    results = [_verdict(assistant.store, corpus, i) for i in items]
    counts = {s: sum(1 for r in results if r["status"] == s) for s in STATUSES}
    return {"items": results, "counts": counts, "stale": len(results) - counts["ok"]}
