"""The audit log in a real database: append, receipts, checkpoints and verification that
catches any altered byte, deleted row or reordering, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import text

from discretion.audit import log, merkle
from discretion.audit.log import Event, Signer
from discretion.audit.verify import verify
from discretion.store import Database


def fill(db: Database, signer: Signer, n: int, per_txn: int = 3) -> list[log.Receipt]:
    receipts = []
    for start in range(0, n, per_txn):
        with db.transaction() as s:
            events = [Event(f"user{i % 4}", "test.event", f"thing/{i}", {"i": i, "text": "é\n\"x\""},
                            receipt=True)
                      for i in range(start, min(n, start + per_txn))]
            receipts += log.append(s, events, signer)
    return receipts


def fill_to(db: Database, signer: Signer, size: int) -> None:
    with db.engine.connect() as c:
        have = c.execute(text("SELECT size FROM audit_head")).scalar_one()
    with db.transaction() as s:
        log.append(s, [Event("u", "test.event", f"thing/{i}", {"i": i, "text": "x"})
                       for i in range(have, size)], signer)


def test_appends_verify_and_receipts_prove_inclusion(db: Database, signer: Signer) -> None:
    receipts = fill(db, signer, 40)
    assert [r.seq for r in receipts] == list(range(40))
    with db.transaction() as s:
        cp = log.checkpoint(s, signer)
        assert cp.size == 40
        tree = log.tree(s)
        for r in receipts:
            signed = r.checkpoint
            root = bytes.fromhex(signed["root"])
            assert log.check_signature(signer.public, signed["origin"], signed["size"], root,
                                       base64.b64decode(signed["signature"]))
            assert merkle.verify_inclusion(r.seq, r.seq + 1, r.leaf_hash, r.path, root)
            # ... and the receipt's tree is a prefix of the checkpointed one
            proof = tree.consistency(r.seq + 1, cp.size)
            assert merkle.verify_consistency(r.seq + 1, cp.size, root, cp.root, proof)
            assert merkle.verify_inclusion(r.seq, cp.size, r.leaf_hash, tree.inclusion(r.seq, cp.size),
                                           cp.root)
    report = verify(db, signer.public)
    assert report.ok, report.problems
    assert report.size == 40 and report.checkpoint_size == 40


def test_automatic_checkpoints(db: Database, signer: Signer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log, "CHECKPOINT_EVERY", 10)
    fill(db, signer, 35, per_txn=4)
    with db.engine.connect() as c:
        sizes = c.execute(text("SELECT size FROM audit_checkpoints ORDER BY size")).scalars().all()
    assert sizes == [10, 20, 30]
    report = verify(db, signer.public)
    assert report.ok and report.checkpoints == 3 and report.checkpoint_size == 30
    assert report.to_dict()["unsigned_tail"] == 5


def _exec(db: Database, sql: str, **params: object) -> None:
    with db.engine.begin() as c:
        c.execute(text(sql), params)


def _flip_payload_byte(db: Database, seq: int) -> None:
    with db.engine.begin() as c:
        payload = c.execute(text("SELECT payload FROM audit_entries WHERE seq = :s"),
                            {"s": seq}).scalar_one()
        i = payload.index("x")
        c.execute(text("UPDATE audit_entries SET payload = :p WHERE seq = :s"),
                  {"p": payload[:i] + "y" + payload[i + 1:], "s": seq})


TAMPERS = {
    "payload byte": (lambda db: _flip_payload_byte(db, 7), 7),
    "actor": (lambda db: _exec(db, "UPDATE audit_entries SET actor = 'userX' WHERE seq = 12"), 12),
    "time": (lambda db: _exec(db, "UPDATE audit_entries SET time = '2020-01-01T00:00:00.000000Z' "
                              "WHERE seq = 3"), 3),
    "leaf hash": (lambda db: _exec(db, "UPDATE audit_entries SET leaf_hash = :h WHERE seq = 0",
                                   h=bytes(32)), 0),
    "deletion": (lambda db: _exec(db, "DELETE FROM audit_entries WHERE seq = 9"), 9),
    "reordering": (lambda db: (_exec(db, "UPDATE audit_entries SET seq = -1 WHERE seq = 5"),
                               _exec(db, "UPDATE audit_entries SET seq = 5 WHERE seq = 6"),
                               _exec(db, "UPDATE audit_entries SET seq = 6 WHERE seq = -1")), 5),
    "truncation": (lambda db: (_exec(db, "DELETE FROM audit_entries WHERE seq >= 15"),
                               _exec(db, "UPDATE audit_head SET size = 15")), 15),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_verification_names_the_first_bad_entry(db: Database, signer: Signer, tamper: str) -> None:
    fill(db, signer, 20)
    with db.transaction() as s:
        log.checkpoint(s, signer)
    assert verify(db, signer.public).ok
    change, first_bad = TAMPERS[tamper]
    change(db)
    report = verify(db, signer.public)
    assert not report.ok
    assert report.first_bad == first_bad, report.problems


def test_a_consistently_rewritten_history_fails_against_the_signed_checkpoint(
        db: Database, signer: Signer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewrite entry 13 and re-hash the whole chain after it: every row agrees with its
    neighbours, but not with the roots signed at sizes 10 and 20."""
    monkeypatch.setattr(log, "CHECKPOINT_EVERY", 10)
    fill(db, signer, 25)
    with db.engine.begin() as c:
        rows = c.execute(text("SELECT seq, time, actor, kind, subject, payload FROM audit_entries "
                              "ORDER BY seq")).all()
        prev = bytes(32)
        for seq, time, actor, kind, subject, payload in rows:
            if seq == 13:
                payload = payload.replace('"i":13', '"i":99')
            h = merkle.leaf_hash(log._leaf.entry(seq, time, actor, kind, subject, payload, prev))
            c.execute(text("UPDATE audit_entries SET payload = :p, leaf_hash = :h WHERE seq = :s"),
                      {"p": payload, "h": h, "s": seq})
            prev = h
        c.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    report = verify(db, signer.public)
    assert not report.ok
    assert report.first_bad == 10  # the first checkpoint still holds; the next one does not
    assert report.checkpoint_size == 10


