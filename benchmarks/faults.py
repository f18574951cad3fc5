"""Fault injection: the API server is SIGKILLed and restarted under load; nothing acknowledged
may be lost, nothing may be half-written, and the audit log must still verify.

    .venv/bin/python benchmarks/faults.py [--backend sqlite|postgresql|both] [--kills 5]
                                          [--clients 4] [--seed 1] [--ops-between 20]
                                          [--workers 1] [--json]

1. A fresh database (a SQLite file, or a new PostgreSQL database on the local server,
   ``DISCRETION_TEST_POSTGRES_URL``), migrated, with offices HOU and DAL and their officers
   and supervisors (API tokens).
2. ``discretion serve`` as a real subprocess in its own process group (with ``--workers``
   above 1, uvicorn's supervisor and its workers), checkpointing the audit log every 64
   entries so that checkpoints too are written under fire.
3. ``--clients`` threads, each an office's officer and supervisors over HTTP: submit (cases
   that are cleared, await judgement, await the director's approval or go back to the
   officer), decide (approve or deny with a reason; about a third against the recommendation,
   which flags and escalates), and read. A connection error is "not acknowledged": the
   client moves on, and retries an unacknowledged decision later.
4. After a seeded random number of acknowledged operations and a seeded random pause, the
   whole process group is SIGKILLed and the server restarted on the same database. Kills
   are counted in operations, never in seconds: the run's length is the load's.
5. Then: every acknowledged request and decision is stored in the state it was acknowledged
   in (or a later one the workflow allows); every acknowledged receipt is in the log; no
   request, decision or case is half-written; the audit log's event counts equal the
   tables' rows; ``discretion audit verify`` (the real CLI) passes before and after a final
   checkpoint. Exits 1 on any loss or failed check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _support import populate  # noqa: E402
from discretion.audit.keys import load_signing_key  # noqa: E402
from discretion.audit.log import Signer  # noqa: E402
from discretion.audit.merkle import tree_of, verify_inclusion  # noqa: E402
from discretion.store import Database  # noqa: E402
from discretion.workflow.service import Workflow  # noqa: E402

PG_ADMIN = os.environ.get("DISCRETION_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EXAMPLES = ROOT / "examples"
DECIDED = ("approved", "denied")
out = Console(width=120)

# What officers submit: (example, action, date) → the state it is routed to (on HOU or DAL).
SUBMISSIONS = [
    ("seed-minor-victim.json", "arrest", "2021-03-01"),    # judgement, recommends approve
    ("long-term-resident.json", "arrest", "2022-06-01"),   # judgement, recommends deny
    ("long-term-resident.json", "arrest", "2021-03-01"),   # the director's approval, deny
    ("border-apprehension.json", "arrest", "2026-01-01"),  # permitted: cleared
    ("seed-prior-removal.json", "arrest", "2021-03-01"),   # undetermined: back to the officer
]
OFFICES: dict[str, dict[str, list[str]]] = {
    "HOU": {"officers": ["ofc.hou", "ofc2.hou"], "supervisors": ["sup.hou", "fod.hou"]},
    "DAL": {"officers": ["ofc.dal"], "supervisors": ["fod.dal"]}}


# -- a fresh database and a server that can be killed ------------------------------------------

@contextmanager
def fresh_database(backend: str, home: Path) -> Iterator[str]:
    """A migrated, empty database; a SQLite file in ``home`` or a new PostgreSQL database,
    dropped on exit."""
    if backend == "sqlite":
        url = f"sqlite:///{home / 'discretion.sqlite'}"
        name = None
    elif backend == "postgresql":
        name = f"discretion_faults_{uuid.uuid4().hex[:10]}"
        with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    else:
        raise ValueError(f"unknown backend {backend!r}")
    db = Database(url)
    db.migrate()
    db.dispose()
    try:
        yield url
    finally:
        if name is not None:
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def free_port() -> int:
    """A free port below the kernel's ephemeral range: the server comes back on the same
    port after each kill, and a port from that range could meanwhile be taken as the local
    end of any outgoing connection on the machine (other tests', PostgreSQL clients')."""
    import socket

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.SystemRandom()
    while True:
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


class ServerProcess:
    """``discretion serve`` in its own process group, on one port for all its lives."""

    def __init__(self, url: str, home: Path, extra_env: dict[str, str] | None = None,
                 workers: int = 1):
        key = home / "signing-key.pem"
        if not key.exists():
            key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        self.home = home
        self.env = {**os.environ, "DISCRETION_DATABASE_URL": url, "DISCRETION_DATA_DIR": str(home),
                    "DISCRETION_SIGNING_KEY_FILE": str(key), **(extra_env or {})}
        self.port = free_port()
        self.workers = workers
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "discretion.cli", "serve", "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.home,
                start_new_session=True)  # its own process group: a kill takes every child too
        self.starts += 1
        self.wait_ready()

    def wait_ready(self) -> None:
        while True:  # no wall-clock limit: the server either answers or exits
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}):\n"
                                   f"{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.base + "/api/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no flush, no goodbye."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"the server had died by itself:\n{self.log_path.read_text()[-3000:]}")
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait()

    def rss_kib(self) -> int:
        """Resident memory (VmRSS, from /proc) of the server's process group: with several
        workers, the supervisor and every worker."""
        assert self.proc is not None
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'
                if int(stat.read_text().rpartition(")")[2].split()[2]) != self.proc.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, ValueError):
                continue  # gone meanwhile
            total += next((int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:")), 0)
        return total


def seed_users(server: ServerProcess, url: str) -> dict[str, str]:
    """The offices and users of ``tests/_support.USERS``; returns token by username."""
    old = os.environ.get("DISCRETION_SIGNING_KEY_FILE")
    os.environ["DISCRETION_SIGNING_KEY_FILE"] = server.env["DISCRETION_SIGNING_KEY_FILE"]
    try:
        workflow = Workflow(Database(url), Signer(load_signing_key(create=False)))
    finally:
        if old is None:
            os.environ.pop("DISCRETION_SIGNING_KEY_FILE")
        else:
            os.environ["DISCRETION_SIGNING_KEY_FILE"] = old
    people = populate(workflow, tokens=True)
    workflow.db.dispose()
    return {k.removesuffix(":token"): v for k, v in people.items() if k.endswith(":token")}


def case_templates() -> list[tuple[dict[str, Any], str, str]]:
    return [(json.loads((EXAMPLES / name).read_text()), action, day)
            for name, action, day in SUBMISSIONS]


def decision_body(rng: random.Random, request: dict[str, Any]) -> dict[str, Any]:
    """Approve or deny, about a third of the time against the recommendation."""
    recommended = request["recommendation"]
    if request["state"] == "cleared":
        outcome = "deny"  # a cleared request can only be stopped
    elif recommended in ("approve", "deny") and rng.random() < 0.67:
        outcome = recommended
    else:
        outcome = rng.choice(["approve", "deny"])
    body: dict[str, Any] = {"outcome": outcome,
                            "reason_code": "other",
                            "reason": f"Decided under load test ({outcome})."}
    if (recommended, outcome) in {("approve", "deny"), ("deny", "approve")}:
        body["justification"] = "Deliberately against the recommendation to exercise escalation."
    return body


# -- what the clients were told ----------------------------------------------------------------

@dataclass
class Ledger:
    """Every acknowledged answer, and what was sent but never answered."""

    requests: dict[int, str] = field(default_factory=dict)          # id → state acknowledged
    decisions: dict[int, dict[str, Any]] = field(default_factory=dict)  # request id → decision
    reads: Counter[int] = field(default_factory=Counter)            # request id → reads answered
    read_states: dict[int, str] = field(default_factory=dict)       # id → last state read
    receipts: list[dict[str, Any]] = field(default_factory=list)
    unanswered: Counter[str] = field(default_factory=Counter)       # op → sent, no answer
    unexpected: list[str] = field(default_factory=list)             # status codes we did not expect
    settled_later: int = 0  # decisions not acknowledged, found committed when retried
    in_flight: int = 0      # requests sent and not yet answered, now
    in_flight_at_kills: list[int] = field(default_factory=list)
    committed_unanswered: dict[str, int] = field(default_factory=dict)  # filled by check()
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> int:
        return len(self.requests) + len(self.decisions) + sum(self.reads.values())


class Client(threading.Thread):
    """One office's officer and supervisors doing a seeded mix of submit, decide and read."""

    def __init__(self, index: int, base: str, tokens: dict[str, str], ledger: Ledger, seed: int,
                 stop: threading.Event):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index, self.ledger, self.stop_flag = index, ledger, stop
        self.rng = random.Random(f"{seed}-{index}")
        self.office = list(OFFICES)[index % len(OFFICES)]
        staff = OFFICES[self.office]
        self.http = {name: httpx.Client(base_url=base, timeout=httpx.Timeout(120.0),
                                        headers={"Authorization": f"Bearer {tokens[name]}"})
                     for name in [*staff["officers"], *staff["supervisors"]]}
        self.templates = case_templates()
        self.pending: dict[int, dict[str, Any]] = {}  # awaiting a decision, as last seen
        self.known: list[int] = []
        self.unanswered: set[int] = set()  # decisions sent that got no answer
        self.serial = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop_flag.is_set():
                self.step()
        except BaseException as exc:  # reported by the driver, which stops the run
            self.error = exc

    def step(self) -> None:
        roll = self.rng.random()
        if self.pending and roll < 0.4:
            self.decide(self.rng.choice(sorted(self.pending)))
        elif self.known and roll > 0.8:
            self.read(self.rng.choice(self.known))
        else:
            self.submit()

    def call(self, op: str, who: str, method: str, path: str,
             body: dict[str, Any] | None = None) -> httpx.Response | None:
        with self.ledger.lock:
            self.ledger.in_flight += 1
        try:
            return self.http[who].request(method, path, json=body)
        except httpx.ConnectError:  # the server is down: nothing was sent
            time.sleep(0.05)  # let the restart happen rather than spin
        except httpx.TransportError:  # it died under us: sent, and nothing acknowledged
            with self.ledger.lock:
                self.ledger.unanswered[op] += 1
        finally:
            with self.ledger.lock:
                self.ledger.in_flight -= 1
        return None

    def unexpected(self, op: str, response: httpx.Response) -> None:
        with self.ledger.lock:
            self.ledger.unexpected.append(f"{op} {response.status_code}: {response.text[:300]}")

    def submit(self) -> None:
        case, action, day = self.rng.choice(self.templates)
        self.serial += 1
        officer = self.rng.choice(OFFICES[self.office]["officers"])
        data = {**case, "id": f"fault-{self.index}-{self.serial}"}
        r = self.call("submit", officer, "POST", "/api/requests",
                      {"case": data, "action": action, "office": self.office, "date": day})
        if r is None:
            return
        if r.status_code != 201:
            return self.unexpected("submit", r)
        view = r.json()
        with self.ledger.lock:
            self.ledger.requests[view["id"]] = view["state"]
            self.ledger.receipts += view["receipts"]
        self.known.append(view["id"])
        if view["state"] in ("awaiting_judgement", "awaiting_approval", "cleared"):
            self.pending[view["id"]] = view

    def decide(self, request_id: int) -> None:
        view = self.pending[request_id]
        decider = (view["assigned_to"] if view["state"] == "awaiting_approval"
                   else self.rng.choice(OFFICES[self.office]["supervisors"]))
        assert isinstance(decider, str)
        r = self.call("decide", decider, "POST", f"/api/requests/{request_id}/decision",
                      decision_body(self.rng, view))
        if r is None:
            self.unanswered.add(request_id)
            return  # still pending: tried again later
        if r.status_code == 409 and request_id in self.unanswered:
            return self.settle(request_id)  # an earlier, unanswered attempt was committed
        if r.status_code != 200:
            return self.unexpected("decide", r)
        decided = r.json()
        del self.pending[request_id]
        with self.ledger.lock:
            self.ledger.decisions[request_id] = {
                "id": decided["decision"]["id"], "outcome": decided["decision"]["outcome"],
                "state": decided["state"], "flagged": decided["decision"]["against_recommendation"]}
            self.ledger.receipts += decided["receipts"]

    def settle(self, request_id: int) -> None:
        r = self.call("read", OFFICES[self.office]["supervisors"][0], "GET",
                      f"/api/requests/{request_id}")
        if r is None:
            return
        view = r.json()
        if r.status_code == 200 and view["state"] in DECIDED:
            del self.pending[request_id]
            with self.ledger.lock:
                self.ledger.settled_later += 1
                self.record_read(request_id, view["state"])
        else:
            self.unexpected("decide", r)

    def read(self, request_id: int) -> None:
        who = self.rng.choice(list(self.http))
        r = self.call("read", who, "GET", f"/api/requests/{request_id}")
        if r is None:
            return
        if r.status_code != 200:
            return self.unexpected("read", r)
        with self.ledger.lock:
            self.record_read(request_id, r.json()["state"])

    def record_read(self, request_id: int, state: str) -> None:
        self.ledger.reads[request_id] += 1
        self.ledger.read_states[request_id] = state

    def close(self) -> None:
        for c in self.http.values():
            c.close()


