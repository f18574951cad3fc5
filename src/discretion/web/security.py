"""Security headers on every response, and CSRF tokens for the web forms.

Headers: a strict Content-Security-Policy (scripts, styles and images from this server
only: no inline script or style anywhere, so an injected ``<script>`` does not run),
no framing, no MIME sniffing, no referrer, and ``no-store`` on everything but the
static assets, since pages and API answers carry personal data.

CSRF: a form that changes state carries a token. Signed in, the token is the HMAC-SHA256
of the session cookie under a fixed label: another site can neither read the cookie nor
compute the token. Before login there is no session, so the login form uses a double
submit: a random value in a cookie (``discretion_csrf``) that the form must repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
           (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
NO_STORE = (b"cache-control", b"no-store")
STATIC_PREFIX = "/static/"

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_COOKIE = "discretion_csrf"
_LABEL = b"discretion web form v1"


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or body copy, unlike BaseHTTPMiddleware:
    the API's hot path stays as cheap as it was)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(STATIC_PREFIX)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if not static:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def session_token(cookie: str) -> str:
    """The CSRF token bound to a session cookie."""
    return hmac.new(cookie.encode(), _LABEL, hashlib.sha256).hexdigest()


def new_login_nonce() -> str:
    return secrets.token_urlsafe(32)


def same(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; a missing value never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
