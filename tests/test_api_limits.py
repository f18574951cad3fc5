"""Request body limits over real HTTP: a declared oversized body is refused before it is
read, a streamed one as soon as it passes the limit, and JSON nested too deeply before it
is parsed, on every /api route that takes a body, with an RFC 9457 problem naming the limit.
(The database plays no part in this: SQLite only.)"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from _support import Server, populate
from discretion.api.limits import json_depth
from discretion.store import Database

LIMIT = 2 << 20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("limits")
    url = f"sqlite:///{home / 'discretion.sqlite'}"
    Database(url).migrate()
    running = Server(url, home)
    running.people = populate(running.workflow(), tokens=True)  # type: ignore[attr-defined]
    yield running
    running.stop()


def _auth(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.people['adm.root:token']}"}  # type: ignore[attr-defined]


def _body_routes(server: Server) -> list[tuple[str, str]]:
    spec = httpx.get(server.base + "/openapi.json").json()
    return [(m.upper(), p.replace("{", "").replace("}", "")) for p, ops in spec["paths"].items()
            for m, op in ops.items() if "requestBody" in op]


def test_a_declared_oversized_body_is_refused_before_it_is_read(server: Server) -> None:
    """The client claims 10 GB and sends nothing, then closes its side: a server that tried
    to read the body would get a disconnect, not answer 413."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /api/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 10000000000\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"application/problem+json" in head
    problem = json.loads(body)
    assert "10,000,000,000 bytes" in problem["detail"] and f"{LIMIT:,}" in problem["detail"]


def test_a_streamed_oversized_body_is_refused(server: Server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"format": "discretion.case/1", "id": "'
        for _ in range(40):
            yield b"x" * 65536  # 2.5 MiB in all, with no Content-Length (chunked)
        yield b'"}'
    refused = httpx.post(server.base + "/api/cases", content=chunks(), headers={
        **_auth(server), "Content-Type": "application/json"})
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [{"field": "body", "reason": refused.json()["detail"]}]


def test_every_body_route_refuses_oversized_and_deep_json(server: Server) -> None:
    routes = _body_routes(server)
    assert len(routes) >= 10
    big = b'{"a": "' + b"x" * LIMIT + b'"}'
    deep = b"[" * 100_000 + b"]" * 100_000
    for method, path in routes:
        for body, status, words in ((big, 413, "the limit is"), (deep, 422, "levels deep")):
            for headers in (_auth(server), {}):  # also before authentication
                answer = httpx.request(method, server.base + path, content=body, headers={
                    **headers, "Content-Type": "application/json"})
                assert answer.status_code == status, (method, path, answer.text[:200])
                assert answer.headers["content-type"] == "application/problem+json"
                assert words in answer.json()["detail"], (method, path)


def test_limits_leave_ordinary_bodies_alone(server: Server, tmp_path: Path) -> None:
    """Brackets inside strings are not nesting, and a body just under the limit goes through
    to the route, which judges it by its own rules."""
    case = {"format": "discretion.case/1", "id": "[[[[{{{{" * 20}
    made = httpx.post(server.base + "/api/cases", json=case, headers={
        "Authorization": f"Bearer {server.people['ofc.hou:token']}"})  # type: ignore[attr-defined]
    assert made.status_code == 201, made.text
    near = httpx.post(server.base + "/api/cases", content=b'{"id": "' + b"y" * (LIMIT - 100) + b'"}',
                      headers={"Authorization": f"Bearer {server.people['ofc.hou:token']}",  # type: ignore[attr-defined]
                               "Content-Type": "application/json"})
    assert near.status_code == 422 and "the limit is" not in near.text
    too_long = {"field": "case.id", "reason": "String should have at most 200 characters"}
    assert too_long in near.json()["errors"]


@pytest.mark.parametrize(("text", "depth"), [
    (b"", 0), (b"1", 0), (b"[]", 1), (b'{"a": [1, {"b": []}]}', 4), (b'"[[[["', 0),
    (b'["\\"[[["]', 1), (b"[" * 50 + b"]" * 50, 50)])
def test_json_depth(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth
    if text:
        json.loads(text)  # the examples are real JSON


def test_the_limit_is_configurable(tmp_path: Path) -> None:
    from discretion.api.limits import BodyLimit

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not reached")
    limit = BodyLimit(app, max_bytes=10, max_depth=3)
    assert (limit.max_bytes, limit.max_depth) == (10, 3)
