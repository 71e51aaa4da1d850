"""What routes receive through ``Depends``: the one Assistant built at startup, settings, feedback store."""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from fastapi import Depends, Request

from api.feedback import FeedbackStore
from wtguide.errors import WtguideError
from wtguide.settings import Settings

log = logging.getLogger(__name__)
_loading = threading.Lock()


def build_assistant(settings: Settings) -> Any:
    from rag.service import Assistant

    assistant = Assistant.from_settings(settings)
    assistant.warm_up()
    return assistant


def load_assistant(state: Any) -> None:
    """Build the assistant once; on failure (e.g. no index yet) keep the error and serve it as a 503."""
    with _loading:
        if state.assistant is not None:
            return
        try:
            state.assistant = build_assistant(state.settings)
            state.assistant_error = None
        except WtguideError as exc:
            log.warning("assistant not loaded: %s", exc)
            state.assistant_error = exc


def get_assistant(request: Request) -> Any:
    state = request.app.state
    if state.assistant is None:
        # The index may have been built since startup (`wtguide ingest` after `wtguide serve`).
        load_assistant(state)
    if state.assistant is None:
        raise state.assistant_error
    return state.assistant


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback  # type: ignore[no-any-return]


AssistantDep = Annotated[Any, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