# -- the run ----------------------------------------------------------------------------------

@dataclass
class Result:
    backend: str
    kills: int
    ledger: Ledger
    problems: list[str]
    counts: dict[str, int]
    verify: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def lost(self) -> int:
        return sum(1 for p in self.problems if p.startswith("lost"))

    def summary(self) -> dict[str, Any]:
        return {"backend": self.backend, "kills_survived": self.kills if self.ok else 0,
                "kills": self.kills, "acknowledged_submits": len(self.ledger.requests),
                "acknowledged_decisions": len(self.ledger.decisions),
                "acknowledged_reads": sum(self.ledger.reads.values()),
                "unanswered": dict(self.ledger.unanswered),
                "in_flight_at_kills": self.ledger.in_flight_at_kills,
                "unanswered_decisions_found_committed": self.ledger.settled_later,
                "committed_unanswered": self.ledger.committed_unanswered,
                "lost": self.lost, "problems": self.problems, "counts": self.counts,
                "audit_entries": self.verify.get("size"),
                "checkpoints": self.verify.get("checkpoints_checked")}


def wait_for(progress: Callable[[], bool], clients: list[Client], server: ServerProcess) -> None:
    """Poll until ``progress()``; fail fast if every client or the server died on its own."""
    while not progress():
        failed = [c.error for c in clients if c.error is not None]
        if failed:
            raise RuntimeError(f"a client failed: {failed[0]!r}") from failed[0]
        assert server.proc is not None
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server died by itself:\n{server.log_path.read_text()[-3000:]}")
        time.sleep(0.01)


