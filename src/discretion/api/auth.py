"""Who is calling: an API token (``Authorization: Bearer dsc_...``) or a web session cookie.
No credentials, or bad ones, is 401.

Every ``/api`` route but health gets its principal here, and this is where a role that
reads no stored records (an analyst: :attr:`Principal.reads_records`) is refused, 403,
logged as a refusal: :func:`current` lets only record readers through. The few routes an
analyst may use (``DELETE /api/session``, ``GET /api/me``; ``POST /api/session`` needs no
principal) take :func:`identified` instead."""

from __future__ import annotations

from fastapi import Request

from ..workflow import accounts
from ..workflow.errors import Forbidden, Unauthenticated
from ..workflow.roles import Principal

COOKIE = "discretion_session"


def identified(request: Request) -> Principal:
    """The principal making the request, whatever their role (a FastAPI dependency): only
    for routes every signed-in person may use (their session, who they are)."""
    db = request.app.state.db
    header = request.headers.get("authorization")
    cookie = request.cookies.get(COOKIE)
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("use 'Authorization: Bearer <token>'", "Authorization")
        with db.reading() as conn:
            who = accounts.principal_for_token(conn, token.strip())
    elif cookie:
        who = request.app.state.workflow.session_principal(cookie)
    else:
        raise Unauthenticated("no credentials: send a bearer token or log in", "Authorization")
    request.state.principal = who
    return who


def current(request: Request) -> Principal:
    """The principal making the request (a FastAPI dependency), if their role reads stored
    records; else 403 (the problem handler logs the refusal, as it sees the principal)."""
    who = identified(request)
    if not who.reads_records:
        raise Forbidden(f"the {who.role} role uses only /api/health, /api/session and /api/me "
                        "(and the simulation pages)")
    return who
