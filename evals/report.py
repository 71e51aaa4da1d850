"""Present a run: the terminal table, the dated Markdown report with its chart, the failures list."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.run import OURS, EvalRun

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
ANSWER_COLUMNS = (
    ("recall@5", "search R@5"),
    ("answer_recall@5", "ask R@5"),
    ("answer_mrr", "ask MRR"),
    ("answered", "answered"),
    ("uncertain", "uncertain"),
    ("declined", "declined"),
    ("offtopic_declined", "off-topic decl"),
    ("clean_answer", "clean"),
    ("citation_precision", "cite P"),
    ("citation_recall", "cite R"),
    ("keyword_coverage", "keywords"),
    ("faithfulness", "faithful"),
    ("oos_abstention", "OOS abst"),
    ("false_abstention", "false abst"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


def _f(v: float | None, ms: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if ms else f"{v:.3f}"


def _rows(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [*summary["by_type"].items(), ("OVERALL", summary["overall"])]


def retrieval_table(summary: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    systems = summary["systems"]
    head = ["type", "n"] + [f"R@5 {s}" for s in systems] + [f"MRR {s}" for s in systems]
    head += ["R@1 ours", "R@3 ours", "nDCG@5 ours"]
    body = []
    for name, b in _rows(summary):
        row = [name, str(b["n"])]
        row += [_f(b[s]["recall@5"]) for s in systems] + [_f(b[s]["mrr"]) for s in systems]
        row += [_f(b[OURS]["recall@1"]), _f(b[OURS]["recall@3"]), _f(b[OURS]["ndcg@5"])]
        body.append(row)
    return head, body


def answer_table(summary: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["type", "n"] + [label for _, label in ANSWER_COLUMNS]
    body = [
        [name, str(b["n"])] + [_f(b[OURS].get(key), key.endswith("_ms")) for key, _ in ANSWER_COLUMNS]
        for name, b in _rows(summary)
    ]
    return head, body


def plain(head: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(r) for r in body)])


def markdown_table(head: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    rows = [head, ["---"] + ["---:"] * (len(head) - 1), *body]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def text_report(summary: dict[str, Any]) -> str:
    return (
        f"Evaluation on split '{summary['split']}' ({summary['overall']['n']} questions)\n\n"
        f"Retrieval, paragraph level (top 5):\n{plain(*retrieval_table(summary))}\n\n"
        f"Our answers:\n{plain(*answer_table(summary))}"
    )


def chart(summary: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    types = [t for t, b in summary["by_type"].items() if b[OURS]["recall@5"] is not None] + ["OVERALL"]
    blocks = [summary["by_type"].get(t, summary["overall"]) for t in types]
    systems = summary["systems"]
    x = np.arange(len(types))
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(max(8, len(types) * 0.9), 4.5))
    for i, s in enumerate(systems):
        ax.bar(x + (i - (len(systems) - 1) / 2) * width, [b[s]["recall@5"] or 0 for b in blocks], width, label=s)
    ax.set_xticks(x, types, rotation=35, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Recall@5 (paragraph level)")
    ax.set_title(f"Recall@5 by question type, split '{summary['split']}'")
    ax.axhline(0.9, color="grey", linestyle="--", linewidth=0.8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown_report(summary: dict[str, Any], chart_name: str, gate_lines: Sequence[str] = ()) -> str:
    o = summary["overall"]
    lead = []
    for s in summary["systems"][1:]:
        lead.append(
            f"- ours vs {s}: Recall@5 {_f(o[OURS]['recall@5'])} vs {_f(o[s]['recall@5'])}, "
            f"MRR {_f(o[OURS]['mrr'])} vs {_f(o[s]['mrr'])}"
        )
    parts = [
        f"# Evaluation report {summary['date']}",
        "",
        f"Questions: `{Path(summary['questions_file']).name}` (sha {summary['questions_sha']}), "
        f"split `{summary['split']}`, {o['n']} questions. Produced by `wtguide eval`; metrics are defined in "
        "`evals/metrics.py`, the baselines in `evals/baselines.py`.",
        "",
        *lead,
        "",
        f"![Recall@5 per question type]({chart_name})",
        "",
        "## Retrieval (paragraph level, top 5)",
        "",
        markdown_table(*retrieval_table(summary)),
        "",
        "## Our answers",
        "",
        markdown_table(*answer_table(summary)),
    ]
    if gate_lines:
        parts += ["", "## Gate", "", *(f"- {ln}" for ln in gate_lines)]
    return "\n".join(parts) + "\n"


def write_report(summary: dict[str, Any], directory: Path = REPORTS_DIR, gate_lines: Sequence[str] = ()) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{summary['date']}" + ("" if summary["split"] == "test" else f"-{summary['split']}")
    png = chart(summary, directory / f"{stem}-recall.png")
    out = directory / f"{stem}.md"
    out.write_text(markdown_report(summary, png.name, gate_lines))
    return out


def failures(run: EvalRun) -> str:
    """Questions we got wrong: gold missing from our top 5, a wrong abstention, or keywords missed."""
    out = []
    for r in run.results:
        q = r.question
        reasons = []
        if q.answerable and (r.retrieval[OURS]["recall@5"] or 0) < 1:
            reasons.append("gold not in top 5")
        if q.answerable and r.abstained:
            reasons.append("abstained on an answerable question")
        if not q.answerable and not r.abstained:
            reasons.append("answered a question it should decline")
        if q.answerable and not r.abstained and (r.scores["keyword_coverage"] or 0) < 1:
            reasons.append(f"keyword coverage {_f(r.scores['keyword_coverage'])}")
        if (r.scores["citation_precision"] if r.scores["citation_precision"] is not None else 1) < 1:
            reasons.append(f"citation precision {_f(r.scores['citation_precision'])}")
        if not reasons:
            continue
        top = ", ".join(f"{d}:{p}" for item in r.rankings[OURS] for d, p in sorted(item))
        gold = ", ".join(f"{d}:{p}" for d, p in r.gold) or "(none)"
        out.append(
            f"{q.id} [{q.type}, {q.split}] {q.question}\n"
            + (f"  history: {' | '.join(t.content for t in q.history)}\n" if q.history else "")
            + f"  why: {'; '.join(reasons)}\n  gold: {gold}\n  our top 5: {top or '(nothing)'}\n"
            f"  abstained: {r.abstained}\n  keywords: {', '.join(q.keywords) or '-'}\n"
            f"  answer: {r.answer[:400]}\n"
        )
    return "\n".join(out) if out else "no failures\n"
