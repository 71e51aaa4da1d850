"""Export for outside IR tools: BEIR-style corpus/queries/qrels and our ranking as a TREC run.

Documents are our paragraphs, named ``<doc_id>:<paragraph>`` (e.g. ``wt2023:48``,
``schools-guide:the-three-safeguarding-partners-2``). Only answerable questions have qrels,
so standard tools average over the same questions as our Recall@5.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.run import OURS, EvalRun

RUN_TAG = "wtguide"


def docno(key: tuple[str, str]) -> str:
    return f"{key[0]}:{key[1]}"


def export(run: EvalRun, paragraphs: dict[tuple[str, str], Any], titles: dict[str, str], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "qrels").mkdir(exist_ok=True)
    corpus = out / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as f:
        for key, para in paragraphs.items():
            title = " — ".join(x for x in (titles.get(key[0], key[0]), getattr(para, "heading", None)) if x)
            f.write(json.dumps({"_id": docno(key), "title": title, "text": para.text}, ensure_ascii=False) + "\n")
    queries = out / "queries.jsonl"
    with queries.open("w", encoding="utf-8") as f:
        for r in run.results:
            q = r.question
            meta = {"type": q.type, "split": q.split, "answerable": q.answerable, "history": q.history_dicts()}
            f.write(json.dumps({"_id": q.id, "text": q.question, "metadata": meta}, ensure_ascii=False) + "\n")
    qrels = out / "qrels" / "test.tsv"
    with qrels.open("w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for r in run.results:
            for key in r.gold:
                f.write(f"{r.question.id}\t{docno(key)}\t1\n")
    trec = out / f"{OURS}.run"
    with trec.open("w", encoding="utf-8") as f:
        for r in run.results:
            ranking = [key for item in r.rankings[OURS] for key in sorted(item)]
            for rank, key in enumerate(ranking, start=1):
                # Strictly falling scores: trec_eval sorts by score, not by the rank column.
                f.write(f"{r.question.id} Q0 {docno(key)} {rank} {len(ranking) - rank + 1:.4f} {RUN_TAG}\n")
    return [corpus, queries, qrels, trec]