def run(backend: str, kills: int = 5, clients: int = 4, seed: int = 1, ops_between: int = 20,
        workers: int = 1, home: Path | None = None) -> Result:
    """Load, kill, restart, ``kills`` times; then check everything acknowledged."""
    with tempfile.TemporaryDirectory() as tmp:
        where = home or Path(tmp)
        with fresh_database(backend, where) as url:
            server = ServerProcess(url, where, {"DISCRETION_CHECKPOINT_EVERY": "64"}, workers)
            tokens = seed_users(server, url)
            server.start()
            ledger, stop = Ledger(), threading.Event()
            threads = [Client(i, server.base, tokens, ledger, seed, stop) for i in range(clients)]
            try:
                for t in threads:
                    t.start()
                done = kill_and_restart(server, ledger, threads, kills, ops_between, random.Random(seed))
            finally:
                stop.set()
                for t in threads:
                    t.join()
                    t.close()
                server.stop()
            problems, counts = check(url, ledger)
            verify = cli_verify(server, problems)
            return Result(backend, done, ledger, problems, counts, verify)


def kill_and_restart(server: ServerProcess, ledger: Ledger, threads: list[Client], kills: int,
                     ops_between: int, rng: random.Random) -> int:
    """Each kill after a seeded number of acknowledged operations and a seeded pause (so it
    lands inside requests); returns the kills done. Ends once the last restart has served
    ``ops_between`` more operations."""
    done = 0
    for _ in range(kills):
        target = ledger.acknowledged + rng.randint(ops_between // 2, ops_between * 3 // 2)
        wait_for(lambda t=target: ledger.acknowledged >= t, threads, server)  # type: ignore[misc]
        time.sleep(rng.uniform(0, 0.05))
        ledger.in_flight_at_kills.append(ledger.in_flight)
        server.kill()
        done += 1
        server.start()
    after = ledger.acknowledged + ops_between
    wait_for(lambda: ledger.acknowledged >= after, threads, server)
    return done


# -- the checks -------------------------------------------------------------------------------

def rows(url: str) -> dict[str, list[dict[str, Any]]]:
    db = Database(url)
    try:
        with db.reading() as conn:
            def q(sql: str) -> list[dict[str, Any]]:
                return [dict(r._mapping) for r in conn.execute(text(sql))]
            return {
                "requests": q("SELECT id, case_id, state, flagged FROM requests"),
                "assessments": q("SELECT id, request_id FROM assessments"),
                "transitions": q("SELECT request_id, from_state, to_state, event FROM transitions"),
                "decisions": q("SELECT id, request_id, outcome, against_recommendation FROM decisions"),
                "escalations": q("SELECT id, request_id, reason FROM escalations"),
                "cases": q("SELECT id FROM cases"),
                "case_versions": q("SELECT case_id, version FROM case_versions"),
                "audit": q("SELECT seq, kind, subject, payload, leaf_hash FROM audit_entries ORDER BY seq"),
            }
    finally:
        db.dispose()


def check(url: str, ledger: Ledger) -> tuple[list[str], dict[str, int]]:
    data = rows(url)
    # Committed, but the answer died with the server: allowed (the client was never told),
    # and the evidence that kills landed between COMMIT and the response.
    ledger.committed_unanswered = {
        "submits": len({r["id"] for r in data["requests"]} - set(ledger.requests)),
        "decisions": len({d["request_id"] for d in data["decisions"]} - set(ledger.decisions))}
    problems: list[str] = []
    problems += check_acknowledged(data, ledger)
    problems += check_whole(data)
    counts, mismatches = check_counts(data)
    problems += mismatches
    problems += check_receipts(data, ledger)
    return problems, counts


def check_acknowledged(data: dict[str, list[dict[str, Any]]], ledger: Ledger) -> list[str]:
    """Every acknowledged request and decision is there, in its state or a later one."""
    problems = []
    requests = {r["id"]: r for r in data["requests"]}
    decisions = {d["request_id"]: d for d in data["decisions"]}
    for rid, state in {**ledger.requests, **ledger.read_states}.items():
        row = requests.get(rid)
        if row is None:
            problems.append(f"lost: request {rid}, acknowledged as {state}")
        elif row["state"] != state and not (state not in DECIDED and row["state"] in DECIDED):
            problems.append(f"lost: request {rid} was acknowledged {state}, is now {row['state']}")
    for rid, acked in ledger.decisions.items():
        d = decisions.get(rid)
        if d is None or d["id"] != acked["id"] or d["outcome"] != acked["outcome"]:
            problems.append(f"lost: decision {acked['id']} on request {rid} ({acked['outcome']}); "
                            f"stored: {d}")
        elif (requests.get(rid, {}).get("state") != acked["state"]
              or bool(requests[rid]["flagged"]) != acked["flagged"]):
            problems.append(f"lost: request {rid} was acknowledged {acked['state']} "
                            f"(flagged {acked['flagged']}), is {requests.get(rid)}")
    read_logged = Counter(e["subject"] for e in data["audit"] if e["kind"] == "request.read")
    for rid, n in ledger.reads.items():
        if read_logged[f"request/{rid}"] < n:
            problems.append(f"lost: {n} reads of request {rid} were answered, "
                            f"{read_logged[f'request/{rid}']} logged")
    return problems


def check_whole(data: dict[str, list[dict[str, Any]]]) -> list[str]:
    """No half-written request, decision or case, and no row pointing at nothing."""
    problems = []
    request_ids = {r["id"] for r in data["requests"]}
    case_ids = {c["id"] for c in data["cases"]}
    by_kind: dict[str, Counter[str]] = {}
    for e in data["audit"]:
        by_kind.setdefault(e["kind"], Counter())[e["subject"]] += 1
    assessed = {a["request_id"] for a in data["assessments"]}
    routed = {t["request_id"] for t in data["transitions"] if t["event"] == "routed"}
    decided_moves = {t["request_id"]: t["to_state"] for t in data["transitions"] if t["event"] == "decided"}
    decisions = {d["request_id"]: d for d in data["decisions"]}
    escalated = {e["request_id"] for e in data["escalations"] if e["reason"] == "against_recommendation"}
    versions = {v["case_id"] for v in data["case_versions"]}
    for r in data["requests"]:
        rid, subject = r["id"], f"request/{r['id']}"
        missing = [what for what, present in (
            ("assessment", rid in assessed), ("routing transition", rid in routed),
            ("case", r["case_id"] in case_ids),
            *((f"{kind} entry", subject in by_kind.get(kind, {}))
              for kind in ("request.submitted", "request.assessed", "request.routed"))) if not present]
        if r["state"] in DECIDED:
            d = decisions.get(rid)
            missing += [what for what, present in (
                ("decision", d is not None and {"approve": "approved", "deny": "denied"}[d["outcome"]]
                 == r["state"]),
                ("decided transition", decided_moves.get(rid) == r["state"]),
                ("request.decided entry", subject in by_kind.get("request.decided", {}))) if not present]
        if r["flagged"]:
            missing += [what for what, present in (
                ("escalation", rid in escalated),
                ("request.escalated entry", subject in by_kind.get("request.escalated", {})))
                if not present]
        if missing:
            problems.append(f"half-written: request {rid} ({r['state']}) has no {', '.join(missing)}")
    for d in data["decisions"]:
        if d["request_id"] not in request_ids:
            problems.append(f"orphan: decision {d['id']} of a missing request {d['request_id']}")
    for table in ("assessments", "transitions", "escalations"):
        orphans = {row["request_id"] for row in data[table]} - request_ids
        if orphans:
            problems.append(f"orphan: {table} of missing requests {sorted(orphans)[:10]}")
    if case_ids - versions:
        problems.append(f"half-written: cases without a version {sorted(case_ids - versions)[:10]}")
    if versions - case_ids:
        problems.append(f"orphan: versions of missing cases {sorted(versions - case_ids)[:10]}")
    return problems


def check_counts(data: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, int], list[str]]:
    """The log's events against the tables' rows: each row was written with its event."""
    kinds = Counter(e["kind"] for e in data["audit"])
    moves = Counter(t["event"] for t in data["transitions"])
    pairs = {
        "requests": (len(data["requests"]), kinds["request.submitted"]),
        "assessments": (len(data["assessments"]), kinds["request.assessed"]),
        "routed transitions": (moves["routed"], kinds["request.routed"]),
        "decided transitions": (moves["decided"], kinds["request.decided"]),
        "transitions": (len(data["transitions"]), kinds["request.routed"] + kinds["request.decided"]
                        + kinds["request.reassessed"]),
        "decisions": (len(data["decisions"]), kinds["request.decided"]),
        "escalations": (len(data["escalations"]), kinds["request.escalated"]),
        "cases": (len(data["cases"]), kinds["case.created"]),
        "case versions": (len(data["case_versions"]), kinds["case.created"] + kinds["case.version_added"]),
    }
    problems = [f"counts: {n} {name} but {m} audit events" for name, (n, m) in pairs.items() if n != m]
    return {name: n for name, (n, _m) in pairs.items()}, problems


