"""Notices about an answer's sources, built from manifest data (the safeguarding notices, which
come first, are rag/safeguard.py's)."""

from __future__ import annotations

from ingest.manifest import DocumentInfo
from rag.store import IndexStore
from rag.types import Citation


def replacement(store: IndexStore, doc: DocumentInfo) -> str | None:
    if not doc.superseded_by:
        return None
    newer = store.documents.get(doc.superseded_by)
    return newer.title if newer else (doc.superseded_by_title or doc.superseded_by)


def edition_status(store: IndexStore, years: tuple[str, ...] = ()) -> str:
    """Which edition of the statutory guidance is current, and whether its text is held: from the
    manifest (each document's ``status`` and ``superseded_by``), never from a passage of a replaced
    edition that calls itself "this document". A held edition the question names (``years``) that
    has been replaced is said to be first ("Working Together 2018 was replaced by ... 2023.")."""
    statutory = sorted((d for d in store.documents.values() if d.kind == "statutory"), key=lambda d: d.edition or "")
    if not statutory:
        return "I hold no edition of the statutory guidance."
    newest = statutory[-1]
    said = [f"{d.title} was replaced by {replacement(store, d)}." for d in statutory[:-1]
            if d.edition in years and d.superseded_by]
    if newest.status != "superseded":
        return " ".join([*said, f"{newest.title} is the current edition, and it is the one I quote."])
    newer = replacement(store, newest) or "a newer edition"
    where = f" on GOV.UK ({newest.source_url})" if newest.source_url else ""
    return " ".join([*said, f"{newer} is the current edition: it replaced {newest.title}. I do not hold its "
                     f"text, so my answers quote {newest.title}; check the current edition{where} before relying "
                     "on them."])


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
        elif doc.kind == "local":
            out.append(f"{doc.title} is a local procedure of {doc.publisher}, not national statutory guidance.")
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
