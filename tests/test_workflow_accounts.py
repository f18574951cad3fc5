"""The lockout lives in the workflow, not in the API route: any caller of
``Workflow.login`` (the web form included) inherits it. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from discretion.workflow.errors import TooManyRequests, Unauthenticated


def test_workflow_login_locks_whoever_calls_it(workflow: Any, people: dict[str, Any]) -> None:
    workflow.add_user("web.user", "officer", "HOU", password="pw-web.user", token=False)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            workflow.login("web.user", "not-the-password", "192.0.2.1")
    with pytest.raises(TooManyRequests) as locked:
        workflow.login("web.user", "pw-web.user", "192.0.2.99")  # another address: still locked
    assert 880 <= locked.value.retry_after <= 900 and locked.value.field == "username"


def test_an_unknown_address_skips_only_the_address_throttle(workflow: Any, people: dict[str, Any]) -> None:
    """Callers that cannot tell the address do not share one bucket and lock each other out."""
    workflow.add_user("web.other", "officer", "HOU", password="pw-web.other", token=False)
    for n in range(25):
        with pytest.raises(Unauthenticated):
            workflow.login(f"sprayed.{n}", "not-the-password", None)
    who, cookie = workflow.login("web.other", "pw-web.other", None)
    assert who.username == "web.other" and cookie
