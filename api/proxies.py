"""Who is asking: the real client behind trusted reverse proxies.

The app applies this itself (not only the server), so it behaves the same under TestClient,
uvicorn or any ASGI server; `wtguide serve` turns uvicorn's own copy off (api/cli.py).
"""

from __future__ import annotations

import ipaddress
import logging

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

log = logging.getLogger(__name__)
PEER = "wtguide.peer"


def _canonical(host: str) -> str | None:
    """``host`` as one spelling of an IP address ('::FFFF:a' and '::ffff:a' are one client, and
    '::ffff:1.2.3.4' is 1.2.3.4), or None when it is not an address at all."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket ('::ffff:1.2.3.4') is the IPv4 client.
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


class RealClient:
    """Sets ``scope["client"]`` to the client that ``X-Forwarded-For`` names, only when the direct
    peer is one of ``trusted`` (IPs or CIDRs), with uvicorn's ProxyHeadersMiddleware (which takes
    the right-most address that is not a trusted proxy, and ``X-Forwarded-Proto``). A value that is
    not an IP address (garbage from a client the proxy passed through) leaves the peer's address,
    so it cannot open a new rate-limit bucket. From any other peer the header is ignored."""

    def __init__(self, app: ASGIApp, trusted: list[str]) -> None:
        self.app = app
        self.forwarded = ProxyHeadersMiddleware(self._checked, trusted_hosts=trusted)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope[PEER] = scope.get("client")
        await self.forwarded(scope, receive, send)  # type: ignore[arg-type]

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer, client = scope.pop(PEER, None), scope.get("client")
        if client and client != peer:
            host = _canonical(client[0])
            if host is None:
                log.warning("X-Forwarded-For from proxy %s names no IP address: using the proxy's address",
                            peer[0] if peer else "?")
                scope["client"] = peer
            else:
                scope["client"] = (host, client[1])
        await self.app(scope, receive, send)


def client_address(conn: HTTPConnection) -> str:
    """The real client's address as RealClient left it ('unknown' when the server gave none)."""
    return conn.client.host if conn.client else "unknown"
