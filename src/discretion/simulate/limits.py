"""Size limits for population input: refuse a file before an engine reads it.

A compressed file can expand to far more than its size on disk (a "gzip bomb"), so a
``.gz`` file is decompressed as a stream and counted, and refused as soon as it passes
the limit, before DuckDB sees it.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

DEFAULT_MAX_BYTES = 8 * 1024**3
"""Largest population input, uncompressed: 8 GiB (the four national removal files are
about 0.2 GiB). ``DISCRETION_MAX_POPULATION_BYTES`` changes it."""
CHUNK = 1 << 20


class InputRefused(ValueError):
    """An input refused before reading: over the size limit, or not readable as gzip."""


def max_bytes() -> int:
    raw = os.environ.get("DISCRETION_MAX_POPULATION_BYTES")
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise InputRefused(f"DISCRETION_MAX_POPULATION_BYTES={raw!r}: not a number of bytes") from None
    if value <= 0:
        raise InputRefused("DISCRETION_MAX_POPULATION_BYTES must be positive")
    return value


def check_size(path: Path, limit: int | None = None) -> int:
    """The file's uncompressed size; :class:`InputRefused` if it passes ``limit``."""
    limit = max_bytes() if limit is None else limit
    if path.stat().st_size > limit:
        raise InputRefused(f"{path}: {path.stat().st_size:,} bytes; the limit is {limit:,}")
    if not path.name.lower().endswith(".gz"):
        return path.stat().st_size
    total = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise InputRefused(f"{path}: expands to more than {limit:,} bytes (the limit)")
    except (OSError, EOFError, zlib.error) as exc:
        raise InputRefused(f"{path}: not a readable gzip file ({exc})") from None
    return total
