"""The FastAPI application: built by ``create_app()``; the Assistant is built once in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from api import errors, metrics
from api.db import DatabaseUnavailable
from api.deps import load_assistant
from api.feedback import FeedbackStore
from api.request_id import HEADER as REQUEST_ID_HEADER
from api.request_id import RequestIdMiddleware
from api.routes import ask, check, crosswalk, documents, feedback, health, pages, quiz, search
from api.security import BodyLimit, check_api_key, make_limiter, rate_limit
from api.switch import AnsweringSwitch, answering_on
from wtguide.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, assistant: Any = None) -> FastAPI:
    """``assistant`` is injectable so tests can hand in a fake or a prebuilt one."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.assistant is None:
            # Loads the index and the embedding model once; a missing index becomes a 503, not a crash.
            await run_in_threadpool(load_assistant, app.state)
        metrics.note_index(app.state)
        yield
        metrics.worker_exit()

    # /docs and /redoc with Swagger UI and ReDoc from the fastapi-offline package, not a CDN:
    # they work on a council network that blocks CDNs, and offline.
    app = FastAPIOffline(
        title="wtguide",
        summary="Grounded, paragraph-cited answers over Working Together to Safeguard Children",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.assistant_error = None
    app.state.feedback = FeedbackStore.from_settings(settings)
    try:
        app.state.feedback.prepare()  # migrations at start-up; a database that is down is tried again on use
    except DatabaseUnavailable as exc:
        log.warning("%s", exc)
    app.state.answering = AnsweringSwitch(settings)
    app.state.limiter = make_limiter()

    # Rate limit first, so guessing API keys costs budget too. Pages, health and docs are not limited.
    api_deps = [Depends(rate_limit(app.state.limiter, settings.rate_limit)), Depends(check_api_key)]
    for module in (ask, search, documents, feedback):
        # The operator's switch (api/switch.py) turns answering off; documents and feedback stay up.
        switch = [Depends(answering_on)] if module in (ask, search) else []
        app.include_router(module.router, prefix="/api", dependencies=api_deps + switch)
    app.include_router(check.router, prefix="/api", dependencies=api_deps)
    app.include_router(crosswalk.router, prefix="/api", dependencies=api_deps)
    app.include_router(check.pages)
    app.include_router(quiz.router, prefix="/api", dependencies=api_deps)
    app.include_router(quiz.pages)
    app.include_router(health.router)
    app.include_router(metrics.router)  # not rate-limited or keyed, like /healthz
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")

    errors.install(app)
    # Last added runs first: CORS outermost so even a 413, 401 or 429 reaches the widget's page readable.
    app.add_middleware(BodyLimit, upload_bytes=settings.max_upload_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "X-API-Key", "Authorization", REQUEST_ID_HEADER],
        expose_headers=[REQUEST_ID_HEADER],
        max_age=600,
    )
    app.add_middleware(metrics.MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)  # outermost: every response and log line has the id
    return app
