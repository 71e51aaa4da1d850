"""`POST /api/check`, `GET /api/crosswalk` and the `/check` page through TestClient."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from rag.service import Assistant
from tests.conftest import pdf_bytes
from tests.test_checker import PLANTED, POLICY
from wtguide.settings import Settings

CONTRACT_REFERENCE = {"text", "start", "end", "doc_id", "edition", "paragraph", "status", "message", "suggestion"}


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))


@pytest.fixture
def client(tmp_path: Path, assistant: Assistant) -> TestClient:
    settings = Settings(data_dir=tmp_path, embedder="fake", rate_limit="1000/minute", max_upload_bytes=200_000)
    with TestClient(create_app(settings, assistant), raise_server_exceptions=False) as c:
        yield c


def test_check_pasted_text(client: TestClient) -> None:
    r = client.post("/api/check", json={"text": POLICY})
    assert r.status_code == 200
    refs = r.json()["references"]
    assert [(x["text"], x["status"]) for x in refs] == [(p[0], p[1]) for p in PLANTED]
    for x in refs:
        assert CONTRACT_REFERENCE <= set(x)
        assert POLICY[x["start"]:x["end"]] == x["text"]
    assert refs[5]["suggestion"] == {"doc_id": "wt2023", "paragraph": "12", "edition": "2023"}
    assert "text" not in r.json() or r.json()["text"] is None


def test_check_upload_returns_the_extracted_text(client: TestClient) -> None:
    data = pdf_bytes([["Our policy cites Working Together 2018, paragraph 11 and WT2023 para 150."]])
    r = client.post("/api/check", files={"file": ("policy.pdf", io.BytesIO(data), "application/pdf")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["status"] for x in body["references"]] == ["superseded", "not_held"]
    first = body["references"][0]
    assert body["text"][first["start"]:first["end"]] == "Working Together 2018, paragraph 11"


@pytest.mark.parametrize(
    ("kwargs", "status", "detail"),
    [
        ({"files": {"file": ("p.pdf", b"%PDF-1.4 broken", "application/pdf")}}, 415,
         "p.pdf: corrupt or unreadable PDF"),
        ({"files": {"file": ("p.txt", b"  \n", "text/plain")}}, 422, "p.txt: the file is empty"),
        ({"files": {"file": ("p.exe", b"MZ\x90\x00", "application/octet-stream")}}, 415,
         "p.exe: unsupported file type '.exe'"),
        ({"files": {"other": ("p.txt", b"text", "text/plain")}}, 422, "file: is required"),
        ({"json": {"text": ""}}, 422, "text: must not be empty"),
        ({"json": {"text": "   "}}, 422, "the text is empty"),
        ({"json": {"words": "x"}}, 422, "text: is required"),
        ({"content": b"text=hello", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415,
         "unsupported content type"),
        ({"files": {"file": ("big.txt", b"a" * 300_000, "text/plain")}}, 413, "request body too large"),
        ({"content": b'{"text": "' + b"a" * 1_100_000 + b'"}', "headers": {"content-type": "application/json"}},
         413, "request body too large"),
    ],
)
def test_bad_input_is_a_4xx_with_one_line(client: TestClient, kwargs: dict, status: int, detail: str) -> None:
    r = client.post("/api/check", **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["detail"].startswith(detail), r.json()
    assert "\n" not in r.json()["detail"]


def test_a_zip_bomb_docx_upload_is_413_at_once(client: TestClient) -> None:
    from tests.test_checker import _bomb

    data = _bomb("word/document.xml", 100 * 1024 * 1024)
    assert len(data) < 200_000  # under the upload limit: only the unpacked size can stop it
    r = client.post("/api/check", files={"file": ("bomb.docx", io.BytesIO(data), "application/octet-stream")})
    assert r.status_code == 413, r.text
    assert r.json()["detail"].startswith("bomb.docx: the Word file unpacks to 101 MB; the limit is 64 MB")


def test_crosswalk_endpoint(client: TestClient) -> None:
    r = client.get("/api/crosswalk", params={"old": "wt2018", "new": "wt2023"})
    assert r.status_code == 200
    body = r.json()
    assert body["old"]["doc_id"] == "wt2018" and body["new"]["edition"] == "2023"
    assert sum(body["summary"].values()) == len(body["links"])
    assert {"old_paragraph": "11", "new_paragraph": "12"}.items() <= next(
        x for x in body["links"] if x["old_paragraph"] == "11").items()
    assert client.get("/api/crosswalk").json()["old"]["doc_id"] == "wt2018"  # default pair
    r = client.get("/api/crosswalk", params={"old": "wt2018", "new": "nope"})
    assert r.status_code == 404 and "no document 'nope'" in r.json()["detail"]
    r = client.get("/api/crosswalk", params={"old": "wt2018", "new": "schools-guide"})
    assert r.status_code == 404 and r.json()["detail"].startswith("no crosswalk")


def test_check_page_is_served(client: TestClient) -> None:
    r = client.get("/check")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert '<html lang="en">' in r.text and "/static/check.js" in r.text
    assert client.get("/static/check.js").status_code == 200
