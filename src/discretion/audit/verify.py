"""Verify the whole audit log against its signed checkpoints.

Every row is rebuilt into its leaf (every column counts) and hashed; the hash must equal
the stored one, and each leaf names the one before it. The roots recomputed from the
leaves must equal every checkpoint's signed root. The first entry that fails is named.
With two or more cores the rows are hashed in parallel chunks.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, text

from ..store.db import Database
from .leaf import GENESIS, TEMPLATE, quote
from .log import check_signature
from .merkle import EMPTY_ROOT, levels, node_hash

CHUNK = 1 << 18  # a power of two: each full chunk is a perfect subtree
MAX_PROBLEMS = 20


@dataclass
class Problem:
    seq: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "message": self.message}


@dataclass
class Report:
    size: int = 0
    checkpoint_size: int = 0
    checkpoints: int = 0
    root: str = ""
    problems: list[Problem] = field(default_factory=list)
    bad_entries: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "size": self.size, "checkpoint_size": self.checkpoint_size,
                "checkpoints_checked": self.checkpoints, "root": self.root,
                "first_bad_entry": self.first_bad, "bad_entries": self.bad_entries,
                "unsigned_tail": max(0, self.size - self.checkpoint_size),
                "problems": [p.to_dict() for p in self.problems], "seconds": round(self.seconds, 3)}


Scan = tuple[bytes, list[tuple[int, str]], int, int]


def _scan_rows(conn: Connection, lo: int, hi: int, prev: bytes) -> Scan:
    """Hash rows [lo, hi); returns (joined computed hashes, problems, rows seen, bad rows)."""
    sha = hashlib.sha256
    out: list[bytes] = []
    push = out.append
    problems: list[tuple[int, str]] = []
    expected = lo
    bad = 0
    # The raw driver cursor: SQLAlchemy's row objects cost as much as the hashing here.
    conn.execute(text("SELECT 1"))  # opens the (read-only, snapshot) transaction first
    raw: Any = conn.connection.dbapi_connection
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    query = ("SELECT seq, time, actor, kind, subject, payload, leaf_hash FROM audit_entries "
             f"WHERE seq >= {mark} AND seq < {mark} ORDER BY seq")
    cursor = raw.cursor(name="audit_scan") if conn.dialect.name == "postgresql" else raw.cursor()
    if conn.dialect.name == "postgresql":
        cursor.itersize = 20_000
    cursor.execute(query, (lo, hi))

    def rows() -> Any:
        while True:
            batch = cursor.fetchmany(20_000)
            if not batch:
                return
            yield from batch
    result = rows()
    for seq, t, actor, kind, subject, payload, stored in result:
        if seq != expected:
            problems.append((expected, f"entries {expected}..{seq - 1} are missing" if seq > expected
                             else f"entry {seq} is out of order"))
            cursor.close()
            return b"".join(out), problems, expected - lo, bad + 1
        entry = (TEMPLATE % (quote(actor), quote(kind),
                             sha(payload.encode()).hexdigest(), prev.hex(), seq, quote(subject),
                             quote(t))).encode()
        h = sha(b"\x00" + entry).digest()
        if h != stored:
            bad += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append((seq, f"entry {seq} does not match its leaf hash: its contents, its "
                                 "hash or its predecessor were altered"))
            h = bytes(stored)  # go on from the stored chain, so one altered row is reported once
        push(h)
        prev = h
        expected += 1
    cursor.close()
    return b"".join(out), problems, expected - lo, bad


def _level_blobs(blob: bytes) -> list[bytes]:
    """Every level of the tree over the hashes in ``blob``, each level one byte string."""
    hashes = [blob[i:i + 32] for i in range(0, len(blob), 32)]
    return [b"".join(level) for level in levels(hashes)] if hashes else [b""]


def _scan_chunk(url: str, lo: int, hi: int, prev: bytes) -> tuple[Scan, list[bytes]]:
    """A worker: hash rows [lo, hi) and build the chunk's subtree levels."""
    db = Database(url)
    try:
        with db.reading() as conn:
            scan = _scan_rows(conn, lo, hi, prev)
    finally:
        db.dispose()
    lv = _level_blobs(scan[0])
    return (b"", *scan[1:]), lv  # the leaf hashes travel once, as level 0


