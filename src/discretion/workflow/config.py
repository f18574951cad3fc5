"""Workflow settings, read from the environment."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass


def _hours(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(hours=int(os.environ.get(name, str(default))))


@dataclass(frozen=True)
class Settings:
    """Deadlines for a supervisor's answer, by route."""

    approval_deadline: dt.timedelta
    judgement_deadline: dt.timedelta

    @classmethod
    def from_env(cls) -> Settings:
        return cls(approval_deadline=_hours("DISCRETION_APPROVAL_DEADLINE_HOURS", 72),
                   judgement_deadline=_hours("DISCRETION_JUDGEMENT_DEADLINE_HOURS", 72))
