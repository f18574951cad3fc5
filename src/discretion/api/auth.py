"""Who is calling: an API token (``Authorization: Bearer dsc_...``) or a web session cookie.
No credentials, or bad ones, is 401."""

from __future__ import annotations

from fastapi import Request

from ..workflow import accounts
from ..workflow.errors import Unauthenticated
from ..workflow.roles import Principal

COOKIE = "discretion_session"


def current(request: Request) -> Principal:
    """The principal making the request (a FastAPI dependency)."""
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
