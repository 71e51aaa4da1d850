"""`GET /api/crosswalk?old=wt2018&new=wt2023`: which paragraphs of two editions say the same thing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import AssistantDep
from api.routes.ask import ERRORS
from api.schemas import ErrorOut
from checker.report import crosswalk_json
from checker.service import crosswalk_links
from wtguide.errors import NotFound

router = APIRouter(tags=["crosswalk"])
DocId = Annotated[str | None, Query(max_length=100)]


class EditionOut(BaseModel):
    doc_id: str
    title: str
    edition: str | None


class LinkOut(BaseModel):
    old_paragraph: str | None
    new_paragraph: str | None
    score: float
    status: str


class CrosswalkOut(BaseModel):
    old: EditionOut
    new: EditionOut
    summary: dict[str, int]
    links: list[LinkOut]


@router.get("/crosswalk", response_model=CrosswalkOut, responses={**ERRORS, 404: {"model": ErrorOut}})
def crosswalk(assistant: AssistantDep, old: DocId = None, new: DocId = None) -> dict[str, Any]:
    """Paragraph pairs (one-to-many) with a similarity score and unchanged/changed/removed/new status.

    Without `old` and `new`, the first pair of editions where one replaced the other.
    """
    cached = assistant.crosswalks
    if old is None and new is None:
        if not cached:
            raise NotFound("no crosswalk: the index holds no edition replaced by another edition it holds")
        old, new = next(iter(cached))
    elif old is None or new is None:
        raise NotFound("give both 'old' and 'new' (e.g. ?old=wt2018&new=wt2023), or neither")
    store = assistant.store
    links = crosswalk_links(store, cached, old, new)
    return crosswalk_json(store.document(old), store.document(new), links)
