"""Every error leaves as ``{"detail": "<one short sentence>"}``; nothing leaks a traceback.

Under ``/v1`` (the OpenAI-compatible API) the same sentence leaves in OpenAI's error shape,
``{"error": {"message", "type", "param", "code"}}``, which the OpenAI SDKs read."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from wtguide.errors import RateLimited, WtguideError

log = logging.getLogger(__name__)


def _where(loc: Sequence[Any]) -> str:
    parts = list(loc[1:] if loc and loc[0] in ("body", "path", "query", "header") else loc)
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif not str(p).startswith(("function-", "constrained-")) and p not in ("str", "int", "list", "none"):
            out += f".{p}" if out else str(p)
    return out


def _what(err: dict[str, Any]) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"must be at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"must have at least {n} item{'s' if n != 1 else ''}"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} items"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field this endpoint accepts"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', 'the allowed values')}"
    if kind.startswith("int"):
        return "must be a whole number"
    if kind.startswith("string"):
        return "must be a string"
    if kind.startswith("list"):
        return "must be a list"
    if kind.startswith("bool"):
        return "must be true or false"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a JSON object"
    return str(err.get("msg", "is not valid")).lower()


def validation_detail(errors: Sequence[Any]) -> str:
    """The first problem as one sentence a person can act on, e.g. 'question: must be at most 2000 characters'."""
    if not errors:
        return "the request is not valid"
    err = errors[0]
    if err.get("type") == "json_invalid":
        return "the request body is not valid JSON"
    where = _where(err.get("loc", ()))
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{where or 'request body'}: {_what(err)}{more}"


OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 404: "invalid_request_error",
                429: "rate_limit_error"}
OPENAI_CODES = {401: "invalid_api_key", 404: "not_found", 413: "request_too_large", 429: "rate_limit_exceeded",
                503: "service_unavailable"}


def error_body(path: str, detail: str, status: int, code: str | None = None) -> dict[str, Any]:
    """``{"detail": detail}``, or OpenAI's error object for a path under ``/v1``."""
    if path.startswith("/v1/") or path == "/v1":
        kind = OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        return {"error": {"message": detail, "type": kind, "param": None, "code": code or OPENAI_CODES.get(status)}}
    return {"detail": detail}


def error_response(request: Request, detail: str, status: int, headers: Mapping[str, str] | None = None,
                   code: str | None = None) -> JSONResponse:
    """The error for ``request`` in its API's shape (``error_body``)."""
    return JSONResponse(error_body(request.url.path, detail, status, code), status_code=status, headers=headers)


async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(request, validation_detail(exc.errors()), 422)


async def on_wtguide_error(request: Request, exc: WtguideError) -> JSONResponse:
    return error_response(request, str(exc), exc.http_status, code=getattr(exc, "code", None))


async def on_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    return error_response(request, detail, exc.status_code, exc.headers)


async def on_rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
    # Worded (api/security.py) for the person at the chat box, who shares the limit with everyone
    # on their network; the RateLimit-* headers are added by api.ratelimit.RateLimitHeaders.
    return error_response(request, str(exc), 429, {"Retry-After": str(exc.retry_after)})


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, "internal error", 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(WtguideError, on_wtguide_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RateLimited, on_rate_limited)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
