"""A request id for every request: the caller's ``X-Request-ID`` when it is short and made of
safe characters (a proxy's or a client's, so one id follows a request through every hop), else a
new one. It is returned in the response's ``X-Request-ID`` and is on every log line the request
causes (wtguide/logs.py)."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wtguide.logs import REQUEST_ID

HEADER = "X-Request-ID"
# Letters, digits and . _ : - up to 64: what proxies and tracing systems send (UUIDs, hex,
# "Root=1-..."-like ids), nothing that could break a log line or smuggle text into it.
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id(incoming: str | None) -> str:
    """``incoming`` when it is a safe id, else a new random one (32 hex digits)."""
    if incoming is not None and SAFE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for the request's context and adds it to the response headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        rid = request_id(given.decode("latin-1") if given is not None else None)
        # Each request runs in its own task, so the id never leaks into another request; it is left
        # set after the app returns so the server's error and access lines carry it too.
        REQUEST_ID.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        await self.app(scope, receive, send_with_id)
