"""POST /api/quiz, /api/quiz/export, /api/quiz/check and the /trainer page through TestClient."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from rag.service import Assistant
from wtguide.settings import Settings

TOPIC = "multi-agency safeguarding arrangements"


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))


@pytest.fixture
def client(tmp_path: Path, assistant: Assistant) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, embedder="fake", rate_limit="1000/minute")
    with TestClient(create_app(settings, assistant), raise_server_exceptions=False) as c:
        yield c


def test_quiz_returns_checked_items(client: TestClient) -> None:
    r = client.post("/api/quiz", json={"topic": TOPIC, "count": 20, "seed": 4})
    assert r.status_code == 200
    body = r.json()
    assert {"items", "checks"} <= set(body)
    assert len(body["items"]) == 20 and body["checks"]["all_passed"] is True
    assert body["checks"]["answer_supported"] == {"checked": 20, "passed": 20}
    assert body["request"]["seed"] == 4
    first = body["items"][0]
    assert first["citation"]["url"].startswith("/documents/wt2023#para-")


def test_quiz_options_are_honoured(client: TestClient) -> None:
    r = client.post(
        "/api/quiz",
        json={
            "topic": "lead safeguarding partner",
            "count": 4,
            "types": ["cloze"],
            "edition": "2023",
            "chapter": "Chapter 2",
            "difficulty": "hard",
        },
    )
    assert r.status_code == 200
    assert {i["type"] for i in r.json()["items"]} == {"cloze"}


ITEM = {"id": "a", "type": "mcq", "question": "Who leads?", "options": ["The LSPs", "Nobody"], "answer": 0,
        "explanation": "The LSPs lead.", "citation": {"doc_id": "wt2023", "paragraph": "48", "doc_title": "WT 2023"}}


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"topic": TOPIC, "count": 0}, 422, "count: must be at least 1"),
        ({"topic": TOPIC, "count": 10_000}, 422, "count: must be at most 100"),
        ({"topic": ""}, 422, "topic: must not be empty"),
        ({"count": 5}, 422, "topic: is required"),
        ({"topic": TOPIC, "types": ["essay"]}, 422, "types[0]: must be one of 'mcq', 'true_false' or 'cloze'"),
        ({"topic": TOPIC, "difficulty": "brutal"}, 422, "difficulty: must be one of 'easy', 'medium' or 'hard'"),
        (
            {"topic": TOPIC, "chapter": "9"},
            404,
            "no chapter '9' in the guidance held; chapters held: Introduction; Chapter 1: A shared responsibility; "
            "Chapter 2: Multi-agency safeguarding arrangements",
        ),
        (
            {"topic": TOPIC, "edition": "1999"},
            404,
            "no edition '1999' of the guidance is held; editions held: 2018, 2023",
        ),
        (
            {"topic": "quantum chromodynamics"},
            404,
            "no text in the guidance held matches the topic 'quantum chromodynamics'; try other words",
        ),
    ],
)
def test_bad_quiz_requests(client: TestClient, body: dict, status: int, detail: str) -> None:
    r = client.post("/api/quiz", json=body)
    assert r.status_code == status
    assert r.json() == {"detail": detail}


def test_export_of_accepted_items(client: TestClient) -> None:
    items = client.post("/api/quiz", json={"topic": TOPIC, "count": 6}).json()["items"]
    items[0]["question"] = "Edited: " + items[0]["question"]
    r = client.post("/api/quiz/export", json={"format": "moodle-xml", "items": items[:3], "topic": TOPIC})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert 'filename="wtguide-quiz.xml"' in r.headers["content-disposition"]
    root = ET.fromstring(r.text)
    assert len(root.findall("question")) == 4
    assert "Edited: " in root.findall("question")[1].findtext("questiontext/text")
    for fmt in ("gift", "csv", "json", "anki"):
        r = client.post("/api/quiz/export", json={"format": fmt, "items": items})
        assert r.status_code == 200 and r.content


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"format": "docx", "items": [ITEM]},
            422,
            "format: must be one of 'json', 'gift', 'moodle-xml', 'csv' or 'anki'",
        ),
        ({"format": "gift", "items": []}, 422, "items: must have at least 1 item"),
        ({"format": "gift", "items": [{"question": "x"}]}, 422, "items[0].id: is required (and 5 more problems)"),
        # Wrong-shaped items are a 422 naming the field, never a 500 in an exporter.
        ({"format": "csv", "items": [{**ITEM, "answer": 5}]}, 422,
         "items[0]: value error, 'answer' 5 is not an index of the 2 options"),
        ({"format": "gift", "items": [{**ITEM, "type": "true_false"}]}, 422,
         "items[0]: value error, a true_false item's 'answer' must be true or false"),
        ({"format": "moodle-xml", "items": [{**ITEM, "options": "ab"}]}, 422, "items[0].options: must be a list"),
        ({"format": "moodle-xml", "items": [{**ITEM, "citation": ["wt2023"]}]}, 422,
         "items[0].citation: must be a JSON object"),
    ],
)
def test_bad_export_requests(client: TestClient, body: dict, status: int, detail: str) -> None:
    r = client.post("/api/quiz/export", json=body)
    assert r.status_code == status
    assert r.json() == {"detail": detail}


def test_recheck_endpoint(client: TestClient) -> None:
    items = client.post("/api/quiz", json={"topic": TOPIC, "count": 3}).json()["items"]
    r = client.post("/api/quiz/check", json={"items": items})
    assert r.status_code == 200 and r.json()["stale"] == 0
    r = client.post("/api/quiz/check", json={"items": [{"id": "x"}]})
    assert r.status_code == 422
    assert r.json() == {"detail": "items[0].citation: is required"}


def test_trainer_page_is_served(client: TestClient) -> None:
    r = client.get("/trainer")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="en">' in html and 'href="#main"' in html and "<h1>" in html
    assert "/static/trainer.js" in html and "/static/trainer.css" in html
    assert client.get("/static/trainer.js").status_code == 200
    assert client.get("/static/trainer.css").status_code == 200
