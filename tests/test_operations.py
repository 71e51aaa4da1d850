"""Operating the service: feedback checked against the index and keyed with the install secret,
question logging, JSON log lines with a request id, /metrics, and the switch that turns answering off."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import logging.config
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api import cli as api_cli
from api.app import create_app
from api.feedback import FeedbackStore, feedback_path
from api.metrics import MULTIPROC_ENV
from api.switch import DEFAULT_MESSAGE, SWITCH_FILE
from rag.service import Assistant
from wtguide import cli
from wtguide.logs import QUESTIONS, log_config, log_format
from wtguide.settings import PROJECT_ROOT, Settings

QUESTION = "What is early help?"


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake", _env_file=None))  # type: ignore[call-arg]


def make_settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(data_dir=tmp_path, embedder="fake", rate_limit="1000/minute", _env_file=None, **kw)  # type: ignore[call-arg]


@pytest.fixture
def client(tmp_path: Path, assistant: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path), assistant), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Logging as it was: the tests below configure it as the server does."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "api", QUESTIONS]
    saved = {n: (lg.handlers[:], lg.level, lg.propagate, lg.disabled)
             for n in names for lg in [logging.getLogger(n)]}
    yield
    for n, (handlers, level, propagate, disabled) in saved.items():
        lg = logging.getLogger(n)
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled


# ---- feedback: checked against the index, keyed with the install secret ---------------------


def test_feedback_on_a_document_not_held_is_422_naming_doc_id(client: TestClient) -> None:
    r = client.post("/api/feedback", json={"rating": "up", "target": "citation", "doc_id": "nope", "paragraph": "1"})
    assert r.status_code == 422
    assert r.json() == {"detail": "doc_id: no document 'nope' in the corpus (see /api/documents)"}


def test_feedback_on_a_paragraph_the_document_lacks_is_422_naming_paragraph(client: TestClient) -> None:
    r = client.post("/api/feedback", json={"rating": "up", "target": "citation", "doc_id": "wt2023",
                                           "paragraph": "<script>"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("paragraph: Working Together to Safeguard Children 2023 has no paragraph "
                                         "<script> in the text we hold")
    r = client.post("/api/feedback", json={"rating": "up", "target": "citation", "paragraph": "10"})
    assert r.status_code == 422 and r.json()["detail"].startswith("paragraph: give the doc_id")


def test_feedback_keeps_the_paragraph_as_the_index_numbers_it(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/api/feedback", json={"rating": "up", "target": "citation", "doc_id": "wt2023",
                                           "paragraph": " 10. "})
    assert r.status_code == 201
    assert next(FeedbackStore(feedback_path(tmp_path)).rows())["paragraph"] == "10"


def test_feedback_question_is_keyed_with_the_install_secret(tmp_path: Path, assistant: Assistant) -> None:
    """Fault: an unsalted SHA-256 of the question let anyone confirm a guessed question."""
    with TestClient(create_app(make_settings(tmp_path, secret_key="s3cret"), assistant)) as c:
        assert c.post("/api/feedback", json={"rating": "up", "question": QUESTION}).status_code == 201
    row = next(FeedbackStore(feedback_path(tmp_path)).rows())
    assert row["question_hmac"] == hmac.new(b"s3cret", QUESTION.encode(), hashlib.sha256).hexdigest()
    assert row["question_hmac"] != hashlib.sha256(QUESTION.encode()).hexdigest()


def test_feedback_database_down_is_a_503_and_answering_goes_on(tmp_path: Path, assistant: Assistant) -> None:
    url = "postgresql+psycopg://wtguide:pw@127.0.0.1:9/feedback"  # port 9 (discard): nothing listens
    with TestClient(create_app(make_settings(tmp_path, database_url=url), assistant)) as c:
        r = c.post("/api/feedback", json={"rating": "up"})
        assert r.status_code == 503
        assert r.json()["detail"].startswith("the feedback database postgresql+psycopg://wtguide:***@127.0.0.1:9/"
                                             "feedback is not available")
        assert c.post("/api/ask", json={"question": QUESTION}).status_code == 200


def test_serve_with_a_bad_database_url_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: pytest.fail("must not start a server"))
    monkeypatch.setattr(api_cli, "_check_port", lambda host, port: None)
    monkeypatch.setattr(cli, "get_settings", lambda: make_settings(tmp_path, database_url="mysql://x/y"))
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "WTGUIDE_DATABASE_URL" in err[0]


def test_serve_starts_when_the_feedback_database_is_down(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(api_cli, "_check_port", lambda host, port: None)
    url = "postgresql+psycopg://wtguide:pw@127.0.0.1:9/feedback"
    monkeypatch.setattr(cli, "get_settings", lambda: make_settings(tmp_path, database_url=url))
    assert cli.main(["serve"]) == 0 and calls
    warning = [line for line in capsys.readouterr().err.splitlines() if line.startswith("wtguide: warning:")]
    assert len(warning) == 1 and "is not available" in warning[0] and "pw" not in warning[0]


# ---- logs: questions only when on, JSON lines with the request id ----------------------------


def _serve_log_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *argv: str, **settings: Any) -> dict[str, Any]:
    """The logging config `wtguide serve` hands uvicorn (which applies it in each worker)."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(api_cli, "_check_port", lambda host, port: None)
    monkeypatch.setattr(cli, "get_settings", lambda: make_settings(tmp_path, **settings))
    assert cli.main([*argv, "serve"]) == 0
    return calls[0]["log_config"]  # type: ignore[no-any-return]


