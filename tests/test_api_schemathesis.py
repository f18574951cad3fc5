"""Schemathesis against the served OpenAPI document, over real HTTP to uvicorn: at least
10,000 generated requests across every operation, valid (positive) and invalid (negative)
inputs, as an admin and as an officer (between them they reach every route). No response
may be a server error, and every response must conform to the document: its status is
declared, its content type is declared, its body matches the declared schema.

Bounded by the number of examples, never by time; derandomised, so a run is repeatable
(a failure names the operation and the request, and happens again on the next run).
Operations run in a few threads, so the client's generation overlaps the server's work.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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

from _support import Server, populate
from discretion.store import Database

TARGET = 10_000
EXAMPLES = int(os.environ.get("DISCRETION_FUZZ_EXAMPLES", "75"))  # per operation, mode and role
THREADS = int(os.environ.get("DISCRETION_FUZZ_THREADS", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
ROLES = ("adm.root", "ofc.hou")
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{home / 'discretion.sqlite'}"
    Database(url).migrate()
    running = Server(url, home, workers=2)
    running.people = populate(running.workflow(), tokens=True)  # type: ignore[attr-defined]
    yield running
    running.stop()


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


def _walk(operation: Any, mode: schemathesis.GenerationMode, base: str, token: str, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
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


def test_generated_requests_get_no_server_error_and_conform(server: Server) -> None:
    schema = schemathesis.openapi.from_url(server.base + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    tally = Tally()
    tasks = [(op, mode, server.people[f"{role}:token"])  # type: ignore[attr-defined]
             for role in ROLES for op in operations for mode in MODES]
    with ThreadPoolExecutor(THREADS) as pool:
        for done in [pool.submit(_walk, op, mode, server.base, token, tally) for op, mode, token in tasks]:
            done.result()
    print(f"\nschemathesis: {tally.requests} requests over {len(operations)} operations; "
          f"statuses {dict(sorted(tally.statuses.items()))}")
    assert not tally.failures, f"{len(tally.failures)} distinct failures:\n" + "\n".join(tally.failures) + \
        "\n\nfirst example of each:\n" + "\n---\n".join(tally.failures.values())
    assert tally.requests >= TARGET
