"""Users, API tokens, web sessions and login throttling. Secrets are stored only as
argon2 hashes (tokens, passwords) or SHA-256 (session cookies, which are random
256-bit values).

An API token reads ``dsc_<id>_<secret>``: the id finds the row, argon2 checks the secret.
argon2 is slow on purpose, so a token once verified is remembered in memory by the
SHA-256 of the whole token. The cache only saves the argon2 check: the row is read on
every request and its revocation, expiry and its user's ``active`` flag are checked
before the cache is consulted, so revoking or expiring a token takes effect at once in
every process.

Password logins are throttled in the database (so across processes and restarts):
``Security.max_failures`` failures for one username within ``failure_window`` lock that
username for ``lockout``; ``address_max_failures`` failures from one client address within
the window refuse that address until the oldest ages out. Both answer 429 with
``Retry-After``. Lockouts are keyed by the name, known or not, so they reveal no account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from ..store.models import ApiToken, LoginFailure, LoginLockout, Office, User, WebSession, utcnow
from .config import Security
from .errors import Invalid, NotFound, TooManyRequests, Unauthenticated
from .roles import OFFICE_ROLES, ROLES, Principal, role_reads_records

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MAX_TOKEN_DAYS = 3650
TOUCH = dt.timedelta(minutes=1)  # a session's last use is written at most this often
_hasher = PasswordHasher()
_verified: dict[str, tuple[str, str]] = {}  # sha256(token) -> (token id, its secret hash)
_VERIFIED_MAX = 4096  # the cache is dropped when it grows past this; it only saves time
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
    if not role_reads_records(role) and office:
        raise Invalid(f"the {role} role belongs to no office", "office")
    if office and session.get(Office, office) is None:
        raise Invalid(f"no office {office!r}", "office")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(f"user {username!r} already exists", "username")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


# -- API tokens ----------------------------------------------------------------------------------

def token_lifetime(days: int | None, security: Security) -> dt.timedelta:
    days = security.token_days if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise Invalid(f"must be between 1 and {MAX_TOKEN_DAYS} days", "expires_days")
    return dt.timedelta(days=days)


def new_token(session: Session, user: User, label: str = "", *,
              lifetime: dt.timedelta = dt.timedelta(days=90)) -> tuple[str, ApiToken]:
    """A new token for ``user``: the token text (shown once) and its row."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ApiToken(id=token_id, user_id=user.id, secret_hash=_hasher.hash(secret), label=label,
                   created_at=utcnow(), expires_at=utcnow() + lifetime)
    session.add(row)
    return f"dsc_{token_id}_{secret}", row


def token_view(row: ApiToken, now: dt.datetime | None = None) -> dict[str, str | None]:
    """What may be shown about a token: never its secret or hash."""
    now = now or utcnow()
    state = ("revoked" if row.revoked_at is not None else
             "expired" if row.expires_at is not None and row.expires_at <= now else "active")
    return {"id": row.id, "label": row.label, "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at), "revoked_at": _iso(row.revoked_at), "state": state}


_TOKEN_QUERY = (select(ApiToken.secret_hash, ApiToken.revoked_at, ApiToken.expires_at, User.id,
                       User.username, User.role, User.office, User.active)
                .join(User, User.id == ApiToken.user_id).where(ApiToken.id == bindparam("tid")))


def principal_for_token(conn: Connection | Session, token: str) -> Principal:
    """Who holds ``token``; one query, plain columns (it runs on every API call)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "dsc" or not parts[1] or len(parts[1]) > 32:
        raise Unauthenticated("malformed API token", "Authorization")
    found = conn.execute(_TOKEN_QUERY, {"tid": parts[1]}).first()
    if found is None or found.revoked_at is not None:
        raise Unauthenticated("unknown or revoked API token", "Authorization")
    if found.expires_at is not None and found.expires_at <= utcnow():
        raise Unauthenticated("the API token has expired: ask an admin for a new one", "Authorization")
    _check_secret(token, parts[1], parts[2], found.secret_hash)
    if not found.active:
        raise Unauthenticated("the token's user is disabled", "Authorization")
    return Principal(found.username, found.role, found.office, found.id)


def _check_secret(token: str, token_id: str, secret: str, secret_hash: str) -> None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    if _verified.get(digest) == (token_id, secret_hash):
        return
    try:
        _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("unknown or revoked API token", "Authorization") from None
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[digest] = (token_id, secret_hash)


def forget_tokens(token_ids: set[str]) -> None:
    """Drop revoked tokens from this process's cache (the row check already refuses them;
    this keeps nothing about them in memory)."""
    with _verified_lock:
        for digest in [d for d, (tid, _) in _verified.items() if tid in token_ids]:
            del _verified[digest]


def revoke_token(session: Session, user: User, token_id: str) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"{user.username} has no token {token_id!r}", "token_id")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    forget_tokens({token_id})
    return row


def revoke_everything(session: Session, user: User) -> dict[str, int]:
    """Revoke all of ``user``'s tokens and end all their sessions (disabled, or a new
    password): whoever held one of them must not keep acting as the user."""
    now = utcnow()
    ids = set(session.scalars(select(ApiToken.id).where(ApiToken.user_id == user.id,
                                                        ApiToken.revoked_at.is_(None))))
    if ids:
        session.execute(update(ApiToken).where(ApiToken.id.in_(ids)).values(revoked_at=now))
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    forget_tokens(ids)
    return {"tokens_revoked": len(ids), "sessions_ended": int(getattr(ended, "rowcount", 0) or 0)}


# -- password logins and their throttle ----------------------------------------------------------

def _retry(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def check_throttle(session: Session, username: str, address: str, security: Security,
                   now: dt.datetime) -> None:
    """Refuse (429) a login for a locked username or from a throttled address, before any
    password is checked."""
    until = session.scalar(select(func.max(LoginLockout.until))
                           .where(LoginLockout.username == username))
    if until is not None and until > now:
        raise TooManyRequests(
            f"too many failed logins for this username: locked for {_retry((until - now).total_seconds())} "
            "more seconds (an admin can unlock it)", "username",
            retry_after=_retry((until - now).total_seconds()))
    if not address:
        return  # unknown address (a caller that cannot tell): the username lockout still holds
    count, oldest = session.execute(
        select(func.count(LoginFailure.id), func.min(LoginFailure.at))
        .where(LoginFailure.address == address, LoginFailure.at > now - security.failure_window)).one()
    if count >= security.address_max_failures and oldest is not None:
        wait = _retry((oldest + security.failure_window - now).total_seconds())
        raise TooManyRequests(f"too many failed logins from this address: try again in {wait} "
                              "seconds", None, retry_after=wait)


def check_password(session: Session, username: str, password: str) -> int | None:
    """The id of the active user whose password this is, else None. argon2 runs whether or
    not the user exists, so the time taken does not tell."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and user.password_hash and user.active:
        try:
            if _hasher.verify(user.password_hash, password):
                return user.id
        except (VerificationError, InvalidHashError):
            return None
        return None
    _hasher.hash(password)  # same cost whether or not the user exists
    return None


