"""What one audit leaf is, byte for byte.

An audit leaf is the canonical JSON (keys sorted, no spaces, UTF-8) of one event:
its sequence number, UTC time, actor, kind, subject, the SHA-256 of its canonical JSON
payload, and ``prev``, the leaf hash of the entry before it. The Merkle tree hashes
these bytes (``H(0x00 ‖ leaf)``), and because each leaf names its predecessor the
entries also form a hash chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from json.encoder import encode_basestring
from typing import Any

GENESIS = bytes(32)
quote = encode_basestring

# The canonical JSON of a leaf, keys in sorted order; strings go through ``quote``.
TEMPLATE = ('{"actor":%s,"kind":%s,"payload_sha256":"%s","prev":"%s","seq":%d,"subject":%s,'
            '"time":%s}')

_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False).encode


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 text, no NaN."""
    return _canonical(value)


def now() -> str:
    """The entry time: UTC, microseconds, ``Z``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry(seq: int, time: str, actor: str, kind: str, subject: str, payload: str,
          prev: bytes) -> bytes:
    """The leaf bytes. Equal to ``canonical({...})`` of the fields (a test proves it);
    written out by hand because verification rebuilds a million of them."""
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return (TEMPLATE % (quote(actor), quote(kind), digest, prev.hex(), seq,
                        quote(subject), quote(time))).encode()
