"""Quiz items written for learning platforms: Moodle XML, GIFT, CSV, JSON and an Anki deck.

Every export carries each item's source reference, so a course built from it still points at
the paragraph that proves the answer.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import xml.etree.ElementTree as ET
from html import escape as html_escape
from pathlib import Path
from typing import Any

from quiz.types import GAP
from wtguide.errors import BadRequest
from wtguide.spreadsheet import DictWriter  # cells a spreadsheet would run as formulas escaped

FORMATS = ("json", "gift", "moodle-xml", "csv", "anki")
MEDIA_TYPES = {
    "json": ("application/json", "json"),
    "gift": ("text/plain; charset=utf-8", "gift.txt"),
    "moodle-xml": ("application/xml", "xml"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "anki": ("application/octet-stream", "apkg"),
}
EXTENSIONS = {".json": "json", ".gift": "gift", ".txt": "gift", ".xml": "moodle-xml", ".csv": "csv", ".apkg": "anki"}
GIFT_SPECIAL = "~=#{}:"
CSV_COLUMNS = (
    "id",
    "type",
    "question",
    "option_1",
    "option_2",
    "option_3",
    "option_4",
    "answer",
    "answer_text",
    "explanation",
    "doc_id",
    "edition",
    "paragraph",
    "page",
    "reference",
    "flags",
)


def answer_text(item: dict[str, Any]) -> str:
    if item["type"] == "mcq":
        return str(item["options"][item["answer"]])
    if item["type"] == "true_false":
        return "True" if item["answer"] else "False"
    return str(item["answer"])


def reference(item: dict[str, Any]) -> str:
    c = item["citation"]
    return str(c.get("reference") or f"{c['doc_title']}, paragraph {c['paragraph']}")


# ---- JSON ------------------------------------------------------------------------------------
def to_json(quiz: dict[str, Any]) -> str:
    return json.dumps({"format": "wtguide-quiz", "version": 1, **quiz}, ensure_ascii=False, indent=1)


# ---- GIFT ------------------------------------------------------------------------------------
def gift_escape(text: str) -> str:
    """Backslash before each of GIFT's control characters (and the backslash itself), one line."""
    out = text.replace("\\", "\\\\")
    for ch in GIFT_SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return re.sub(r"\s+", " ", out)


def _gift_item(item: dict[str, Any]) -> str:
    title = gift_escape(f"{item['type']} {item['id']}")
    feedback = gift_escape(item["explanation"]).strip()
    source = re.sub(r"\s+", " ", f"// {item['id']}: {reference(item)}")  # one comment line, no CR
    if item["type"] == "mcq":
        options = " ".join(
            ("=" if i == item["answer"] else "~") + gift_escape(o) for i, o in enumerate(item["options"])
        )
        body = f"{gift_escape(item['question'])} {{{options} ####{feedback}}}"
    elif item["type"] == "true_false":
        body = f"{gift_escape(item['question'])} {{{'TRUE' if item['answer'] else 'FALSE'}####{feedback}}}"
    else:
        # Missing-word form: the answer block stands in the gap.
        accept = item.get("accept") or [item["answer"]]
        block = "{" + " ".join("=" + gift_escape(a) for a in accept) + f" ####{feedback}}}"
        before, _, after = item["question"].partition(GAP)
        body = f"{gift_escape(before)}{block}{gift_escape(after)}" if _ else f"{gift_escape(item['question'])} {block}"
    return f"{source}\n::{title}::{body}\n"


def to_gift(items: list[dict[str, Any]], category: str = "wtguide") -> str:
    head = f"$CATEGORY: $course$/{gift_escape(category).replace('/', '-')}\n\n"
    return head + "\n".join(_gift_item(i) for i in items)


# ---- Moodle XML ------------------------------------------------------------------------------
def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = value
    return el


def _answer(q: ET.Element, fraction: int, text: str, feedback: str = "", fmt: str = "html") -> None:
    a = ET.SubElement(q, "answer", {"fraction": str(fraction), "format": fmt})
    ET.SubElement(a, "text").text = text
    _text(a, "feedback", feedback, "html")


def _moodle_question(item: dict[str, Any]) -> ET.Element:
    kind = {"mcq": "multichoice", "true_false": "truefalse", "cloze": "shortanswer"}[item["type"]]
    q = ET.Element("question", {"type": kind})
    _text(q, "name", f"{item['type']} {item['id']}")
    _text(q, "questiontext", f"<p>{html_escape(item['question'])}</p>", "html")
    _text(q, "generalfeedback", f"<p>{html_escape(item['explanation'])}</p>", "html")
    ET.SubElement(q, "defaultgrade").text = "1.0000000"
    ET.SubElement(q, "penalty").text = "0.3333333" if kind == "multichoice" else "1.0000000"
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = item["id"]
    if kind == "multichoice":
        ET.SubElement(q, "single").text = "true"
        # Positions were balanced across the quiz on purpose; keep them.
        ET.SubElement(q, "shuffleanswers").text = "false"
        ET.SubElement(q, "answernumbering").text = "abc"
        for i, option in enumerate(item["options"]):
            _answer(q, 100 if i == item["answer"] else 0, html_escape(option))
    elif kind == "truefalse":
        _answer(q, 100 if item["answer"] else 0, "true", fmt="moodle_auto_format")
        _answer(q, 0 if item["answer"] else 100, "false", fmt="moodle_auto_format")
    else:
        ET.SubElement(q, "usecase").text = "0"
        # '*' is Moodle's wildcard in short answers.
        for a in item.get("accept") or [item["answer"]]:
            _answer(q, 100, str(a).replace("*", "\\*"), fmt="moodle_auto_format")
    tags = ET.SubElement(q, "tags")
    for tag in ("wtguide", item["citation"]["doc_id"], f"paragraph-{item['citation']['paragraph']}", *item["flags"]):
        _text(tags, "tag", str(tag))
    return q


XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(value: Any) -> Any:
    """Strings without the characters XML 1.0 cannot hold (control characters), at any depth."""
    if isinstance(value, str):
        return XML_INVALID.sub("", value)
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_xml_safe(v) for v in value]
    return value


def to_moodle_xml(items: list[dict[str, Any]], category: str = "wtguide") -> str:
    root = ET.Element("quiz")
    cat = ET.SubElement(root, "question", {"type": "category"})
    _text(cat, "category", f"$course$/top/{_xml_safe(category)}")
    for item in items:
        root.append(_moodle_question(_xml_safe(item)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---- CSV -------------------------------------------------------------------------------------
def to_csv(items: list[dict[str, Any]]) -> str:
    """One row per item, in ``CSV_COLUMNS``; an item with more than four options adds
    ``option_5``… after ``option_4`` (no option is ever dropped)."""
    most = max([4, *(len(item["options"]) for item in items)])
    extra = tuple(f"option_{i + 1}" for i in range(4, most))
    at = CSV_COLUMNS.index("option_4") + 1
    buf = io.StringIO()
    w = DictWriter(buf, fieldnames=CSV_COLUMNS[:at] + extra + CSV_COLUMNS[at:])
    w.writeheader()
    for item in items:
        c = item["citation"]
        options = list(item["options"]) + [""] * (most - len(item["options"]))
        w.writerow(
            {
                "id": item["id"],
                "type": item["type"],
                "question": item["question"],
                **{f"option_{i + 1}": options[i] for i in range(most)},
                "answer": json.dumps(item["answer"]),
                "answer_text": answer_text(item),
                "explanation": item["explanation"],
                "doc_id": c["doc_id"],
                "edition": c["edition"] or "",
                "paragraph": c["paragraph"] or "",
                "page": c["page"] or "",
                "reference": reference(item),
                "flags": ";".join(item["flags"]),
            }
        )
    return buf.getvalue()


# ---- Anki ------------------------------------------------------------------------------------
def _stable_id(text: str) -> int:
    """genanki wants 30-bit-ish model and deck ids; derive them from names so re-exports update."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) >> 1


def _anki_tags(tags: list[Any]) -> list[str]:
    """Anki tags cannot hold white space: "needs review" becomes "needs_review"; empty ones go."""
    return [re.sub(r"\s+", "_", str(t).strip()) for t in tags if str(t).strip()]


def to_anki(items: list[dict[str, Any]], deck_name: str = "wtguide quiz") -> bytes:
    try:
        import genanki
    except ModuleNotFoundError as exc:  # pragma: no cover - genanki is a pinned dependency
        raise BadRequest("Anki export needs the genanki package: pip install genanki") from exc
    model = genanki.Model(
        _stable_id("wtguide quiz model v1"),
        "wtguide quiz item",
        fields=[
            {"name": "Question"},
            {"name": "Options"},
            {"name": "Answer"},
            {"name": "Explanation"},
            {"name": "Source"},
        ],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}<br>{{Options}}",
                "afmt": "{{FrontSide}}<hr id=answer><b>{{Answer}}</b><p>{{Explanation}}</p>"
                "<p><small>{{Source}}</small></p>",
            }
        ],
    )
    deck = genanki.Deck(_stable_id(deck_name), deck_name)
    for item in items:
        options = "".join(f"<li>{html_escape(o)}</li>" for o in item["options"]) if item["type"] == "mcq" else ""
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[
                    html_escape(item["question"]),
                    f"<ol type=a>{options}</ol>" if options else "",
                    html_escape(answer_text(item)),
                    html_escape(item["explanation"]),
                    html_escape(reference(item)),
                ],
                guid=genanki.guid_for(item["id"]),
                tags=_anki_tags(["wtguide", item["citation"]["doc_id"], *item["flags"]]),
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "quiz.apkg"
        genanki.Package(deck).write_to_file(str(path))
        return path.read_bytes()


def export(quiz: dict[str, Any], fmt: str) -> str | bytes:
    """``quiz`` is the JSON shape of POST /api/quiz (``items``, ``checks``, ...)."""
    items = quiz["items"]
    topic = str((quiz.get("request") or {}).get("topic") or "quiz")
    if fmt == "json":
        return to_json(quiz)
    if fmt == "gift":
        return to_gift(items, f"wtguide/{topic}")
    if fmt == "moodle-xml":
        return to_moodle_xml(items, f"wtguide/{topic}")
    if fmt == "csv":
        return to_csv(items)
    if fmt == "anki":
        return to_anki(items, f"wtguide: {topic}")
    raise BadRequest(f"format: must be one of {', '.join(FORMATS)}")
