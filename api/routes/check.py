"""The citation checker: `POST /api/check` (JSON text or a file upload) and the `/check` page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import BaseModel, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import AssistantDep, SettingsDep
from api.routes.ask import ERRORS
from api.routes.pages import STATIC
from api.schemas import ErrorOut, StrictInput
from checker.read import MAX_TEXT_CHARS, check_text, read_bytes
from checker.report import report_json
from checker.service import checker_for
from wtguide.errors import UnsupportedDocument

router = APIRouter(tags=["check"])
pages = APIRouter(include_in_schema=False)


class CheckRequest(StrictInput):
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]


class SuggestionOut(BaseModel):
    doc_id: str
    paragraph: str | None
    edition: str | None


class ReferenceOut(BaseModel):
    text: str
    start: int
    end: int
    doc_id: str | None
    edition: str | None
    paragraph: str | None
    status: Literal["ok", "mismatch", "not_found", "superseded", "not_held", "unrecognised"]
    message: str
    suggestion: SuggestionOut | None
    kind: Literal["paragraph", "page", "chapter", "document", "unrecognised"]
    label: str | None
    quote: str | None
    quote_score: float | None
    cited_text: str | None
    suggestions: list[SuggestionOut]


class CheckResponse(BaseModel):
    references: list[ReferenceOut]
    summary: dict[str, int]
    text: str | None = None


BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CheckRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"],
                           "properties": {"file": {"type": "string", "format": "binary"}}},
            },
        },
    }
}


async def _text(request: Request, max_bytes: int) -> tuple[str, bool]:
    """The policy's text, and whether it came from a file (then the response carries the extracted text)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RequestValidationError([{"type": "missing", "loc": ("body", "file"), "msg": "missing"}])
        data = await upload.read()
        return await run_in_threadpool(read_bytes, upload.filename or "upload", data, max_bytes), True
    if ctype in ("application/json", ""):
        try:
            body = CheckRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from exc
        return check_text(body.text), False
    raise UnsupportedDocument(
        f"unsupported content type '{ctype}': send JSON {{\"text\": ...}} or a multipart upload with a 'file' field"
    )


@router.post("/check", response_model=CheckResponse, openapi_extra=BODY,
             responses={**ERRORS, 415: {"model": ErrorOut}})
async def check(request: Request, assistant: AssistantDep, settings: SettingsDep) -> dict[str, Any]:
    """Every reference to the guidance in a policy (pasted text, or .txt/.pdf/.docx/.html), checked."""
    text, uploaded = await _text(request, settings.max_upload_bytes)
    checker = checker_for(assistant)
    refs = await run_in_threadpool(checker.check, text)
    return report_json(refs, text if uploaded else None)


@pages.get("/check")
def check_page() -> FileResponse:
    return FileResponse(STATIC / "check.html", media_type="text/html")
