from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import FeedbackDep
from api.routes.ask import ERRORS
from api.schemas import FeedbackOut, FeedbackRequest

router = APIRouter(tags=["feedback"])


@router.post("/feedback", status_code=201, response_model=FeedbackOut, responses=ERRORS)
def feedback(body: FeedbackRequest, store: FeedbackDep) -> dict[str, Any]:
    """Thumbs up or down on an answer or one of its citations."""
    row = store.add(body.rating, body.target, question=body.question, comment=body.comment,
                    doc_id=body.doc_id, paragraph=body.paragraph, citation_id=body.citation_id)
    return {"status": "recorded", "id": row}
