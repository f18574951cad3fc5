"""Login, logout and each role's home. The login form signs in through
:meth:`Workflow.login`, the same call as ``POST /api/session``: password checks, and any
throttling or lockout added there, apply to the web too."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api.auth import COOKIE
from ..workflow.errors import TooManyRequests, WorkflowError
from . import security
from .common import HOMES, LoginRequired, PageRefused, checked_form, render, session_person, text, workflow

router = APIRouter(include_in_schema=False)


def _home(request: Request) -> str | None:
    try:
        return HOMES[session_person(request).role]
    except LoginRequired:
        return None


@router.get("/")
def root(request: Request) -> Response:
    return RedirectResponse(_home(request) or "/login", status_code=303)


@router.get("/login")
def login_page(request: Request) -> Response:
    home = _home(request)
    if home:
        return RedirectResponse(home, status_code=303)
    return _login_form(request)


def _login_form(request: Request, error: str | None = None, status: int = 200,
                username: str = "") -> HTMLResponse:
    nonce = request.cookies.get(security.LOGIN_COOKIE) or security.new_login_nonce()
    response = render(request, "login.html", status, error=error, login_csrf=nonce,
                      username=username)
    response.set_cookie(security.LOGIN_COOKIE, nonce, httponly=True, samesite="strict",
                        max_age=3600, path="/login")
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    given = form.get(security.CSRF_FIELD)
    if not security.same(given if isinstance(given, str) else None,
                         request.cookies.get(security.LOGIN_COOKIE)):
        raise PageRefused(403, "Form refused", "The login form had no valid security token "
                          "(CSRF). Reload the login page and try again.")
    username, password = text(form, "username"), form.get("password")
    if not username or not isinstance(password, str) or not password:
        return _login_form(request, "Enter your username and your password.", 422, username)
    address = request.client.host if request.client else None
    try:
        who, cookie = await to_thread.run_sync(workflow(request).login, username, password, address)
    except WorkflowError as exc:
        refused = _login_form(request, _login_error(exc), exc.status, username)
        if isinstance(exc, TooManyRequests):
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    lifetime = workflow(request).settings.security.session_lifetime
    response = RedirectResponse(HOMES[who.role], status_code=303)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict",
                        max_age=int(lifetime.total_seconds()), path="/")
    response.delete_cookie(security.LOGIN_COOKIE, path="/login")
    return response


def _login_error(exc: WorkflowError) -> str:
    if exc.status == 401:
        return "Wrong username or password."
    return exc.reason[:1].upper() + exc.reason[1:]


@router.post("/logout")
async def logout(request: Request) -> Response:
    who = session_person(request)
    await checked_form(request)
    cookie = request.cookies.get(COOKIE)
    if cookie:
            await to_thread.run_sync(workflow(request).logout, who, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
