"""Throughput and latency of the workflow API and the audit log, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/api.py [--requests N] [--clients 32] [--entries 1000000]
                                       [--backends sqlite,postgresql] [--workers 1]

1. Submit-and-assess: ``POST /api/requests`` with a new case each time (validated, stored,
   decided with full explanation, routed, four audit entries with signed receipts,
   committed durably), from ``--clients`` concurrent HTTP clients against a real uvicorn
   server. Baseline in the same run: ``GET /api/health`` through the same server and
   clients (the framework's floor). Requests per second, p50 and p99 latency.
2. Audit appends per second, one event per transaction and 100 per transaction. Baseline:
   the same rows inserted by a plain INSERT with no chain, no tree and no head lock.
3. Verifying the whole log of ``--entries`` entries (default one million) against its
   signed checkpoints: the time ``discretion audit verify`` takes. Baseline: the time to
   merely read the same rows.

Everything runs on this machine; PostgreSQL is the local server
(``DISCRETION_TEST_POSTGRES_URL``); each run creates and drops its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _support import Server, populate  # noqa: E402
from discretion.audit import log  # noqa: E402
from discretion.audit.leaf import canonical  # noqa: E402
from discretion.audit.log import Event, Signer  # noqa: E402
from discretion.audit.verify import verify  # noqa: E402
from discretion.cases import parse_case  # noqa: E402
from discretion.decide import decide  # noqa: E402
from discretion.store import Database  # noqa: E402

PG_ADMIN = os.environ.get("DISCRETION_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
out = Console(width=120)


class Backend:
    """A fresh, migrated database for one backend; dropped by :meth:`close`."""

    def __init__(self, name: str, home: Path):
        self.name = name
        self.path: Path | None = None
        if name == "sqlite":
            self.path = home / f"bench-{uuid.uuid4().hex[:10]}.sqlite"
            self.url = f"sqlite:///{self.path}"
            self.dbname = None
        else:
            self.dbname = f"discretion_bench_{uuid.uuid4().hex[:10]}"
            with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'CREATE DATABASE "{self.dbname}"'))
            self.url = make_url(PG_ADMIN).set(database=self.dbname).render_as_string(False)
        db = Database(self.url)
        db.migrate()
        db.dispose()

    def close(self) -> None:
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        if self.dbname:
            with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)'))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def _connection(base: str, requests: list[bytes], latencies: list[float],
                      statuses: dict[int, int]) -> None:
    """One keep-alive HTTP/1.1 connection sending requests one after another. A minimal
    client: httpx's async pool costs more CPU than the server and would measure itself."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    for req in requests:
        t0 = time.perf_counter()
        writer.write(req)
        status = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - t0)
        code = int(status.split()[1])
        statuses[code] = statuses.get(code, 0) + 1
    writer.close()


