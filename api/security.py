"""Operating on the public web: request size limit, optional API keys (or a page session, or a
publishable key from its origin), per-client and per-key rate limits."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from api.proxies import client_address
from wtguide.errors import Forbidden, RateLimited, Unauthorized
from wtguide.settings import Settings

# JSON bodies are small: a full history is 20 x 4,000 characters. Uploads (multipart) may be larger.
MAX_JSON_BYTES = 1024 * 1024


API_LIMIT = "api"
KEY_FAILURES = "key-failures"
SESSION_FLAG = "pages"
SESSION_COOKIE = "wtguide_session"
# What the embeddable widget calls: a publishable key opens these and nothing else.
PUBLISHABLE_ROUTES = frozenset({"/api/ask", "/api/ask/stream", "/api/search", "/api/feedback"})


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
            await self._reject(send, limit, scope.get("path", ""))
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
    async def _reject(send: Send, limit: int, path: str) -> None:
        body = json.dumps(error_body(path, _too_large(limit), 413)).encode()
        await send({
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return f"request body too large: the limit is {_size(limit)}"


def presented_key(request: Request) -> str | None:
    """The API key in ``X-API-Key`` or ``Authorization: Bearer``, or None."""
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def key_bucket(secret: bytes, key: str) -> str:
    """The rate-limit bucket of an API key: a keyed hash, so the key itself is never stored."""
    return "key:" + hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:32]


def start_page_session(request: Request) -> None:
    """Dependency for the site's own pages: with API keys on, (re)starts the signed cookie session
    that lets the page's scripts call /api without a key, for ``page_session_seconds`` from now."""
    if request.app.state.settings.api_keys:
        request.session[SESSION_FLAG] = True


def has_page_session(request: Request) -> bool:
    """Whether the request carries a valid page session cookie (signature and age checked by
    Starlette's SessionMiddleware, installed only when API keys are on)."""
    return "session" in request.scope and request.session.get(SESSION_FLAG) is True


def _publishable(request: Request, settings: Settings, key: str) -> None:
    """Raises Unauthorized unless ``key`` is the publishable key of the request's ``Origin``, and
    Forbidden when it is but the route is not one a widget may use."""
    origin = request.headers.get("origin", "").rstrip("/").lower()
    expected = settings.publishable_keys.get(origin)
    if expected is None or not hmac.compare_digest(key.encode(), expected.encode()):
        _failed(request)
        raise Unauthorized("that publishable key is not valid from this origin")
    path, root = request.scope["path"], request.scope.get("root_path", "")
    if path.removeprefix(root) not in PUBLISHABLE_ROUTES:
        raise Forbidden("a publishable key may only ask, search and send feedback: this route needs an API key")


def _failed(request: Request) -> None:
    state = request.app.state
    state.limiter.hit(state.settings.key_failure_limit, KEY_FAILURES, client_address(request))


def _bucket(request: Request) -> tuple[str, str]:
    """Keys on: the bucket this request counts in and who it is (for the 429's wording), after
    checking its credentials. Raises Unauthorized or Forbidden."""
    state = request.app.state
    settings: Settings = state.settings
    given = presented_key(request)
    if given is not None:
        if any(hmac.compare_digest(given.encode(), k.encode()) for k in settings.api_keys):
            return key_bucket(state.secret, given), "with this API key"
        _failed(request)
        raise Unauthorized("that API key is not valid")
    publishable = request.headers.get("x-publishable-key")
    if publishable:
        _publishable(request, settings, publishable)
    elif not has_page_session(request):
        raise Unauthorized("an API key is required: send it in the X-API-Key header or as a Bearer token")
    return "ip:" + client_address(request), "from this network"


def api_guard(request: Request) -> None:
    """Dependency for /api/* (and the viewer's text): rate limit and, when ``api_keys`` is set,
    credentials, before the body is validated.

    Keys off: one budget (``rate_limit``) per client address. Keys on: a wrong key (or publishable
    key) costs the client address one of ``key_failure_limit``; once those are spent every request
    from it is a 429 until the window ends, a right key included. Then an API key counts in its own
    budget (keyed by a hash of it); a publishable key from its origin, or a page session, counts in
    the client address's. Raises Unauthorized (401), Forbidden (403) or RateLimited (429)."""
    state = request.app.state
    settings: Settings = state.settings
    if settings.api_keys:
        failures = state.limiter.peek(settings.key_failure_limit, KEY_FAILURES, client_address(request))
        if not failures.allowed:
            request.state.ratelimit_headers = failures.headers()
            raise RateLimited(f"Too many wrong API keys from this address. Please try again in {failures.reset} "
                              "seconds; until then no key is accepted from it.", failures.reset)
        bucket, who = _bucket(request)
    else:
        bucket, who = "ip:" + client_address(request), "from this network"
    window = state.limiter.hit(settings.rate_limit, API_LIMIT, bucket)
    request.state.ratelimit_headers = window.headers()
    if not window.allowed:
        span = {60: "minute", 3600: "hour", 86400: "day"}.get(window.seconds, f"{window.seconds} seconds")
        raise RateLimited(f"Too many questions {who} in the last {span}. "
                          f"Please try again in {window.reset} seconds.", window.reset)