def check_receipts(data: dict[str, list[dict[str, Any]]], ledger: Ledger) -> list[str]:
    """Every receipt handed out names a leaf that is in the log, in the tree it was signed
    for: a crash may not fork the log under a receipt."""
    leaves = [bytes(e["leaf_hash"]) for e in data["audit"]]
    tree = tree_of(leaves)
    problems = []
    for r in ledger.receipts:
        seq, size = r["seq"], r["tree_size"]
        stored = leaves[seq] if seq < len(leaves) else None
        if stored is None or stored.hex() != r["leaf_hash"]:
            problems.append(f"lost: receipt for entry {seq} ({r['kind']} {r['subject']}) is not in the log")
            continue
        root = bytes.fromhex(r["checkpoint"]["root"])
        path = [bytes.fromhex(p) for p in r["inclusion_path"]]
        if not verify_inclusion(seq, size, stored, path, root) or tree.subtree(0, size) != root:
            problems.append(f"lost: receipt for entry {seq} was signed for a tree the log is not")
    return problems


def cli_verify(server: ServerProcess, problems: list[str]) -> dict[str, Any]:
    """``discretion audit verify`` as it stands after the last crash, then again after a
    final ``discretion audit checkpoint`` that signs the whole log."""
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "discretion.cli", *args], env=server.env,
                              capture_output=True, text=True, cwd=server.home)
    report: dict[str, Any] = {}
    after_crash = 0
    for step in ("after the last kill", "after a final checkpoint"):
        if step == "after a final checkpoint":
            made = cli("audit", "checkpoint")
            if made.returncode != 0:
                problems.append(f"discretion audit checkpoint failed: {made.stderr[-1000:]}")
        result = cli("audit", "verify", "--json")
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            report = {}
        if result.returncode != 0 or not report.get("ok"):
            problems.append(f"discretion audit verify {step} exited {result.returncode}: "
                            f"{(result.stdout + result.stderr)[-1500:]}")
        after_crash = after_crash or int(report.get("size", 0))
    # the checkpoint command logs its own request after signing, so the log is one longer
    if report.get("checkpoint_size", 0) < after_crash:
        problems.append(f"the final checkpoint covers {report.get('checkpoint_size')} of the "
                        f"{after_crash} entries there were after the last kill")
    return report


