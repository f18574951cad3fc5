"""Reading the audit log through the workflow: entries, proofs, checkpoints. Each read is
itself logged. Entries are for auditors, headquarters and admins; proofs, checkpoints and
the public key are for anyone signed in, so that every holder of a receipt can check it."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, TypeVar

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import log as audit
from ..audit.log import Event, Receipt
from ..store.models import AuditEntry, Checkpoint
from .errors import Forbidden, Invalid, NotFound
from .roles import Principal, check_reads_records

T = TypeVar("T")
LOG_READERS = ("auditor", "hq", "admin")


class AuditViews:
    signer: audit.Signer

    def _run(self, body: Callable[[Session, list[Event]], T]) -> tuple[T, list[Receipt]]:
        raise NotImplementedError

    @staticmethod
    def _readers(who: Principal) -> None:
        check_reads_records(who)
        if who.role not in LOG_READERS:
            raise Forbidden("the audit log's entries are for auditors, headquarters and admins")

    def audit_entries(self, who: Principal, after: int = -1, limit: int = 100,
                      kind: str | None = None, subject: str | None = None) -> list[dict[str, Any]]:
        self._readers(who)
        if not 1 <= limit <= 1000:
            raise Invalid("between 1 and 1000", "limit")

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            query = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(limit)
            if kind:
                query = query.where(AuditEntry.kind == kind)
            if subject:
                query = query.where(AuditEntry.subject == subject)
            rows = session.scalars(query).all()
            events.append(Event(who.username, "audit.read", "audit/entries",
                                {"after": after, "limit": limit, "kind": kind, "subject": subject}))
            return [audit.entry_dict(e) for e in rows]
        return self._run(body)[0]

    def audit_entry(self, who: Principal, seq: int) -> dict[str, Any]:
        self._readers(who)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            row = session.get(AuditEntry, seq)
            if row is None:
                raise NotFound(f"no audit entry {seq}", "seq")
            events.append(Event(who.username, "audit.read", f"audit/entries/{seq}", {}))
            return audit.entry_dict(row)
        return self._run(body)[0]

    def audit_proof(self, who: Principal, seq: int, tree_size: int | None = None) -> dict[str, Any]:
        """Inclusion proof of entry ``seq`` in the tree of ``tree_size`` (default: the latest
        checkpoint's), with that checkpoint when it is one."""
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            row = session.get(AuditEntry, seq)
            if row is None:
                raise NotFound(f"no audit entry {seq}", "seq")
            latest = audit.latest_checkpoint(session)
            size = tree_size if tree_size is not None else (latest.size if latest else None)
            if size is None or not seq < size <= audit.size(session):
                raise Invalid(f"a tree size between {seq + 1} and {audit.size(session)} (is there a "
                              "checkpoint yet?)", "tree_size")
            tree = audit.tree(session)
            cp = session.scalar(select(Checkpoint).where(Checkpoint.size == size).limit(1))
            events.append(Event(who.username, "audit.proof_read", f"audit/entries/{seq}",
                                {"tree_size": size}))
            return {"seq": seq, "leaf_hash": row.leaf_hash.hex(), "tree_size": size,
                    "root": tree.subtree(0, size).hex(),
                    "inclusion_path": [h.hex() for h in tree.inclusion(seq, size)],
                    "checkpoint": audit.checkpoint_dict(cp) if cp else None}
        return self._run(body)[0]

    def audit_consistency(self, who: Principal, first: int, second: int) -> dict[str, Any]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            if not 0 < first <= second <= audit.size(session):
                raise Invalid(f"need 0 < first <= second <= {audit.size(session)}", "second")
            tree = audit.tree(session)
            events.append(Event(who.username, "audit.proof_read", "audit/consistency",
                                {"first": first, "second": second}))
            return {"first": first, "second": second, "first_root": tree.subtree(0, first).hex(),
                    "second_root": tree.subtree(0, second).hex(),
                    "proof": [h.hex() for h in tree.consistency(first, second)]}
        return self._run(body)[0]

    def audit_checkpoints(self, who: Principal, latest_only: bool = False) -> list[dict[str, Any]]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            events.append(Event(who.username, "audit.checkpoints_read", "audit/checkpoints", {}))
            if latest_only:
                cp = audit.latest_checkpoint(session)
                return [audit.checkpoint_dict(cp)] if cp else []
            rows = session.scalars(select(Checkpoint).order_by(Checkpoint.size, Checkpoint.id))
            return [audit.checkpoint_dict(c) for c in rows]
        return self._run(body)[0]

    def audit_checkpoint_now(self, who: Principal) -> dict[str, Any]:
        check_reads_records(who)
        if who.role not in ("auditor", "admin", "hq"):
            raise Forbidden("auditors, headquarters and admins ask for checkpoints")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            cp = audit.checkpoint(session, self.signer)
            session.flush()
            events.append(Event(who.username, "audit.checkpoint_requested", "audit/checkpoints",
                                {"size": cp.size}))
            return audit.checkpoint_dict(cp)
        return self._run(body)[0]

    def audit_key(self) -> dict[str, Any]:
        raw = self.signer.public.public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw)
        pem = self.signer.public.public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"algorithm": "Ed25519", "key_id": self.signer.key_id, "origin": self.signer.origin,
                "public_key": base64.b64encode(raw).decode(), "pem": pem.decode()}
