"""Prometheus metrics at ``GET /metrics``: requests by route template and status, their latency,
the answer status mix, and the index each worker serves.

Labels hold route templates (``/api/documents/{doc_id}/paragraphs/{paragraph}``), never a raw
path or any text a user typed. With several workers, ``wtguide serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before the workers start, and a scrape of any
worker reports the sum over all of them (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"

REQUESTS = Counter("wtguide_http_requests", "HTTP requests answered, by route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("wtguide_http_request_duration_seconds",
                    "Time from request to the end of the response, by route template and status",
                    ["method", "route", "status"])
ANSWERS = Counter("wtguide_answers", "Answers given by /api/ask, /api/ask/stream, /v1 and MCP, by status "
                  "(answered, uncertain, declined)", ["status"])
# 1 for the index a worker serves; with several workers, 1 if any live worker serves it.
INDEX = Gauge("wtguide_index_info", "The index being served (its build id)", ["index"],
              multiprocess_mode="livemax")

router = APIRouter(tags=["operations"])


def route_template(scope: Scope) -> str:
    """The template of the route that handled ``scope`` ("/api/ask", "/static/{path}"), or
    "<unmatched>" when none did, so a label never holds a raw path."""
    # FastAPI keeps an included router's routes as they were declared (without the prefix) and
    # records the route as served, prefix and all, in its own part of the scope.
    served = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(served, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    if path:
        return str(path)
    if scope.get("endpoint") is not None and scope.get("root_path"):  # a mount: /static
        return f"{scope['root_path']}/{{path}}"
    return UNMATCHED


def note_index(state: Any) -> None:
    """Set the served-index gauge from ``state.assistant`` (only a change is written): called when
    a worker loads or swaps its index (api/deps.py), and at start-up and on a scrape."""
    # getattr all the way: a stand-in assistant (tests, a loading failure) must not fail a request here.
    path = getattr(getattr(getattr(state, "assistant", None), "store", None), "path", None)
    name = getattr(path, "name", None)
    last = getattr(state, "metrics_index", None)
    if name == last:
        return
    if last is not None:
        INDEX.labels(index=last).set(0)
    if name is not None:
        INDEX.labels(index=name).set(1)
    state.metrics_index = name


class MetricsMiddleware:
    """Counts each HTTP request and times it to the end of its response body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            labels = {"method": scope["method"], "route": route_template(scope), "status": str(status)}
            REQUESTS.labels(**labels).inc()
            LATENCY.labels(**labels).observe(time.perf_counter() - start)


def registry() -> Any:
    """The registry to expose: this process's, or every worker's in multiprocess mode."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)
    return merged


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text exposition format (0.0.4)."""
    note_index(request.app.state)
    return Response(generate_latest(registry()), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def worker_exit() -> None:
    """Drop this process's live gauges from the multiprocess directory (call on shutdown)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())
