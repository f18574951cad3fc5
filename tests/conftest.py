from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Database, signer and server fixtures of the workflow, audit and API tests.
pytest_plugins = ["_support"]

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
