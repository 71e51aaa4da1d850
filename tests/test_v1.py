"""The OpenAI-compatible API (issue 18), driven by the real `openai` SDK against a served
instance on loopback: models, plain and streamed completions, history, a crisis message,
keys and errors; and the same text and citations as `/api/ask` over 20 questions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from api.app import create_app
from evals.dataset import load_questions
from rag.service import Assistant
from tests.serving import ThreadServer
from wtguide.settings import Settings

QUESTION = "Who are the safeguarding partners?"
CRISIS = "there's a child screaming next door and I think she's being beaten right now"


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))


@pytest.fixture(scope="module")
def server(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("v1"), embedder="fake", rate_limit="100000/minute",
                        api_keys=["sk-region-1"])
    with ThreadServer(create_app(settings, assistant)) as served:
        yield served


@pytest.fixture(scope="module")
def client(server: ThreadServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-region-1", max_retries=0)


def _ask(server: ThreadServer, question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
    r = httpx.post(f"{server.url}/api/ask", json={"question": question, "history": history or []},
                   headers={"X-API-Key": "sk-region-1"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _streamed(client: openai.OpenAI, messages: list[dict[str, str]]) -> tuple[str, dict[str, Any]]:
    text, extra = "", {}
    stream = client.chat.completions.create(model="wtguide-extractive", messages=messages, stream=True)  # type: ignore[arg-type]
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
        extra = (chunk.model_extra or {}).get("wtguide", extra)
    return text, extra


def test_models_are_the_answer_modes(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["wtguide-extractive"]  # no LLM configured here


def test_a_plain_completion_carries_markers_references_and_the_structured_answer(
        client: openai.OpenAI, server: ThreadServer) -> None:
    done = client.chat.completions.create(model="wtguide-extractive", messages=[{"role": "user", "content": QUESTION}])
    content = done.choices[0].message.content or ""
    api = _ask(server, QUESTION)
    # The notices (here: the 2023 edition has been replaced), then the answer, then the references.
    assert content.startswith("\n\n".join([*api["notices"], api["answer"]]) + "\n\nReferences:\n"), content
    assert "[1]" in api["answer"]
    refs = content.split("References:\n", 1)[1].splitlines()
    first = api["citations"][0]
    assert refs[0] == f"[1] {first['reference']} — {server.url}{first['url']}"
    extra = (done.model_extra or {})["wtguide"]
    assert extra["citations"] == api["citations"] and extra["status"] == api["status"]
    assert done.choices[0].finish_reason == "stop" and done.model == "wtguide-extractive"


def test_streamed_and_plain_give_the_same_text(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": QUESTION}]
    plain = client.chat.completions.create(model="wtguide-extractive", messages=messages)  # type: ignore[arg-type]
    text, extra = _streamed(client, messages)
    assert text == plain.choices[0].message.content
    assert extra["citations"] == (plain.model_extra or {})["wtguide"]["citations"]


def test_a_follow_up_reads_its_history(client: openai.OpenAI, server: ThreadServer) -> None:
    history = [{"role": "user", "content": "What is early help?"},
               {"role": "assistant", "content": "Early help means providing support as soon as a problem emerges."}]
    follow = "who provides it?"
    text, extra = _streamed(client, [{"role": "system", "content": "You are helpful."}, *history,
                                     {"role": "user", "content": follow}])
    assert extra["citations"] == _ask(server, follow, history)["citations"]


def test_a_crisis_message_puts_999_first(client: openai.OpenAI) -> None:
    text, extra = _streamed(client, [{"role": "user", "content": CRISIS}])
    assert text.startswith("If a child is in immediate danger, call 999"), text[:80]
    assert extra["safeguarding"]["crisis"] is True


def test_a_bad_key_is_an_authentication_error(server: ThreadServer) -> None:
    bad = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model="wtguide-extractive", messages=[{"role": "user", "content": QUESTION}])
    assert info.value.body == {"message": "that API key is not valid", "type": "authentication_error",
                               "param": None, "code": "invalid_api_key"}


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}, openai.NotFoundError,
     "model 'gpt-4o' does not exist: use one of wtguide-extractive"),
    ({"model": "wtguide-extractive", "messages": [{"role": "assistant", "content": "hello"}]},
     openai.BadRequestError, "messages: the last message must be the user's question, with text"),
    ({"model": "wtguide-extractive", "messages": [{"role": "user", "content": "x" * 2001}]},
     openai.BadRequestError, "messages: the question must be at most 2000 characters"),
    ({"model": "wtguide-extractive", "messages": []}, openai.UnprocessableEntityError,
     "messages: must have at least 1 item"),
])
def test_bad_requests_are_openai_errors(client: openai.OpenAI, kwargs: dict[str, Any], error: type,
                                        message: str) -> None:
    with pytest.raises(error) as info:
        client.chat.completions.create(**kwargs)
    assert info.value.body["message"].startswith(message), info.value.body  # type: ignore[attr-defined]


def test_twenty_questions_stream_the_same_answer_as_api_ask(client: openai.OpenAI, server: ThreadServer) -> None:
    dev = load_questions(split="dev")
    # Follow-ups with their history, questions the guidance answers, and ones it does not.
    questions = ([q for q in dev if q.history][:6] + [q for q in dev if not q.answerable][:3]
                 + [q for q in dev if q.answerable and not q.history][:11])
    assert len(questions) == 20 and sum(1 for q in questions if not q.answerable) >= 1
    for q in questions:
        history = q.history_dicts()
        text, extra = _streamed(client, [*history, {"role": "user", "content": q.question}])
        api = _ask(server, q.question, history)
        assert extra["answer"] == api["answer"] and extra["citations"] == api["citations"], q.id
        assert api["answer"] in text, q.id


def test_a_body_over_the_limit_is_an_openai_error_too(client: openai.OpenAI) -> None:
    history = [{"role": "user", "content": "x" * 100_000}] * 12  # 1.2 MB: over the 1 MB JSON limit
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="wtguide-extractive",
                                       messages=[*history, {"role": "user", "content": QUESTION}])  # type: ignore[list-item]
    assert info.value.status_code == 413
    assert info.value.body == {"message": "request body too large: the limit is 1 MB",  # type: ignore[comparison-overlap]
                               "type": "invalid_request_error", "param": None, "code": "request_too_large"}
