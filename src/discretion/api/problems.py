"""Errors as RFC 9457 problem details (``application/problem+json``), naming the field
and the reason."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from ..workflow.errors import Forbidden, NotFound, TooManyRequests, WorkflowError

MEDIA = "application/problem+json"
BASE = "tag:discretion,2026:problem/"  # a URI that names the kind; not meant to be fetched


SCHEMA: dict[str, Any] = {
    "type": "object", "title": "Problem",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "reason"],
            "properties": {"field": {"type": ["string", "null"]}, "reason": {"type": "string"}}}},
    },
}
_MEANING = {400: "The body could not be read", 401: "No credentials, or bad ones",
            403: "The role may not do this", 404: "No such record, or not one this user may see",
            409: "Another change won, or the record is in the wrong state",
            413: "The request body is over the size limit",
            422: "Invalid input: each bad field is named with the reason",
            429: "Too many failed logins: wait Retry-After seconds"}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem answers a route can give."""
    return {status: {"description": _MEANING[status],
                     "content": {MEDIA: {"schema": SCHEMA}}} for status in statuses}


def problem(status: int, title: str, detail: str, instance: str,
            errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": BASE + title.lower().replace(" ", "-"), "title": title,
                            "status": status, "detail": detail, "instance": instance}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(WorkflowError)
    async def _workflow(request: Request, exc: WorkflowError) -> JSONResponse:
        who = getattr(request.state, "principal", None)
        if isinstance(exc, Forbidden | NotFound) and who is not None:
            # refused or not found: the attempt is an access too (probing other offices' ids)
            await anyio.to_thread.run_sync(request.app.state.workflow.log_refusal, who,
                                           f"{exc.status} {exc.reason}", f"http{request.url.path}")
        errors = [{"field": e["path"], "reason": e["reason"]} for e in exc.errors]
        headers = {"WWW-Authenticate": 'Bearer realm="discretion"'} if exc.status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return problem(exc.status, exc.title, exc.reason if not exc.field
                       else f"{exc.field}: {exc.reason}", request.url.path, errors, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "reason": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem(422, "Invalid input", detail, request.url.path, errors)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot hold (a NUL in PostgreSQL text, a number past a
        # column's width) that got past validation: the caller's input, not a server fault.
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "value out of range"
        return problem(422, "Invalid input", f"the database refused a value: {reason}",
                       request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed", 401: "Not authenticated"}.get(
            exc.status_code, "Error")
        return problem(exc.status_code, title, str(exc.detail), request.url.path)
