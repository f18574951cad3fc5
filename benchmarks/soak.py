"""Soak: a sustained mixed load against a real server for a fixed time.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--backend sqlite|postgresql]
                                        [--clients 8] [--interval 30] [--chart soak.png]
                                        [--json soak.json] [--seed 1] [--workers 1]

``discretion serve`` runs as a subprocess on a fresh database (as in ``faults.py``);
``--clients`` keep-alive HTTP connections send, one after another, a seeded mix of
submit (``POST /api/requests``, 40 %), decide (``POST /api/requests/{id}/decision`` on a
request the client submitted, 25 %), read (``GET /api/requests/{id}``, 20 %) and audit
proof reads (``GET /api/audit/entries/{seq}/proof`` of a receipt the client holds, in the
newest tree it knows, 15 %). Reported: throughput and p50/p99 latency per interval and
overall, per operation, the server's resident memory (VmRSS from /proc of its process
group, sampled every few seconds) at the start, after the first interval (warm) and at the
end, and errors by kind: a table, a PNG chart (``--chart``) and JSON (``--json``). Exits 1
on any server error (5xx) or dropped connection.

The first interval includes the server's warm-up: each API token is checked with argon2
once per process (64 MiB and tens of milliseconds each), and the first assessments load
the policies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faults import (
    OFFICES,
    ServerProcess,
    case_templates,
    decision_body,
    fresh_database,
    seed_users,
)

out = Console(width=120)
MIX = (("submit", 0.40), ("decide", 0.25), ("read", 0.20), ("proof", 0.15))
EXPECTED = {"submit": 201, "decide": 200, "read": 200, "proof": 200}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


class Connection:
    """One keep-alive HTTP/1.1 connection, requests one after another. Minimal on purpose:
    a full client library costs more CPU than the server on two cores, and would measure
    itself (see benchmarks/api.py)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str,
                      body: dict[str, Any] | None = None) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        raw = json.dumps(body).encode() if body is not None else b""
        self.writer.write(f"{method} {path} HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer {token}\r\n"
                          f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n"
                          .encode() + raw)
        status = await self.reader.readline()
        if not status:
            raise ConnectionResetError("the server closed the connection")
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return int(status.split()[1]), json.loads(payload) if payload else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Sample:
    end: float      # seconds since the load started
    latency: float  # seconds
    op: str
    outcome: str    # "ok", an unexpected status code, or "connection"


@dataclass
class Load:
    deadline: float
    started: float
    samples: list[Sample] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds, KiB)


async def client(index: int, port: int, tokens: dict[str, str], load: Load, seed: int) -> None:
    """One office's officer and supervisors on one connection."""
    rng = random.Random(f"soak-{seed}-{index}")
    office = list(OFFICES)[index % len(OFFICES)]
    staff = OFFICES[office]
    templates = case_templates()
    pending: dict[int, dict[str, Any]] = {}
    known: list[int] = []
    receipts: list[int] = []
    newest_tree = 0
    conn = Connection(port)
    serial = 0
    ops, weights = zip(*MIX, strict=True)
    while time.perf_counter() < load.deadline:
        op = rng.choices(ops, weights)[0]
        if (op == "decide" and not pending) or (op in ("read", "proof") and not receipts):
            op = "submit"
        officer = rng.choice(staff["officers"])
        if op == "submit":
            case, action, day = rng.choice(templates)
            serial += 1
            call = ("POST", "/api/requests", officer,
                    {"case": {**case, "id": f"soak-{index}-{serial}"}, "action": action,
                     "office": office, "date": day})
        elif op == "decide":
            rid = rng.choice(list(pending))
            view = pending.pop(rid)
            who = view["assigned_to"] or rng.choice(staff["supervisors"])
            call = ("POST", f"/api/requests/{rid}/decision", who, decision_body(rng, view))
        elif op == "read":
            call = ("GET", f"/api/requests/{rng.choice(known)}", rng.choice(staff["supervisors"]), None)
        else:
            call = ("GET", f"/api/audit/entries/{rng.choice(receipts)}/proof?tree_size={newest_tree}",
                    officer, None)
        t0 = time.perf_counter()
        try:
            status, body = await conn.request(call[0], call[1], tokens[call[2]], call[3])
        except (OSError, asyncio.IncompleteReadError):
            load.samples.append(Sample(time.perf_counter() - load.started, 0.0, op, "connection"))
            conn.close()
            conn = Connection(port)
            continue
        t1 = time.perf_counter()
        ok = status == EXPECTED[op]
        load.samples.append(Sample(t1 - load.started, t1 - t0, op, "ok" if ok else str(status)))
        if ok and op in ("submit", "decide"):
            if op == "submit":
                known.append(body["id"])
                if body["state"] in ("awaiting_judgement", "awaiting_approval", "cleared"):
                    pending[body["id"]] = body
            for r in body["receipts"]:
                receipts.append(r["seq"])
                newest_tree = max(newest_tree, r["tree_size"])
    conn.close()


