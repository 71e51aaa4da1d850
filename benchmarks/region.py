"""A region on one machine: wtguide replicas behind nginx, Redis for limits, PostgreSQL for feedback.

The same layout as ``deploy/compose.yaml``, run natively on loopback from Debian's ``nginx``,
``redis-server`` and PostgreSQL binaries (no container images can be pulled here). Used by
``tests/test_region.py`` and ``make bench-load``. Every process is started in its own process
group and stopped at the end, whatever happens; nothing listens beyond 127.0.0.1.

    with Region(data_dir, replicas=3, embedder="fake") as region:
        httpx.get(region.url + "/healthz")
        region.kill_replica(1)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "wtguide.conf.template"
# The main config the official image would supply, with every path under the test's own dir.
NGINX_MAIN = """worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/wtguide.conf;
}}
"""
# Debian puts each major version's binaries here; the newest installed is used.
_PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
PG_BIN = _PG_BINS[-1].parent if _PG_BINS else Path("/usr/lib/postgresql/15/bin")


class Missing(RuntimeError):
    """A server binary this machine lacks (the test skips with this message)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def binary(name: str, *extra: Path) -> str:
    """The path of ``name`` on PATH or in ``extra`` dirs; raises ``Missing``."""
    found = shutil.which(name) or next((str(d / name) for d in extra if (d / name).exists()), None)
    if found is None:
        raise Missing(f"{name} is not installed (apt-get install nginx redis-server postgresql)")
    return found


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout:.0f} s")


