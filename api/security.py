"""Operating on the public web: request size limit, optional API keys, per-client rate limit."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable

from fastapi import Request
from slowapi import Limiter
from slowapi.util import get_remote_address
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wtguide.errors import WtguideError

# JSON bodies are small: a full history is 20 x 4,000 characters. Uploads (multipart) may be larger.
MAX_JSON_BYTES = 1024 * 1024


class Unauthorized(WtguideError):
    http_status = 401


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


class BodyLimit:
    """413 before the body is read when Content-Length is too big, and while reading when it is not
    declared; 408 when a request stops sending its body for ``idle_seconds`` (a client that declares
    a body and sends only part of it would otherwise hold a connection and a worker slot open)."""

    def __init__(self, app: ASGIApp, json_bytes: int = MAX_JSON_BYTES, upload_bytes: int = 10 * 1024 * 1024,
                 idle_seconds: float = 15.0) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        upload = headers.get("content-type", "").startswith("multipart/")
        limit = self.upload_bytes if upload else self.json_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        received = 0
        complete = False

        async def counting_receive() -> Message:
            nonlocal received, complete
            if complete:
                # After the body, receive() waits for the client to go away (streamed answers
                # listen for it): no timeout there.
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_seconds)
            except TimeoutError:
                # Connection: close, or the server would keep the half-sent connection for keep-alive.
                raise HTTPException(
                    408, f"request body incomplete: nothing arrived for {self.idle_seconds:g} seconds",
                    headers={"Connection": "close"},
                ) from None
            if message["type"] == "http.request":
                complete = not message.get("more_body", False)
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing untouched and becomes the 413.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counting_receive, send)

    @staticmethod
    async def _reject(send: Send, limit: int) -> None:
        body = json.dumps({"detail": _too_large(limit)}).encode()
        await send({
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return f"request body too large: the limit is {_size(limit)}"


def presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def check_api_key(request: Request) -> None:
    """Dependency for /api/*: with no keys configured the API is open."""
    keys: list[str] = request.app.state.settings.api_keys
    if not keys:
        return
    given = presented_key(request)
    if given is None:
        raise Unauthorized("an API key is required: send it in the X-API-Key header or as a Bearer token")
    if not any(hmac.compare_digest(given.encode(), k.encode()) for k in keys):
        raise Unauthorized("that API key is not valid")


def make_limiter() -> Limiter:
    # One limiter per app, in memory: each worker counts its own clients (limit x workers at worst).
    return Limiter(key_func=get_remote_address, storage_uri="memory://")


def rate_limit(limiter: Limiter, limit: str) -> Callable[[Request], None]:
    """A dependency for /api/*: one budget per client shared by every API route.

    slowapi's middleware cannot see routes inside FastAPI's included routers, so the
    limit is applied through slowapi's decorator on a dependency instead.
    """

    def api_rate_limit(request: Request) -> None:
        return None

    return limiter.shared_limit(limit, scope="api")(api_rate_limit)  # type: ignore[no-any-return]
