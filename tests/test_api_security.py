"""Operating on the public web: body size, API keys, rate limit, CORS, and errors that never leak."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.embed import FakeEmbedder
from ingest.pipeline import ingest
from rag.service import Assistant
from wtguide.errors import IndexNotBuilt
from wtguide.settings import PROJECT_ROOT, Settings

QUESTION = {"question": "What does paragraph 10 of Working Together 2023 say?"}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    data = tmp_path_factory.mktemp("api-security-data")
    ingest(PROJECT_ROOT / "corpus" / "manifest.yaml", data / "index", FakeEmbedder, FakeEmbedder.name, 1200)
    return Assistant.from_settings(Settings(data_dir=data, embedder="fake"))


def make_client(tmp_path: Path, assistant: object, **overrides: object) -> TestClient:
    settings = Settings(data_dir=tmp_path, embedder="fake", **overrides)
    return TestClient(create_app(settings, assistant), raise_server_exceptions=False)


def test_five_megabyte_body_is_413(tmp_path: Path, assistant: Assistant) -> None:
    with make_client(tmp_path, assistant) as c:
        r = c.post("/api/ask", content=b"x" * (5 * 1024 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json() == {"detail": "request body too large: the limit is 1 MB"}


def test_oversized_body_without_content_length_is_413(tmp_path: Path, assistant: Assistant) -> None:
    def chunks():  # a chunked upload declares no size up front
        for _ in range(20):
            yield b" " * (128 * 1024)

    with make_client(tmp_path, assistant) as c:
        r = c.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json() == {"detail": "request body too large: the limit is 1 MB"}


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "an API key is required: send it in the X-API-Key header or as a Bearer token"),
        ({"X-API-Key": "wrong"}, 401, "that API key is not valid"),
        ({"Authorization": "Bearer wrong"}, 401, "that API key is not valid"),
        ({"Authorization": "Basic s3cret"}, 401,
         "an API key is required: send it in the X-API-Key header or as a Bearer token"),
        ({"X-API-Key": "s3cret"}, 200, None),
        ({"Authorization": "Bearer other-key"}, 200, None),
    ],
)
def test_api_keys(tmp_path: Path, assistant: Assistant, headers: dict, status: int, detail: str | None) -> None:
    with make_client(tmp_path, assistant, api_keys=["s3cret", "other-key"]) as c:
        r = c.post("/api/ask", json=QUESTION, headers=headers)
        assert r.status_code == status
        if detail:
            assert r.json() == {"detail": detail}
        # Health checks and the pages stay open so a load balancer and a browser can reach them.
        assert c.get("/healthz").status_code == 200
        assert c.get("/").status_code == 200


def test_api_key_checked_before_input_validation(tmp_path: Path, assistant: Assistant) -> None:
    with make_client(tmp_path, assistant, api_keys=["s3cret"]) as c:
        r = c.post("/api/ask", json={"question": ""})
    assert r.status_code == 401


def test_rate_limit_is_429_with_detail(tmp_path: Path, assistant: Assistant) -> None:
    with make_client(tmp_path, assistant, rate_limit="3/minute") as c:
        codes = [c.post("/api/search", json={"query": "early help"}).status_code for _ in range(3)]
        r = c.post("/api/search", json={"query": "early help"})
        assert codes == [200, 200, 200]
        assert r.status_code == 429
        assert r.json() == {"detail": "Too many questions from this network in the last minute. "
                                      "Please try again in 60 seconds."}
        assert r.headers["retry-after"] == "60"
        assert c.get("/healthz").status_code == 200  # not rate limited


def test_cors_allow_list(tmp_path: Path, assistant: Assistant) -> None:
    with make_client(tmp_path, assistant, cors_origins=["https://lscp.example.org"]) as c:
        preflight = {"Origin": "https://lscp.example.org", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type,x-api-key"}
        ok = c.options("/api/ask", headers=preflight)
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://lscp.example.org"
        r = c.post("/api/ask", json=QUESTION, headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in r.headers
        r = c.post("/api/ask", json={"question": ""}, headers={"Origin": "https://lscp.example.org"})
        assert r.status_code == 422  # errors carry CORS headers too, so the widget can show them
        assert r.headers["access-control-allow-origin"] == "https://lscp.example.org"


class BrokenAssistant:
    store = SimpleNamespace(documents={}, info=SimpleNamespace(chunks=0))

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def ask(self, *args: object, **kwargs: object) -> None:
        raise self.exc

    search = ask


def test_unexpected_error_is_500_without_traceback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with make_client(tmp_path, BrokenAssistant(RuntimeError("secret internals at /srv/x.py"))) as c:
        r = c.post("/api/ask", json=QUESTION)
        s = c.post("/api/ask/stream", json=QUESTION)
    assert r.status_code == 500 and s.status_code == 500
    assert r.json() == {"detail": "internal error"} == s.json()
    assert "secret internals" not in r.text
    assert "secret internals" in caplog.text  # logged for the operator


def test_wtguide_errors_map_to_their_status(tmp_path: Path) -> None:
    with make_client(tmp_path, BrokenAssistant(IndexNotBuilt("no index yet: run 'wtguide ingest' first"))) as c:
        r = c.post("/api/search", json={"query": "early help"})
    assert r.status_code == 503
    assert r.json() == {"detail": "no index yet: run 'wtguide ingest' first"}


def test_unknown_route_is_json_404(tmp_path: Path, assistant: Assistant) -> None:
    with make_client(tmp_path, assistant) as c:
        r = c.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


def test_questions_are_not_logged_by_default(tmp_path: Path, assistant: Assistant,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with make_client(tmp_path, assistant) as c:
        c.post("/api/ask", json={"question": "Is the Smith family's child at risk of neglect?"})
    assert "Smith" not in caplog.text


def test_questions_are_logged_when_turned_on(tmp_path: Path, assistant: Assistant,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with make_client(tmp_path, assistant, log_questions=True) as c:
        c.post("/api/ask", json={"question": "What is early help?"})
    assert "What is early help?" in caplog.text
