"""Backups taken while the server runs, restored into empty databases of either kind."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from _support import fresh_url
from conftest import EXAMPLES, ROOT
from discretion.audit.keys import load_public_key
from discretion.audit.verify import verify
from discretion.ops.backup import BackupError, backup, restore
from discretion.store import Database


def minor_victim(new_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    data["id"] = new_id
    return data


def public_key(api: Any) -> Any:
    result = subprocess.run([sys.executable, "-m", "discretion.cli", "audit", "key"], env=api.env,
                            capture_output=True, text=True, cwd=ROOT)
    path = Path(api.home) / "public.pem"
    path.write_text(result.stdout)
    return load_public_key(path)


def counts(db: Database) -> dict[str, int]:
    with db.reading() as conn:
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() or 0)
                for t in ("requests", "assessments", "transitions", "audit_entries")}


def test_backup_under_load_restores_and_verifies(api: Any, tmp_path: Path,
                                                 request: pytest.FixtureRequest) -> None:
    officer = api.client("ofc.hou")
    stop = threading.Event()
    submitted: list[int] = []

    def load(n: int) -> None:
        i = 0
        while not stop.is_set():
            r = officer.post("/api/requests", json={"case": minor_victim(f"bk-{n}-{i}")})
            assert r.status_code == 201, r.text
            submitted.append(r.json()["id"])
            i += 1

    workers = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    source = Database(api.url)
    backups = []
    try:
        while len(submitted) < 10:
            pass
        for k in range(3):  # several snapshots while writes go on
            path = tmp_path / f"backup-{k}.jsonl.gz"
            backups.append((path, backup(source, path)))
    finally:
        stop.set()
        for w in workers:
            w.join()
    key = public_key(api)
    pg = request.getfixturevalue("pg_database")
    for i, (path, report) in enumerate(backups):
        target_kind = "postgresql" if i == 0 else "sqlite"
        url, _ = fresh_url(target_kind, tmp_path / f"t{i}", pg)
        (tmp_path / f"t{i}").mkdir(exist_ok=True)
        target = Database(url)
        restored = restore(target, path)
        assert restored.rows == report.rows
        verified = verify(target, key)
        assert verified.ok, verified.problems[:3]
        assert verified.size == report.audit_size
        assert verified.checkpoints >= 1 or report.checkpoint is None
        got = counts(target)
        # One consistent state: every request has its assessment, and the log holds them all.
        assert got["requests"] == got["assessments"] > 0
        assert got["audit_entries"] == report.audit_size
        target.dispose()
    assert counts(source)["requests"] >= max(counts_of(b) for _, b in backups)
    source.dispose()


def counts_of(report: Any) -> int:
    return int(report.rows["requests"])


def test_backup_files_are_checked(api: Any, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl.gz"
    backup(Database(api.url), path)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    row = next(i for i, line in enumerate(lines) if i > 0 and "HOU" in line)
    lines_altered = [*lines[:row], lines[row].replace("HOU", "HOX", 1), *lines[row + 1:]]
    altered = tmp_path / "altered.jsonl.gz"
    altered.write_bytes(gzip.compress(("\n".join(lines_altered) + "\n").encode()))
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(gzip.compress(("\n".join(lines[:-3]) + "\n").encode()))
    for bad, words in ((altered, "checksum mismatch"), (truncated, "incomplete")):
        target = Database(f"sqlite:///{tmp_path / (bad.stem + '.sqlite')}")
        with pytest.raises(BackupError, match=words):
            restore(target, bad)
        target.dispose()


def test_restore_refuses_a_database_with_data_and_writes_nothing(api: Any, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl.gz"
    backup(Database(api.url), path)
    target = Database(f"sqlite:///{tmp_path / 'full.sqlite'}")
    restore(target, path)
    before = counts(target)
    with pytest.raises(BackupError, match="not empty"):
        restore(target, path)
    assert counts(target) == before
    target.dispose()


def test_cli_backup_and_restore(api: Any, tmp_path: Path) -> None:
    path = tmp_path / "cli.jsonl.gz"
    made = subprocess.run([sys.executable, "-m", "discretion.cli", "backup", str(path)],
                          env=api.env, capture_output=True, text=True, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stdout
    env = {**api.env, "DISCRETION_DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite'}"}
    done = subprocess.run([sys.executable, "-m", "discretion.cli", "restore", str(path)],
                          env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "audit log OK" in done.stdout and "the configured signing key" in done.stdout
    again = subprocess.run([sys.executable, "-m", "discretion.cli", "restore", str(path)],
                           env=env, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 2 and "not empty" in again.stderr
