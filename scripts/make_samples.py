"""Make the shipped samples from the original ICE files: the preamble and header lines
unchanged, then every k-th data record, byte for byte (records with embedded newlines are
kept whole). Deterministic: the same originals give the same samples.

    python scripts/make_samples.py /path/to/shared/data src/discretion/simulate/samples
"""

from __future__ import annotations

import gzip
import hashlib
import math
import sys
from pathlib import Path

# original (relative to the data folder), sample name, header lines, records wanted
PLAN = [
    ("ice-seattle/arrests.csv.gz", "arrests-sample.csv.gz", 7, 2500),
    ("ice-seattle/other-removals.csv.gz", "other-removals-sample.csv.gz", 7, 2000),
    ("ice-seattle/sea-i213s-2026-02-13.csv.gz", "sea-i213s-sample.csv.gz", 1, 1500),
    *[(f"ice-national/ICERemovals_FY{y}.csv.gz", f"ICERemovals_FY{y}-sample.csv.gz", 6, 1500)
      for y in (2016, 2017, 2018, 2019)],
    *[(f"ice-national/EROArrests_FY{y}.csv.gz", f"EROArrests_FY{y}-sample.csv.gz", 6, 1000)
      for y in (2016, 2017, 2018, 2019)],
]


def records(lines: list[bytes]) -> list[bytes]:
    """Physical lines joined into records: a record ends where its quotes balance."""
    out, buf = [], b""
    for line in lines:
        buf += line
        if buf.count(b'"') % 2 == 0:
            out.append(buf)
            buf = b""
    if buf:
        out.append(buf)
    return out


def main(data: Path, dest: Path) -> None:
    for src, name, header, wanted in PLAN:
        raw = gzip.decompress((data / src).read_bytes())
        lines = raw.splitlines(keepends=True)
        head, body = lines[:header], records(lines[header:])
        step = max(1, math.ceil(len(body) / wanted))
        chosen = body[::step]
        if not chosen[-1].endswith(b"\n"):
            chosen[-1] += b"\n"
        text = b"".join(head + chosen)
        with gzip.GzipFile(dest / name, "wb", mtime=0, compresslevel=9) as f:
            f.write(text)
        digest = hashlib.sha256((data / src).read_bytes()).hexdigest()
        print(f"{name}: {len(chosen)} of {len(body)} records (every {step}th); "
              f"original {src} sha256 {digest}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
