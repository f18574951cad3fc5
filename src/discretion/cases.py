"""The case interchange format ``discretion.case/1``: validation and loading.

A key that is absent means *unknown*; ``null`` or ``[]`` means *known: none*;
``false`` means known false. Pydantic keeps the set of keys a file actually
gave (``model_fields_set``), which is how absent and ``null`` stay distinct.
Unknown keys are refused, so a typo cannot silently turn a fact into unknown.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

FORMAT = "discretion.case/1"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"is not a calendar date ({exc})") from None


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Days = Annotated[int, Field(strict=True, ge=0, le=365 * 200)]
Ident = Annotated[str, Field(strict=True, min_length=1, max_length=200)]
Text = Annotated[str, Field(strict=True, max_length=2000)]

Status = Literal[
    "no_lawful_status", "lpr", "nonimmigrant", "asylum_applicant", "refugee",
    "tps", "daca", "parole", "other",
]
Place = Literal["border", "port_of_entry", "interior"]
Level = Literal["felony", "misdemeanor", "petty", "unknown"]
Action = Literal["arrest", "detainer", "detention", "removal"]

CATEGORY_NAMES: tuple[str, ...] = (
    "aggravated_felony",
    *(f"aggravated_felony_{c}" for c in "ABCDEFGHIJKLMNOPQRSTU"),
    "sexual_abuse_of_a_minor", "crime_of_violence", "domestic_violence",
    "sexual_abuse_or_exploitation", "burglary", "theft", "firearm",
    "drug_trafficking", "drug_possession", "dui", "minor_traffic",
    "immigration_status_element", "gang_participation_element",
)
LegalCategory = Literal[CATEGORY_NAMES]  # type: ignore[valid-type]

AGGRAVATING = ("firearm", "dangerous_weapon", "serious_harm", "sophistication",
               "serious_prior_record", "gravity_of_offense")
MITIGATING = ("advanced_age", "tender_age", "lengthy_presence", "mental_condition",
              "serious_illness", "crime_victim", "witness_or_party", "family_impact",
              "caregiver", "relief_eligibility", "military_service", "public_service",
              "rehabilitation", "time_since_offense", "conviction_vacated",
              "pregnant_or_nursing", "disability", "labor_or_tenant_rights")
Aggravating = Literal[AGGRAVATING]  # type: ignore[valid-type]
Mitigating = Literal[MITIGATING]  # type: ignore[valid-type]


MAX_ITEMS = 1000
"""Longest list of entries, removals, convictions or charges one case may hold."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def given(self, name: str) -> bool:
        """Whether the file gave this key (``null`` counts as given)."""
        return name in self.model_fields_set


class Person(_Model):
    birth_date: Date | None = None
    citizenship: Annotated[list[Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}$")]],
                           Field(max_length=20)] | None = None


class Entry(_Model):
    date: Date
    manner: Literal["without_inspection", "inspected", "paroled"] | None = None
    at: Place | None = None


class Removal(_Model):
    date: Date


class Apprehension(_Model):
    date: Date | None = None
    at: Place | None = None
    attempting_unlawful_entry: StrictBool | None = None


class Immigration(_Model):
    status: Status | None = None
    entries: Annotated[list[Entry], Field(max_length=MAX_ITEMS)] | None = None
    continuous_presence_since: Date | None = None
    removals: Annotated[list[Removal], Field(max_length=MAX_ITEMS)] | None = None
    final_order_date: Date | None = None
    apprehension: Apprehension | None = None


class Conviction(_Model):
    date: Date | None = None
    jurisdiction: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")] | None = None
    statute: Text | None = None
    description: Text | None = None
    ncic_code: Annotated[str, Field(strict=True, pattern=r"^[0-9]{2}[0-9A-Z]{2}$")] | None = None
    incident: Ident | None = None
    level: Level | None = None
    sentence_days: Days | None = None
    suspended_days: Days | None = None
    victim_age: Annotated[int, Field(strict=True, ge=0, le=130)] | None = None
    legal_categories: Annotated[list[LegalCategory], Field(max_length=50)] | None = None

    @model_validator(mode="after")
    def _suspension_within_sentence(self) -> Conviction:
        if (self.sentence_days is not None and self.suspended_days is not None
                and self.suspended_days > self.sentence_days):
            raise ValueError("suspended_days cannot exceed sentence_days")
        return self


