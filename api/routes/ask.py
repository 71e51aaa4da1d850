"""POST /api/ask and its streaming twin POST /api/ask/stream (Server-Sent Events)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, SettingsDep
from api.metrics import ANSWERS
from api.present import answer_json, citation_json, safeguarding_json, verification
from api.schemas import AskRequest, AskResponse, ErrorOut
from rag.types import Answer
from wtguide.logs import QUESTIONS
from wtguide.settings import Settings

# The one logger that carries question text: at INFO only when WTGUIDE_LOG_QUESTIONS is on (wtguide/logs.py).
questions_log = logging.getLogger(QUESTIONS)
router = APIRouter(tags=["ask"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (401, 413, 422, 429, 503)}
# Words with their trailing space, so "[2]" markers and punctuation are never split across pieces.
PIECE = re.compile(r"\S+\s*")


def record(ans: Answer, settings: Settings) -> Answer:
    """Count the answer by status (``/metrics``) and, with ``WTGUIDE_LOG_QUESTIONS``, log the
    question as the guardrails redacted it (no name, date of birth, address or number)."""
    ANSWERS.labels(status=ans.status).inc()
    if settings.log_questions:
        questions_log.info("question: %s", ans.question)
    return ans


def _ask(assistant: Any, settings: Settings, body: AskRequest) -> Answer:
    history = [t.model_dump() for t in body.history]
    return record(assistant.ask(body.question, history=history, top_k=body.top_k), settings)


@router.post("/ask", response_model=AskResponse, responses=ERRORS)
def ask(body: AskRequest, assistant: AssistantDep, settings: SettingsDep) -> dict[str, Any]:
    """A short answer whose claims carry `[n]` markers, `n` being a citation's `id`."""
    return answer_json(assistant.store, _ask(assistant, settings, body))


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(store: Any, ans: Answer) -> Iterator[str]:
    """The safeguarding notices first (a crisis notice is the very first thing sent), then the
    citations, so a client that stops reading early still has its sources; then text; then done."""
    yield _event("safeguarding", {"notices": list(ans.notices), "safeguarding": safeguarding_json(ans)})
    yield _event("citations", {"citations": [citation_json(store, c) for c in ans.citations],
                               "notices": list(ans.notices)})
    for piece in PIECE.findall(ans.answer):
        yield _event("token", {"text": piece})
    yield _event("done", {"abstained": ans.abstained, "status": ans.status, "reasons": list(ans.reasons),
                          "notices": list(ans.notices),
                          "verification": verification(ans)})


@router.post(
    "/ask/stream",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}},
                               "description": "events: safeguarding, citations, token (repeated), done"}},
)
async def ask_stream(body: AskRequest, assistant: AssistantDep, settings: SettingsDep) -> StreamingResponse:
    # The answer is computed before the stream opens, so an error is still a plain JSON error.
    ans = await run_in_threadpool(_ask, assistant, settings, body)
    return StreamingResponse(
        sse_events(assistant.store, ans),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
