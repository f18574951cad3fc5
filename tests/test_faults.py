"""The server SIGKILLed and restarted under load, on SQLite and PostgreSQL: nothing
acknowledged is lost, nothing is half-written, the audit log verifies.

The run is bounded by kills and operations (``benchmarks/faults.py``), never by a clock.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from sqlalchemy import text

from conftest import EXAMPLES, ROOT
from discretion.workflow.service import Workflow

sys.path.insert(0, str(ROOT / "benchmarks"))
import faults

KILLS = 5


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kills_under_load_lose_nothing(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = faults.run(backend, kills=KILLS, clients=4, seed=7, ops_between=20)
    summary = result.summary()
    with capsys.disabled():
        print(f"\n{backend}: survived {summary['kills_survived']} of {KILLS} kills with nothing lost: "
              f"{summary['acknowledged_submits']} submits, {summary['acknowledged_decisions']} "
              f"decisions, {summary['acknowledged_reads']} reads acknowledged; "
              f"{sum(summary['in_flight_at_kills'])} requests in flight at the kills; committed "
              f"with the answer lost: {summary['committed_unanswered']}; "
              f"{summary['audit_entries']} audit entries verified")
    assert result.problems == []
    assert result.ledger.unexpected == []
    assert summary["kills_survived"] == KILLS
    # the load did what it says: requests were submitted, decided (some against the
    # recommendation, so escalated) and read, and checkpoints were signed on the way
    assert summary["acknowledged_submits"] > 0 and summary["acknowledged_decisions"] > 0
    assert summary["acknowledged_reads"] > 0
    assert summary["counts"]["escalations"] > 0
    assert summary["checkpoints"] >= 3


def minor_victim(new_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    data["id"] = new_id
    return data


def test_the_checks_find_a_lost_decision_and_a_half_written_request(
        workflow: Workflow, people: dict[str, Any]) -> None:
    """The checker is not vacuous: remove a decision's rows behind the workflow's back and
    it reports the acknowledged decision lost, the request half-written, the counts off."""
    ledger = faults.Ledger()
    for n in range(3):
        req = workflow.submit(people["ofc.hou"], case=minor_victim(f"chk-{n}"),
                              action="arrest", date="2021-03-01")
        done = workflow.decide(people["sup.hou"], req["id"], outcome="approve",
                               reason_code="threat_determined", reason="Threat found, approve.")
        ledger.requests[req["id"]] = req["state"]
        ledger.decisions[req["id"]] = {"id": done["decision"]["id"], "outcome": "approve",
                                       "state": done["state"], "flagged": False}
        ledger.receipts += req["receipts"] + done["receipts"]
    problems, counts = faults.check(workflow.db.url, ledger)
    assert problems == [] and counts["decisions"] == 3
    victim = next(iter(ledger.decisions))
    with workflow.db.transaction() as s:
        s.execute(text("DELETE FROM decisions WHERE request_id = :r"), {"r": victim})
        s.execute(text("DELETE FROM transitions WHERE request_id = :r AND event = 'decided'"),
                  {"r": victim})
    problems, _ = faults.check(workflow.db.url, ledger)
    assert any(p.startswith(f"lost: decision {ledger.decisions[victim]['id']} ") for p in problems)
    assert any(p.startswith(f"half-written: request {victim} ") for p in problems)
    assert "counts: 2 decisions but 3 audit events" in problems
