"""Log set-up: one JSON object a line (with the request id) for the server, plain text for the CLI.

The request id lives in a context variable that the API's middleware sets for each request;
a filter on the handlers copies it onto every record, so each line a request causes (uvicorn's
access line included) carries it. Question text goes only to the ``wtguide.questions`` logger,
and only when ``WTGUIDE_LOG_QUESTIONS`` is on; that logger is then at INFO without ``-v``.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any, Literal, TextIO

from wtguide.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("wtguide_request_id", default=None)
QUESTIONS = "wtguide.questions"
HANDLER = "wtguide"
TEXT_FORMAT = "%(levelname)s %(name)s%(request)s: %(message)s"  # request: " [<id>]" inside a request
Format = Literal["json", "text"]


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or None outside a request) on each record as ``request_id``,
    and as ``request`` (" [<id>]", or "" outside a request) for the text format."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = REQUEST_ID.get()
        record.request_id = rid
        record.request = f" [{rid}]" if rid else ""
        return True


def log_format(settings: Settings, command: str | None) -> Format:
    """``settings.log_format``, with "auto" meaning json for ``serve`` and text for the rest."""
    if settings.log_format != "auto":
        return settings.log_format
    return "json" if command == "serve" else "text"


def _formatter(fmt: Format) -> dict[str, Any]:
    if fmt == "text":
        return {"format": TEXT_FORMAT}
    from pythonjsonlogger.core import RESERVED_ATTRS

    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": ["levelname", "name", "message", "request_id"],
        "timestamp": "time",  # ISO 8601 in UTC, to the microsecond
        "rename_fields": {"levelname": "level", "name": "logger"},
        # uvicorn adds an ANSI-coloured copy of some messages; the JSON line needs one.
        "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
    }


def _levels(settings: Settings, server: bool) -> dict[str, str]:
    levels = {"api": "INFO"} if server else {}  # "now serving index ...", migrations, the answering switch
    if settings.log_questions:
        levels[QUESTIONS] = "INFO"
    return levels


def log_config(settings: Settings, fmt: Format, verbose: bool = False) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict for the server, handed to uvicorn (which applies it in
    every worker process): root at WARNING (INFO with ``-v``), uvicorn's own loggers at INFO,
    every line through one handler on stderr in ``fmt``."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "default",
               "filters": ["request_id"]}
    loggers: dict[str, Any] = {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
    }
    loggers.update({name: {"level": level} for name, level in _levels(settings, server=True).items()})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": _formatter(fmt)},
        "handlers": {"default": handler},
        "root": {"level": "INFO" if verbose else "WARNING", "handlers": ["default"]},
        "loggers": loggers,
    }


def configure_logging(settings: Settings, fmt: Format, verbose: bool = False, server: bool = False,
                      stream: TextIO | None = None) -> None:
    """Set up logging for one CLI run. Levels are always set (``wtguide.questions`` at INFO when
    questions are to be logged, whatever ``verbose`` says); like ``logging.basicConfig``, a
    handler is added only when the root logger has none yet but our own."""
    root = logging.getLogger()
    for name, level in _levels(settings, server).items():
        logging.getLogger(name).setLevel(level)
    if any(h.get_name() != HANDLER for h in root.handlers):
        return
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER)
    handler.addFilter(RequestIdFilter())
    spec = _formatter(fmt)
    if fmt == "text":
        handler.setFormatter(logging.Formatter(spec["format"]))
    else:
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(spec["fmt"], timestamp=spec["timestamp"],
                                           rename_fields=spec["rename_fields"], reserved_attrs=spec["reserved_attrs"]))
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
