"""What the safeguarding check costs an answer: warm ``ask`` with and without it, same run, same questions.

    python -m benchmarks.guardrails [--data-dir DIR] [--questions FILE] [--rounds N]

The index is the real one (bundled all-MiniLM-L6-v2), ingested into ``--data-dir`` (else
``WTGUIDE_DATA_DIR``, else a temp dir) if it is not fresh. One ``Assistant`` answers each eval
question (with its history) once per round in each mode, the modes alternating question by
question, and which asks first alternating too, so drift favours neither:

- with: ``Assistant.ask`` as served (rag/safeguard.py runs first on every message);
- without: the same, with ``guardrails.assess`` replaced by the normalised message and no findings,
  and nothing of the check's embedded.

What a request remembers of its own question (the retriever's query vectors, the personal details
found, the language detected) is forgotten before every call, so each ask is a first ask (the check
shares the vector cache, so a one-sentence message is embedded once for both). Until stop 29 the
mode asked second (always "without") found the details the first had found, so the redaction both
modes do (about 1.4 ms) was counted as the check's cost.

Prints p50/p95 of each mode, the check's own p50 on the messages of ``evals/guardrails_blind.jsonl``,
the difference of the p50s and its ratio (target: under 5 ms at p50), and the p50 of the paired
differences (the same question asked with and without the check).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.ask import ensure_index, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "questions.jsonl")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(os.environ.get("WTGUIDE_DATA_DIR") or tempfile.mkdtemp(prefix="wtguide-bench-"))

    from evals import guardrails
    from evals.dataset import load_questions
    from rag import language, safeguard
    from rag.safeguard import Safeguard
    from rag.service import Assistant
    from rag.understand import normalise
    from wtguide.settings import Settings

    ensure_index(data_dir)
    settings = Settings(data_dir=data_dir, embedder="minilm", llm_base_url="", _env_file=None)  # type: ignore[call-arg]
    assistant = Assistant.from_settings(settings)
    assistant.warm_up()
    guard = assistant.guardrails
    real, real_texts = guard.assess, guard.texts

    def skipped(message: str) -> Safeguard:
        return Safeguard(normalise(message))

    def nothing(redacted: str) -> list[str]:
        return []

    def cold() -> None:
        """Forget what a request remembers of its own question (its vectors, its personal details,
        its language), so each ask is a first ask, and the mode that asks second gains nothing."""
        assistant.retriever._vectors.clear()
        safeguard._details.cache_clear()
        language._confidences.cache_clear()

    questions = load_questions(args.questions, "test")
    times: dict[str, list[float]] = {"with": [], "without": []}
    modes = (("with", real, real_texts), ("without", skipped, nothing))
    for r in range(args.rounds):
        for i, q in enumerate(questions):
            history = q.history_dicts() or None
            # Which mode asks first alternates too, so drift favours neither.
            for mode, check, texts in modes if (r + i) % 2 == 0 else modes[::-1]:
                guard.assess, guard.texts = check, texts  # type: ignore[method-assign]
                cold()
                start = time.perf_counter()
                assistant.ask(q.question, history=history)
                times[mode].append((time.perf_counter() - start) * 1000)
    guard.assess, guard.texts = real, real_texts  # type: ignore[method-assign]

    alone = []
    for m in guardrails.load(guardrails.SETS["blind"]):
        cold()
        start = time.perf_counter()
        real(m.message)
        alone.append((time.perf_counter() - start) * 1000)

    p50 = {k: statistics.median(v) for k, v in times.items()}
    print(f"{len(questions)} questions x {args.rounds} rounds, index {data_dir}")
    for mode, values in times.items():
        print(f"  ask {mode:8s} the check: p50 {p50[mode]:6.2f} ms  p95 {percentile(values, 95):6.2f} ms")
    print(f"  the check alone (guardrail messages, embedding included): p50 {statistics.median(alone):.2f} ms")
    print(f"  added at p50: {p50['with'] - p50['without']:+.2f} ms (ratio {p50['with'] / p50['without']:.3f}; "
          "target under 5 ms)")
    paired = [w - o for w, o in zip(times["with"], times["without"], strict=True)]
    print(f"  added to the same ask, p50 of the paired differences: {statistics.median(paired):+.2f} ms "
          f"(p95 {percentile(paired, 95):+.2f} ms)")


if __name__ == "__main__":
    main()
