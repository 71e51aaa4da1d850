"""The index on disk, loaded once: paragraph store, chunks, vectors, BM25 and Chroma.

Loading checks the build against its ``files.json`` (``ingest.checksums``) and never writes it:
Chroma runs on a private copy (``rag.chroma_copy``), so a build can be served from a read-only
folder by any number of processes. A damaged build is ``IndexDamaged`` (503), never a 500.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ingest.checksums import verify_build
from ingest.chunks import Chunk
from ingest.footnotes import Footnote
from ingest.index import COLLECTION, SENTENCES, IndexInfo, current_dir, read_info, read_report
from ingest.manifest import DocumentInfo
from ingest.paragraphs import FOOTNOTE_MARK, Paragraph
from rag.chroma_copy import PrivateChroma
from wtguide.errors import IndexDamaged, IndexNotBuilt, NotFound

log = logging.getLogger(__name__)


def _paragraph(data: dict[str, Any]) -> Paragraph:
    data["headings"] = tuple(data["headings"])
    data["footnotes"] = tuple(Footnote(**f) for f in data["footnotes"])
    data["page_breaks"] = tuple(tuple(b) for b in data.get("page_breaks") or ())
    return Paragraph(**data)


def _document(data: dict[str, Any]) -> DocumentInfo:
    data["drop_lines"] = tuple(data.get("drop_lines") or ())
    return DocumentInfo(**data)


@dataclass
class IndexStore:
    path: Path
    info: IndexInfo
    documents: dict[str, DocumentInfo]
    paragraphs: dict[tuple[str, str], Paragraph]
    chunks: list[Chunk]
    vectors: np.ndarray
    _order: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, index_root: Path, verify: str = "full") -> IndexStore:
        """The live build under ``index_root``, checked against its ``files.json`` (``verify``:
        "full" hashes every file, "size" compares sizes). ``IndexNotBuilt`` when there is none;
        ``IndexDamaged`` (one line, naming the file) when a file is missing, changed or unreadable."""
        live = current_dir(index_root)
        if live is None:
            raise IndexNotBuilt("no index yet: run 'wtguide ingest' first")
        verify_build(live, full=verify == "full", legacy_ok=True)
        try:
            docs = [_document(d) for d in json.loads((live / "documents.json").read_text())]
            paras = [_paragraph(json.loads(ln)) for ln in (live / "paragraphs.jsonl").read_text().splitlines() if ln]
            chunks = [Chunk.from_json(ln) for ln in (live / "chunks.jsonl").read_text().splitlines() if ln]
            store = cls(
                path=live,
                info=read_info(live),
                documents={d.doc_id: d for d in docs},
                paragraphs={(p.doc_id, p.paragraph): p for p in paras},
                chunks=chunks,
                vectors=np.load(live / "vectors.npy"),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexDamaged(f"index {live.name} is damaged: {type(exc).__name__} while reading it; "
                               "run 'wtguide ingest'") from exc
        for p in paras:
            store._order.setdefault(p.doc_id, []).append(p.paragraph)
        return store

    @cached_property
    def report(self) -> dict[str, Any]:
        """What ingest noticed, per document: {"warnings": [...], "pages": [...]} (``ingest.report``)."""
        try:
            return read_report(self.path)
        except (OSError, ValueError) as exc:
            raise self._unreadable("report.json", exc) from exc

    def warnings(self, doc_id: str) -> list[dict[str, Any]]:
        """The ingest warnings of one document (each: doc, kind, message, page, line)."""
        return list(self.report.get(doc_id, {}).get("warnings", []))

    @cached_property
    def glossary(self) -> dict[str, str]:
        path = self.path / "glossary.json"
        try:
            return json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, ValueError) as exc:
            raise self._unreadable("glossary.json", exc) from exc

    def _unreadable(self, name: str, exc: Exception) -> IndexDamaged:
        """A file read on first use that cannot be parsed: a one-line 503, not a traceback (a
        same-size corruption passes the size-only check of ``WTGUIDE_INDEX_VERIFY=size``)."""
        return IndexDamaged(f"index {self.path.name} is damaged: {name} cannot be read ({type(exc).__name__}); "
                            "run 'wtguide ingest'", name)

    @cached_property
    def bm25(self) -> Any:
        import bm25s

        try:
            return bm25s.BM25.load(str(self.path / "bm25"))
        except Exception as exc:  # noqa: BLE001 - bm25s raises what numpy and json raise on a bad file
            raise IndexDamaged(f"index {self.path.name} is damaged: its BM25 index cannot be read "
                               f"({type(exc).__name__}); run 'wtguide ingest'", "bm25") from exc

    @cached_property
    def chroma(self) -> PrivateChroma:
        """Chroma over this process's own copy of the build's ``chroma/`` (it writes as it reads)."""
        try:
            return PrivateChroma(self.path / "chroma")
        except Exception as exc:  # noqa: BLE001 - chromadb's errors on a damaged store vary by version
            raise IndexDamaged(f"index {self.path.name} is damaged: its vector store cannot be opened "
                               f"({type(exc).__name__}); run 'wtguide ingest'", "chroma") from exc

    @cached_property
    def collection(self) -> Any:
        return _Guarded(self, COLLECTION)

    @cached_property
    def sentences(self) -> Any:
        return _Guarded(self, SENTENCES)

    def probe(self) -> None:
        """Whether this index can answer, cheaply (about a millisecond): one paragraph looked up and
        a one-row vector query. ``IndexDamaged`` (one line) if not."""
        if not self.chunks:
            raise IndexDamaged(f"index {self.path.name} holds no passages; run 'wtguide ingest'")
        first = self.chunks[0]
        if (first.doc_id, first.paragraph) not in self.paragraphs:
            raise IndexDamaged(f"index {self.path.name} is damaged: its paragraph store lacks "
                               f"{first.doc_id} {first.paragraph}; run 'wtguide ingest'")
        hits = self.collection.query(query_embeddings=[self.vectors[0].tolist()], n_results=1, include=["distances"])
        if not hits["ids"] or not hits["ids"][0]:
            raise IndexDamaged(f"index {self.path.name} is damaged: its vector store returned nothing; "
                               "run 'wtguide ingest'", "chroma")

    @cached_property
    def sentence_vectors(self) -> dict[tuple[str, str], np.ndarray]:
        """Each sentence's vector by (chunk id, sentence text without footnote marks)."""
        path = self.path / "sentences.jsonl"
        if not path.is_file():
            return {}
        try:
            rows = [json.loads(ln) for ln in path.read_text().splitlines() if ln]
            vectors = np.load(self.path / "sentence_vectors.npy")
            return {
                (r["chunk"], " ".join(FOOTNOTE_MARK.sub("", r["text"]).split())): v
                for r, v in zip(rows, vectors, strict=True)
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise self._unreadable("sentences.jsonl or sentence_vectors.npy", exc) from exc

    @cached_property
    def chunk_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.chunks)}

    def document(self, doc_id: str) -> DocumentInfo:
        doc = self.documents.get(doc_id)
        if doc is None:
            raise NotFound(f"no document '{doc_id}' in the corpus (see /api/documents)")
        return doc

    def paragraph(self, doc_id: str, paragraph: str) -> Paragraph:
        doc = self.document(doc_id)
        para = self.paragraphs.get((doc_id, str(paragraph).strip().rstrip(".")))
        if para is None:
            numbered = [p for p in self._order.get(doc_id, []) if p.isdigit()]
            span = f" (it has paragraphs {numbered[0]}-{numbered[-1]})" if numbered else ""
            raise NotFound(f"{doc.title} has no paragraph {paragraph} in the text we hold{span}")
        return para

    def doc_paragraphs(self, doc_id: str) -> list[Paragraph]:
        self.document(doc_id)
        return [self.paragraphs[(doc_id, pid)] for pid in self._order.get(doc_id, [])]

    def neighbours(self, doc_id: str, paragraph: str) -> tuple[str | None, str | None]:
        order = self._order.get(doc_id, [])
        i = order.index(paragraph)
        return (order[i - 1] if i > 0 else None, order[i + 1] if i + 1 < len(order) else None)

    @cached_property
    def _chunks_by_paragraph(self) -> dict[tuple[str, str], list[Chunk]]:
        out: dict[tuple[str, str], list[Chunk]] = {}
        for c in self.chunks:
            out.setdefault((c.doc_id, c.paragraph), []).append(c)
        return out

    def chunks_of(self, doc_id: str, paragraph: str) -> list[Chunk]:
        return list(self._chunks_by_paragraph.get((doc_id, paragraph), []))

    def following(self, chunk: Chunk) -> Chunk | None:
        """The first chunk of the paragraph or block after this chunk's, in document order."""
        _, after = self.neighbours(chunk.doc_id, chunk.paragraph)
        parts = self.chunks_of(chunk.doc_id, after) if after else []
        return parts[0] if parts else None


class _Guarded:
    """A Chroma collection whose failures are ``IndexDamaged`` (a 503 with one line), not a 500:
    opened on first use, each call (``query``, ``get``, ``count``) passed through."""

    def __init__(self, store: IndexStore, name: str) -> None:
        self._store = store
        self._name = name
        self._collection: Any = None

    def __getattr__(self, attr: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                if self._collection is None:
                    self._collection = self._store.chroma.client.get_collection(self._name)
                return getattr(self._collection, attr)(*args, **kwargs)
            except IndexDamaged:
                raise
            except Exception as exc:  # noqa: BLE001 - chromadb's errors on a damaged store vary by version
                raise IndexDamaged(
                    f"index {self._store.path.name} cannot answer: its vector store failed "
                    f"({type(exc).__name__}); run 'wtguide ingest' or restart",
                    "chroma",
                ) from exc

        return call
