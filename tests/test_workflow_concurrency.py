"""Concurrency and failure, on SQLite and PostgreSQL.

Two supervisors deciding the same request at once: exactly one decision wins, the other
gets 409. A process killed in the middle of a transaction leaves no half-written request
or log entry: the test really kills it (SIGKILL) just before its COMMIT.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import text

from conftest import EXAMPLES, ROOT
from discretion.audit.verify import verify
from discretion.store import Database
from discretion.workflow.errors import Conflict
from discretion.workflow.service import Workflow


def minor_victim(new_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    data["id"] = new_id
    return data


def _race(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # collected and checked by the caller
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_supervisors_over_http_one_wins_one_gets_409(api: Any) -> None:
    officer = api.client("ofc.hou")
    sups = [api.client("sup.hou"), api.client("fod.hou")]
    for n in range(6):
        req = officer.post("/api/requests", json={"case": minor_victim(f"race-{n}")}).json()
        body = [{"outcome": "approve", "reason_code": "threat_determined",
                 "reason": "Threat to public safety found."},
                {"outcome": "deny", "reason_code": "no_threat", "reason": "No present threat found.",
                 "justification": "Nothing since release in 2019."}]
        url = f"/api/requests/{req['id']}/decision"
        responses = _race([lambda s=s, b=b, url=url: s.post(url, json=b)
                           for s, b in zip(sups, body, strict=True)])
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.headers["content-type"] == "application/problem+json"
        final = officer.get(f"/api/requests/{req['id']}").json()
        winner = next(r for r in responses if r.status_code == 200).json()
        assert final["decision"]["id"] == winner["decision"]["id"]


def test_two_processes_worth_of_connections_one_decision(workflow: Workflow, people: dict[str, Any]) -> None:
    """Each decider has its own engine and connection pool, as two server processes would."""
    twin = Workflow(Database(workflow.db.url), workflow.signer)
    for n in range(6):
        req = workflow.submit(people["ofc.hou"], case=minor_victim(f"race-db-{n}"))
        results = _race([
            lambda rid=req["id"]: workflow.decide(people["sup.hou"], rid, outcome="approve",
                                                  reason_code="threat_determined",
                                                  reason="Threat found, approve."),
            lambda rid=req["id"]: twin.decide(people["fod.hou"], rid, outcome="approve",
                                              reason_code="threat_determined",
                                              reason="Threat found, approve.")])
        assert sum(isinstance(r, dict) for r in results) == 1, results
        assert sum(isinstance(r, Conflict) for r in results) == 1, results
    with workflow.db.reading() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM decisions")).scalar_one() == 6
    twin.db.dispose()
    assert verify(workflow.db, workflow.signer.public).ok


KILLED = """
import json, os, sys, time
from sqlalchemy import event
from cryptography.hazmat.primitives import serialization
from discretion.audit.log import Signer
from discretion.store import Database
from discretion.workflow.roles import Principal
from discretion.workflow.service import Workflow

url, key_file, officer_id, case_file = sys.argv[1:5]
key = serialization.load_pem_private_key(open(key_file, "rb").read(), password=None)
db = Database(url)

@event.listens_for(db.engine, "commit")
def stop_before_commit(conn):
    # every statement of the transaction has run; COMMIT is next
    print("READY", flush=True)
    time.sleep(3600)

Workflow(db, Signer(key, "test.local/audit")).submit(
    Principal("ofc.hou", "officer", "HOU", int(officer_id)), case=json.load(open(case_file)))
"""


def test_a_process_killed_mid_transaction_leaves_nothing_half_written(
        workflow: Workflow, people: dict[str, Any], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    done = workflow.submit(people["ofc.hou"], case=minor_victim("before-kill"))
    with workflow.db.reading() as conn:
        counts_before = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                         for t in ("requests", "assessments", "transitions", "audit_entries", "cases")}
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(workflow.signer.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(minor_victim("during-kill")))
    proc = subprocess.Popen([sys.executable, "-c", KILLED, workflow.db.url, str(key_file),
                             str(people["ofc.hou"].user_id), str(case_file)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "READY", line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # a fresh connection sees exactly what was there before
    fresh = Database(workflow.db.url)
    with fresh.reading() as conn:
        counts_after = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                        for t in counts_before}
        head = conn.execute(text("SELECT size FROM audit_head")).scalar_one()
    assert counts_after == counts_before
    assert head == counts_before["audit_entries"]
    assert verify(fresh, workflow.signer.public).ok
    # and the log goes on from where it was
    again = Workflow(fresh, workflow.signer).submit(people["ofc.hou"], case=minor_victim("after-kill"))
    assert again["id"] > done["id"]
    assert verify(fresh, workflow.signer.public).ok
    fresh.dispose()


def test_many_writers_at_once_all_land_in_order(workflow: Workflow, people: dict[str, Any]) -> None:
    """Sixteen threads submit while others' decisions conflict: on SQLite they share commits
    (one fsync for many), and a unit that fails leaves the others in place."""
    first = workflow.submit(people["ofc.hou"], case=minor_victim("shared"))
    calls: list[Any] = [lambda i=i: workflow.submit(people["ofc.hou"], case=minor_victim(f"many-{i}"))
                        for i in range(16)]
    calls += [lambda: workflow.decide(people["sup.hou"], first["id"], outcome="approve",
                                      reason_code="threat_determined", reason="Threat found, approve.")
              for _ in range(4)]
    results = _race(calls)
    submitted = [r for r in results[:16] if isinstance(r, dict)]
    assert len(submitted) == 16, results[:16]
    decided = results[16:]
    assert sum(isinstance(r, dict) for r in decided) == 1
    assert sum(isinstance(r, Conflict) for r in decided) == 3
    fresh = Database(workflow.db.url)
    with fresh.reading() as conn:
        ids = set(conn.execute(text("SELECT id FROM requests")).scalars())
    fresh.dispose()
    assert {r["id"] for r in submitted} | {first["id"]} == ids
    assert verify(workflow.db, workflow.signer.public).ok