@dataclass(frozen=True)
class Lockout:
    until: dt.datetime
    failures: int


def record_failure(session: Session, username: str, address: str, security: Security,
                   now: dt.datetime) -> Lockout | None:
    """Count a failed login; returns the lockout it triggered, if any."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - security.failure_window))
    session.add(LoginFailure(username=username, address=address, at=now, cleared=False))
    session.flush()
    failures = session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.username == username, LoginFailure.cleared.is_(False),
        LoginFailure.at > now - security.failure_window)) or 0
    if failures < security.max_failures:
        return None
    lock = Lockout(now + security.lockout, failures)
    session.add(LoginLockout(username=username, created_at=now, until=lock.until, failures=failures))
    clear_failures(session, username)  # a lockout starts the count again when it ends
    return lock


def clear_failures(session: Session, username: str) -> None:
    session.execute(update(LoginFailure).where(LoginFailure.username == username,
                                               LoginFailure.cleared.is_(False)).values(cleared=True))


def unlock(session: Session, username: str) -> bool:
    """End any lockout of ``username`` and forget its failures; True if it was locked."""
    now = utcnow()
    ended = session.execute(update(LoginLockout).where(LoginLockout.username == username,
                                                       LoginLockout.until > now).values(until=now))
    clear_failures(session, username)
    return bool(getattr(ended, "rowcount", 0))


# -- web sessions --------------------------------------------------------------------------------

def open_session(session: Session, user: User, security: Security, now: dt.datetime) -> str:
    """A new session for ``user``; returns the cookie value (stored only as its SHA-256)."""
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    cookie = secrets.token_urlsafe(32)
    session.add(WebSession(id=_session_id(cookie), user_id=user.id, created_at=now,
                           expires_at=now + security.session_lifetime, last_seen_at=now))
    return cookie


def _session_id(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def session_row(session: Session, cookie: str, security: Security,
                now: dt.datetime) -> tuple[WebSession, User]:
    """The live session for ``cookie`` and its user, or 401: unknown, ended, past its
    absolute lifetime, idle too long, or its user disabled."""
    row = session.get(WebSession, _session_id(cookie))
    if row is None or row.expires_at <= now:
        raise Unauthenticated("no session, or it has expired: log in again", "cookie")
    if (row.last_seen_at or row.created_at) + security.session_idle <= now:
        raise Unauthenticated("the session was idle too long: log in again", "cookie")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("the session's user is disabled", "cookie")
    return row, user


def touch_session(session: Session, session_id: str, now: dt.datetime) -> None:
    session.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now))


def logout(session: Session, cookie: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == _session_id(cookie)))
