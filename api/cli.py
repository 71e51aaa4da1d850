"""`wtguide serve`, `wtguide feedback` (export of the thumbs up/down store) and `wtguide db`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Any

from wtguide.errors import BadRequest, PortInUse
from wtguide.logs import log_config, log_format
from wtguide.settings import Settings
from wtguide.spreadsheet import DictWriter  # cells a spreadsheet would run as formulas escaped


def _check_port(host: str, port: int) -> None:
    """Raises PortInUse, naming WTGUIDE_PORT, when ``port`` on ``host`` cannot be bound (before
    uvicorn starts, which would say "startup complete" and then exit on it)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUse(
                f"port {port} on {host} is in use ({exc.strerror}): stop what is using it, or choose another "
                f"port with WTGUIDE_PORT={port + 1} (or --port {port + 1})"
            ) from exc


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    workers = settings.workers if args.workers is None else args.workers
    if workers < 1:
        raise BadRequest(f"--workers must be at least 1, not {workers}")
    _check_port(host, port)
    _prepare_database(settings)
    print(f"Serving on http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''})", file=sys.stderr)
    threads = settings.threads_per_worker(workers)
    if threads and (settings.worker_threads or "OMP_NUM_THREADS" not in os.environ):
        # Workers share the CPUs: two workers with a thread team each per CPU oversubscribe them.
        # Set in the environment the workers start with, before torch loads.
        os.environ["OMP_NUM_THREADS"] = str(threads)
    metrics_dir = _metrics_dir(workers)
    try:
        # Access logs carry method, path and status only: questions travel in POST bodies, never in URLs.
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # X-Forwarded-For is read inside the app (api/proxies.py: uvicorn's ProxyHeadersMiddleware with
            # WTGUIDE_TRUSTED_PROXIES, plus a check that the address is one). uvicorn's own copy would run
            # first, unchecked, and leave the app no way to tell a proxy from its client. The app rewrites
            # the scope uvicorn's access log reads, so the log shows the real client as well.
            proxy_headers=False,
            log_level="info",
            log_config=log_config(settings, log_format(settings, "serve"), verbose=args.verbose),
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return 0


def _prepare_database(settings: Settings) -> None:
    """Migrate the feedback database once before any worker starts (or, with
    WTGUIDE_DATABASE_MIGRATE=false, check it is current). A database URL that cannot be used
    stops the start with one line (BadRequest); a database that cannot be reached or is behind
    is one warning line, and the server starts: feedback answers 503 until it is there, the rest
    is served (a read-only data dir with no WTGUIDE_DATABASE_URL is such a case)."""
    from api.feedback import FeedbackStore
    from wtguide.errors import DatabaseUnavailable

    try:
        FeedbackStore.from_settings(settings).prepare()
    except DatabaseUnavailable as exc:
        print(f"wtguide: warning: {exc}; feedback is refused until it is", file=sys.stderr)


def _metrics_dir(workers: int) -> str | None:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR for their metrics (set in the
    environment the workers start with, before prometheus-client loads); returns it so it is
    removed on exit. None when there is one worker or the operator set their own."""
    from api.metrics import MULTIPROC_ENV

    if workers < 2 or os.environ.get(MULTIPROC_ENV):
        return None
    path = tempfile.mkdtemp(prefix="wtguide-metrics-")
    os.environ[MULTIPROC_ENV] = path
    return path


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from api.feedback import COLUMNS, FeedbackStore

    rows = list(FeedbackStore.from_settings(settings).rows())
    out: Any = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "json":
            json.dump(rows, out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            writer = DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output:
        print(f"Wrote {len(rows)} feedback rows to {args.output}", file=sys.stderr)
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from api import db

    engine = db.make_engine(db.database_url(settings))
    where = db.shown(engine.url)
    if args.action == "upgrade":
        db.upgrade(engine)
    at = db.current(engine)
    state = "up to date" if at == db.head() else f"behind (newest is {db.head()}): run 'wtguide db upgrade'"
    print(f"{where}: at revision {at}, {state}" if at else f"{where}: not migrated yet (newest is {db.head()})")
    return 0


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    """The MCP server over stdio: the index and the model are loaded once, before the first call."""
    import logging

    from api.deps import build_assistant
    from api.mcp_server import build_server
    from api.routes.ask import record
    from api.switch import AnsweringSwitch

    # stdout carries the protocol: every log line goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, force=True)
    assistant = build_assistant(settings)
    switch = AnsweringSwitch(settings)
    build_server(lambda: assistant, args.base_url.rstrip("/"), switch.notice,
                 lambda ans: record(ans, settings)).run("stdio")
    return 0


def register(sub: Any) -> None:
    s = sub.add_parser("serve", help="serve the API, the chat page and the widget")
    s.add_argument("--host", help="address to bind (default: WTGUIDE_HOST or 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default: WTGUIDE_PORT or 8000)")
    s.add_argument("--workers", type=int, help="worker processes (default: WTGUIDE_WORKERS or 1)")
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("feedback", help="export the thumbs up/down feedback")
    s.add_argument("--format", choices=["csv", "json"], default="csv")
    s.add_argument("-o", "--output", help="file to write (default: standard output)")
    s.set_defaults(func=cmd_feedback)
    s = sub.add_parser("db", help="the feedback database: bring its schema up to date, or say where it is")
    s.add_argument("action", choices=["upgrade", "current"])
    s.set_defaults(func=cmd_db)
    s = sub.add_parser("mcp", help="serve the guidance to an MCP client over stdio")
    s.add_argument("--base-url", default="",
                   help="where the pages are served, to make citation links absolute (e.g. https://wt.example.org)")
    s.set_defaults(func=cmd_mcp)