def test_log_questions_logs_the_redacted_question_without_verbose(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, assistant: Assistant, capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    """Fault: WTGUIDE_LOG_QUESTIONS=true logged nothing unless -v was given too."""
    config = _serve_log_config(monkeypatch, tmp_path, log_questions=True)
    assert logging.getLogger(QUESTIONS).isEnabledFor(logging.INFO)  # in the serving process itself
    logging.config.dictConfig(config)  # as each uvicorn worker does
    capsys.readouterr()
    app = create_app(make_settings(tmp_path, log_questions=True), assistant)
    with TestClient(app) as c:
        r = c.post("/api/ask", json={"question": "Jamie Clarke's teacher asks: what is early help?"},
                   headers={"X-Request-ID": "req-42"})
        v1 = c.post("/v1/chat/completions", json={"model": "wtguide-extractive", "messages": [
            {"role": "user", "content": "Jamie Clarke's teacher asks: who are the safeguarding partners?"}]})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "req-42" and v1.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    asked = [x for x in lines if x["logger"] == QUESTIONS]
    assert len(asked) == 2 and "safeguarding partners" in asked[1]["message"] and "Jamie" not in asked[1]["message"]
    assert asked[0]["level"] == "INFO" and asked[0]["request_id"] == "req-42"
    assert asked[0]["message"].startswith("question: ") and "Jamie" not in asked[0]["message"]
    assert {"time", "level", "logger", "message", "request_id"} <= set(asked[0])


def test_questions_are_never_logged_when_off_even_verbose(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, assistant: Assistant, capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    logging.config.dictConfig(_serve_log_config(monkeypatch, tmp_path, "-v"))
    capsys.readouterr()
    with TestClient(create_app(make_settings(tmp_path), assistant)) as c:
        c.post("/api/ask", json={"question": "What does the sparrowhawk protocol say?"})
        c.post("/api/feedback", json={"rating": "up", "question": "What does the sparrowhawk protocol say?"})
    err = capsys.readouterr().err
    assert "sparrowhawk" not in err
    assert all(json.loads(line) for line in err.splitlines())  # -v lines are JSON too


def test_every_line_of_a_request_carries_its_id(tmp_path: Path, assistant: Assistant,
                                                capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    logging.config.dictConfig(log_config(make_settings(tmp_path), "json", verbose=True))
    capsys.readouterr()

    app = create_app(make_settings(tmp_path), assistant)

    @app.get("/boom")
    def boom() -> None:
        logging.getLogger("api.test").warning("about to fail")
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/boom", headers={"X-Request-ID": "trace-7"}).status_code == 500
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    mine = [x for x in lines if x["logger"] in ("api.test", "api.errors")]
    assert [x["message"] for x in mine][:1] == ["about to fail"] and len(mine) == 2
    assert {x["request_id"] for x in mine} == {"trace-7"}
    assert "exc_info" in mine[1]


def test_text_lines_carry_the_request_id_too(tmp_path: Path, assistant: Assistant,
                                            capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    logging.config.dictConfig(log_config(make_settings(tmp_path), "text", verbose=True))
    capsys.readouterr()
    app = create_app(make_settings(tmp_path), assistant)

    @app.get("/note")
    def note() -> None:
        logging.getLogger("api.test").warning("noted")

    with TestClient(app) as c:
        c.get("/note", headers={"X-Request-ID": "trace-8"})
    logging.getLogger("api.test").warning("outside")
    err = capsys.readouterr().err.splitlines()
    assert "WARNING api.test [trace-8]: noted" in err and "WARNING api.test: outside" in err


def test_log_format_defaults_json_for_serve_and_text_for_the_cli(tmp_path: Path) -> None:
    auto = make_settings(tmp_path)
    assert (log_format(auto, "serve"), log_format(auto, "ask")) == ("json", "text")
    assert log_format(make_settings(tmp_path, log_format="text"), "serve") == "text"
    assert log_format(make_settings(tmp_path, log_format="json"), "ask") == "json"


def test_a_bad_log_format_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WTGUIDE_LOG_FORMAT", "xml")
    assert cli.main(["documents"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wtguide: error: WTGUIDE_LOG_FORMAT:")


@pytest.mark.parametrize(("name", "value"), [("WTGUIDE_TRUSTED_PROXIES", "garbage"), ("WTGUIDE_API_KEYS", "notjson"),
                                             ("WTGUIDE_PUBLISHABLE_KEYS", "{nope")])
def test_a_setting_that_is_not_json_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], name: str,
                                                        value: str) -> None:
    """Attack probe: these printed pydantic-settings' SettingsError traceback."""
    monkeypatch.setenv(name, value)
    assert cli.main(["documents"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"wtguide: error: {name}: must be JSON, e.g. '[\"a\", \"b\"]' for a list"]


# ---- request ids -----------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["a" * 65, "has space", "tab\there", "quote\"d", "{json}", "é".encode()])
def test_an_unsafe_request_id_is_replaced(client: TestClient, given: str | bytes) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": given})
    rid = r.headers["X-Request-ID"]
    assert rid != given and len(rid) == 32 and int(rid, 16) >= 0


def test_request_ids_are_kept_or_made(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123_x.y:z"}).headers["X-Request-ID"] == "abc-123_x.y:z"
    made = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(made) == 3
    # on errors too, and readable by a page on another origin
    r = client.post("/api/ask", json={"question": ""}, headers={"Origin": "https://example.org"})
    assert r.status_code == 422 and r.headers["X-Request-ID"]
    assert "x-request-id" in r.headers["Access-Control-Expose-Headers"].lower()


# ---- /metrics --------------------------------------------------------------------------------


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_requests_by_route_template_and_answers_by_status(client: TestClient,
                                                                        assistant: Assistant) -> None:
    template = "/api/documents/{doc_id}/paragraphs/{paragraph}"
    before = _sample("wtguide_http_requests_total", method="GET", route=template, status="200")
    before_404 = _sample("wtguide_http_requests_total", method="GET", route="<unmatched>", status="404")
    answered = _sample("wtguide_answers_total", status="answered")
    assert client.get("/api/documents/wt2023/paragraphs/10").status_code == 200
    assert client.get("/no/such/secret-path").status_code == 404
    r = client.post("/api/ask", json={"question": "What does paragraph 10 of Working Together 2023 say?"})
    assert r.json()["status"] == "answered"
    body = client.get("/metrics")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/plain")
    text = body.text
    assert _sample("wtguide_http_requests_total", method="GET", route=template, status="200") == before + 1
    assert _sample("wtguide_http_requests_total", method="GET", route="<unmatched>", status="404") == before_404 + 1
    assert _sample("wtguide_answers_total", status="answered") == answered + 1
    assert _sample("wtguide_http_request_duration_seconds_count", method="POST", route="/api/ask", status="200") >= 1
    assert _sample("wtguide_index_info", index=assistant.store.path.name) == 1
    for raw in ("wt2023/paragraphs/10", "secret-path", "paragraph 10", "Working Together 2023 say"):
        assert raw not in text


def test_metrics_are_not_rate_limited_or_keyed(tmp_path: Path, assistant: Assistant) -> None:
    settings = Settings(data_dir=tmp_path, embedder="fake", rate_limit="2/minute", api_keys=["k"], _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, assistant)) as c:
        assert all(c.get("/metrics").status_code == 200 for _ in range(5))
        assert c.post("/api/search", json={"query": "x"}).status_code == 401


def test_metrics_from_several_workers_are_summed(tmp_path: Path) -> None:
    """prometheus-client's multiprocess mode, as `wtguide serve --workers 2` sets it up."""
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path)}
    worker = textwrap.dedent("""
        import sys
        from api.metrics import INDEX, REQUESTS
        REQUESTS.labels(method="GET", route="/healthz", status="200").inc()
        INDEX.labels(index=sys.argv[1]).set(1)
    """)
    for index in ("build-a", "build-a"):
        subprocess.run([sys.executable, "-c", worker, index], env=env, check=True, cwd=PROJECT_ROOT)
    scrape = "from api.metrics import registry; from prometheus_client import generate_latest; " \
             "print(generate_latest(registry()).decode())"
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, cwd=PROJECT_ROOT,
                         capture_output=True, text=True).stdout
    assert 'wtguide_http_requests_total{method="GET",route="/healthz",status="200"} 2.0' in out
    assert 'wtguide_index_info{index="build-a"} 1.0' in out


def test_serve_with_workers_sets_up_a_metrics_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[str | None] = []

    def run(app: str, **kw: Any) -> None:
        path = os.environ.get(MULTIPROC_ENV)
        seen.append(path)
        if kw["workers"] > 1:
            assert path and Path(path).is_dir() and not any(Path(path).iterdir())

    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    monkeypatch.setattr("uvicorn.run", run)
    monkeypatch.setattr(api_cli, "_check_port", lambda host, port: None)
    monkeypatch.setattr(cli, "get_settings", lambda: make_settings(tmp_path))
    try:
        assert cli.main(["serve", "--workers", "2"]) == 0
        assert seen[0] and not Path(seen[0]).exists(), "the metrics dir is removed when the server stops"
        assert cli.main(["serve", "--workers", "1"]) == 0
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
    assert seen[1] is None


# ---- the switch that turns answering off -----------------------------------------------------

SAFETY = "If a child is in immediate danger, call 999."  # said while answering is off, whoever asks


def test_answering_off_message_from_settings(tmp_path: Path, assistant: Assistant) -> None:
    settings = make_settings(tmp_path, answering_off_message="Down for maintenance until 14:00.")
    with TestClient(create_app(settings, assistant)) as c:
        for path, body in (("/api/ask", {"question": QUESTION}), ("/api/ask/stream", {"question": QUESTION}),
                           ("/api/search", {"query": QUESTION})):
            r = c.post(path, json=body)
            assert (r.status_code, r.json()) == (503, {"detail": f"Down for maintenance until 14:00. {SAFETY}"}), path
        for path in ("/healthz", "/metrics", "/", "/api/documents", "/api/documents/wt2023/paragraphs/10"):
            assert c.get(path).status_code == 200, path
        assert c.post("/api/feedback", json={"rating": "up"}).status_code == 201


def test_answering_off_covers_the_openai_compatible_chat(tmp_path: Path, assistant: Assistant) -> None:
    settings = make_settings(tmp_path, answering_off_message="Paused.")
    with TestClient(create_app(settings, assistant)) as c:
        r = c.post("/v1/chat/completions", json={"model": "wtguide-extractive",
                                                  "messages": [{"role": "user", "content": QUESTION}]})
        assert r.status_code == 503 and r.json()["error"]["message"] == f"Paused. {SAFETY}"
        assert c.get("/v1/models").status_code == 200


def test_answering_off_file_takes_every_replica_off_without_a_restart(tmp_path: Path, assistant: Assistant) -> None:
    settings = make_settings(tmp_path, answering_check_seconds=0)
    with TestClient(create_app(settings, assistant)) as one, TestClient(create_app(settings, assistant)) as two:
        assert one.post("/api/ask", json={"question": QUESTION}).status_code == 200
        (tmp_path / SWITCH_FILE).write_text("Paused while we update the guidance.\n  Back at 3pm.\n")
        for c in (one, two):
            r = c.post("/api/search", json={"query": QUESTION})
            paused = f"Paused while we update the guidance. Back at 3pm. {SAFETY}"
            assert (r.status_code, r.json()["detail"]) == (503, paused)
        (tmp_path / SWITCH_FILE).write_text("")
        assert one.post("/api/ask", json={"question": QUESTION}).json() == {"detail": f"{DEFAULT_MESSAGE} {SAFETY}"}
        (tmp_path / SWITCH_FILE).unlink()
        assert all(c.post("/api/ask", json={"question": QUESTION}).status_code == 200 for c in (one, two))


def test_answering_off_file_is_looked_for_at_most_every_few_seconds(tmp_path: Path, assistant: Assistant) -> None:
    with TestClient(create_app(make_settings(tmp_path, answering_check_seconds=3600), assistant)) as c:
        assert c.post("/api/search", json={"query": QUESTION}).status_code == 200
        (tmp_path / SWITCH_FILE).write_text("off")
        assert c.post("/api/search", json={"query": QUESTION}).status_code == 200  # not looked at again yet


def test_an_answering_off_file_is_read_at_most_2_kb_and_never_from_a_device(tmp_path: Path) -> None:
    """Attack probe: a link to /dev/zero was read without limit until the kernel killed the worker."""
    from api.switch import AnsweringSwitch

    switch = AnsweringSwitch(make_settings(tmp_path, answering_check_seconds=0))
    (tmp_path / SWITCH_FILE).symlink_to("/dev/zero")
    assert switch.message() == DEFAULT_MESSAGE
    (tmp_path / SWITCH_FILE).unlink()
    (tmp_path / SWITCH_FILE).write_text("Paused. " + "x" * 50_000_000)
    message = switch.message()
    assert message is not None and message.startswith("Paused. xxx") and len(message) <= 500
