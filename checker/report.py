"""The checker's report as JSON (CONTRACT), a terminal table, CSV and Markdown; and the crosswalk as rows."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from checker.check import Reference
from rag.crosswalk import Link
from wtguide.spreadsheet import DictWriter  # cells a spreadsheet would run as formulas escaped

COLUMNS = ("status", "reference", "start", "end", "document", "paragraph", "suggestion", "message")


def report_json(refs: list[Reference], text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"references": [r.to_json() for r in refs]}
    out["summary"] = dict(Counter(r.status for r in refs))
    if text is not None:
        out["text"] = text  # the text the offsets point into (an upload's extracted text)
    return out


def _suggestion(r: Reference) -> str:
    s = r.suggestion
    if s is None:
        return ""
    return f"{s.doc_id} paragraph {s.paragraph}" if s.paragraph else s.doc_id


def rows(refs: list[Reference]) -> list[dict[str, str]]:
    return [
        {
            "status": r.status, "reference": " ".join(r.text.split()), "start": str(r.start), "end": str(r.end),
            "document": r.doc_id or "", "paragraph": r.paragraph or "", "suggestion": _suggestion(r),
            "message": r.message,
        }
        for r in refs
    ]


def to_csv(refs: list[Reference]) -> str:
    buf = io.StringIO()
    writer = DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(refs))
    return buf.getvalue()


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def to_markdown(refs: list[Reference], title: str = "Citation check") -> str:
    counts = Counter(r.status for r in refs)
    lines = [f"# {title}", "", f"{len(refs)} references: "
             + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none found"), ""]
    lines += ["| # | Status | Reference | Suggestion | Message |", "|---|---|---|---|---|"]
    for i, r in enumerate(refs, 1):
        ref = " ".join(r.text.split())
        lines.append(f"| {i} | {r.status} | {_cell(ref)} | {_cell(_suggestion(r))} | {_cell(r.message)} |")
    return "\n".join(lines) + "\n"


def to_table(refs: list[Reference], width: int = 100) -> str:
    if not refs:
        return "No references to the guidance found."
    out = []
    for i, r in enumerate(refs, 1):
        ref = " ".join(r.text.split())
        sug = _suggestion(r)
        short = ref[:60] + ("…" if len(ref) > 60 else "")
        out.append(f"{i:>3}. {r.status.upper():<10} {short}  (chars {r.start}-{r.end})")
        out.append(f"     {r.message}")
        if sug:
            out.append(f"     Suggestion: {sug}")
    counts = Counter(r.status for r in refs)
    out.append("")
    out.append(f"{len(refs)} references: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return "\n".join(out)


def crosswalk_json(old: Any, new: Any, links: list[Link]) -> dict[str, Any]:
    return {
        "old": {"doc_id": old.doc_id, "title": old.title, "edition": old.edition},
        "new": {"doc_id": new.doc_id, "title": new.title, "edition": new.edition},
        "summary": dict(Counter(link.status for link in links)),
        "links": [
            {"old_paragraph": link.old_paragraph, "new_paragraph": link.new_paragraph, "score": link.score,
             "status": link.status}
            for link in links
        ],
    }


def crosswalk_table(data: dict[str, Any]) -> str:
    out = [f"{data['old']['title']} -> {data['new']['title']}", ""]
    for link in data["links"]:
        out.append(f"{link['old_paragraph'] or '-':>44}  ->  {link['new_paragraph'] or '-':<44} "
                   f"{link['score']:.3f}  {link['status']}")
    out.append("")
    out.append(", ".join(f"{n} {s}" for s, n in sorted(data["summary"].items())))
    return "\n".join(out)
