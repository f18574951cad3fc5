"""Coverage-guided fuzzing of the case parser (atheris / libFuzzer).

    .venv/bin/python tests/fuzz/case_fuzzer.py -runs=100000 -seed=1

Any bytes must either parse as a case or raise CaseError; any case that parses must be
decidable under every policy. A crash is any other exception.
"""

from __future__ import annotations

import datetime as dt
import sys

import atheris

with atheris.instrument_imports():
    from discretion import policies
    from discretion.cases import CaseError, loads_case
    from discretion.decide import decide

DAY = dt.date(2021, 7, 1)


def test_one(data: bytes) -> None:
    try:
        case = loads_case(data)
    except CaseError:
        return
    for policy in policies.POLICIES.values():
        decide(case, policy, DAY)


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