def test_a_forged_checkpoint_fails(db: Database, signer: Signer) -> None:
    fill(db, signer, 5)
    other = Signer(__import__("cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"])
                   .Ed25519PrivateKey.generate(), signer.origin)
    with db.transaction() as s:
        log.checkpoint(s, other)
    report = verify(db, signer.public)
    assert not report.ok and "signature" in report.problems[0].message


def test_parallel_and_serial_verification_agree(db: Database, signer: Signer,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from discretion.audit import verify as verify_module
    monkeypatch.setattr(verify_module, "CHUNK", 8)
    monkeypatch.setattr(log, "CHECKPOINT_EVERY", 3)  # many checkpoints, at sizes across chunks
    for size in (30, 32, 33):  # a short last chunk, only full chunks, a last chunk of one
        fill_to(db, signer, size)
        with db.transaction() as s:
            log.checkpoint(s, signer)
        serial, parallel = verify(db, signer.public, workers=1), verify(db, signer.public, workers=2)
        assert serial.ok and parallel.ok, (serial.problems, parallel.problems)
        assert serial.root == parallel.root and parallel.size == size
    _flip_payload_byte(db, 22)
    assert verify(db, signer.public, workers=1).first_bad == 22
    assert verify(db, signer.public, workers=2).first_bad == 22


def test_a_failed_group_commit_forgets_the_proof_cache(tmp_path, signer: Signer) -> None:
    """On SQLite, units share one open transaction: a proof computed inside a batch can
    cache subtrees over rows of other units. If that batch's COMMIT fails, those rows never
    existed, so the cache must go with them."""
    from sqlalchemy import event

    from discretion.workflow.service import Workflow

    db = Database(f"sqlite:///{tmp_path / 'log.sqlite'}")
    db.migrate()
    Workflow(db, signer)  # registers the cache's forgetting with the group commit
    fill_to(db, signer, 600)
    key = str(db.engine.url)

    def refuse(_conn: object) -> None:
        raise RuntimeError("disk full")

    event.listen(db.engine, "commit", refuse)
    with pytest.raises(RuntimeError, match="disk full"), db.transaction() as s:
        log.append(s, [Event("u", "test.event", f"thing/{i}", {}) for i in range(600, 1100)], signer)
        log.tree(s).inclusion(1000, 1100)
        assert any(hi > 600 for _lo, hi in log._TREES[key])  # cached over uncommitted rows
    event.remove(db.engine, "commit", refuse)
    assert key not in log._TREES
    db.dispose()
    fresh = Database(f"sqlite:///{tmp_path / 'log.sqlite'}")
    with fresh.read_session() as s:
        assert log.size(s) == 600  # and the batch left nothing behind
    fresh.dispose()
