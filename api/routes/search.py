from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AssistantDep
from api.present import citation_json
from api.routes.ask import ERRORS
from api.schemas import SearchRequest, SearchResponse

router = APIRouter(tags=["search"])


@router.post("/search", response_model=SearchResponse, responses=ERRORS)
def search(body: SearchRequest, assistant: AssistantDep) -> dict[str, Any]:
    """The passages that best match a query, best first."""
    results = assistant.search(body.query, top_k=body.top_k)
    return {"results": [citation_json(assistant.store, c) for c in results]}
