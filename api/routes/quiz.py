"""Trainer quizzes: `POST /api/quiz`, `POST /api/quiz/export`, `POST /api/quiz/check` and the `/trainer` page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from pydantic import Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep
from api.routes.ask import ERRORS
from api.routes.pages import STATIC
from api.schemas import StrictInput
from quiz.build import build_quiz
from quiz.export import MEDIA_TYPES, export
from quiz.stale import check_quiz
from quiz.types import MAX_COUNT, QuizRequest
from wtguide.errors import BadRequest

router = APIRouter(tags=["quiz"])
pages = APIRouter(include_in_schema=False)

ItemType = Literal["mcq", "true_false", "cloze"]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class QuizIn(StrictInput):
    topic: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    count: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 10
    types: Annotated[list[ItemType], Field(min_length=1, max_length=3)] = ["mcq", "true_false", "cloze"]
    edition: Short | None = None
    chapter: Short | None = None
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


class ExportIn(StrictInput):
    format: Literal["json", "gift", "moodle-xml", "csv", "anki"]
    # Items as POST /api/quiz returned them, after the trainer's edits; checked loosely here
    # because each exporter reads only the contract's fields.
    items: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_COUNT)]
    topic: Annotated[str, StringConstraints(max_length=200)] = "quiz"


class CheckIn(StrictInput):
    items: Annotated[list[dict[str, Any]], Field(max_length=MAX_COUNT)]


@router.post("/quiz", responses=ERRORS)
async def make_quiz(body: QuizIn, assistant: AssistantDep) -> dict[str, Any]:
    """A checked quiz: items with their source paragraph, and the report of what was checked."""
    req = QuizRequest(
        body.topic, body.count, tuple(dict.fromkeys(body.types)), body.edition, body.chapter, body.difficulty, body.seed
    )
    quiz = await run_in_threadpool(build_quiz, assistant, req)
    return quiz.to_json()


@router.post("/quiz/export", responses=ERRORS)
async def export_quiz(body: ExportIn) -> Response:
    """The accepted items as a file for a learning platform (Moodle XML, GIFT, CSV, JSON, Anki)."""
    required = {"id", "type", "question", "options", "answer", "explanation", "citation"}
    for i, item in enumerate(body.items):
        missing = sorted(required - set(item))
        if missing or item.get("type") not in ("mcq", "true_false", "cloze"):
            raise BadRequest(f"items[{i}]: not a quiz item (missing {', '.join(missing) or 'a valid type'})")
        item.setdefault("flags", [])
    data = await run_in_threadpool(export, {"items": body.items, "request": {"topic": body.topic}}, body.format)
    media, ext = MEDIA_TYPES[body.format]
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="wtguide-quiz.{ext}"'}
    )


@router.post("/quiz/check", responses=ERRORS)
def recheck_quiz(body: CheckIn, assistant: AssistantDep) -> dict[str, Any]:
    """Which items of an exported quiz need review: paragraph changed, moved or superseded since export."""
    return check_quiz(assistant, {"items": body.items})


@pages.get("/trainer")
def trainer_page() -> FileResponse:
    return FileResponse(STATIC / "trainer.html", media_type="text/html")