# -- the command ------------------------------------------------------------------------------

def print_summary(results: list[Result]) -> None:
    table = Table(title="Kills survived: the server SIGKILLed under load and restarted")
    for col in ("backend", "kills survived", "acknowledged: submits / decisions / reads",
                "requests in flight at the kills", "committed, answer lost: submits / decisions",
                "lost",
                "audit entries / checkpoints", "audit verify"):
        table.add_column(col)
    for r in results:
        s = r.summary()
        table.add_row(r.backend, f"{s['kills_survived']} of {r.kills}",
                      f"{s['acknowledged_submits']} / {s['acknowledged_decisions']} / "
                      f"{s['acknowledged_reads']}",
                      str(sum(s["in_flight_at_kills"])),
                      f"{s['committed_unanswered'].get('submits', 0)} / "
                      f"{s['committed_unanswered'].get('decisions', 0)}", str(s["lost"]),
                      f"{s['audit_entries']} / {s['checkpoints']}",
                      "OK" if not any("verify" in p for p in r.problems) else "FAILED")
    out.print(table)
    for r in results:
        for p in r.problems[:30]:
            out.print(f"[red]{r.backend}: {p}[/red]")
        for u in r.ledger.unexpected[:10]:
            out.print(f"[yellow]{r.backend}: unexpected answer: {u}[/yellow]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ops-between", type=int, default=20,
                        help="mean acknowledged operations between two kills")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run(b, args.kills, args.clients, args.seed, args.ops_between, args.workers)
               for b in backends]
    if args.json:
        print(json.dumps([r.summary() for r in results], indent=2))
    else:
        print_summary(results)
    failed = [r for r in results if not r.ok or r.ledger.unexpected]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
