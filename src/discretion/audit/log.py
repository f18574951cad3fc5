"""Appending to the audit log, checkpoints, receipts and proofs.

:func:`append` runs inside the caller's write transaction, after its state changes, so
the entries commit with them or not at all (and are durable before the API answers).
It locks the one head row, which orders all writers: the sequence numbers have no gaps
and each leaf names its predecessor.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from ..store.models import AuditEntry, AuditHead, Checkpoint
from . import leaf as _leaf
from .keys import key_id
from .merkle import Frontier, Tree, leaf_hash

CHECKPOINT_EVERY = int(os.environ.get("DISCRETION_CHECKPOINT_EVERY", "1000"))


def origin() -> str:
    """The log's name, first line of every signed checkpoint."""
    return os.environ.get("DISCRETION_LOG_ORIGIN", "discretion.local/audit")


def note(origin_: str, size: int, root: bytes) -> bytes:
    """The signed text of a checkpoint: origin, size and base64 root, one per line."""
    return f"{origin_}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


class Signer:
    def __init__(self, key: Ed25519PrivateKey, origin_: str | None = None):
        self.key = key
        self.public = key.public_key()
        self.key_id = key_id(self.public)
        self.origin = origin_ or origin()

    def sign(self, size: int, root: bytes) -> dict[str, Any]:
        sig = self.key.sign(note(self.origin, size, root))
        return {"origin": self.origin, "size": size, "root": root.hex(), "key_id": self.key_id,
                "signature": base64.b64encode(sig).decode()}


def check_signature(public: Ed25519PublicKey, origin_: str, size: int, root: bytes,
                    signature: bytes) -> bool:
    try:
        public.verify(signature, note(origin_, size, root))
    except InvalidSignature:
        return False
    return True


@dataclass
class Event:
    """Something to log. ``receipt``: sign a receipt for it (decisions get one)."""

    actor: str
    kind: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    receipt: bool = False


@dataclass
class Receipt:
    """Proof that an entry is in the log: its inclusion path in the tree that ends with
    it, and that tree's root signed by the log key."""

    seq: int
    kind: str
    subject: str
    leaf_hash: bytes
    path: list[bytes]
    checkpoint: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "subject": self.subject,
                "leaf_hash": self.leaf_hash.hex(), "tree_size": self.seq + 1,
                "inclusion_path": [p.hex() for p in self.path], "checkpoint": self.checkpoint}


def append(session: Session, events: Sequence[Event], signer: Signer,
           receipts: bool = True) -> list[Receipt]:
    """Append events in order; returns a receipt for each event that asks for one
    (none if ``receipts`` is false, for bulk loads)."""
    heads = cast(Table, AuditHead.__table__)
    head = session.execute(select(AuditHead.size, AuditHead.last_hash, AuditHead.frontier)
                           .where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        raise RuntimeError("the audit log has no head row: run the migrations")
    frontier = Frontier.decode(head.size, bytes(head.frontier))
    prev = bytes(head.last_hash)
    out = []
    rows = []
    for event in events:
        seq = frontier.size
        time = _leaf.now()
        payload = _leaf.canonical(event.payload)
        h = leaf_hash(_leaf.entry(seq, time, event.actor, event.kind, event.subject, payload, prev))
        path = frontier.append(h)
        rows.append({"seq": seq, "time": time, "actor": event.actor, "kind": event.kind,
                     "subject": event.subject, "payload": payload, "leaf_hash": h})
        if receipts and event.receipt:
            out.append(Receipt(seq, event.kind, event.subject, h, path,
                               signer.sign(seq + 1, frontier.root())))
        prev = h
        if frontier.size % CHECKPOINT_EVERY == 0:
            _add_checkpoint(session, signer, frontier.size, frontier.root())
    if rows:
        session.execute(insert(cast(Table, AuditEntry.__table__)), rows)
        session.execute(update(heads).where(heads.c.id == 1).values(
            size=frontier.size, last_hash=prev, frontier=frontier.encode()))
    return out


def _add_checkpoint(session: Session, signer: Signer, size: int, root: bytes) -> Checkpoint:
    signed = signer.sign(size, root)
    row = Checkpoint(origin=signer.origin, size=size, root=root, key_id=signer.key_id,
                     signature=base64.b64decode(signed["signature"]), created_at=_leaf.now())
    session.add(row)
    return row


def checkpoint(session: Session, signer: Signer) -> Checkpoint:
    """Sign the current head, unless the latest checkpoint already covers it."""
    head = session.get(AuditHead, 1, with_for_update=True, populate_existing=True)
    assert head is not None
    latest = latest_checkpoint(session)
    if latest is not None and latest.size == head.size:
        return latest
    return _add_checkpoint(session, signer, head.size, Frontier.decode(head.size, head.frontier).root())


def latest_checkpoint(session: Session) -> Checkpoint | None:
    return session.scalars(select(Checkpoint).order_by(Checkpoint.size.desc(), Checkpoint.id.desc())
                           .limit(1)).first()


def checkpoint_dict(c: Checkpoint) -> dict[str, Any]:
    return {"origin": c.origin, "size": c.size, "root": c.root.hex(), "key_id": c.key_id,
            "signature": base64.b64encode(c.signature).decode(), "created_at": c.created_at,
            "note": note(c.origin, c.size, c.root).decode()}


def size(session: Session) -> int:
    head = session.get(AuditHead, 1)
    return head.size if head else 0


# -- proofs ---------------------------------------------------------------------------------

_TREES: dict[str, dict[tuple[int, int], bytes]] = {}


def forget(url: str) -> None:
    """Drop the cached subtrees of one database (a failed commit may have fed them rows that
    were never written)."""
    _TREES.pop(url, None)


def tree(session: Session) -> Tree:
    """Subtree hashes read from the stored leaf hashes, perfect subtrees cached per database."""

    def fetch(lo: int, hi: int) -> list[bytes]:
        rows = session.execute(select(AuditEntry.leaf_hash).where(
            AuditEntry.seq >= lo, AuditEntry.seq < hi).order_by(AuditEntry.seq)).scalars().all()
        if len(rows) != hi - lo:
            raise LookupError(f"audit entries {lo}..{hi - 1} are incomplete")
        return list(rows)

    t = Tree(fetch)
    bind = session.get_bind()
    url = bind.engine.url
    t.cache = _TREES.setdefault(str(url), {})
    return t


def entry_dict(e: AuditEntry) -> dict[str, Any]:
    return {"seq": e.seq, "time": e.time, "actor": e.actor, "kind": e.kind, "subject": e.subject,
            "payload": e.payload, "leaf_hash": e.leaf_hash.hex()}
