"""Exports re-parsed: Moodle XML structure, GIFT escaping, CSV, JSON, Anki; staleness re-check; CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from quiz.build import build_quiz
from quiz.export import CSV_COLUMNS, answer_text, export, gift_escape
from quiz.stale import check_quiz
from quiz.types import QuizRequest
from rag.service import Assistant
from wtguide.cli import main
from wtguide.settings import Settings

TOPIC = "multi-agency safeguarding arrangements"


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))


@pytest.fixture(scope="module")
def quiz(assistant: Assistant) -> dict:
    data = build_quiz(assistant, QuizRequest(TOPIC, count=12, seed=5)).to_json()
    # A trainer's edit with every GIFT control character, to prove the escaping.
    data["items"][0]["question"] = "Tricky ~ = # { } : \\ question " + data["items"][0]["question"]
    return data


def test_moodle_xml_is_well_formed_moodle_questions(quiz: dict) -> None:
    root = ET.fromstring(export(quiz, "moodle-xml"))
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert questions[0].get("type") == "category"
    kinds = {"mcq": "multichoice", "true_false": "truefalse", "cloze": "shortanswer"}
    for item, q in zip(quiz["items"], questions[1:], strict=True):
        assert q.get("type") == kinds[item["type"]]
        assert q.findtext("name/text") and q.findtext("questiontext/text")
        assert q.find("questiontext").get("format") == "html"
        assert q.findtext("idnumber") == item["id"]
        assert item["explanation"].split("“")[1][:30] in q.findtext("generalfeedback/text").replace("&amp;", "&")
        answers = q.findall("answer")
        right = [a.findtext("text") for a in answers if a.get("fraction") == "100"]
        if item["type"] == "mcq":
            assert q.findtext("single") == "true" and len(answers) == 4
            assert [a.findtext("text") for a in answers].index(right[0]) == item["answer"]
        elif item["type"] == "true_false":
            assert right == [str(item["answer"]).lower()]
        else:
            assert item["answer"] in right and q.findtext("usecase") == "0"
    assert "Tricky ~ = # { } : \\ question" in questions[1].findtext("questiontext/text")


def _gift_unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def _gift_parse(text: str) -> list[dict]:
    """A small GIFT reader: comments, ::title::, and one {answer block} split at unescaped controls."""
    out = []
    for block in text.strip().split("\n\n")[1:]:
        line = next(ln for ln in block.splitlines() if not ln.startswith("//"))
        m = re.fullmatch(r"::((?:\\.|[^:\\])*)::(.*)", line)
        assert m, line
        body = m.group(2)
        opens = [i.start() for i in re.finditer(r"(?<!\\)(?:\\\\)*\{", body)]
        closes = [i.start() for i in re.finditer(r"(?<!\\)(?:\\\\)*\}", body)]
        assert len(opens) == 1 and len(closes) == 1, body  # every other brace is escaped
        start = opens[0] + body[opens[0] :].index("{")
        end = closes[0] + body[closes[0] :].index("}")
        answers, _, feedback = body[start + 1 : end].partition("####")
        parts = re.findall(r"([=~])((?:\\.|[^=~\\])*)", answers)
        out.append(
            {
                "title": _gift_unescape(m.group(1)),
                "question": _gift_unescape(body[:start] + "____" + body[end + 1 :])
                if body[end + 1 :].strip()
                else _gift_unescape(body[:start]).strip(),
                "answers": [(mark, _gift_unescape(a).strip()) for mark, a in parts],
                "raw_answers": answers.strip(),
                "feedback": _gift_unescape(feedback),
            }
        )
    return out


def test_gift_escapes_control_characters_and_round_trips(quiz: dict) -> None:
    assert gift_escape("a~b=c#d{e}f:g\\h") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h"
    parsed = _gift_parse(export(quiz, "gift"))
    assert len(parsed) == len(quiz["items"])
    for item, g in zip(quiz["items"], parsed, strict=True):
        assert g["title"] == f"{item['type']} {item['id']}"
        assert g["feedback"] == item["explanation"]
        if item["type"] == "mcq":
            assert [a for _, a in g["answers"]] == item["options"]
            assert [mark for mark, _ in g["answers"]].index("=") == item["answer"]
            assert g["question"] == item["question"]
        elif item["type"] == "true_false":
            assert g["raw_answers"] == ("TRUE" if item["answer"] else "FALSE")
        else:
            assert [a for mark, a in g["answers"] if mark == "="] == item["accept"]
            assert g["question"] == item["question"]
    assert parsed[0]["question"].startswith("Tricky ~ = # { } : \\ question")


def test_csv_has_one_row_per_item_with_its_reference(quiz: dict) -> None:
    rows = list(csv.DictReader(io.StringIO(export(quiz, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(quiz["items"])
    for item, row in zip(quiz["items"], rows, strict=True):
        assert row["id"] == item["id"] and row["question"] == item["question"]
        assert json.loads(row["answer"]) == item["answer"] and row["answer_text"] == answer_text(item)
        assert row["paragraph"] == item["citation"]["paragraph"] and row["reference"].startswith("Working Together")


def test_json_export_round_trips(quiz: dict) -> None:
    data = json.loads(export(quiz, "json"))
    assert data["format"] == "wtguide-quiz" and data["items"] == quiz["items"] and data["checks"] == quiz["checks"]


def test_anki_deck_holds_every_item(quiz: dict, tmp_path: Path) -> None:
    apkg = export(quiz, "anki")
    assert isinstance(apkg, bytes)
    with zipfile.ZipFile(io.BytesIO(apkg)) as z:
        (tmp_path / "c.db").write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.db") as db:
        notes = db.execute("select flds from notes").fetchall()
    assert len(notes) == len(quiz["items"])
    assert any("Working Together" in n[0] for n in notes)


def test_staleness_check_flags_changed_moved_and_superseded(assistant: Assistant, quiz: dict) -> None:
    items = [json.loads(json.dumps(i)) for i in quiz["items"][:4]]
    assert check_quiz(assistant, {"items": items})["stale"] == 0
    items[0]["source"]["paragraph_hash"] = "0" * 16  # the paragraph was edited after export
    other = next(p for (d, p) in assistant.store.paragraphs if d == "wt2023" and p != items[1]["citation"]["paragraph"])
    items[1]["citation"]["paragraph"] = other  # exported against an older numbering
    items[2]["citation"]["status"] = "current"  # the edition was current when exported
    result = check_quiz(assistant, {"items": items})
    assert [r["status"] for r in result["items"]] == ["changed", "moved", "superseded", "ok"]
    assert result["items"][1]["moved_to"] == quiz["items"][1]["citation"]["paragraph"]
    assert "replaced by Working Together to Safeguard Children 2026" in result["items"][2]["message"]
    assert result["counts"] == {"ok": 1, "changed": 1, "moved": 1, "superseded": 1, "missing": 0}


def test_cli_makes_exports_and_rechecks_them(
    fake_index: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WTGUIDE_DATA_DIR", str(fake_index.parent))
    out = tmp_path / "quiz.json"
    assert (
        main(["quiz", "--topic", TOPIC, "--count", "8", "--types", "mcq,true_false", "--seed", "2", "-o", str(out)])
        == 0
    )
    data = json.loads(out.read_text())
    assert len(data["items"]) == 8 and {i["type"] for i in data["items"]} == {"mcq", "true_false"}
    assert "8 items in" in capsys.readouterr().err
    for fmt, name in (("gift", "q.gift"), ("moodle-xml", "q.xml"), ("csv", "q.csv"), ("anki", "q.apkg")):
        assert main(["quiz", "--topic", TOPIC, "--count", "3", "--format", fmt, "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).stat().st_size > 0
    assert main(["quiz", "check", str(out)]) == 0
    assert "0 of 8 items need review" in capsys.readouterr().out
    data["items"][0]["source"]["paragraph_hash"] = "f" * 16
    out.write_text(json.dumps(data))
    assert main(["quiz", "check", str(out), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["counts"]["changed"] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["quiz", "--topic", TOPIC, "--count", "0"], "wtguide: error: count: must be between 1 and 100"),
        (["quiz", "--count", "5"], "wtguide: error: quiz: --topic is required"),
        (["quiz", "--topic", TOPIC, "--chapter", "Appendix Z"], "wtguide: error: no chapter 'Appendix Z'"),
        (["quiz", "--topic", TOPIC, "--format", "anki"], "wtguide: error: quiz: an Anki deck is a binary file"),
    ],
)
def test_cli_errors_are_one_line(
    fake_index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    monkeypatch.setenv("WTGUIDE_DATA_DIR", str(fake_index.parent))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_exports_are_safe_for_spreadsheets_moodle_and_gift() -> None:
    """Cells a spreadsheet would run as formulas are escaped; XML never carries control characters;
    a GIFT comment stays on one line."""
    import csv as stdlib_csv
    import io
    import xml.etree.ElementTree as ET

    from quiz.export import to_csv, to_gift, to_moodle_xml

    item = {"id": "=cmd|' /C calc'!A0", "type": "mcq", "question": "@SUM(1+1) who\x01 leads?",
            "options": ["+The LSPs", "-Nobody"], "answer": 0, "explanation": "The LSPs\x0b lead.\r// injected",
            "flags": [], "citation": {"doc_id": "wt2023", "doc_title": "WT\r2023", "paragraph": "48",
                                      "edition": "2023", "page": 26, "reference": "WT 2023,\r paragraph 48"}}
    rows = list(stdlib_csv.DictReader(io.StringIO(to_csv([item]))))
    cells = [v for v in rows[0].values() if v]
    assert not any(v[0] in "=+@" for v in cells), cells
    assert rows[0]["id"].startswith("'=")
    ET.fromstring(to_moodle_xml([item]).split("\n", 1)[1])  # parses: no control characters left
    gift = to_gift([item])
    comment = next(line for line in gift.split("\n") if line.startswith("// "))
    assert "\r" not in gift and "injected" not in comment


def test_formulas_behind_white_space_are_escaped_and_no_option_is_dropped() -> None:
    """Issue 19 attack: "\t=1+1" passed defusedcsv as it was; options 5 and 6 had no column."""
    import csv as stdlib_csv
    import io

    from quiz.export import to_csv

    item = {"id": "q1", "type": "mcq", "question": "\t=1+1", "options": ["a", " =2+2", "c", "d", "e", "\r\n@f"],
            "answer": 4, "explanation": "E", "flags": [],
            "citation": {"doc_id": "wt2023", "doc_title": "WT 2023", "paragraph": "48", "edition": "2023", "page": 26,
                         "reference": "WT 2023, paragraph 48"}}
    row = next(stdlib_csv.DictReader(io.StringIO(to_csv([item]))))
    assert row["question"] == "'\t=1+1" and row["option_2"] == "' =2+2" and row["option_6"] == "'\r\n@f"
    assert row["option_5"] == "e" and list(row).index("option_6") == list(row).index("option_4") + 2


def test_anki_tags_with_spaces_are_exported_not_a_500() -> None:
    from quiz.export import to_anki

    item = {"id": "q1", "type": "true_false", "question": "Q?", "options": ["True", "False"], "answer": True,
            "explanation": "E", "flags": ["needs review", " "],
            "citation": {"doc_id": "wt 2023", "doc_title": "WT 2023", "paragraph": "14", "edition": "2023",
                         "page": 11, "reference": "WT 2023, paragraph 14"}}
    assert to_anki([item])[:2] == b"PK"
