"""What every page shares: templates, who is signed in, CSRF checks, rendering, and the
errors a page can end in (sign in again, refused, bad form)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.templating import Jinja2Templates

from ..api.auth import COOKIE
from ..workflow.errors import Unauthenticated
from ..workflow.roles import RECORD_ROLES, Principal
from ..workflow.service import Workflow
from . import security

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

HOMES = {"officer": "/officer", "supervisor": "/supervisor", "hq": "/hq",
         "auditor": "/oversight", "admin": "/oversight", "analyst": "/analyst"}
OVERSIGHT_ROLES = ("hq", "auditor", "admin")
SIMULATION_ROLES = (*OVERSIGHT_ROLES, "analyst")
ROLE_NAMES = {"officer": "Officer", "supervisor": "Supervisor", "hq": "Headquarters",
              "auditor": "Auditor", "admin": "Administrator", "analyst": "Analyst"}

# The links at the top of each page, by role: (label, address).
NAV = {
    "officer": [("New request", "/officer"), ("My requests", "/officer/requests")],
    "supervisor": [("Queue", "/supervisor"), ("History", "/supervisor/history")],
    "hq": [("Escalations", "/hq"), ("Oversight", "/oversight"), ("Search", "/oversight/search"),
           ("Simulation", "/analyst")],
    "auditor": [("Oversight", "/oversight"), ("Search", "/oversight/search"),
                ("Simulation", "/analyst")],
    "admin": [("Oversight", "/oversight"), ("Search", "/oversight/search"),
              ("Simulation", "/analyst")],
    "analyst": [("Simulation", "/analyst")],
}


class LoginRequired(Exception):
    """No session, or an expired one: the page sends the browser to the login form."""


class PageRefused(Exception):
    """A page this person may not see, or a form that cannot be accepted; shown as an
    HTML page with the status and a plain message."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def workflow(request: Request) -> Workflow:
    wf: Workflow = request.app.state.workflow
    return wf


def session_person(request: Request) -> Principal:
    """The person behind the session cookie, whatever their role; :class:`LoginRequired`
    otherwise. Only for login, logout and the home redirect; pages use :func:`signed_in`
    or :func:`require`. Pages take the cookie only (no bearer tokens): their forms' CSRF
    tokens are bound to it."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise LoginRequired()
    try:
        who = workflow(request).session_principal(cookie)  # counts toward the idle timeout
    except Unauthenticated:
        raise LoginRequired() from None
    request.state.principal = who
    return who


def _refuse(request: Request, who: Principal, roles: tuple[str, ...]) -> PageRefused:
    workflow(request).log_refusal(who, f"403 page for {', '.join(roles)}", f"web{request.url.path}")
    return PageRefused(403, "Not available to your role",
                       f"This page is for: {', '.join(ROLE_NAMES[r] for r in roles)}. "
                       f"You are signed in as {ROLE_NAMES.get(who.role, who.role).lower()}.")


def signed_in(request: Request) -> Principal:
    """The signed-in person, if their role reads stored records (requests, cases, the log);
    an analyst, who does not, is refused 403 (logged). The choke point for every page that
    does not name its roles with :func:`require`."""
    who = session_person(request)
    if not who.reads_records:
        raise _refuse(request, who, RECORD_ROLES)
    return who


def require(request: Request, *roles: str) -> Principal:
    """The signed-in person, if their role is one of ``roles``; else 403 (logged)."""
    who = session_person(request)
    if who.role not in roles:
        raise _refuse(request, who, roles)
    return who


def csrf_token(request: Request) -> str:
    cookie = request.cookies.get(COOKIE)
    return security.session_token(cookie) if cookie else ""


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session; 403 otherwise."""
    form = await request.form(max_files=1, max_fields=200)
    given = form.get(security.CSRF_FIELD) or request.headers.get(security.CSRF_HEADER)
    if not security.same(given if isinstance(given, str) else None, csrf_token(request) or None):
        raise PageRefused(403, "Form refused",
                          "This form did not carry a valid security token (CSRF), so nothing was "
                          "changed. Reload the page and try again.")
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    who: Principal | None = getattr(request.state, "principal", None)
    context.update(request=request, who=who, nav=NAV.get(who.role, []) if who else [],
                   role_name=ROLE_NAMES.get(who.role, "") if who else "",
                   csrf=csrf_token(request), path=request.url.path,
                   partial=request.headers.get("hx-request") == "true")
    return templates.TemplateResponse(request, template, context, status_code=status)


def _when(value: Any) -> str:
    """A time as ``YYYY-MM-DD HH:MM UTC`` (ISO 8601 date, 24-hour time)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value.astimezone(dt.UTC) if value.tzinfo is not None else value
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _words(value: Any) -> str:
    """``approval_required`` → ``approval required``."""
    return str(value).replace("_", " ") if value is not None else "—"


templates.env.filters["when"] = _when
templates.env.filters["words"] = _words
