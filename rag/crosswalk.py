"""Paragraph crosswalk between two editions: which paragraphs say the same thing.

Scores combine embedding cosine and word overlap; one-to-many is allowed. A pair
is "unchanged" only when its words are the same words in the same order (a sentence
added or one word changed is "changed": a crosswalk that says "unchanged" must be
right), "changed" when they match in substance, and an older paragraph with no match
is "removed" (a newer one, "new"). Matches below ``CONFIDENT`` are offered, not stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.sentences import tokens
from rag.store import IndexStore

MATCH = 0.55  # below this a paragraph has no partner: removed (or new)
CONFIDENT = 0.75  # from here a partner is stated; between MATCH and this it is offered as "possibly"


@dataclass(frozen=True)
class Link:
    old_doc: str
    old_paragraph: str | None
    new_doc: str
    new_paragraph: str | None
    score: float
    status: str  # unchanged | changed | removed | new


def _paragraph_vectors(store: IndexStore, doc_id: str) -> tuple[list[str], np.ndarray]:
    ids: list[str] = []
    rows: list[np.ndarray] = []
    for p in store.doc_paragraphs(doc_id):
        idx = [store.chunk_index[c.id] for c in store.chunks_of(doc_id, p.paragraph)]
        v = store.vectors[idx].mean(axis=0)
        ids.append(p.paragraph)
        rows.append(v / (np.linalg.norm(v) or 1.0))
    return ids, np.vstack(rows) if rows else np.zeros((0, store.vectors.shape[1]))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", re.sub(r"\[\^\d+\]", "", text).lower())


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokens(a)), set(tokens(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def build(store: IndexStore, old_doc: str, new_doc: str) -> list[Link]:
    old_ids, old_v = _paragraph_vectors(store, old_doc)
    new_ids, new_v = _paragraph_vectors(store, new_doc)
    sims = old_v @ new_v.T if len(old_ids) and len(new_ids) else np.zeros((len(old_ids), len(new_ids)))
    links: list[Link] = []
    matched_new: set[str] = set()
    for i, oid in enumerate(old_ids):
        old_text = store.paragraph(old_doc, oid).text
        scored = []
        for j, nid in enumerate(new_ids):
            lex = _overlap(old_text, store.paragraph(new_doc, nid).text)
            scored.append((0.6 * float(sims[i, j]) + 0.4 * lex, nid, lex))
        scored.sort(reverse=True)
        best = [s for s in scored[:3] if s[0] >= MATCH and s[0] >= scored[0][0] - 0.05]
        if not best:
            links.append(Link(old_doc, oid, new_doc, None, round(scored[0][0], 3) if scored else 0.0, "removed"))
        for score, nid, _lex in best:
            matched_new.add(nid)
            same = _words(old_text) == _words(store.paragraph(new_doc, nid).text)
            status = "unchanged" if same else "changed"
            links.append(Link(old_doc, oid, new_doc, nid, round(score, 3), status))
    for nid in new_ids:
        if nid not in matched_new:
            links.append(Link(old_doc, None, new_doc, nid, 0.0, "new"))
    return links