def _http(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    head = (f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _load(base: str, requests: list[bytes], clients: int) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    shares = [requests[i::clients] for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(_connection(base, share, latencies, statuses) for share in shares))
    return len(requests) / (time.perf_counter() - started), latencies, statuses


def bench_http(backend: Backend, home: Path, n: int, clients: int, workers: int) -> dict[str, Any]:
    server = Server(backend.url, home, workers=workers)
    try:
        people = populate(server.workflow(), tokens=True)
        token = people["ofc.hou:token"]
        case = json.loads((ROOT / "examples" / "seed-minor-victim.json").read_text())
        def submits(prefix: str, count: int) -> list[bytes]:
            return [_http("POST", "/api/requests", token,
                          json.dumps({"case": {**case, "id": f"{prefix}-{i}"}}).encode())
                    for i in range(count)]
        asyncio.run(_load(server.base, submits("warm", 200), clients))
        health = asyncio.run(_load(server.base, [_http("GET", "/api/health", token)] * n, clients))
        submit = asyncio.run(_load(server.base, submits("bench", n), clients))
    finally:
        server.stop()
    assert set(submit[2]) == {201}, submit[2]
    return {"rps": submit[0], "p50": percentile(submit[1], 50) * 1000,
            "p99": percentile(submit[1], 99) * 1000, "health_rps": health[0],
            "health_p99": percentile(health[1], 99) * 1000, "engine_rps": engine_rate(case)}


def engine_rate(case: dict[str, Any], n: int = 2000) -> float:
    """The engine alone, in this process: validate, decide, explain, serialise."""
    started = time.perf_counter()
    for i in range(n):
        canonical(decide(parse_case({**case, "id": f"engine-{i}"})).to_dict())
    return n / (time.perf_counter() - started)


def bench_appends(backend: Backend, signer: Signer, n: int) -> dict[str, float]:
    db = Database(backend.url)
    results: dict[str, float] = {}
    try:
        for per_txn in (1, 100):
            t0 = time.perf_counter()
            for start in range(0, n, per_txn):
                with db.transaction() as s:
                    log.append(s, [Event("bench", "bench.event", f"thing/{i}", {"i": i})
                                   for i in range(start, start + per_txn)], signer)
            results[f"append_{per_txn}"] = n / (time.perf_counter() - t0)
            # baseline: the same rows, plain INSERT, no chain, no tree, no head lock
            with db.transaction() as s:
                s.execute(text("CREATE TABLE IF NOT EXISTS bench_plain (seq BIGINT PRIMARY KEY, "
                               "time VARCHAR(32), actor VARCHAR(64), kind VARCHAR(48), "
                               "subject VARCHAR(200), payload TEXT, leaf_hash BYTEA)"
                               .replace("BYTEA", "BLOB" if db.is_sqlite else "BYTEA")))
                s.execute(text("DELETE FROM bench_plain"))
            t0 = time.perf_counter()
            for start in range(0, n, per_txn):
                with db.transaction() as s:
                    s.execute(text("INSERT INTO bench_plain VALUES (:seq, :time, :actor, :kind, "
                                   ":subject, :payload, :leaf_hash)"),
                              [{"seq": i, "time": "2026-01-01T00:00:00.000000Z", "actor": "bench",
                                "kind": "bench.event", "subject": f"thing/{i}",
                                "payload": json.dumps({"i": i}), "leaf_hash": bytes(32)}
                               for i in range(start, start + per_txn)])
            results[f"plain_{per_txn}"] = n / (time.perf_counter() - t0)
    finally:
        db.dispose()
    return results


def bench_verify(backend: Backend, signer: Signer, entries: int) -> dict[str, float]:
    db = Database(backend.url)
    try:
        t0 = time.perf_counter()
        batch = 20_000
        with db.engine.connect() as c:
            have = c.execute(text("SELECT size FROM audit_head")).scalar_one()
        for start in range(have, entries, batch):
            with db.transaction() as s:
                log.append(s, [Event(f"user{i % 50}", "request.assessed", f"request/{i // 4}",
                                     {"assessment": i, "policy": "ice-2021-02-18",
                                      "enforcement": "judgement", "recommendation": "approve"})
                               for i in range(start, min(entries, start + batch))],
                           signer, receipts=False)
        with db.transaction() as s:
            log.checkpoint(s, signer)
        fill = time.perf_counter() - t0
        t0 = time.perf_counter()
        with db.reading() as conn:
            rows = 0
            for _row in conn.execution_options(stream_results=True, yield_per=20_000).execute(
                    text("SELECT seq, time, actor, kind, subject, payload, leaf_hash "
                         "FROM audit_entries ORDER BY seq")):
                rows += 1
        read = time.perf_counter() - t0
        report = verify(db, signer.public)
        assert report.ok and report.size == entries == rows, report.to_dict()
        serial = verify(db, signer.public, workers=1)
        assert serial.ok
    finally:
        db.dispose()
    return {"fill_s": fill, "read_s": read, "verify_s": report.seconds, "verify_serial_s": serial.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--skip", default="", help="comma list of http,appends,verify")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    signer = Signer(Ed25519PrivateKey.generate(), "bench.local/audit")
    out.print(f"discretion benchmarks: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
              f"{args.clients} clients, {args.workers} server worker(s)")
    table = Table(title="Workflow API and audit log")
    for col in ("backend", "measure", "value", "baseline (same run)", "ratio"):
        table.add_column(col)
    for name in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            if "http" not in skip:
                backend = Backend(name, home)
                try:
                    r = bench_http(backend, home, args.requests, args.clients, args.workers)
                finally:
                    backend.close()
                table.add_row(name, "submit-and-assess req/s", f"{r['rps']:.0f}",
                              f"GET /api/health {r['health_rps']:.0f} req/s",
                              f"{r['rps'] / r['health_rps']:.2f}×")
                table.add_row(name, "submit-and-assess latency", f"p50 {r['p50']:.1f} ms, "
                              f"p99 {r['p99']:.1f} ms", f"health p99 {r['health_p99']:.1f} ms", "")
                table.add_row(name, "submit-and-assess req/s", f"{r['rps']:.0f}",
                              f"engine alone, in process {r['engine_rps']:.0f}/s",
                              f"{r['rps'] / r['engine_rps']:.2f}×")
                out.print(f"{name}: submit {r['rps']:.0f} req/s, p50 {r['p50']:.1f} ms, "
                          f"p99 {r['p99']:.1f} ms (health {r['health_rps']:.0f} req/s)")
            if "appends" not in skip:
                backend = Backend(name, home)
                try:
                    a = bench_appends(backend, signer, args.appends)
                finally:
                    backend.close()
                for per in (1, 100):
                    table.add_row(name, f"audit appends/s, {per} per transaction",
                                  f"{a[f'append_{per}']:.0f}", f"plain INSERT {a[f'plain_{per}']:.0f}/s",
                                  f"{a[f'append_{per}'] / a[f'plain_{per}']:.2f}×")
                out.print(f"{name}: appends {a}")
            if "verify" not in skip:
                backend = Backend(name, home)
                try:
                    v = bench_verify(backend, signer, args.entries)
                finally:
                    backend.close()
                table.add_row(name, f"verify {args.entries:,} entries", f"{v['verify_s']:.2f} s "
                              f"(1 process: {v['verify_serial_s']:.2f} s)",
                              f"read rows only {v['read_s']:.2f} s",
                              f"{v['verify_s'] / v['read_s']:.2f}×")
                out.print(f"{name}: verify {v}")
    out.print(table)


if __name__ == "__main__":
    main()
