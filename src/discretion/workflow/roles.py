"""Roles, the principal acting, and who may see and do what.

- officer: submits requests and updates case facts for their own office; sees their
  office's cases and requests; may dissent from a denial of their own request.
- supervisor: sees their office; decides its requests (an ``approval_required`` request
  only if they are the office's field office director, when one is named).
- hq: sees every office; reviews escalations; may decide requests escalated as overdue.
- auditor: reads everything, with personal data redacted; reads and exports the log.
- admin: manages users, tokens and offices; reads with personal data redacted.
- analyst: runs population simulations (a shipped sample or an uploaded file) on the web
  and sees the comparison charts; reads no request, case, decision or audit log entry,
  in no office (personal data minimisation). The API answers an analyst only
  ``/api/health``, ``/api/session`` and ``/api/me``.

What a role may read is granted, never assumed: :attr:`Principal.reads_records`,
:meth:`Principal.sees_office` and :attr:`Principal.redacted` list the roles they let
through, so a role added later reads nothing, in no office, redacted, until it is named
here. :func:`check_reads_records` is the workflow's guard at the start of every read.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Forbidden

ROLES = ("officer", "supervisor", "hq", "auditor", "admin", "analyst")
OFFICE_ROLES = ("officer", "supervisor")  # see their own office only
ALL_OFFICES_ROLES = ("hq", "auditor", "admin")  # see every office
RECORD_ROLES = OFFICE_ROLES + ALL_OFFICES_ROLES  # read stored records at all
UNREDACTED_ROLES = ("officer", "supervisor", "hq")  # see personal data
REDACTED_ROLES = tuple(r for r in ROLES if r not in UNREDACTED_ROLES)


def role_reads_records(role: str) -> bool:
    return role in RECORD_ROLES


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    office: str | None = None
    user_id: int | None = None

    @property
    def redacted(self) -> bool:
        return self.role not in UNREDACTED_ROLES

    @property
    def reads_records(self) -> bool:
        """May read stored records (cases, requests, decisions, the audit log) at all."""
        return role_reads_records(self.role)

    def sees_office(self, office: str) -> bool:
        if self.role in OFFICE_ROLES:
            return self.office == office
        return self.role in ALL_OFFICES_ROLES


def check_reads_records(who: Principal) -> None:
    """:class:`Forbidden` unless ``who`` reads stored records (an analyst does not)."""
    if not who.reads_records:
        raise Forbidden(f"the {who.role} role reads no requests, cases, decisions or audit log")


SYSTEM = Principal("system", "admin")
