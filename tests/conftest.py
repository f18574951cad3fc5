from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Database, signer and server fixtures of the workflow, audit and API tests; the seeded
# server of the web tests.
pytest_plugins = ["_support", "_web"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``discretion`` command in a fresh process."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "discretion.cli", *args], capture_output=True,
                          text=True, input=input, env=env, cwd=ROOT, timeout=120)


def base_case(**parts: Any) -> dict[str, Any]:
    case: dict[str, Any] = {"format": "discretion.case/1", "id": "t"}
    case.update(parts)
    return case


@pytest.fixture
def tmp_case(tmp_path: Path):
    def write(data: Any, name: str = "case.json") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path
    return write


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reset-scenarios", action="store_true", default=False,
                     help="rewrite the expectations in tests/scenarios/*.json from the engine's "
                     "current output (review the result with git diff)")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With --reset-scenarios, re-record every scenario's expectations after the run."""
    if session.config.getoption("--reset-scenarios"):
        from test_scenarios import reset, scenario_files

        for path in scenario_files():
            reset(path)
