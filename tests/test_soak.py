"""A short soak (``benchmarks/soak.py``): a real server under the mixed load, reported per
interval. The duration is the load's length; nothing here times our speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_a_short_soak_reports_intervals_latencies_memory_and_no_errors(tmp_path: Path) -> None:
    report_file, chart_file = tmp_path / "soak.json", tmp_path / "soak.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--minutes", "0.25", "--interval", "5",
         "--clients", "4", "--json", str(report_file), "--chart", str(chart_file)],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(report_file.read_text())
    assert report["errors"] == {} and report["server_errors"] == 0
    assert [(i["start_s"], i["end_s"]) for i in report["intervals"]] == [(0, 5), (5, 10), (10, 15)]
    assert report["ops"] == sum(i["ops"] for i in report["intervals"]) > 0
    assert 0 < report["p50_ms"] <= report["p99_ms"]
    # each kind of operation is reported with its latencies (how many of each ran in 15 s
    # depends on how busy the machine is, so only the first kind is sure to have run)
    assert set(report["per_op"]) == {"submit", "decide", "read", "proof"}
    assert sum(o["ops"] for o in report["per_op"].values()) == report["ops"]
    assert all(o["p50_ms"] <= o["p99_ms"] for o in report["per_op"].values())
    assert report["per_op"]["submit"]["ops"] > 0
    assert report["rss_mib"]["start"] > 0 and report["rss_mib"]["end"] > 0
    assert chart_file.read_bytes().startswith(b"\x89PNG")
    assert "Soak: sqlite" in result.stdout and "p99" in result.stdout
