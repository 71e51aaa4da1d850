"""Seed-corpus ingest time, this checkout beside an earlier commit, measured in the same run.

    python -m benchmarks.ingest_seed [--base REV] [--runs 3]

The earlier commit is checked out into a temporary git worktree; each version runs in its own
interpreter (PYTHONPATH pointing at its tree) on the same machine, alternately, ``--runs`` times:

- parse: the five seed documents read into paragraphs (load, decode, normalise, paginate,
  footnotes, structure), best of 5 in each run;
- ingest: the whole ``ingest()`` into a fresh index with the real all-MiniLM-L6-v2 on
  onnxruntime (the model loaded and exported before the clock starts).

It prints the median of each and the ratio current/base. The target for issue 17 (ingestion
that never loses text): ingest no more than 10 % slower than before it (``--base``'s default).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REV = "14a5015"  # the last commit before issue 17 changed ingestion


def worker(models: Path) -> dict[str, Any]:
    """Runs inside the version under test (its tree first on sys.path)."""
    here = Path(__file__).resolve().parent  # benchmarks/ holds an ingest.py of its own
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import ingest as package
    from ingest.embed import MiniLMEmbedder
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest, parse_corpus

    manifest_path = ROOT / "corpus" / "manifest.yaml"  # the same seed corpus for both versions
    parse_s = []
    for _ in range(5):
        start = time.perf_counter()
        paragraphs, _ = parse_corpus(load_manifest(manifest_path))
        parse_s.append(time.perf_counter() - start)
    embedder = MiniLMEmbedder(cache_dir=models)
    embedder.embed(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = ingest(manifest_path, Path(tmp) / "index", lambda: embedder, embedder.name, 1200)
        ingest_s = time.perf_counter() - start
    return {
        "code": str(Path(package.__file__).resolve().parent.parent),
        "parse_s": min(parse_s),
        "ingest_s": ingest_s,
        "paragraphs": len(paragraphs),
        "chunks": result.chunks,
    }


def run(tree: Path, models: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # Run as a script (not -m), so the current directory does not come before the tree under test.
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--models", str(models)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env=env)
    if out.returncode != 0:
        sys.exit(f"run in {tree} failed:\n{out.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if Path(data["code"]) != tree.resolve():
        sys.exit(f"expected the code of {tree}, ran {data['code']}")
    return data


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default=BASELINE_REV, help="git revision to compare with")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--models", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.models)))
        return
    with tempfile.TemporaryDirectory(prefix="wtguide-bench-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base_tree), args.base], cwd=ROOT, check=True)
        try:
            models = Path(tmp) / "models"
            results: dict[str, list[dict[str, Any]]] = {"base": [], "current": []}
            for _ in range(args.runs):
                results["base"].append(run(base_tree, models))
                results["current"].append(run(ROOT, models))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("parse_s", "ingest_s")} for k, v in results.items()}
    print(f"Seed corpus ingest, {args.runs} alternating runs, median (base = {args.base}):")
    print(f"{'':24}{'base':>10}{'current':>10}{'ratio':>8}")
    for metric, label in (("parse_s", "parse, seconds"), ("ingest_s", "ingest, seconds")):
        b, c = med["base"][metric], med["current"][metric]
        print(f"{label:24}{b:>10.3f}{c:>10.3f}{c / b:>8.2f}")
    b_last, c_last = results["base"][-1], results["current"][-1]
    print(f"{'paragraphs':24}{b_last['paragraphs']:>10}{c_last['paragraphs']:>10}")
    print(f"{'chunks':24}{b_last['chunks']:>10}{c_last['chunks']:>10}")
    ratio = med["current"]["ingest_s"] / med["base"]["ingest_s"]
    print(f"target: ingest at most 1.10 x base -> {'met' if ratio <= 1.10 else 'NOT met'} ({ratio:.2f})")


if __name__ == "__main__":
    main()
