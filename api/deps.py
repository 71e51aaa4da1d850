"""What routes receive through ``Depends``: the one Assistant built at startup, settings, feedback store."""

from __future__ import annotations

import logging
import threading
import time
from typing import Annotated, Any

from fastapi import Depends, Request

from api.feedback import FeedbackStore
from api.metrics import note_index
from wtguide.errors import WtguideError
from wtguide.settings import Settings

log = logging.getLogger(__name__)
_loading = threading.Lock()
_following = threading.Lock()


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
            note_index(state)
        except WtguideError as exc:
            log.warning("assistant not loaded: %s", exc)
            state.assistant_error = exc


def live_index(settings: Settings) -> str | None:
    """The name of the build the data dir's CURRENT pointer names (what ``ingest``/``add`` swapped in)."""
    from ingest.index import current_dir

    live = current_dir(settings.index_root)
    return live.name if live is not None else None


def follow_index(state: Any) -> None:
    """Pick up an index built since this worker loaded its own: at most every
    ``settings.index_check_seconds``, look at the CURRENT pointer; if it names another build, load
    it beside the serving one (the embedding model is shared, not reloaded) and swap the reference
    when it is ready. A request holds the assistant it started with, so nothing mixes two indexes;
    a build that fails to load is logged and the old index keeps serving."""
    now = time.monotonic()
    if now - getattr(state, "index_checked", 0.0) < state.settings.index_check_seconds:
        return
    state.index_checked = now
    name = live_index(state.settings)
    serving = state.assistant
    if name is None or serving is None or name in (serving.store.path.name, getattr(state, "index_failed", None)):
        return
    if not _following.acquire(blocking=False):
        return  # another request is already loading it

    def load() -> None:
        from rag.service import Assistant
        from rag.store import IndexStore

        try:
            store = IndexStore.load(state.settings.index_root, state.settings.index_verify)
            fresh = Assistant(state.settings, store, serving.embedder, serving.llm)
            if fresh.store.path.name != name:
                return  # swapped again meanwhile: the next check loads the newest
            fresh.warm_up()
            state.assistant = fresh
            note_index(state)  # the served-index gauge moves when the index does
            log.info("now serving index %s", name)
        except Exception as exc:  # noqa: BLE001 - a damaged new index must never stop the old one serving
            state.index_failed = name
            log.warning("index %s not loaded, still serving %s: %s", name, serving.store.path.name, exc)
        finally:
            _following.release()

    threading.Thread(target=load, name="wtguide-follow-index", daemon=True).start()


def probe_index(state: Any, assistant: Any) -> None:
    """Raise ``IndexDamaged`` (a 503 with one line) unless the index ``assistant`` serves can
    answer: ``IndexStore.probe`` (a paragraph lookup and a one-row vector query), its result reused
    for ``settings.health_probe_seconds`` so a busy health checker costs nothing."""
    now = time.monotonic()
    name = assistant.store.path.name
    cached = getattr(state, "index_probe", None)  # (when, build name, error or None)
    if cached is None or cached[1] != name or now - cached[0] >= state.settings.health_probe_seconds:
        error: WtguideError | None = None
        try:
            assistant.store.probe()
        except WtguideError as exc:
            error = exc
        cached = state.index_probe = (now, name, error)
    if cached[2] is not None:
        raise cached[2]


def get_assistant(request: Request) -> Any:
    return current_assistant(request.app.state)


def current_assistant(state: Any) -> Any:
    """The Assistant serving now (built on first use, following a newer index); raises the
    loading error (e.g. ``IndexNotBuilt``, 503) when there is none."""
    if state.assistant is None:
        # The index may have been built since startup (`wtguide ingest` after `wtguide serve`).
        load_assistant(state)
    if state.assistant is None:
        raise state.assistant_error
    follow_index(state)
    return state.assistant


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback  # type: ignore[no-any-return]


AssistantDep = Annotated[Any, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
