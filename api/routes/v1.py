"""The OpenAI-compatible chat API: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Chat front ends that speak the OpenAI API (Open WebUI, LibreChat, the ``openai`` SDKs) reach
the same answers as ``/api/ask``: the last user message is the question and the earlier user and
assistant messages its history. The message content is ``answer_text`` (notices first, the
answer with ``[n]`` markers, a references list); the structured citations, notices, status and
reasons ride in an extra ``wtguide`` field that clients may ignore. Same keys and rate limit as
``/api``; errors in OpenAI's shape (api/errors.py).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, SettingsDep
from api.present import answer_json, answer_text
from api.routes.ask import PIECE, record
from api.schemas import MAX_QUESTION, MAX_TURN, MAX_TURNS
from api.switch import answering_on
from rag.types import Answer
from wtguide.errors import BadRequest, UnknownModel
from wtguide.settings import Settings

router = APIRouter(tags=["openai-compatible"])
EXTRACTIVE = "wtguide-extractive"
GENERATIVE = "wtguide-generative"
CREATED = 1767225600  # 2026-01-01: a fixed "created" for the models, which do not change between runs


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    # Clients send more than we read (name, tool_calls ...): ignored, not refused.
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(max_length=100_000)] | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class ChatRequest(BaseModel):
    """The fields of OpenAI's chat request that change the answer; the rest (temperature,
    max_tokens, n, user ...) are accepted and ignored, as the answer is checked, not sampled."""

    model_config = ConfigDict(extra="ignore")
    model: Annotated[str, Field(max_length=100)]
    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=200)]
    stream: bool = False


def models(settings: Settings) -> list[str]:
    """One model per answer mode: extractive always, generative when an LLM is configured."""
    return [EXTRACTIVE, *([GENERATIVE] if settings.llm_model else [])]


@router.get("/models")
def list_models(settings: SettingsDep) -> dict[str, Any]:
    """The answer modes, as OpenAI models."""
    return {"object": "list",
            "data": [{"id": m, "object": "model", "created": CREATED, "owned_by": "wtguide"} for m in models(settings)]}


def question_and_history(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The last user message and, before it, the user and assistant turns (the last ``MAX_TURNS``,
    each cut to ``MAX_TURN`` characters: history is context, a long chat is not an error).
    Raises ``BadRequest`` when the last message is not a user's or has no text."""
    last = messages[-1]
    question = " ".join(last.text().split())
    if last.role != "user" or not question:
        raise BadRequest("messages: the last message must be the user's question, with text")
    if len(question) > MAX_QUESTION:
        raise BadRequest(f"messages: the question must be at most {MAX_QUESTION} characters")
    turns = [{"role": m.role, "content": m.text()[:MAX_TURN]} for m in messages[:-1] if m.role in ("user", "assistant")]
    return question, turns[-MAX_TURNS:]


def _answer(assistant: Any, settings: Settings, body: ChatRequest) -> Answer:
    if body.model not in models(settings):
        raise UnknownModel(f"model '{body.model}' does not exist: use one of {', '.join(models(settings))}")
    question, history = question_and_history(body.messages)
    return record(assistant.ask(question, history=history, generative=body.model == GENERATIVE), settings)


# The operator's switch that turns answering off (api/switch.py) turns this off too.
@router.post("/chat/completions", response_model=None, dependencies=[Depends(answering_on)])
async def chat_completions(body: ChatRequest, request: Request, assistant: AssistantDep,
                           settings: SettingsDep) -> dict[str, Any] | StreamingResponse:
    """An answer as an OpenAI chat completion (``stream: true`` for Server-Sent Events chunks
    ending with ``data: [DONE]``)."""
    ans = await run_in_threadpool(_answer, assistant, settings, body)
    content = answer_text(ans, settings.public_url or str(request.base_url))
    ident = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    extra = answer_json(assistant.store, ans)
    if not body.stream:
        return {
            "id": ident, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content, "refusal": None}}],
            "wtguide": extra,
        }
    return StreamingResponse(
        _chunks(ident, created, body.model, content, extra),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _chunks(ident: str, created: int, model: str, content: str, extra: dict[str, Any]) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **more: Any) -> str:
        data = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **more}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in PIECE.findall(content) or [content]:
        yield chunk({"content": piece})
    yield chunk({}, "stop", wtguide=extra)
    yield "data: [DONE]\n\n"
