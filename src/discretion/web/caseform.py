"""The officer's case form: form fields to a ``discretion.case/1`` file, and the case
file's error paths back to the form's labels.

A field left empty (or "not known") leaves its key out of the case: absent means
unknown, as in every case file. Only the most common facts are on the form; a case
with more (several convictions, pending charges, determinations) is uploaded as a file.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from typing import Any

from starlette.datastructures import FormData, UploadFile

from ..cases import (
    AGGRAVATING,
    CATEGORY_NAMES,
    MAX_CASE_BYTES,
    MITIGATING,
    CaseError,
    Level,
    Place,
    Status,
    loads_case,
)
from ..workflow.service import ACTIONS

STATUSES = typing.get_args(Status)
PLACES = typing.get_args(Place)
LEVELS = typing.get_args(Level)
MANNERS = ("without_inspection", "inspected", "paroled")
CUSTODY = ("incarcerated", "detained", "released", "at_large")

# form field -> (label, the case path it fills); also maps errors back to the form.
FIELDS: dict[str, tuple[str, str]] = {
    "case_id": ("Case identifier", "id"),
    "action": ("Action requested", "request.action"),
    "request_date": ("Date of the request", "request.date"),
    "birth_date": ("Date of birth", "person.birth_date"),
    "citizenship": ("Citizenship (two-letter country code)", "person.citizenship"),
    "status": ("Immigration status", "immigration.status"),
    "entry_date": ("Date of last entry", "immigration.entries[0].date"),
    "entry_manner": ("Manner of last entry", "immigration.entries[0].manner"),
    "entry_at": ("Place of last entry", "immigration.entries[0].at"),
    "presence_since": ("Continuously present since", "immigration.continuous_presence_since"),
    "convictions": ("Criminal convictions", "convictions"),
    "conviction_date": ("Conviction date", "convictions[0].date"),
    "conviction_statute": ("Statute", "convictions[0].statute"),
    "conviction_description": ("Offence description", "convictions[0].description"),
    "conviction_ncic": ("NCIC code", "convictions[0].ncic_code"),
    "conviction_level": ("Offence level", "convictions[0].level"),
    "conviction_sentence_days": ("Sentence (days)", "convictions[0].sentence_days"),
    "conviction_categories": ("Legal categories asserted by legal review",
                              "convictions[0].legal_categories"),
    "custody_status": ("Custody", "custody.status"),
    "release_date": ("Release date", "custody.release_date"),
    "gang": ("Gang participation", "gang.participation"),
    "national_security": ("National security concerns", "national_security"),
    "aggravating": ("Aggravating factors", "factors.aggravating"),
    "mitigating": ("Mitigating factors", "factors.mitigating"),
    "case_file": ("Case file", "$"),
}
CHOICES = {"actions": ACTIONS, "statuses": STATUSES, "places": PLACES, "levels": LEVELS,
           "manners": MANNERS, "custody": CUSTODY, "categories": CATEGORY_NAMES,
           "aggravating": AGGRAVATING, "mitigating": MITIGATING}


class FormProblem(ValueError):
    """Form input that cannot become a case; ``errors`` are (form field, reason)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {r}" for f, r in errors))
        self.errors = errors


