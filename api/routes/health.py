from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AssistantDep
from api.schemas import ErrorOut, HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": ErrorOut}})
def healthz(assistant: AssistantDep) -> dict[str, Any]:
    store = assistant.store
    return {"status": "ok", "documents": len(store.documents), "chunks": store.info.chunks}
