"""The HTTP API through TestClient, over a small real index built with the fake embedder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.feedback import FeedbackStore, feedback_path
from ingest.embed import FakeEmbedder
from ingest.pipeline import ingest
from rag.service import Assistant
from wtguide.settings import PROJECT_ROOT, Settings

CONTRACT_CITATION = {"id", "doc_id", "doc_title", "kind", "edition", "status", "paragraph", "page", "heading", "text",
                     "score", "url"}
PARAGRAPH_10 = "What does paragraph 10 of Working Together 2023 say?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    data = tmp_path_factory.mktemp("api-data")
    ingest(PROJECT_ROOT / "corpus" / "manifest.yaml", data / "index", FakeEmbedder, FakeEmbedder.name, 1200)
    return Assistant.from_settings(Settings(data_dir=data, embedder="fake"))


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, embedder="fake", rate_limit="1000/minute")


@pytest.fixture
def client(api_settings: Settings, assistant: Assistant) -> TestClient:
    with TestClient(create_app(api_settings, assistant), raise_server_exceptions=False) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["documents"] == 5 and body["chunks"] > 0


def test_healthz_without_an_index_is_503_with_the_fix(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path, embedder="fake"))) as c:
        r = c.get("/healthz")
        assert r.status_code == 503
        assert r.json() == {"detail": "no index yet: run 'wtguide ingest' first"}
        assert c.post("/api/ask", json={"question": "hello"}).status_code == 503


def test_ask_returns_cited_answer(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": PARAGRAPH_10})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"answer", "citations", "abstained", "status", "reasons", "notices", "safeguarding"}
    assert body["safeguarding"]["crisis"] is False and body["safeguarding"]["personal_details"] == []
    assert body["abstained"] is False
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert cited and cited <= {c["id"] for c in body["citations"]}
    first = body["citations"][0]
    assert CONTRACT_CITATION <= set(first)
    assert (first["doc_id"], first["paragraph"], first["page"]) == ("wt2023", "10", 11)
    assert first["url"] == "/documents/wt2023#para-10"
    assert first["reference"] == "Working Together to Safeguard Children 2023, paragraph 10, page 11"
    assert first["replaced_by"] == "Working Together to Safeguard Children 2026"
    assert any("replaced by" in n for n in body["notices"])


def test_ask_with_history_and_top_k(client: TestClient) -> None:
    history = [{"role": "user", "content": "What is early help?"}, {"role": "assistant", "content": "Support [1]."}]
    r = client.post("/api/ask", json={"question": "Who provides it?", "history": history, "top_k": 3})
    assert r.status_code == 200
    assert len(r.json()["citations"]) <= 3


def test_ask_abstains_with_a_reason(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "What does paragraph 999 of Working Together 2023 say?"})
    assert r.status_code == 200
    assert r.json()["abstained"] is True and r.json()["citations"] == []
    assert "paragraph 999" in r.json()["answer"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"question": ""}, "question: must not be empty"),
        ({"question": "   "}, "question: must not be empty"),
        ({"question": "x" * 2001}, "question: must be at most 2000 characters"),
        ({}, "question: is required"),
        ({"question": "x", "top_k": 0}, "top_k: must be at least 1"),
        ({"question": "x", "top_k": 21}, "top_k: must be at most 20"),
        ({"question": "x", "top_k": "5"}, "top_k: must be a whole number"),
        ({"question": 5}, "question: must be a string"),
        ({"question": "x", "history": [{"role": "user", "content": "a"}] * 21}, "history: must have at most 20 items"),
        ({"question": "x", "history": [{"role": "bot", "content": "a"}]},
         "history[0].role: must be one of 'user' or 'assistant'"),
        ({"question": "x", "history": [{"role": "user", "content": "a" * 4001}]},
         "history[0].content: must be at most 4000 characters"),
        ({"question": "x", "questoin": "y"}, "questoin: is not a field this endpoint accepts"),
        ([], "request body: must be a JSON object"),
    ],
)
def test_ask_rejects_bad_input_with_one_sentence(client: TestClient, body: object, detail: str) -> None:
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    assert r.json() == {"detail": detail}


def test_ask_rejects_invalid_json(client: TestClient) -> None:
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json() == {"detail": "the request body is not valid JSON"}


def test_ask_reports_several_problems_as_one_sentence(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "", "top_k": 0})
    assert r.status_code == 422
    assert r.json() == {"detail": "question: must not be empty (and 1 more problem)"}


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_ask_stream_sends_notices_then_citations_then_tokens_then_done(client: TestClient) -> None:
    whole = client.post("/api/ask", json={"question": PARAGRAPH_10}).json()
    r = client.post("/api/ask/stream", json={"question": PARAGRAPH_10})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = _events(r.text)
    names = [name for name, _ in events]
    assert names[:2] == ["safeguarding", "citations"] and names[-1] == "done"
    assert set(names[2:-1]) == {"token"}
    assert events[0][1] == {"notices": whole["notices"], "safeguarding": whole["safeguarding"]}
    assert events[1][1]["citations"] == whole["citations"]
    assert "".join(data["text"] for name, data in events if name == "token") == whole["answer"]
    done = events[-1][1]
    assert done["abstained"] is False and done["notices"] == whole["notices"]
    n = len(whole["citations"])
    assert done["verification"] == {"citations": n, "verified": n, "all_verified": True}
    assert done["status"] == whole["status"] == "answered"


def test_ask_stream_errors_are_plain_json(client: TestClient) -> None:
    r = client.post("/api/ask/stream", json={"question": ""})
    assert r.status_code == 422
    assert r.json() == {"detail": "question: must not be empty"}


def test_search(client: TestClient) -> None:
    r = client.post("/api/search", json={"query": "early help", "top_k": 3})
    assert r.status_code == 200
    results = r.json()["results"]
    assert 1 <= len(results) <= 3
    assert all(CONTRACT_CITATION <= set(c) for c in results)
    assert [c["id"] for c in results] == list(range(1, len(results) + 1))


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"query": ""}, "query: must not be empty"),
        ({"query": "q" * 2001}, "query: must be at most 2000 characters"),
        ({"query": "early help", "top_k": 0}, "top_k: must be at least 1"),
    ],
)
def test_search_rejects_bad_input(client: TestClient, body: dict, detail: str) -> None:
    r = client.post("/api/search", json=body)
    assert r.status_code == 422
    assert r.json() == {"detail": detail}


def test_documents(client: TestClient) -> None:
    r = client.get("/api/documents")
    assert r.status_code == 200
    docs = {d["doc_id"]: d for d in r.json()}
    assert set(docs) == {"wt2023", "wt2018", "schools-guide", "lgl-news", "lg-explainer"}
    wt = docs["wt2023"]
    assert {"doc_id", "title", "kind", "edition", "status", "paragraphs"} <= set(wt)
    assert (wt["kind"], wt["edition"], wt["status"]) == ("statutory", "2023", "superseded")
    assert wt["paragraphs"] >= 62
    assert wt["replaced_by"] == "Working Together to Safeguard Children 2026"
    assert all(d["warnings"] == 0 for d in docs.values())  # the seed corpus reads without a warning


def test_paragraph_with_neighbours(client: TestClient) -> None:
    r = client.get("/api/documents/wt2023/paragraphs/10")
    assert r.status_code == 200
    p = r.json()
    assert (p["doc_id"], p["paragraph"], p["page"], p["prev"], p["next"]) == ("wt2023", "10", 11, "9", "11")
    assert p["page_end"] == 11
    assert p["heading"] == "Chapter 1: A shared responsibility"
    assert p["text"].startswith("Successful outcomes for children")
    assert p["url"] == "/documents/wt2023#para-10"


def test_unknown_document_is_404(client: TestClient) -> None:
    r = client.get("/api/documents/wt1999/paragraphs/1")
    assert r.status_code == 404
    assert r.json() == {"detail": "no document 'wt1999' in the corpus (see /api/documents)"}


def test_unknown_paragraph_is_404_naming_it(client: TestClient) -> None:
    r = client.get("/api/documents/wt2023/paragraphs/999")
    assert r.status_code == 404
    assert r.json() == {
        "detail": "Working Together to Safeguard Children 2023 has no paragraph 999 in the text we hold "
                  "(it has paragraphs 1-62)"
    }


def test_feedback_stores_no_question_text_by_default(client: TestClient, api_settings: Settings) -> None:
    r = client.post("/api/feedback", json={"rating": "up", "question": "Is my pupil at risk?", "comment": "great"})
    assert r.status_code == 201
    assert r.json()["status"] == "recorded"
    r = client.post("/api/feedback", json={"rating": "down", "target": "citation", "doc_id": "wt2023",
                                           "paragraph": "10", "citation_id": 1})
    assert r.status_code == 201
    rows = list(FeedbackStore(feedback_path(api_settings.data_dir)).rows())
    assert [(x["rating"], x["target"]) for x in rows] == [("up", "answer"), ("down", "citation")]
    assert rows[0]["question"] is None and rows[0]["comment"] is None
    assert rows[0]["question_hmac"] and rows[1]["paragraph"] == "10"


def test_feedback_stores_question_text_when_turned_on(tmp_path: Path, assistant: Assistant) -> None:
    settings = Settings(data_dir=tmp_path, embedder="fake", store_feedback_text=True)
    with TestClient(create_app(settings, assistant)) as c:
        assert c.post("/api/feedback", json={"rating": "up", "question": "What is early help?"}).status_code == 201
    rows = list(FeedbackStore(feedback_path(tmp_path)).rows())
    assert rows[0]["question"] == "What is early help?"


def test_feedback_rejects_bad_rating(client: TestClient) -> None:
    r = client.post("/api/feedback", json={"rating": "meh"})
    assert r.status_code == 422
    assert r.json() == {"detail": "rating: must be one of 'up' or 'down'"}


def test_openapi_lists_the_contract_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/healthz", "/api/ask", "/api/ask/stream", "/api/search", "/api/documents",
                 "/api/documents/{doc_id}/paragraphs/{paragraph}", "/api/feedback"):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_server_workers_share_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers with a thread per CPU each would oversubscribe the CPUs (see make bench-load)."""
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    auto = Settings(_env_file=None)  # type: ignore[call-arg]
    assert auto.threads_per_worker(1) == 0  # one worker: torch's default, every core
    assert auto.threads_per_worker(2) == 2
    assert auto.threads_per_worker(8) == 1
    assert Settings(worker_threads=3, _env_file=None).threads_per_worker(2) == 3  # type: ignore[call-arg]


@pytest.mark.parametrize("question", ["?", "a", "...", "\u200b", "!! ??", "x"])
def test_an_empty_question_gets_a_prompt_not_an_answer(client: TestClient, question: str) -> None:
    # Issue 19's probe: these got a normal answer with two citations.
    body = client.post("/api/ask", json={"question": question}).json()
    assert body["status"] == "declined" and body["citations"] == []
    assert body["answer"].startswith("Please type a question about Working Together to Safeguard Children.")
