"""Schemathesis against the served OpenAPI document, over real HTTP to uvicorn: at least
10,000 generated requests across every operation, valid (positive) and invalid (negative)
inputs, as an admin and as an officer (between them they reach every route). No response
may be a server error, and every response must conform to the document: its status is
declared, its content type is declared, its body matches the declared schema.

Bounded by the number of examples, never by time; derandomised, so a run is repeatable
(a failure names the operation and the request, and happens again on the next run).
Operations run in three processes, so generation (CPU-bound Python) uses more than one
core and overlaps the server's work.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from _support import Server, drop_schema, fresh_url, populate
from discretion.store import Database

TARGET = 10_000
EXAMPLES = int(os.environ.get("DISCRETION_FUZZ_EXAMPLES", "100"))  # per operation, mode and role
PROCESSES = int(os.environ.get("DISCRETION_FUZZ_PROCESSES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
ROLES = ("adm.root", "ofc.hou")
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


# SQLite carries the 10,000; a shorter PostgreSQL pass catches what only its driver refuses
# (NUL characters in text, 32-bit columns).
PASSES = {"sqlite": (EXAMPLES, TARGET),
          "postgresql": (int(os.environ.get("DISCRETION_FUZZ_EXAMPLES_PG", "15")), 1_000)}


@pytest.fixture(scope="module", params=list(PASSES))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    pg = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    url, schema = fresh_url(request.param, home, pg)
    Database(url).migrate()
    # Failed logins would soon throttle the fuzzer's address and every login after would be
    # 429: let it fuzz the login itself (the throttle has its own tests).
    running = Server(url, home, workers=2, env={"DISCRETION_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000"})
    running.backend = request.param  # type: ignore[attr-defined]
    running.people = populate(running.workflow(), tokens=True)  # type: ignore[attr-defined]
    yield running
    running.stop()
    if schema is not None and pg is not None:
        drop_schema(pg, schema)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self.failures: dict[str, str] = {}

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def fail(self, key: str, example: str) -> None:
        with self.lock:
            self.failures.setdefault(key, example)


def _walk(operation: Any, mode: schemathesis.GenerationMode, base: str, token: str, tally: Tally,
          examples: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def walk(case: Any) -> None:
        response = case.call(base_url=base, headers=headers)
        tally.count(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # collect them all; do not shrink
            kinds = re.findall(r"^- (ST\d+ .*)$", str(exc), re.M) or [str(exc).splitlines()[0]]
            tally.fail(f"{operation.label} [{mode.value}] {response.status_code}: {'; '.join(kinds)}",
                       str(exc)[-700:])
    try:
        walk()
    except Unsatisfiable:  # negative mode on an operation that takes no input at all
        assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label


def _share(base: str, tokens: list[str], share: int, shares: int,
           examples: int) -> tuple[dict[int, int], dict[str, str]]:
    """One process's share of the (role, operation, mode) walks, one after another: not in
    threads, since Hypothesis on Python 3.11 describes strategies by parsing source, and
    CPython 3.11's AST constructor is not thread-safe ('AST constructor recursion depth
    mismatch')."""
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    tasks = [(op, mode, token) for token in tokens for op in operations for mode in MODES][share::shares]
    tally = Tally()
    for op, mode, token in tasks:
        _walk(op, mode, base, token, tally, examples)
    return tally.statuses, tally.failures


def test_generated_requests_get_no_server_error_and_conform(server: Server) -> None:
    schema = schemathesis.openapi.from_url(server.base + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    tokens = [server.people[f"{role}:token"] for role in ROLES]  # type: ignore[attr-defined]
    examples, target = PASSES[server.backend]  # type: ignore[attr-defined]
    # Generation is CPU-bound Python: processes (forked, so they share this module's setup).
    tally = Tally()
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("fork")) as pool:
        shares = [pool.submit(_share, server.base, tokens, i, PROCESSES, examples) for i in range(PROCESSES)]
        for statuses, failures in (share.result() for share in shares):
            for status, n in statuses.items():
                tally.statuses[status] = tally.statuses.get(status, 0) + n
            for key, example in failures.items():
                tally.fail(key, example)
    print(f"\nschemathesis on {server.backend}: {tally.requests} requests over {len(operations)} operations; "
          f"statuses {dict(sorted(tally.statuses.items()))}")
    assert not tally.failures, f"{len(tally.failures)} distinct failures:\n" + "\n".join(tally.failures) + \
        "\n\nfirst example of each:\n" + "\n---\n".join(tally.failures.values())
    assert tally.requests >= target
