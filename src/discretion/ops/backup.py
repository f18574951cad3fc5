"""Consistent backups of the workflow database, and restores into an empty one.

A backup is one gzip'd JSON-lines file: a header (format, schema revision, the log's public
key and latest signed checkpoint), then each table's rows, then a trailer with row counts and
the SHA-256 of everything before it. All tables are read in one read transaction (SQLite's WAL
snapshot; PostgreSQL's REPEATABLE READ), so a backup taken while the server runs is one
consistent state. Web sessions are left out: restoring them would revive logins.

A restore goes into an empty database of either kind, in one transaction (nothing is left
half-written if it fails), and then verifies the audit log: every entry, the hash chain and
every checkpoint signed before the backup, against a public key the operator trusts.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, func, select, text

from ..audit.keys import public_pem
from ..store.db import Database
from ..store.models import Base

FORMAT = "discretion.backup/1"
SKIPPED_TABLES = frozenset({"web_sessions"})
BATCH = 5000


class BackupError(ValueError):
    """A backup that cannot be taken or restored; the message says why."""


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$b" in value:
            return base64.b64decode(value["$b"])
        if "$t" in value:
            return dt.datetime.fromisoformat(value["$t"])
        if "$d" in value:
            return dt.date.fromisoformat(value["$d"])
    return value


def _revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        return None


@dataclass
class BackupReport:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    audit_size: int = 0
    checkpoint: dict[str, Any] | None = None
    sha256: str = ""

    def lines(self) -> list[str]:
        total = sum(self.rows.values())
        cp = (f"latest signed checkpoint at size {self.checkpoint['size']}"
              if self.checkpoint else "no signed checkpoint yet")
        return [f"backup written to {self.path}: {total:,} rows in {len(self.rows)} tables; "
                f"audit log of {self.audit_size:,} entries, {cp}; sha256 {self.sha256[:16]}…"]


class _Writer:
    """JSON lines into a gzip file, hashing every line written."""

    def __init__(self, path: Path):
        self.file = gzip.open(path, "wt", encoding="utf-8")  # noqa: SIM115
        self.digest = hashlib.sha256()

    def write(self, obj: Any) -> None:
        line = json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n"
        self.digest.update(line.encode())
        self.file.write(line)

    def close(self) -> None:
        self.file.close()


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """One read transaction over every table: a consistent state while writers go on."""
    if db.is_sqlite:
        with db.reading() as conn:
            yield conn
        return
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def backup(db: Database, out: Path, public: Ed25519PublicKey | None = None) -> BackupReport:
    """Write a consistent backup of ``db`` to ``out`` (overwritten only when complete)."""
    report = BackupReport(out)
    partial = out.with_name(out.name + ".partial")
    writer = _Writer(partial)
    try:
        with _snapshot(db) as conn:
            size = conn.execute(text("SELECT size FROM audit_head WHERE id = 1")).scalar() or 0
            checkpoint = conn.execute(text(
                "SELECT origin, size, root, key_id, signature FROM audit_checkpoints "
                "ORDER BY size DESC, id DESC LIMIT 1")).first()
            report.audit_size = int(size)
            report.checkpoint = (None if checkpoint is None else
                                 {k: _encode(v) for k, v in checkpoint._mapping.items()})
            writer.write({"format": FORMAT, "created": dt.datetime.now(dt.UTC).isoformat(),
                          "revision": _revision(conn), "source": db.engine.dialect.name,
                          "tables": [t.name for t in _tables()], "audit_size": report.audit_size,
                          "checkpoint": report.checkpoint,
                          "public_key": public_pem(public) if public is not None else None,
                          "skipped": sorted(SKIPPED_TABLES)})
            for table in _tables():
                columns = [c.name for c in table.columns]
                writer.write({"table": table.name, "columns": columns})
                order = list(table.primary_key.columns) or list(table.columns)
                count = 0
                for row in conn.execute(select(table).order_by(*order)):
                    writer.write([_encode(v) for v in row])
                    count += 1
                report.rows[table.name] = count
        report.sha256 = writer.digest.hexdigest()
        writer.write({"end": True, "rows": report.rows, "sha256": report.sha256})
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    writer.close()
    partial.replace(out)
    return report


# -- restore ---------------------------------------------------------------------------------

@dataclass
class RestoreReport:
    rows: dict[str, int]
    header: dict[str, Any]


def _read(path: Path) -> tuple[dict[str, Any], list[tuple[str, list[str], list[list[Any]]]]]:
    """Read and check a backup file: format, completeness and checksum."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    digest = hashlib.sha256()
    header: dict[str, Any] | None = None
    tables: list[tuple[str, list[str], list[list[Any]]]] = []
    trailer: dict[str, Any] | None = None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                if isinstance(obj, dict) and obj.get("end"):
                    trailer = obj
                    break
                digest.update(line.encode())
                if header is None:
                    header = obj
                elif isinstance(obj, dict) and "table" in obj:
                    tables.append((obj["table"], obj["columns"], []))
                elif tables:
                    tables[-1][2].append(obj)
                else:
                    raise BackupError(f"{path}: a row before any table")
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path}: not a readable backup ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path}: not a {FORMAT} file")
    if trailer is None:
        raise BackupError(f"{path}: incomplete (no trailer): the backup was cut short")
    if trailer.get("sha256") != digest.hexdigest():
        raise BackupError(f"{path}: checksum mismatch: the file was altered or damaged")
    counts = {name: len(rows) for name, _, rows in tables}
    if counts != trailer.get("rows"):
        raise BackupError(f"{path}: row counts differ from the trailer's")
    return header, tables


