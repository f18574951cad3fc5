"""The case format: absent is unknown, null/[] is known none, bad input names the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import EXAMPLES, base_case
from discretion.cases import CaseError, case_schema, load_case, loads_case, parse_case
from discretion.facts import read_case


def errors_of(data: Any) -> list[dict[str, str]]:
    with pytest.raises(CaseError) as info:
        parse_case(data)
    return info.value.errors


def test_examples_load() -> None:
    for path in EXAMPLES.glob("*.json"):
        case = load_case(path)
        assert case.id.startswith("example-")


def test_absent_null_and_empty_are_distinct() -> None:
    absent = read_case(parse_case(base_case(immigration={})))
    none = read_case(parse_case(base_case(immigration={"final_order_date": None, "entries": []})))
    given = read_case(parse_case(base_case(immigration={"final_order_date": "2015-02-01"})))
    assert absent.row["final_order"] is None and absent.row["entry_count"] is None
    assert none.row["final_order"] is False and none.row["entry_count"] == 0
    assert given.row["final_order"] is True


@pytest.mark.parametrize("data, path, words", [
    (base_case(nickname="x"), "$.nickname", "unknown key"),
    (base_case(person={"birth_date": "1980-13-01"}), "$.person.birth_date", "calendar date"),
    (base_case(person={"birth_date": "01/02/1980"}), "$.person.birth_date", "YYYY-MM-DD"),
    (base_case(person={"birth_date": 315532800}), "$.person.birth_date", "YYYY-MM-DD"),
    (base_case(person={"citizenship": ["Mexico"]}), "$.person.citizenship[0]", "pattern"),
    (base_case(immigration={"status": "illegal"}), "$.immigration.status", "Input should be"),
    (base_case(immigration={"entries": [{"manner": "without_inspection"}]}),
     "$.immigration.entries[0].date", "required"),
    (base_case(immigration={"apprehension": {"attempting_unlawful_entry": "yes"}}),
     "$.immigration.apprehension.attempting_unlawful_entry", "boolean"),
    (base_case(convictions=[{"sentence_days": -1}]), "$.convictions[0].sentence_days", "0"),
    (base_case(convictions=[{"sentence_days": "90"}]), "$.convictions[0].sentence_days",
     "integer"),
    (base_case(convictions=[{"sentence_days": 90.5}]), "$.convictions[0].sentence_days",
     "integer"),
    (base_case(convictions=[{"sentence_days": 30, "suspended_days": 60}]), "$.convictions[0]",
     "suspended_days cannot exceed"),
    (base_case(convictions=[{"legal_categories": ["felony"]}]),
     "$.convictions[0].legal_categories[0]", "Input should be"),
    (base_case(convictions=[{"ncic_code": "12"}]), "$.convictions[0].ncic_code", "pattern"),
    (base_case(convictions=[{"victim_age": 300}]), "$.convictions[0].victim_age", "130"),
    (base_case(convictions={"level": "felony"}), "$.convictions", "list"),
    (base_case(gang={"participation": 1}), "$.gang.participation", "boolean"),
    (base_case(determinations={"public_safety_threat": {"value": True}}),
     "$.determinations.public_safety_threat.by", "required"),
    (base_case(factors={"mitigating": ["charm"]}), "$.factors.mitigating[0]", "Input should be"),
    (base_case(request={"office": "houston"}), "$.request.office", "pattern"),
    (base_case(request={"action": "deport"}), "$.request.action", "Input should be"),
    ({"format": "discretion.case/2", "id": "x"}, "$.format", "discretion.case/1"),
    ({"format": "discretion.case/1"}, "$.id", "required"),
    ({"format": "discretion.case/1", "id": ""}, "$.id", "at least 1"),
    ([1, 2], "$", "JSON object"),
])
def test_invalid_input_names_the_field(data: Any, path: str, words: str) -> None:
    errors = errors_of(data)
    assert any(e["path"] == path and words in e["reason"] for e in errors), errors


def test_every_error_is_reported_at_once() -> None:
    errors = errors_of(base_case(nickname="x", person={"birth_date": "no"}))
    assert {e["path"] for e in errors} == {"$.nickname", "$.person.birth_date"}


def test_not_json() -> None:
    with pytest.raises(CaseError) as info:
        loads_case("{not json")
    assert info.value.errors[0]["path"] == "$" and "not valid JSON" in info.value.errors[0]["reason"]


def test_schema_describes_the_format() -> None:
    schema = case_schema()
    assert schema["additionalProperties"] is False
    assert "convictions" in schema["properties"]
    assert json.loads(json.dumps(schema)) == schema
