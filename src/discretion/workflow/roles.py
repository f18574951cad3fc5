"""Roles, the principal acting, and who may see and do what.

- officer: submits requests and updates case facts for their own office; sees their
  office's cases and requests; may dissent from a denial of their own request.
- supervisor: sees their office; decides its requests (an ``approval_required`` request
  only if they are the office's field office director, when one is named).
- hq: sees every office; reviews escalations; may decide requests escalated as overdue.
- auditor: reads everything, with personal data redacted; reads and exports the log.
- admin: manages users, tokens and offices; reads with personal data redacted.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("officer", "supervisor", "hq", "auditor", "admin")
OFFICE_ROLES = ("officer", "supervisor")
REDACTED_ROLES = ("auditor", "admin")


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    office: str | None = None
    user_id: int | None = None

    @property
    def redacted(self) -> bool:
        return self.role in REDACTED_ROLES

    def sees_office(self, office: str) -> bool:
        return self.role not in OFFICE_ROLES or self.office == office


SYSTEM = Principal("system", "admin")
