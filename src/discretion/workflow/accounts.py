"""Users, API tokens and web sessions. Secrets are stored only as argon2 hashes (tokens,
passwords) or SHA-256 (session cookies, which are random 256-bit values).

An API token reads ``dsc_<id>_<secret>``: the id finds the row, argon2 checks the secret.
argon2 is slow on purpose, so a token once verified is remembered in memory by the
SHA-256 of the whole token; the row is still read on every request, so revoking a
token takes effect at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ..store.models import ApiToken, Office, User, WebSession, utcnow
from .errors import Invalid, Unauthenticated
from .roles import OFFICE_ROLES, ROLES, Principal

SESSION_HOURS = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
_verified: dict[str, str] = {}  # sha256(token) -> token id
_verified_lock = threading.Lock()


def principal(user: User) -> Principal:
    return Principal(user.username, user.role, user.office, user.id)


def validate_user(session: Session, username: str, role: str, office: str | None) -> None:
    if not USERNAME.match(username):
        raise Invalid("2 to 64 characters: lowercase letters, digits, '.', '_' or '-'", "username")
    if role not in ROLES:
        raise Invalid(f"must be one of {', '.join(ROLES)}", "role")
    if role in OFFICE_ROLES and not office:
        raise Invalid(f"a {role} belongs to an office", "office")
    if office and session.get(Office, office) is None:
        raise Invalid(f"no office {office!r}", "office")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(f"user {username!r} already exists", "username")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def new_token(session: Session, user: User, label: str = "") -> str:
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    session.add(ApiToken(id=token_id, user_id=user.id, secret_hash=_hasher.hash(secret), label=label))
    return f"dsc_{token_id}_{secret}"


_TOKEN_QUERY = (select(ApiToken.secret_hash, ApiToken.revoked_at, User.id, User.username,
                       User.role, User.office, User.active)
                .join(User, User.id == ApiToken.user_id).where(ApiToken.id == bindparam("tid")))


def principal_for_token(conn: Connection | Session, token: str) -> Principal:
    """Who holds ``token``; one query, plain columns (it runs on every API call)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "dsc":
        raise Unauthenticated("malformed API token", "Authorization")
    found = conn.execute(_TOKEN_QUERY, {"tid": parts[1]}).first()
    if found is None or found.revoked_at is not None:
        raise Unauthenticated("unknown or revoked API token", "Authorization")
    digest = hashlib.sha256(token.encode()).hexdigest()
    if _verified.get(digest) != parts[1]:
        try:
            _hasher.verify(found.secret_hash, parts[2])
        except (VerificationError, InvalidHashError):
            raise Unauthenticated("unknown or revoked API token", "Authorization") from None
        with _verified_lock:
            _verified[digest] = parts[1]
    if not found.active:
        raise Unauthenticated("the token's user is disabled", "Authorization")
    return Principal(found.username, found.role, found.office, found.id)


def login(session: Session, username: str, password: str) -> tuple[User, str]:
    user = session.scalar(select(User).where(User.username == username))
    ok = False
    if user is not None and user.password_hash and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # same cost whether or not the user exists
    if not ok or user is None:
        raise Unauthenticated("wrong username or password", "password")
    cookie = secrets.token_urlsafe(32)
    session.add(WebSession(id=hashlib.sha256(cookie.encode()).hexdigest(), user_id=user.id,
                           expires_at=utcnow() + dt.timedelta(hours=SESSION_HOURS)))
    return user, cookie


def user_for_session(session: Session, cookie: str) -> User:
    row = session.get(WebSession, hashlib.sha256(cookie.encode()).hexdigest())
    if row is None or row.expires_at < utcnow():
        raise Unauthenticated("no session, or it has expired: log in again", "cookie")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("the session's user is disabled", "cookie")
    return user


def logout(session: Session, cookie: str) -> None:
    row = session.get(WebSession, hashlib.sha256(cookie.encode()).hexdigest())
    if row is not None:
        session.delete(row)
