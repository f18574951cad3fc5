"""Submitting requests: assessment under the policy in force, storage and routing, on
SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conftest import EXAMPLES
from discretion.audit.verify import verify
from discretion.workflow.errors import Forbidden, Invalid, NotFound
from discretion.workflow.service import Workflow


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def test_judgement_goes_to_a_supervisor_with_the_factors(workflow: Workflow, people: dict[str, Any]) -> None:
    view = workflow.submit(people["ofc.hou"], case=example("seed-minor-victim"))
    assert view["state"] == "awaiting_judgement"
    assert view["assigned_role"] == "supervisor" and view["due_at"]
    a = view["assessment"]
    assert a["policy"] == "ice-2021-02-18" and a["policy_hash"].startswith("sha256:")
    assert a["judgement"][0]["determination"] == "public_safety_threat"
    assert a["factors"]["aggravating"] and a["recommendation"] == "approve"
    assert a["decision"]["explanation"]["children"], "the explanation is stored"
    assert [h["to"] for h in view["history"]] == ["awaiting_judgement"]
    assert view["receipts"] and all(r["checkpoint"]["signature"] for r in view["receipts"])


def test_approval_required_goes_to_the_offices_director(workflow: Workflow, people: dict[str, Any]) -> None:
    view = workflow.submit(people["ofc.hou"], case=example("long-term-resident"), office="HOU")
    assert view["state"] == "awaiting_approval"
    assert view["assigned_role"] == "field_office_director" and view["assigned_to"] == "fod.hou"
    assert view["recommendation"] == "deny"


def test_permitted_is_cleared_and_undetermined_returned(workflow: Workflow, people: dict[str, Any]) -> None:
    cleared = workflow.submit(people["ofc.hou"], case=example("border-apprehension"), office="HOU")
    assert cleared["state"] == "cleared" and cleared["assigned_role"] is None
    returned = workflow.submit(people["ofc.hou"], case=example("seed-prior-removal"), office="HOU")
    assert returned["state"] == "returned" and returned["assigned_to"] == "ofc.hou"
    assert returned["assessment"]["missing_facts"], "the officer is told what to find out"


def test_new_facts_reassess_and_reroute_and_keep_old_versions(workflow: Workflow,
                                                               people: dict[str, Any]) -> None:
    officer = people["ofc.hou"]
    case = example("seed-minor-victim")
    view = workflow.submit(officer, case=case)
    updated = copy.deepcopy(case)
    updated["determinations"] = {"public_safety_threat": {
        "value": True, "by": "ofc.hou", "date": "2021-06-30", "reason": "recent threats to a witness"}}
    result = workflow.put_case(officer, updated, case_id=view["case"])
    assert result["version"] == 2
    assert result["reassessed"] == [{"request": view["id"], "state": "cleared", "enforcement": "permitted"}]
    again = workflow.get_request(officer, view["id"])
    assert again["state"] == "cleared" and again["case_version"] == 2
    assert [h["event"] for h in again["history"]] == ["routed", "reassessed"]
    assert len(again["assessments"]) == 2
    assert [v["version"] for v in workflow.case_versions(officer, view["case"])] == [1, 2]
    old = workflow.get_case(officer, view["case"], version=1)
    assert "determinations" not in old["data"]


def test_bad_input_names_the_field(workflow: Workflow, people: dict[str, Any]) -> None:
    officer = people["ofc.hou"]
    broken = example("seed-minor-victim")
    broken["person"]["birth_date"] = "1984-13-45"
    with pytest.raises(Invalid) as err:
        workflow.submit(officer, case=broken)
    assert err.value.errors[0]["path"] == "case.person.birth_date"
    with pytest.raises(Invalid) as err:
        workflow.submit(officer, case=example("seed-minor-victim"), action="deport")
    assert err.value.field == "action"
    with pytest.raises(Invalid) as err:
        workflow.submit(officer, case=example("seed-minor-victim"), date="1990-01-01")
    assert err.value.field == "date"
    with pytest.raises(Invalid) as err:
        workflow.submit(officer, case=example("seed-minor-victim"), date="yesterday")
    assert err.value.field == "date"
    assert workflow.list_requests(people["fod.hou"]) == []  # nothing half-written


def test_office_scoping(workflow: Workflow, people: dict[str, Any]) -> None:
    view = workflow.submit(people["ofc.hou"], case=example("seed-minor-victim"))
    with pytest.raises(NotFound):
        workflow.get_request(people["ofc.dal"], view["id"])
    with pytest.raises(NotFound):
        workflow.get_case(people["fod.dal"], view["case"])
    with pytest.raises(Forbidden):
        workflow.submit(people["ofc.hou"], case=example("seed-minor-victim"), office="DAL")
    with pytest.raises(Forbidden):
        workflow.submit(people["fod.hou"], case=example("seed-minor-victim"))
    assert workflow.list_requests(people["ofc.dal"]) == []
    assert len(workflow.list_requests(people["hq.review"])) == 1


def test_auditors_see_redacted_case_data(workflow: Workflow, people: dict[str, Any]) -> None:
    case = example("seed-minor-victim")
    view = workflow.submit(people["ofc.hou"], case=case)
    seen = workflow.get_case(people["aud.oig"], view["case"])
    text = json.dumps(seen)
    assert seen["redacted"] is True
    assert "1984-02-11" not in text and seen["data"]["person"]["birth_date"] == "1984"
    assert "Sexual assault of a child" not in text
    assert case["id"] not in text and seen["data"]["id"].startswith("case-")
    assert seen["data"]["convictions"][0]["statute"] == "Tex. Penal Code 22.011(a)(2)"
    request_text = json.dumps(workflow.get_request(people["aud.oig"], view["id"]))
    assert "1984-02-11" not in request_text and case["id"] not in request_text
    full = workflow.get_case(people["hq.review"], view["case"])
    assert full["data"]["person"]["birth_date"] == "1984-02-11"


def test_every_read_and_change_is_in_the_verified_log(workflow: Workflow, people: dict[str, Any]) -> None:
    view = workflow.submit(people["ofc.hou"], case=example("seed-minor-victim"))
    workflow.get_case(people["aud.oig"], view["case"])
    with workflow.db.reading() as conn:
        from sqlalchemy import text
        kinds = conn.execute(text("SELECT kind, actor FROM audit_entries ORDER BY seq")).all()
    assert ("case.read", "aud.oig") in [tuple(k) for k in kinds]
    assert {"case.created", "request.submitted", "request.assessed", "request.routed"} <= {
        k for k, _ in kinds}
    assert verify(workflow.db, workflow.signer.public).ok
