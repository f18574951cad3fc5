"""Personal data removed from the views of auditors and admins (and from their exports).

What is redacted, and why:

- the case's own identifier (often an A-number or a file number): replaced by a stable
  pseudonym, so records of one case still group together;
- the birth date: only the year is kept (age thresholds and age-related factors can still
  be checked to within a year);
- free text (conviction and charge descriptions, the reasons written for determinations),
  which may name people or places; statutes, NCIC codes and legal categories stay, since
  they are what the policy reads;
- incident identifiers (police or court numbers): pseudonyms.

Kept: citizenship (oversight of disparities needs it; it is a single country code),
dates of events and every other fact the policy uses, because oversight must be able to
re-check a decision. Supervisors' written reasons are kept: they are the record of why,
written by officials, not facts about the person. The audit log never holds case facts
in the first place (only their SHA-256), so its export needs no redaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

REDACTED = "[redacted]"


def pseudonym(value: str) -> str:
    return "case-" + hashlib.sha256(value.encode()).hexdigest()[:12]


def _sensitive(case: dict[str, Any]) -> dict[str, str]:
    """Strings to replace wherever they appear in a view of this case."""
    out: dict[str, str] = {}
    if isinstance(case.get("id"), str):
        out[case["id"]] = pseudonym(case["id"])
    birth = (case.get("person") or {}).get("birth_date")
    if isinstance(birth, str) and len(birth) >= 4:
        out[birth] = birth[:4]
    for group in ("convictions", "pending_charges"):
        for item in case.get(group) or []:
            if isinstance(item.get("description"), str) and item["description"]:
                out[item["description"]] = REDACTED
            if isinstance(item.get("incident"), str):
                out[item["incident"]] = pseudonym(item["incident"])
    for det in (case.get("determinations") or {}).values():
        if isinstance(det, dict) and isinstance(det.get("reason"), str) and det["reason"]:
            out[det["reason"]] = REDACTED
    return out


def _replace(value: Any, table: dict[str, str]) -> Any:
    if isinstance(value, str):
        if value in table:
            return table[value]
        for secret, repl in table.items():
            if len(secret) >= 4 and secret in value:
                value = value.replace(secret, repl)
        return value
    if isinstance(value, list):
        return [_replace(v, table) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, table) for k, v in value.items()}
    return value


def redact(view: Any, case: dict[str, Any]) -> Any:
    """``view`` (any JSON value about ``case``) with the case's personal data removed."""
    return _replace(view, _sensitive(case))


def redact_json(text: str, case: dict[str, Any]) -> Any:
    return redact(json.loads(text), case)
