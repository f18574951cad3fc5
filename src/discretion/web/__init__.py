"""The web application: server-rendered pages (Jinja2, htmx) over the same workflow as the
API. :func:`install` adds the pages, the static assets and the security headers to the
API's FastAPI app."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from ..workflow.errors import Forbidden, NotFound, WorkflowError
from . import routes_analyst, routes_auth, routes_oversight, routes_requests
from .common import HERE, LoginRequired, PageRefused, render
from .security import SecurityHeaders


def install(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (routes_auth, routes_requests, routes_oversight, routes_analyst):
        app.include_router(module.router)
    _errors(app)


async def _call(handler: Any, request: Request, exc: Exception) -> Any:
    """The API's own handler for this error (they are all coroutines)."""
    return await handler(request, exc)


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api")


def _errors(app: FastAPI) -> None:
    """Pages answer errors as HTML pages; ``/api`` keeps its problem+json."""
    api_workflow = app.exception_handlers[WorkflowError]
    api_http = app.exception_handlers[HTTPException]

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request") == "true":  # htmx swaps; make it navigate
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PageRefused)
    async def _refused(request: Request, exc: PageRefused) -> Response:
        return render(request, "error.html", exc.status, title=exc.title, message=exc.message)

    @app.exception_handler(WorkflowError)
    async def _workflow(request: Request, exc: WorkflowError) -> Any:
        if not _is_page(request):
            return await _call(api_workflow, request, exc)
        who = getattr(request.state, "principal", None)
        if isinstance(exc, Forbidden | NotFound) and who is not None:
            await anyio.to_thread.run_sync(request.app.state.workflow.log_refusal, who,
                                           f"{exc.status} {exc.reason}", f"web{request.url.path}")
        message = f"{exc.field}: {exc.reason}" if exc.field else exc.reason
        return render(request, "error.html", exc.status, title=exc.title, message=message)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Any:
        if not _is_page(request) or request.url.path.startswith("/static/"):
            return await _call(api_http, request, exc)
        title = {404: "Page not found", 405: "Not allowed"}.get(exc.status_code, "Error")
        return render(request, "error.html", exc.status_code, title=title, message=str(exc.detail))