def _merge(chunks: list[list[bytes]]) -> list[bytes]:
    """The levels of the whole tree from those of consecutive aligned chunks, all full but
    the last: below the chunk height levels concatenate (a shorter last chunk carries its
    root up, as the bottom-up tree does); above it, hash on."""
    height = max(len(c) for c in chunks)
    out = [b"".join(c[h] if h < len(c) else c[-1] for c in chunks) for h in range(height)]
    level = out[-1]
    while len(level) > 32:
        nodes = [level[i:i + 32] for i in range(0, len(level), 32)]
        nxt = [node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        if len(nodes) % 2:
            nxt.append(nodes[-1])
        level = b"".join(nxt)
        out.append(level)
    return out


def _root_at(lv: list[bytes], m: int) -> bytes:
    """Root of the first ``m`` leaves from the levels of a bigger tree: fold the perfect
    subtrees of m's binary decomposition."""
    if m == 0:
        return EMPTY_ROOT
    parts = []
    lo = 0
    for h in range(m.bit_length() - 1, -1, -1):
        if m >> h & 1:
            i = (lo >> h) * 32
            parts.append(lv[h][i:i + 32])
            lo += 1 << h
    r = parts[-1]
    for p in reversed(parts[:-1]):
        r = node_hash(p, r)
    return r


def verify(db: Database, public: Ed25519PublicKey, workers: int | None = None) -> Report:
    started = time.perf_counter()
    report = Report()
    with db.reading() as conn:
        n_rows, max_seq = conn.execute(text("SELECT COUNT(*), MAX(seq) FROM audit_entries")).one()
        head = conn.execute(text("SELECT size, last_hash FROM audit_head WHERE id = 1")).one_or_none()
        cps = conn.execute(text("SELECT origin, size, root, key_id, signature FROM audit_checkpoints "
                                "ORDER BY size, id")).all()
        n = max(n_rows, (max_seq + 1) if max_seq is not None else 0)
        bounds = list(range(0, n, CHUNK)) or [0]
        prevs = [GENESIS]
        for b in bounds[1:]:
            row = conn.execute(text("SELECT leaf_hash FROM audit_entries WHERE seq = :s"),
                               {"s": b - 1}).scalar()
            prevs.append(bytes(row) if row is not None else GENESIS)
        workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        if CHUNK & (CHUNK - 1):
            raise ValueError("CHUNK must be a power of two")
        jobs = [(b, min(b + CHUNK, n), p) for b, p in zip(bounds, prevs, strict=True)]
        if workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(workers) as pool:
                results = list(pool.map(_scan_chunk, [db.url] * len(jobs), *zip(*jobs, strict=True)))
        else:
            scans = [_scan_rows(conn, lo, hi, p) for lo, hi, p in jobs]
            results = [(scan, [scan[0]]) for scan in scans]
    chunk_levels: list[list[bytes]] = []
    for (_blob, problems, seen, bad), chunk_lv in results:
        report.bad_entries += bad
        report.problems += [Problem(s, m) for s, m in problems]
        chunk_levels.append(chunk_lv)
        report.size += len(chunk_lv[0]) // 32
        if seen < CHUNK:  # a short chunk ends the tree (the last one, or one with a gap)
            break
    parallel = workers > 1 and len(jobs) > 1
    lv = _merge(chunk_levels) if parallel else _level_blobs(b"".join(c[0] for c in chunk_levels))
    last = lv[0][-32:] if lv[0] else None
    if n_rows != n and report.first_bad is None:
        report.problems.append(Problem(n_rows, f"{n - n_rows} entries are missing"))
    report.root = _root_at(lv, report.size).hex()
    if head is None:
        report.problems.append(Problem(None, "the audit head row is missing"))
    else:
        head_size, head_last = head
        if head_size != n_rows:
            report.problems.append(Problem(min(head_size, n_rows), f"the head says {head_size} entries, "
                                           f"the table holds {n_rows}: entries were deleted or added "
                                           "outside the log"))
        elif last is not None and bytes(head_last) != last:
            report.problems.append(Problem(n_rows, "the head's last hash is not the last entry's: "
                                           f"entries after {n_rows - 1} were removed"))
    good_size = 0
    row_problems = list(report.problems)
    for origin_, size, root, _kid, sig in cps:
        report.checkpoints += 1
        root = bytes(root)
        if not check_signature(public, origin_, size, root, bytes(sig)):
            report.problems.append(Problem(None, f"the checkpoint at size {size} has a bad signature "
                                           "(altered, or signed by another key)"))
            continue
        if size > report.size:
            report.problems.append(Problem(report.size, f"the checkpoint at size {size} covers entries "
                                           f"the log no longer has (it holds {report.size})"))
            continue
        if _root_at(lv, size) != root:
            within = [p.seq for p in row_problems if p.seq is not None and good_size <= p.seq < size]
            report.problems.append(Problem(
                min(within, default=good_size),
                f"the entries before {size} do not hash to the signed root of the checkpoint at "
                f"size {size}: one of entries {good_size}..{size - 1} was altered or reordered"))
            continue
        good_size = size
        report.checkpoint_size = size
    report.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    report.seconds = time.perf_counter() - started
    return report


def signature_b64(sig: bytes) -> str:
    return base64.b64encode(sig).decode()