def restore(db: Database, path: Path) -> RestoreReport:
    """Load a backup into ``db``, which must be empty; one transaction."""
    header, tables = _read(path)
    db.migrate()
    known = {t.name: t for t in _tables()}
    with db.engine.connect() as conn:
        revision = _revision(conn)
        if header.get("revision") != revision:
            raise BackupError(f"the backup's schema revision is {header.get('revision')}; this "
                              f"database is at {revision}: restore with the same version")
        nonempty = [t for t in known.values() if t.name != "audit_head"
                    and conn.execute(select(func.count()).select_from(t)).scalar()]
        head = conn.execute(text("SELECT size FROM audit_head")).scalars().all()
        if any(size for size in head):
            nonempty.append(known["audit_head"])
        if nonempty:
            raise BackupError("the target database is not empty (tables with rows: "
                              f"{', '.join(t.name for t in nonempty)}); restore into an empty one")
    with db.engine.begin() as conn:
        conn.execute(known["audit_head"].delete())  # the empty log's head, made by the migration
        for name, columns, rows in tables:
            table = known.get(name)
            if table is None:
                raise BackupError(f"the backup has a table this version does not know: {name}")
            for start in range(0, len(rows), BATCH):
                batch = [dict(zip(columns, (_decode(v) for v in row), strict=True))
                         for row in rows[start:start + BATCH]]
                conn.execute(table.insert(), batch)
        if not db.is_sqlite:
            _reset_sequences(conn)
    return RestoreReport({name: len(rows) for name, _, rows in tables}, header)


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL's serial counters continue after the restored ids."""
    for table in _tables():
        for col in table.primary_key.columns:
            if col.autoincrement is True or (col.autoincrement == "auto"
                                             and col.type.python_type is int):
                seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                   {"t": table.name, "c": col.name}).scalar()
                if seq:
                    conn.execute(text(f"SELECT setval(:s, COALESCE((SELECT MAX({col.name}) FROM "
                                      f"{table.name}), 1), (SELECT COUNT(*) > 0 FROM "
                                      f"{table.name}))"), {"s": seq})


def header_public_key(header: dict[str, Any]) -> str | None:
    key = header.get("public_key")
    return key if isinstance(key, str) else None
