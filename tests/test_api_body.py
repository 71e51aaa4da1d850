"""A request that declares a body and stops sending it gets a 408 and its connection back,
on a real uvicorn socket (issue 19: such a request was held open for 40 s or more)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from api.app import create_app
from tests.serving import ThreadServer
from wtguide.settings import Settings

HEAD = ("POST /api/ask HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Content-Length: 200\r\n\r\n")


def _send_part_and_wait(port: int, read_for: float) -> tuple[bytes, float]:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall((HEAD + '{"question": "who are the').encode())
        conn.settimeout(read_for)
        start = time.monotonic()
        reply = b""
        try:
            while chunk := conn.recv(4096):
                reply += chunk
        except TimeoutError:
            pass
        return reply, time.monotonic() - start


def test_a_partial_body_is_cut_off_with_408(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedder="fake", body_timeout_seconds=1.0)
    with ThreadServer(create_app(settings)) as server:
        reply, waited = _send_part_and_wait(server.port, read_for=10)
        assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
        assert b'"detail":"request body incomplete: nothing arrived for 1 seconds"' in reply
        assert waited < 5, f"held open {waited:.1f} s"  # answered and closed after about a second
        # The server is still serving everyone else.
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 503  # no index here: 503, not a hang


def test_a_complete_body_is_not_timed_out(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedder="fake", body_timeout_seconds=0.5)
    with ThreadServer(create_app(settings)) as server:
        r = httpx.post(f"{server.url}/api/ask", json={"question": "who are the safeguarding partners"}, timeout=10)
        assert r.status_code == 503 and "no index yet" in r.json()["detail"]
