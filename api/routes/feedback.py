from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from api.deps import FeedbackDep, get_assistant
from api.routes.ask import ERRORS
from api.schemas import FeedbackOut, FeedbackRequest
from wtguide.errors import NotFound

router = APIRouter(tags=["feedback"])


def held_paragraph(request: Request, doc_id: str | None, paragraph: str | None) -> str | None:
    """``paragraph`` as the index numbers it, after checking that the index holds ``doc_id`` and
    that document has that paragraph (through the assistant's store, as the paragraph route
    does). Raises a 422 whose detail names the field; a 503 when there is no index to check against."""
    if doc_id is None:
        if paragraph is not None:
            raise HTTPException(422, "paragraph: give the doc_id of the document it is in too")
        return None
    store = get_assistant(request).store
    try:
        store.document(doc_id)
    except NotFound as exc:
        raise HTTPException(422, f"doc_id: {exc}") from None
    if paragraph is None:
        return None
    try:
        return str(store.paragraph(doc_id, paragraph).paragraph)
    except NotFound as exc:
        raise HTTPException(422, f"paragraph: {exc}") from None


@router.post("/feedback", status_code=201, response_model=FeedbackOut, responses=ERRORS)
def feedback(body: FeedbackRequest, store: FeedbackDep, request: Request) -> dict[str, Any]:
    """Thumbs up or down on an answer or one of its citations. ``doc_id`` and ``paragraph``, when
    given, must name a document and paragraph the index holds (else 422 naming the field)."""
    paragraph = held_paragraph(request, body.doc_id, body.paragraph)
    row = store.add(body.rating, body.target, question=body.question, comment=body.comment,
                    doc_id=body.doc_id, paragraph=paragraph, citation_id=body.citation_id)
    return {"status": "recorded", "id": row}
