"""The audit log: append-only, hash-chained, an RFC 6962 Merkle tree, signed checkpoints.

An audit leaf is the canonical JSON (sorted keys, no spaces, UTF-8) of one event:
``{"actor", "kind", "payload_sha256", "prev", "seq", "subject", "time"}``, where ``prev``
is the leaf hash of the entry before it (64 zeros for the first).
"""
