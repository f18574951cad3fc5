"""Supervisors' decisions, flags against the recommendation, dissents, headquarters
review and overdue escalation, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from conftest import EXAMPLES
from discretion.audit.verify import verify
from discretion.workflow.errors import Conflict, Forbidden, Invalid
from discretion.workflow.service import Workflow


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def test_denying_against_the_recommendation_is_flagged_and_escalated(
        workflow: Workflow, people: dict[str, Any]) -> None:
    req = workflow.submit(people["ofc.hou"], case=example("seed-minor-victim"))
    with pytest.raises(Invalid) as err:
        workflow.decide(people["sup.hou"], req["id"], outcome="deny", reason_code="mitigating_factors",
                        reason="Long residence and family ties outweigh.")
    assert err.value.field == "justification"
    view = workflow.decide(people["sup.hou"], req["id"], outcome="deny",
                           reason_code="mitigating_factors",
                           reason="Long residence and family ties outweigh.",
                           justification="Conviction is 9 years old; no new offences since release.")
    assert view["state"] == "denied" and view["flagged"] and view["escalated"]
    d = view["decision"]
    assert d["by"] == "sup.hou" and d["against_recommendation"] and d["recommendation"] == "approve"
    assert [e["reason"] for e in view["escalations"]] == ["against_recommendation"]
    assert [r["kind"] for r in view["receipts"]] == ["request.decided", "request.escalated"]
    queue = workflow.escalations(people["hq.review"])
    assert [e["request"] for e in queue] == [req["id"]]
    # the officer dissents; headquarters gets that too
    with pytest.raises(Forbidden):
        workflow.dissent(people["ofc2.hou"], req["id"], "I was not the requesting officer.")
    dissented = workflow.dissent(people["ofc.hou"], req["id"], "The victim was 13; this is a priority.")
    assert [e["reason"] for e in dissented["escalations"]] == ["against_recommendation", "dissent"]
    for esc in workflow.escalations(people["hq.review"]):
        workflow.review(people["hq.review"], esc["id"], "noted", "Reviewed with the field office.")
    assert workflow.escalations(people["hq.review"]) == []
    assert workflow.get_request(people["hq.review"], req["id"])["escalated"] is False
    counts = workflow.dissent_counts(people["aud.oig"])
    assert counts[0]["office"] == "HOU" and counts[0]["dissents"] == 1
    against = workflow.against_recommendation(people["hq.review"])
    assert against[0]["office"] == "HOU" and against[0]["outcome"] == "deny" and against[0]["count"] == 1
    denials = workflow.denials_by_category(people["aud.oig"], "sexual_abuse_of_a_minor")
    assert [x["request"] for x in denials] == [req["id"]]
    assert workflow.denials_by_category(people["aud.oig"], "dui") == []
    assert verify(workflow.db, workflow.signer.public).ok


def test_approving_outside_the_priorities_is_flagged(workflow: Workflow, people: dict[str, Any]) -> None:
    req = workflow.submit(people["ofc.hou"], case=example("long-term-resident"), office="HOU")
    with pytest.raises(Forbidden):  # the policy names the director, not any supervisor
        workflow.decide(people["sup.hou"], req["id"], outcome="approve",
                        reason_code="justified_allocation", reason="Resources allow it this week.",
                        justification="Part of a targeted operation approved by the FOD.")
    view = workflow.decide(people["fod.hou"], req["id"], outcome="approve",
                           reason_code="justified_allocation", reason="Resources allow it this week.",
                           justification="Part of a targeted operation approved by the FOD.")
    assert view["state"] == "approved" and view["flagged"]


def test_deciding_with_the_recommendation_is_not_flagged(workflow: Workflow, people: dict[str, Any]) -> None:
    req = workflow.submit(people["ofc.hou"], case=example("long-term-resident"), office="HOU")
    view = workflow.decide(people["fod.hou"], req["id"], outcome="deny", reason_code="outside_priorities",
                           reason="Not a priority; no reason for an exception.")
    assert view["state"] == "denied" and not view["flagged"] and not view["escalated"]
    with pytest.raises(Conflict):  # decided once: a second decision is a conflict
        workflow.decide(people["fod.hou"], req["id"], outcome="approve", reason_code="other",
                        reason="Changed my mind entirely.", justification="Changed my mind entirely.")


def test_bad_decisions_are_refused_with_the_field(workflow: Workflow, people: dict[str, Any]) -> None:
    req = workflow.submit(people["ofc.hou"], case=example("seed-minor-victim"))
    sup = people["sup.hou"]
    cases = [({"outcome": "maybe", "reason_code": "other", "reason": "a" * 20}, "outcome"),
             ({"outcome": "deny", "reason_code": "nope", "reason": "a" * 20}, "reason_code"),
             ({"outcome": "deny", "reason_code": "priority_confirmed", "reason": "a" * 20}, "reason_code"),
             ({"outcome": "approve", "reason_code": "priority_confirmed", "reason": "short"}, "reason")]
    for kwargs, field in cases:
        with pytest.raises(Invalid) as err:
            workflow.decide(sup, req["id"], **kwargs)
        assert err.value.field == field
    with pytest.raises(Forbidden):
        workflow.decide(people["ofc.hou"], req["id"], outcome="approve",
                        reason_code="priority_confirmed", reason="a" * 20)
    with pytest.raises(Forbidden):
        workflow.decide(people["hq.review"], req["id"], outcome="approve",
                        reason_code="priority_confirmed", reason="a" * 20)
    returned = workflow.submit(people["ofc.hou"], case=example("seed-prior-removal"), office="HOU")
    with pytest.raises(Conflict):
        workflow.decide(sup, returned["id"], outcome="approve", reason_code="priority_confirmed",
                        reason="a" * 20)
    assert workflow.get_request(sup, req["id"])["state"] == "awaiting_judgement"


def test_a_supervisor_may_halt_a_cleared_action_against_the_recommendation(
        workflow: Workflow, people: dict[str, Any]) -> None:
    req = workflow.submit(people["ofc.hou"], case=example("border-apprehension"), office="HOU")
    assert req["state"] == "cleared"
    view = workflow.decide(people["sup.hou"], req["id"], outcome="deny", reason_code="humanitarian",
                           reason="Person is the sole carer of an infant.",
                           justification="Humanitarian grounds outweigh the border priority here.")
    assert view["state"] == "denied" and view["flagged"]


def test_overdue_requests_escalate_once_and_hq_may_then_decide(
        workflow: Workflow, people: dict[str, Any]) -> None:
    req = workflow.submit(people["ofc.hou"], case=example("long-term-resident"), office="HOU")
    assert workflow.escalate_overdue(people["adm.root"]) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=73)
    escalated = workflow.escalate_overdue(people["adm.root"], now=later)
    assert [e["request"] for e in escalated] == [req["id"]]
    assert workflow.escalate_overdue(people["adm.root"], now=later) == []
    view = workflow.decide(people["hq.review"], req["id"], outcome="deny",
                           reason_code="outside_priorities", reason="Not a priority, deadline missed.")
    assert view["state"] == "denied" and view["decision"]["by"] == "hq.review"


def test_optimistic_version_and_single_review(workflow: Workflow, people: dict[str, Any]) -> None:
    req = workflow.submit(people["ofc.hou"], case=example("seed-minor-victim"))
    with pytest.raises(Conflict) as err:
        workflow.decide(people["sup.hou"], req["id"], outcome="approve", reason_code="threat_determined",
                        reason="Threat found after interview.", expected_version=req["version"] + 1)
    assert err.value.field == "version"
    view = workflow.decide(people["sup.hou"], req["id"], outcome="deny", reason_code="no_threat",
                           reason="No present threat.", justification="Nothing since release in 2019.",
                           expected_version=req["version"])
    esc = view["escalations"][0]["id"]
    workflow.review(people["hq.review"], esc, "upheld", "Within the supervisor's discretion.")
    with pytest.raises(Conflict):
        workflow.review(people["hq.review"], esc, "overturned", "Second thoughts, too late.")
    with pytest.raises(Forbidden):
        workflow.review(people["aud.oig"], esc, "noted", "Auditors do not review.")
