"""Workflow settings, read from the environment (each has a default; see README "Security")."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    value = int(os.environ.get(name, str(default)))
    if value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {value}")
    return value


def _hours(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(hours=_int(name, default))


def _minutes(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(minutes=_int(name, default))


@dataclass(frozen=True)
class Security:
    """Login throttling, lockout, and the lifetimes of tokens and sessions."""

    max_failures: int = 5  # failed logins for one username within the window ...
    failure_window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)  # ... lock it for this long
    address_max_failures: int = 20  # failed logins from one address within the window
    token_days: int = 90  # default lifetime of a new API token
    session_lifetime: dt.timedelta = dt.timedelta(hours=12)  # absolute, from login
    session_idle: dt.timedelta = dt.timedelta(minutes=30)  # since the session's last use

    @classmethod
    def from_env(cls) -> Security:
        return cls(max_failures=_int("DISCRETION_LOGIN_MAX_FAILURES", 5),
                   failure_window=_minutes("DISCRETION_LOGIN_WINDOW_MINUTES", 15),
                   lockout=_minutes("DISCRETION_LOGIN_LOCKOUT_MINUTES", 15),
                   address_max_failures=_int("DISCRETION_LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
                   token_days=_int("DISCRETION_TOKEN_DAYS", 90),
                   session_lifetime=_hours("DISCRETION_SESSION_HOURS", 12),
                   session_idle=_minutes("DISCRETION_SESSION_IDLE_MINUTES", 30))


@dataclass(frozen=True)
class Settings:
    """Deadlines for a supervisor's answer, by route; and the security settings."""

    approval_deadline: dt.timedelta
    judgement_deadline: dt.timedelta
    security: Security = field(default_factory=Security)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(approval_deadline=_hours("DISCRETION_APPROVAL_DEADLINE_HOURS", 72),
                   judgement_deadline=_hours("DISCRETION_JUDGEMENT_DEADLINE_HOURS", 72),
                   security=Security.from_env())
