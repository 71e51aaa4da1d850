from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from api.deps import AssistantDep, probe_index
from api.schemas import ErrorOut, HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": ErrorOut}})
def healthz(request: Request, assistant: AssistantDep) -> dict[str, Any]:
    """Ready, and which index this worker serves (its build id and when it was built); 503 with
    one line when that index cannot answer (``api.deps.probe_index``)."""
    probe_index(request.app.state, assistant)
    store = assistant.store
    return {
        "status": "ok",
        "documents": len(store.documents),
        "chunks": store.info.chunks,
        "index": store.path.name,
        "built_at": datetime.fromtimestamp(store.info.built_at, UTC).isoformat(timespec="seconds"),
    }
