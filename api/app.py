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
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route

from api import errors, metrics
from api.deps import current_assistant, load_assistant
from api.feedback import FeedbackStore
from api.mcp_server import McpEndpoint, http_lifespan
from api.proxies import RealClient
from api.ratelimit import Limiter, RateLimitHeaders, build_storage
from api.request_id import HEADER as REQUEST_ID_HEADER
from api.request_id import RequestIdMiddleware
from api.routes import ask, check, crosswalk, documents, feedback, health, pages, quiz, search, v1
from api.security import SESSION_COOKIE, BodyLimit, api_guard, start_page_session
from api.switch import AnsweringSwitch, answering_on
from wtguide.errors import DatabaseUnavailable
from wtguide.secret import install_secret
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
        async with http_lifespan(app.state, lambda: current_assistant(app.state), settings.public_url,
                                 app.state.answering.notice, lambda ans: ask.record(ans, settings)):
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
    app.state.limiter = Limiter(build_storage(settings.redis_url))
    # Signs page sessions and keys the API-key buckets; only needed (and only created) with keys on.
    app.state.secret = install_secret(settings) if settings.api_keys else b""

    # Credentials and the rate limit before the body is validated, so a bad request still costs
    # budget and guessing keys is limited. Health and docs are open; pages start a page session.
    api_deps = [Depends(api_guard)]
    page_deps = [Depends(start_page_session)]
    for module in (ask, search, documents, feedback):
        # The operator's switch (api/switch.py) turns answering off; documents and feedback stay up.
        switch = [Depends(answering_on)] if module in (ask, search) else []
        app.include_router(module.router, prefix="/api", dependencies=api_deps + switch)
    app.include_router(check.router, prefix="/api", dependencies=api_deps)
    app.include_router(crosswalk.router, prefix="/api", dependencies=api_deps)
    app.include_router(check.pages, dependencies=page_deps)
    app.include_router(quiz.router, prefix="/api", dependencies=api_deps)
    # The OpenAI-compatible chat API: the same keys (as a Bearer token) and the same budget.
    app.include_router(v1.router, prefix="/v1", dependencies=api_deps)
    app.include_router(quiz.pages, dependencies=page_deps)
    # MCP over streamable HTTP (api/mcp_server.py), guarded like /api.
    app.router.routes.append(Route("/mcp", endpoint=McpEndpoint(), methods=["GET", "POST", "DELETE"]))
    app.include_router(health.router)
    app.include_router(metrics.router)  # not rate-limited or keyed, like /healthz
    app.include_router(pages.router, dependencies=page_deps)
    app.include_router(pages.viewer_text, dependencies=api_deps)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")

    errors.install(app)
    # Last added runs first: CORS outermost so even a 413, 401 or 429 reaches the widget's page
    # readable; then the real client address, which everything inside uses.
    app.add_middleware(BodyLimit, upload_bytes=settings.max_upload_bytes, idle_seconds=settings.body_timeout_seconds)
    app.add_middleware(RateLimitHeaders)
    if settings.api_keys:
        app.add_middleware(
            SessionMiddleware,
            secret_key=app.state.secret.decode(),
            session_cookie=SESSION_COOKIE,
            max_age=settings.page_session_seconds,
            same_site="lax",
            https_only=settings.secure_cookies,
        )
    app.add_middleware(RealClient, trusted=settings.trusted_proxies)
    # A partner given a publishable key is a partner whose page may read the answers.
    origins = settings.cors_origins
    if "*" not in origins:
        origins = origins + [o for o in settings.publishable_keys if o not in origins]
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "X-API-Key", "X-Publishable-Key", "Authorization", REQUEST_ID_HEADER],
        expose_headers=["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
                        "Retry-After", REQUEST_ID_HEADER],
        max_age=600,
    )
    app.add_middleware(metrics.MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)  # outermost: every response and log line has the id
    return app