async def sample_memory(server: ServerProcess, load: Load, every: float) -> None:
    while time.perf_counter() < load.deadline:
        load.rss.append((time.perf_counter() - load.started, server.rss_kib()))
        await asyncio.sleep(min(every, max(0.0, load.deadline - time.perf_counter())))
    load.rss.append((time.perf_counter() - load.started, server.rss_kib()))


async def drive(server: ServerProcess, tokens: dict[str, str], clients: int, seconds: float,
                interval: float, seed: int) -> Load:
    started = time.perf_counter()
    load = Load(deadline=started + seconds, started=started)
    await asyncio.gather(sample_memory(server, load, min(interval, 5.0)),
                         *(client(i, server.port, tokens, load, seed) for i in range(clients)))
    return load


# -- the report ---------------------------------------------------------------------------------

def summarise(load: Load, seconds: float, interval: float) -> dict[str, Any]:
    ok = [s for s in load.samples if s.outcome == "ok"]
    intervals = []
    n = max(1, int(-(-seconds // interval)))  # ceiling: a short last interval is kept
    for i in range(n):
        lo, hi = i * interval, min(seconds, (i + 1) * interval)
        inside = [s for s in ok if lo <= s.end < hi or (i == n - 1 and s.end >= hi)]
        lat = [s.latency for s in inside]
        rss = [kib for t, kib in load.rss if t <= hi + 1e-9]
        intervals.append({"start_s": round(lo, 1), "end_s": round(hi, 1), "ops": len(inside),
                          "ops_per_s": round(len(inside) / max(hi - lo, 1e-9), 1),
                          "p50_ms": round(percentile(lat, 50) * 1000, 1),
                          "p99_ms": round(percentile(lat, 99) * 1000, 1),
                          "rss_mib": round(rss[-1] / 1024, 1) if rss else None,
                          "errors": sum(1 for s in load.samples if s.outcome != "ok"
                                        and lo <= s.end < hi)})
    per_op = {}
    for op, _w in MIX:
        lat = [s.latency for s in ok if s.op == op]
        per_op[op] = {"ops": len(lat), "p50_ms": round(percentile(lat, 50) * 1000, 1),
                      "p99_ms": round(percentile(lat, 99) * 1000, 1)}
    errors = Counter(f"{s.op} {s.outcome}" for s in load.samples if s.outcome != "ok")
    rss_start = load.rss[0][1] if load.rss else 0
    warm = next((kib for t, kib in load.rss if t >= interval), load.rss[-1][1] if load.rss else 0)
    rss_end = load.rss[-1][1] if load.rss else 0
    peak = max((kib for _t, kib in load.rss), default=0)
    lat_all = [s.latency for s in ok]
    return {"seconds": round(seconds, 1), "ops": len(ok), "ops_per_s": round(len(ok) / seconds, 1),
            "p50_ms": round(percentile(lat_all, 50) * 1000, 1),
            "p99_ms": round(percentile(lat_all, 99) * 1000, 1), "per_op": per_op,
            "intervals": intervals, "errors": dict(errors), "server_errors": sum(
                n for kind, n in errors.items() if kind.split()[-1].startswith("5")
                or kind.endswith("connection")),
            "rss_samples": [(round(t, 1), round(kib / 1024, 1)) for t, kib in load.rss],
            "rss_mib": {"start": round(rss_start / 1024, 1), "warm": round(warm / 1024, 1),
                        "end": round(rss_end / 1024, 1), "peak_sampled": round(peak / 1024, 1),
                        "growth_after_warm_up": round((rss_end - warm) / 1024, 1)}}


def print_report(report: dict[str, Any], backend: str, clients: int) -> None:
    table = Table(title=f"Soak: {backend}, {clients} clients, {report['seconds']:.0f} s")
    for col in ("interval (s)", "ops", "ops/s", "p50 ms", "p99 ms", "server RSS MiB", "errors"):
        table.add_column(col, justify="right")
    for i in report["intervals"]:
        table.add_row(f"{i['start_s']:.0f}–{i['end_s']:.0f}", str(i["ops"]), f"{i['ops_per_s']:.1f}",
                      f"{i['p50_ms']:.1f}", f"{i['p99_ms']:.1f}", str(i["rss_mib"]), str(i["errors"]))
    out.print(table)
    ops = Table(title="By operation")
    for col in ("operation", "ops", "p50 ms", "p99 ms"):
        ops.add_column(col, justify="right")
    for op, o in report["per_op"].items():
        ops.add_row(op, str(o["ops"]), f"{o['p50_ms']:.1f}", f"{o['p99_ms']:.1f}")
    out.print(ops)
    m = report["rss_mib"]
    out.print(f"overall: {report['ops']} ops, {report['ops_per_s']:.1f} ops/s, "
              f"p50 {report['p50_ms']:.1f} ms, p99 {report['p99_ms']:.1f} ms; "
              f"server RSS {m['start']} MiB at start, {m['warm']} MiB after the first interval, "
              f"{m['end']} MiB at the end ({m['growth_after_warm_up']:+.1f} MiB after warm-up; "
              f"peak sampled {m['peak_sampled']} MiB); errors: {report['errors'] or 'none'}")


def chart(report: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mid = [(i["start_s"] + i["end_s"]) / 2 for i in report["intervals"]]
    fig, (a, b, c) = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    a.plot(mid, [i["ops_per_s"] for i in report["intervals"]], marker="o")
    a.set_ylabel("ops/s")
    a.set_ylim(bottom=0)
    b.plot(mid, [i["p50_ms"] for i in report["intervals"]], marker="o", label="p50")
    b.plot(mid, [i["p99_ms"] for i in report["intervals"]], marker="o", label="p99")
    b.set_ylabel("latency ms")
    b.set_ylim(bottom=0)
    b.legend()
    c.plot(*zip(*report["rss_samples"], strict=True), marker=".")
    c.set_ylabel("server RSS MiB")
    c.set_xlabel("seconds into the load")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def soak(backend: str, minutes: float, clients: int, interval: float, seed: int,
         workers: int = 1) -> dict[str, Any]:
    seconds = minutes * 60
    interval = min(interval, seconds)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        server = ServerProcess(url, Path(tmp), workers=workers)
        tokens = seed_users(server, url)
        server.start()
        try:
            load = asyncio.run(drive(server, tokens, clients, seconds, interval, seed))
        finally:
            server.stop()
    report = summarise(load, seconds, interval)
    report.update(backend=backend, clients=clients, workers=workers)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds per reported interval")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--chart", type=Path, help="write a PNG chart here")
    parser.add_argument("--json", type=Path, help="write the report as JSON here")
    args = parser.parse_args()
    report = soak(args.backend, args.minutes, args.clients, args.interval, args.seed, args.workers)
    print_report(report, args.backend, args.clients)
    if args.chart:
        chart(report, args.chart, f"discretion soak: {args.backend}, {args.clients} clients")
        out.print(f"chart: {args.chart}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    sys.exit(1 if report["server_errors"] else 0)


if __name__ == "__main__":
    main()