def wait_healthy(url: str, timeout: float = 90, proc: subprocess.Popen[Any] | None = None) -> None:
    """Poll ``url + "/healthz"`` until it answers 200; ``RuntimeError`` after ``timeout`` seconds,
    or as soon as ``proc`` (the server's process, when given) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} was not healthy within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    """Stop a process group started with ``start_new_session``; SIGKILL after 15 s."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class Redis:
    """A redis-server of our own on loopback, nothing saved; ``close()`` stops it. Raises ``Missing``."""

    def __init__(self) -> None:
        exe = binary("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tempfile.mkdtemp(prefix="wtguide-redis-"))
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, self.proc, "redis-server")

    def close(self) -> None:
        stop(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


class Postgres:
    """A throwaway cluster on loopback (about a second to start); ``close()`` removes it. initdb
    refuses to run as root, so as root it runs as the ``postgres`` user. ``server_url`` has no
    database name; ``url`` names the ``postgres`` database. Raises ``Missing``, or
    ``CalledProcessError`` when initdb fails."""

    def __init__(self) -> None:
        initdb = binary("initdb", PG_BIN)
        postgres = binary("postgres", PG_BIN)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="wtguide-pg-"))  # under /tmp: the postgres user can reach it
        self.dir.chmod(0o755)
        data = self.dir / "data"
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        try:
            subprocess.run([*prefix, initdb, "-D", str(data), "-U", "wtguide", "--auth=trust", "--no-sync",
                            "-E", "UTF8"], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self.server_url = f"postgresql+psycopg://wtguide@127.0.0.1:{self.port}"
        self.url = f"{self.server_url}/postgres"
        self.proc = subprocess.Popen(
            [*prefix, postgres, "-D", str(data), "-p", str(self.port), "-h", "127.0.0.1", "-k", str(self.dir),
             "-c", "fsync=off", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, self.proc, "postgres")

    def close(self) -> None:
        stop(self.proc, signal.SIGINT)  # "fast" shutdown
        shutil.rmtree(self.dir, ignore_errors=True)


class Replica:
    """One ``wtguide serve`` (its own process group) on a free loopback port."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wtguide.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, timeout: float) -> None:
        wait_healthy(self.url, timeout, self.proc)


class Nginx:
    def __init__(self, work: Path, upstreams: list[int]) -> None:
        exe = binary("nginx", Path("/usr/sbin"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        prefix = work / "nginx"
        prefix.mkdir()
        # As the image's envsubst does: only these two names are replaced; $host and the rest are nginx's.
        site = string.Template(NGINX_TEMPLATE.read_text()).safe_substitute(
            WTGUIDE_LISTEN=f"127.0.0.1:{self.port}",
            WTGUIDE_UPSTREAMS="\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams),
        )
        (prefix / "wtguide.conf").write_text(site)
        (prefix / "nginx.conf").write_text(NGINX_MAIN.format(prefix=prefix))
        checked = subprocess.run([exe, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                  "-e", str(prefix / "error.log")], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t: {checked.stderr.strip()}")
        self.proc = subprocess.Popen(
            [exe, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, self.proc, "nginx")
        self.error_log = prefix / "error.log"


class Region:
    """``replicas`` x ``wtguide serve`` over one index in ``data_dir`` (which they only read),
    sharing Redis (limits) and PostgreSQL (feedback), behind nginx at ``self.url``.

    ``env`` adds settings for every replica (e.g. ``WTGUIDE_RATE_LIMIT``). Raises ``Missing``
    when nginx, redis-server or PostgreSQL is not installed."""

    def __init__(self, data_dir: Path, replicas: int = 3, embedder: str = "fake",
                 env: dict[str, str] | None = None, workers: int = 1) -> None:
        self.data_dir = data_dir
        self.count = replicas
        self.embedder = embedder
        self.extra = env or {}
        self.workers = workers
        self.work = Path(tempfile.mkdtemp(prefix="wtguide-region-"))
        self.redis: Redis | None = None
        self.postgres: Postgres | None = None
        self.replicas: list[Replica] = []
        self.nginx: Nginx | None = None

    def __enter__(self) -> Region:
        try:
            for name in ("nginx", "redis-server"):
                binary(name, Path("/usr/sbin"))
            binary("initdb", PG_BIN)
            self.redis = Redis()
            self.postgres = Postgres()
            self.env = {
                **os.environ, "WTGUIDE_DATA_DIR": str(self.data_dir), "WTGUIDE_EMBEDDER": self.embedder,
                "WTGUIDE_REDIS_URL": self.redis.url, "WTGUIDE_DATABASE_URL": self.postgres.url,
                "WTGUIDE_TRUSTED_PROXIES": '["127.0.0.1/32"]', "WTGUIDE_SECRET_KEY": "region-test-secret",
                "WTGUIDE_INDEX_READ_ONLY": "true", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false", **self.extra,
            }
            self.replicas = [Replica(self.env, self.workers) for _ in range(self.count)]
            for r in self.replicas:
                r.wait_ready(timeout=300)
            self.nginx = Nginx(self.work, [r.port for r in self.replicas])
            return self
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        assert self.nginx is not None
        return self.nginx.url

    def kill_replica(self, i: int) -> None:
        """``kill -9`` one replica (its whole process group): in-flight requests die with it."""
        stop(self.replicas[i].proc, signal.SIGKILL)

    def close(self) -> None:
        for proc in [self.nginx and self.nginx.proc, *(r.proc for r in self.replicas)]:
            stop(proc or None)
        for store in (self.redis, self.postgres):
            if store is not None:
                store.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Load:
    """What ``hammer`` saw: per request (start time, latency ms, problem or "")."""

    clients: int
    seconds: float
    results: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def ok(self) -> list[float]:
        return [ms for _, ms, problem in self.results if not problem]

    @property
    def errors(self) -> list[tuple[float, str]]:
        return [(t, problem) for t, _, problem in self.results if problem]

    def summary(self) -> str:
        ok = self.ok
        p50 = statistics.median(ok) if ok else float("nan")
        p95 = statistics.quantiles(ok, n=20)[-1] if len(ok) > 1 else float("nan")
        return (f"{self.clients} clients for {self.seconds:.0f} s: {len(self.results)} requests, {len(ok)} ok, "
                f"{len(self.errors)} errors, {len(self.results) / self.seconds:.1f} requests/s, "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")


def hammer(url: str, clients: int, seconds: float, bodies: list[dict[str, Any]], path: str = "/api/ask",
           during: Callable[[float], None] | None = None) -> Load:
    """``clients`` threads POST ``bodies`` (in turn) to ``url + path`` for ``seconds``, each from
    its own loopback address (127.0.0.10, .11, ...) so a proxy sees, and limits, them as
    different people. ``during(elapsed)`` is called about every 0.1 s from the main thread (to
    kill a replica at a chosen moment). A non-200, a body without ``answer`` or a transport error
    is an error; request start times are seconds since the start."""
    load = Load(clients, seconds)
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + seconds

    def client(n: int) -> None:
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + n}")
        with httpx.Client(base_url=url, transport=transport, timeout=httpx.Timeout(30, connect=5)) as http:
            i = n
            while time.monotonic() < stop_at:
                body = bodies[i % len(bodies)]
                i += clients
                t0 = time.monotonic()
                try:
                    r = http.post(path, json=body)
                    problem = "" if r.status_code == 200 and "answer" in r.json() else f"{r.status_code} {r.text[:100]}"
                except (httpx.HTTPError, ValueError) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                with lock:
                    load.results.append((t0 - start, (time.monotonic() - t0) * 1000, problem))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if during is not None:
            during(time.monotonic() - start)
        time.sleep(0.1)
    return load