class PendingCharge(_Model):
    date: Date | None = None
    statute: Text | None = None
    description: Text | None = None
    ncic_code: Annotated[str, Field(strict=True, pattern=r"^[0-9]{2}[0-9A-Z]{2}$")] | None = None
    level: Level | None = None


class Custody(_Model):
    status: Literal["incarcerated", "detained", "released", "at_large"] | None = None
    release_date: Date | None = None


class Gang(_Model):
    participation: StrictBool | None = None
    organization: Literal["criminal_street_gang", "transnational_criminal_organization"] | None = None
    since: Date | None = None


class NationalSecurity(_Model):
    terrorism: StrictBool | None = None
    espionage: StrictBool | None = None
    other_threat: StrictBool | None = None


class Conduct(_Model):
    visa_program_abuse: StrictBool | None = None
    fraud_before_agency: StrictBool | None = None
    public_benefits_abuse: StrictBool | None = None
    chargeable_conduct: StrictBool | None = None


class Factors(_Model):
    aggravating: list[Aggravating] | None = None
    mitigating: list[Mitigating] | None = None


class Determination(_Model):
    value: StrictBool
    by: Ident
    date: Date
    reason: Text | None = None


DETERMINATIONS = ("public_safety_threat", "national_security_threat")


class Determinations(_Model):
    public_safety_threat: Determination | None = None
    national_security_threat: Determination | None = None


class Request(_Model):
    action: Action | None = None
    date: Date | None = None
    office: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")] | None = None


class Case(_Model):
    format: Literal["discretion.case/1"]
    id: Ident
    person: Person | None = None
    immigration: Immigration | None = None
    convictions: Annotated[list[Conviction], Field(max_length=MAX_ITEMS)] | None = None
    pending_charges: Annotated[list[PendingCharge], Field(max_length=MAX_ITEMS)] | None = None
    custody: Custody | None = None
    gang: Gang | None = None
    national_security: NationalSecurity | None = None
    conduct: Conduct | None = None
    sex_offender_registration: StrictBool | None = None
    factors: Factors | None = None
    determinations: Determinations | None = None
    request: Request | None = None


class CaseError(ValueError):
    """A case file that is not valid ``discretion.case/1``; ``errors`` name each field."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        lines = [f"{e['path']}: {e['reason']}" for e in errors]
        super().__init__("invalid case: " + "; ".join(lines))


def json_path(loc: tuple[int | str, ...]) -> str:
    """Turn a Pydantic error location into a JSON path such as ``$.convictions[0].level``."""
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (not part of discretion.case/1)"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.errors():
        # Literal[...] unions report the branch tag in loc; keep the data path only.
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("literal[")))
        out.append({"path": json_path(loc), "reason": _reason(error)})
    return out


def parse_case(data: Any) -> Case:
    """Validate already-decoded JSON; raise :class:`CaseError` naming each bad field."""
    if not isinstance(data, dict):
        raise CaseError([{"path": "$", "reason": "a case must be a JSON object"}])
    if data.get("format") != FORMAT and "format" in data:
        raise CaseError([{"path": "$.format", "reason": f"must be {FORMAT!r}"}])
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(_errors(exc)) from None
    except RecursionError:
        raise CaseError([{"path": "$", "reason": "nested too deeply to be a case file"}]) from None


MAX_CASE_BYTES = 1_048_576
"""A case file is a few kilobytes; anything over a megabyte is refused before parsing."""
def loads_case(text: str | bytes) -> Case:
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_CASE_BYTES:
        raise CaseError([{"path": "$", "reason": f"the case file is {size:,} bytes; the limit is "
                          f"{MAX_CASE_BYTES:,}"}])
    try:
        data = json.loads(text)
    except RecursionError:
        raise CaseError([{"path": "$", "reason": "nested too deeply to be a case file"}]) from None
    except json.JSONDecodeError as exc:
        raise CaseError([{"path": "$", "reason": f"not valid JSON: {exc.msg} "
                          f"(line {exc.lineno}, column {exc.colno})"}]) from None
    except UnicodeDecodeError:
        raise CaseError([{"path": "$", "reason": "not UTF-8 text"}]) from None
    return parse_case(data)


def load_case(path: str | Path) -> Case:
    return loads_case(Path(path).read_bytes())


def case_schema() -> dict[str, Any]:
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://discretion.dev/schema/case-1.json"
    return schema
