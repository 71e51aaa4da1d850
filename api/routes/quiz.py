"""Trainer quizzes: `POST /api/quiz`, `POST /api/quiz/export`, `POST /api/quiz/check` and the `/trainer` page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep
from api.routes.ask import ERRORS
from api.routes.pages import STATIC
from api.schemas import StrictInput
from quiz.build import build_quiz
from quiz.export import MEDIA_TYPES, export
from quiz.stale import check_quiz
from quiz.types import MAX_COUNT, QuizRequest

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


Text = Annotated[str, StringConstraints(max_length=4000)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class CitationIn(BaseModel):
    """The fields of an item's citation the exporters and the staleness check read; others are kept."""

    model_config = ConfigDict(strict=True, extra="allow")
    doc_id: Id
    paragraph: Annotated[str, StringConstraints(max_length=100)] | None = None
    doc_title: Text = ""
    edition: Annotated[str, StringConstraints(max_length=20)] | None = None
    page: Annotated[int, Field(ge=0, le=100_000)] | None = None
    reference: Text | None = None
    text: Text = ""
    status: Annotated[str, StringConstraints(max_length=20)] | None = None


class SourceIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    sentence: Text = ""
    paragraph_hash: Annotated[str, StringConstraints(max_length=100)] = ""


class ItemIn(BaseModel):
    """A quiz item as POST /api/quiz returned it, after the trainer's edits. Each type's answer
    must fit its options, so a wrong-shaped item is a 422 naming the field, never a 500."""

    model_config = ConfigDict(strict=True, extra="allow")
    id: Id
    type: ItemType
    question: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    options: Annotated[list[Text], Field(max_length=10)]
    answer: int | bool | Text
    explanation: Text
    citation: CitationIn
    accept: Annotated[list[Text], Field(max_length=20)] = []
    flags: Annotated[list[Short], Field(max_length=20)] = []
    source: SourceIn | None = None

    @model_validator(mode="after")
    def answer_fits(self) -> ItemIn:
        if self.type == "mcq":
            if isinstance(self.answer, bool) or not isinstance(self.answer, int) or len(self.options) < 2:
                raise ValueError("an mcq item needs at least two options and 'answer' the index of the right one")
            if not 0 <= self.answer < len(self.options):
                raise ValueError(f"'answer' {self.answer} is not an index of the {len(self.options)} options")
        elif self.type == "true_false" and not isinstance(self.answer, bool):
            raise ValueError("a true_false item's 'answer' must be true or false")
        elif self.type == "cloze" and not isinstance(self.answer, str):
            raise ValueError("a cloze item's 'answer' must be the missing words")
        return self


class CheckItemIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    id: Id | None = None
    citation: CitationIn
    source: SourceIn | None = None


class ExportIn(StrictInput):
    format: Literal["json", "gift", "moodle-xml", "csv", "anki"]
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=MAX_COUNT)]
    topic: Annotated[str, StringConstraints(max_length=200)] = "quiz"


class CheckIn(StrictInput):
    items: Annotated[list[CheckItemIn], Field(max_length=MAX_COUNT)]


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
    items = [item.model_dump() for item in body.items]
    data = await run_in_threadpool(export, {"items": items, "request": {"topic": body.topic}}, body.format)
    media, ext = MEDIA_TYPES[body.format]
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="wtguide-quiz.{ext}"'}
    )


@router.post("/quiz/check", responses=ERRORS)
def recheck_quiz(body: CheckIn, assistant: AssistantDep) -> dict[str, Any]:
    """Which items of an exported quiz need review: paragraph changed, moved or superseded since export."""
    return check_quiz(assistant, {"items": [item.model_dump() for item in body.items]})


@pages.get("/trainer")
def trainer_page() -> FileResponse:
    return FileResponse(STATIC / "trainer.html", media_type="text/html")