def _put(case: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = case
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _date(form: FormData, name: str, errors: list[tuple[str, str]]) -> str | None:
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        errors.append((name, f"write the date as YYYY-MM-DD (got {raw!r})"))
        return None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _choices(form: FormData, name: str, allowed: tuple[str, ...],
             errors: list[tuple[str, str]]) -> list[str]:
    values = [v for v in form.getlist(name) if isinstance(v, str) and v]
    bad = [v for v in values if v not in allowed]
    if bad:
        errors.append((name, f"not a choice on the form: {', '.join(bad)}"))
    return [v for v in values if v in allowed]


def from_fields(form: FormData) -> dict[str, Any]:
    """The case described by the form; :class:`FormProblem` for input the form cannot
    turn into case values (the case format's own checks run after)."""
    errors: list[tuple[str, str]] = []
    case: dict[str, Any] = {"format": "discretion.case/1", "id": _text(form, "case_id")}
    if not case["id"]:
        errors.append(("case_id", "required: the file number or another identifier"))
    simple = {"birth_date": "person.birth_date", "presence_since":
              "immigration.continuous_presence_since", "release_date": "custody.release_date"}
    for name, path in simple.items():
        if (day := _date(form, name, errors)) is not None:
            _put(case, path, day)
    if citizenship := _text(form, "citizenship").upper():
        _put(case, "person.citizenship", [citizenship])
    for name, path in (("status", "immigration.status"), ("custody_status", "custody.status")):
        if value := _text(form, name):
            _put(case, path, value)
    _entry(form, case, errors)
    _conviction(form, case, errors)
    if gang := _text(form, "gang"):
        _put(case, "gang.participation", gang == "yes")
    if _text(form, "national_security") == "none":
        case["national_security"] = {"terrorism": False, "espionage": False, "other_threat": False}
    for side, allowed in (("aggravating", AGGRAVATING), ("mitigating", MITIGATING)):
        if found := _choices(form, side, allowed, errors):
            _put(case, f"factors.{side}", found)
    if errors:
        raise FormProblem(errors)
    return case


def _entry(form: FormData, case: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    day = _date(form, "entry_date", errors)
    manner, at = _text(form, "entry_manner"), _text(form, "entry_at")
    if day is None:
        if manner or at:
            errors.append(("entry_date", "required when the manner or place of entry is given"))
        return
    entry: dict[str, Any] = {"date": day}
    if manner:
        entry["manner"] = manner
    if at:
        entry["at"] = at
    _put(case, "immigration.entries", [entry])


def _conviction(form: FormData, case: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    known = _text(form, "convictions")
    if known == "none":
        case["convictions"] = []
        return
    if known != "one":
        return
    item: dict[str, Any] = {}
    if (day := _date(form, "conviction_date", errors)) is not None:
        item["date"] = day
    for name, key in (("conviction_statute", "statute"), ("conviction_description", "description"),
                      ("conviction_ncic", "ncic_code"), ("conviction_level", "level")):
        if value := _text(form, name):
            item[key] = value.upper() if key == "ncic_code" else value
    if raw := _text(form, "conviction_sentence_days"):
        if not raw.isdigit():
            errors.append(("conviction_sentence_days", f"a whole number of days (got {raw!r})"))
        else:
            item["sentence_days"] = int(raw)
    if categories := _choices(form, "conviction_categories", CATEGORY_NAMES, errors):
        item["legal_categories"] = categories
    case["convictions"] = [item]


async def from_upload(upload: UploadFile) -> dict[str, Any]:
    """A case file sent as an upload, read only up to the case size limit."""
    raw = await upload.read(MAX_CASE_BYTES + 1)
    try:
        loads_case(raw)
    except CaseError as exc:
        raise FormProblem([("case_file", f"{e['path']}: {e['reason']}") for e in exc.errors]) from None
    data: dict[str, Any] = json.loads(raw)
    return data


_BY_PATH = {path: name for name, (_, path) in FIELDS.items()}


def field_for(path: str | None) -> str | None:
    """The form field for a workflow error path such as ``case.convictions[0].date`` or
    ``case.person.citizenship[0]``: the longest known prefix of the path."""
    if not path:
        return None
    plain = path.removeprefix("case.")
    if plain in ("action", "date"):
        return {"action": "action", "date": "request_date"}[plain]
    while plain:
        if plain in _BY_PATH:
            return _BY_PATH[plain]
        cut = max(plain.rfind("."), plain.rfind("["))
        plain = plain[:cut] if cut > 0 else ""
    return None


def plain_reason(reason: str) -> str:
    """Validation messages in plain words where the library's are technical."""
    if reason.startswith("String should match pattern"):
        return "is not written in the expected form (see the hint beside the field)"
    return reason


def label(name: str | None, path: str | None = None) -> str:
    if name and name in FIELDS:
        return FIELDS[name][0]
    return path or "Request"
