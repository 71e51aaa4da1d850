"""Rate limits counted with the ``limits`` library: in each worker's memory, or in Redis so that
every worker and machine shares one budget; and the headers that tell a client where it stands.

Headers (IETF draft "RateLimit header fields for HTTP", draft-ietf-httpapi-ratelimit-headers-07):
``RateLimit-Limit`` (requests per window), ``RateLimit-Remaining``, ``RateLimit-Reset`` (seconds
until the window ends) and ``RateLimit-Policy`` ("60;w=60"); a 429 adds ``Retry-After`` (seconds).

When Redis cannot be reached the limits fail open: the request is served uncounted and a warning
logged, and Redis is not tried again for ``RETRY_SECONDS`` (so an outage costs no request more
than one short timeout). A limit is a guard against abuse; refusing every question because the
counter is away would turn a Redis outage into a service outage.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
NAMESPACE = "wtguide"
RETRY_SECONDS = 10.0
STATE_KEY = "ratelimit_headers"


@dataclass(frozen=True)
class Window:
    """Where one bucket stands after a request: ``allowed`` it, ``limit`` per ``seconds``,
    ``remaining`` in the window, ``reset`` seconds until it ends."""

    allowed: bool
    limit: int
    seconds: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        """The draft RateLimit-* headers for this window (and Retry-After when refused)."""
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.seconds}",
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset)
        return out


def build_storage(redis_url: str) -> Storage:
    """Redis storage for ``redis_url`` (nothing is connected until the first count), else memory.

    Short timeouts and one retry: an unreachable Redis must fail a request's count fast."""
    if not redis_url:
        return MemoryStorage()
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options: dict[str, Any] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5, "retry": Retry(NoBackoff(), 1)}
    storage = storage_from_string(redis_url, wrap_exceptions=True, **options)
    assert isinstance(storage, Storage)  # a redis:// URL (Settings checks) is never an async storage
    return storage


class Limiter:
    """Fixed-window counters in ``storage``, one per (limit name, bucket)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.strategy = FixedWindowRateLimiter(storage)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            if self._available():
                log.warning("rate-limit storage unreachable, serving without limits for %.0f s: %s",
                            RETRY_SECONDS, exc)
            self._down_until = time.monotonic() + RETRY_SECONDS

    def _window(self, item: RateLimitItem, allowed: bool, name: str, bucket: str) -> Window:
        reset_at, remaining = self.strategy.get_window_stats(item, NAMESPACE, name, bucket)
        reset = max(0, math.ceil(reset_at - time.time())) if remaining < item.amount else item.get_expiry()
        return Window(allowed, item.amount, item.get_expiry(), remaining, reset)

    def _open(self, item: RateLimitItem) -> Window:
        return Window(True, item.amount, item.get_expiry(), item.amount, item.get_expiry())

    def hit(self, limit: str, name: str, bucket: str) -> Window:
        """Count one request of ``bucket`` against ``limit`` ('60/minute') under ``name``; the
        window after it (``allowed`` False when the budget was already spent). Never raises for
        storage trouble: fails open (see the module docstring)."""
        return self._check(limit, name, bucket, count=True)

    def peek(self, limit: str, name: str, bucket: str) -> Window:
        """Where ``bucket`` stands under ``limit`` without counting a request (fails open)."""
        return self._check(limit, name, bucket, count=False)

    def _check(self, limit: str, name: str, bucket: str, count: bool) -> Window:
        item = parse(limit)
        if not self._available():
            return self._open(item)
        try:
            allowed = (self.strategy.hit if count else self.strategy.test)(item, NAMESPACE, name, bucket)
            return self._window(item, allowed, name, bucket)
        except StorageError as exc:
            self._failed(exc)
            return self._open(item)


class RateLimitHeaders:
    """Adds the headers of the window a request was counted in (``request.state.ratelimit_headers``,
    set by the /api guard) to its response, whatever the route returned or raised."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def with_headers(message: Message) -> None:
            extra = state.get(STATE_KEY) if message["type"] == "http.response.start" else None
            if extra:
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
