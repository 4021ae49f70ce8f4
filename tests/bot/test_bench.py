"""A tiny `ispbot bench` run (a few customers, SQLite): every reply arrives exactly once
and the JSON report is well formed. Speed is not asserted here; the README has figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ispbot.cli import main

pytestmark = pytest.mark.slow


def test_a_tiny_bench_loses_and_duplicates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report_file = tmp_path / "bench.json"
    code = main([
        "bench", "--quick", "--sqlite-only", "--no-progress", "--customers", "4", "--concurrency", "4",
        "--open-conversations", "6", "--registrations", "50", "--workdir", str(tmp_path / "work"),
        "--json", str(report_file),
    ])
    assert code == 0
    report = json.loads(report_file.read_text())
    assert report["version"] == 1 and report["quick"] is True
    scenarios = {(s["target"], s["database"], s["load"]): s for s in report["scenarios"]}
    assert set(scenarios) == {(t, d, load) for t, d in (("baseline", "-"), ("product", "sqlite"))
                              for load in ("saturation", "80 msg/s")}
    for scenario in scenarios.values():
        assert scenario["messages"] > 0
        assert scenario["lost"] == scenario["duplicated"] == 0, scenario
        assert scenario["refused"] == scenario["unanswered"] == scenario["wrong"] == 0, scenario
        assert 0 < scenario["p50_ms"] <= scenario["p95_ms"] <= scenario["p99_ms"]
        assert scenario["cpu_ms_per_message"] is None or scenario["cpu_ms_per_message"] > 0
    assert scenarios["product", "sqlite", "saturation"]["messages"] == 4 * 21  # whole visits
    memory = report["memory"]["sqlite"]
    assert memory["open_conversations"] == 6 and memory["lost"] == memory["duplicated"] == 0
    pages = report["admin"]["sqlite"]["pages"]
    assert pages["/admin/registrations"]["status"] == 200 and pages["/admin/registrations"]["p95_ms"] > 0
    assert set(report["ratios_to_baseline"]["sqlite"]) == {"throughput", "p50_at_80", "p99_at_80", "cpu_per_message"}
    assert "0 lost, 0 duplicated replies" in report["targets"]
    assert "product" in capsys.readouterr().out  # the table
