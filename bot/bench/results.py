"""Numbers of a run: percentiles, lost and duplicated replies, the table and the JSON."""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ispbot.bench.customers import Tally
from ispbot.bench.gateway import RecordingGateway

TARGETS = {
    "throughput_ratio_min": 0.5,  # product msg/s ÷ baseline msg/s at saturation
    "p99_ms_at_80_max": 200.0,
    "kib_per_open_conversation_max": 10.0,
    "admin_p95_ms_max": 150.0,
}


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def lost_and_duplicated(tally: Tally, gateway: RecordingGateway) -> tuple[int, int]:
    """Per phone: replies expected (one per acknowledged message) against replies the
    gateway received. Fewer is lost, more is duplicated."""
    lost = duplicated = 0
    for phone, expected in tally.expected_by_phone.items():
        got = gateway.count(phone)
        lost += max(0, expected - got)
        duplicated += max(0, got - expected)
    return lost, duplicated


@dataclass
class Scenario:
    target: str  # "product" or "baseline"
    database: str  # "sqlite", "postgres" or "-" (baseline)
    load: str  # "saturation" or "80 msg/s"
    customers: int
    messages: int
    seconds: float
    throughput: float  # inbound messages answered per second, end to end
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    lost: int
    duplicated: int
    refused: int
    unanswered: int
    wrong: int
    cpu_ms_per_message: float | None = None  # CPU the served process used, per message

    @classmethod
    def of(cls, target: str, database: str, load: str, customers: int, tally: Tally, lost: int, dup: int,
           cpu: float | None = None) -> Scenario:
        def ms(q: float) -> float | None:
            value = percentile(tally.latencies, q)
            return None if value is None else round(value * 1000, 1)

        return cls(
            target=target, database=database, load=load, customers=customers, messages=tally.sent,
            seconds=round(tally.seconds, 2), throughput=round(len(tally.latencies) / tally.seconds, 1),
            p50_ms=ms(50), p95_ms=ms(95), p99_ms=ms(99), lost=lost, duplicated=dup,
            refused=tally.refused, unanswered=tally.unanswered, wrong=tally.wrong,
            cpu_ms_per_message=None if cpu is None or not tally.sent else round(cpu * 1000 / tally.sent, 2),
        )


@dataclass
class Report:
    quick: bool
    scenarios: list[Scenario] = field(default_factory=list)
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)
    admin: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def find(self, target: str, database: str, load: str) -> Scenario | None:
        return next((s for s in self.scenarios if (s.target, s.database, s.load) == (target, database, load)), None)

    def ratios(self) -> dict[str, dict[str, float | None]]:
        """Product ÷ baseline, per database: throughput at saturation, p99 at 80 msg/s."""
        out: dict[str, dict[str, float | None]] = {}
        base_sat, base_80 = self.find("baseline", "-", "saturation"), self.find("baseline", "-", "80 msg/s")
        for database in ("sqlite", "postgres"):
            sat, at80 = self.find("product", database, "saturation"), self.find("product", database, "80 msg/s")
            if sat is None and at80 is None:
                continue
            out[database] = {
                "throughput": _ratio(sat and sat.throughput, base_sat and base_sat.throughput),
                "p50_at_80": _ratio(at80 and at80.p50_ms, base_80 and base_80.p50_ms),
                "p99_at_80": _ratio(at80 and at80.p99_ms, base_80 and base_80.p99_ms),
                "cpu_per_message": _ratio(sat and sat.cpu_ms_per_message, base_sat and base_sat.cpu_ms_per_message),
            }
        return out

    def targets(self) -> dict[str, bool | None]:
        ratios = self.ratios()
        met: dict[str, bool | None] = {}
        for database in ratios:
            at80 = self.find("product", database, "80 msg/s")
            throughput = ratios[database]["throughput"]
            met[f"{database}: throughput >= 0.5 x baseline"] = None if throughput is None else throughput >= 0.5
            met[f"{database}: p99 < 200 ms at 80 msg/s"] = (
                None if at80 is None or at80.p99_ms is None else at80.p99_ms < TARGETS["p99_ms_at_80_max"]
            )
            memory = self.memory.get(database, {}).get("kib_per_open_conversation")
            met[f"{database}: < 10 KB per open conversation"] = None if memory is None else memory < 10
            pages = self.admin.get(database, {}).get("pages", {})
            if pages:
                met[f"{database}: admin pages p95 < 150 ms"] = all(
                    p["p95_ms"] < TARGETS["admin_p95_ms_max"] for p in pages.values() if p.get("status") == 200
                )
        met["0 lost, 0 duplicated replies"] = all(s.lost == 0 and s.duplicated == 0 for s in self.scenarios)
        return met

    def as_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "quick": self.quick,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
            "scenarios": [asdict(s) for s in self.scenarios],
            "ratios_to_baseline": self.ratios(),
            "memory": self.memory,
            "admin": self.admin,
            "targets": self.targets(),
            "notes": self.notes,
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")

    def table(self) -> str:
        head = f"{'target':<9} {'db':<9} {'load':<11} {'msgs':>6} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'lost':>5} {'dup':>4} {'other':>6} {'cpu ms/msg':>10}"
        lines = [head, "-" * len(head)]
        for s in self.scenarios:
            other = s.refused + s.unanswered + s.wrong
            lines.append(
                f"{s.target:<9} {s.database:<9} {s.load:<11} {s.messages:>6} {s.throughput:>7.1f} "
                f"{_fmt(s.p50_ms):>7} {_fmt(s.p95_ms):>7} {_fmt(s.p99_ms):>7} {s.lost:>5} {s.duplicated:>4} {other:>6} {_fmt(s.cpu_ms_per_message, 2):>10}"
            )
        for database, ratio in self.ratios().items():
            lines.append(
                f"ratio to baseline ({database}): throughput {_fmt(ratio['throughput'], 2)}, "
                f"p50 at 80 msg/s {_fmt(ratio['p50_at_80'], 2)}x, p99 at 80 msg/s {_fmt(ratio['p99_at_80'], 2)}x, "
                f"CPU per message {_fmt(ratio['cpu_per_message'], 1)}x"
            )
        for database, memory in self.memory.items():
            lines.append(
                f"memory ({database}): peak {memory['peak_mib']} MiB, {memory['open_conversations']} open conversations "
                f"-> {_fmt(memory['kib_per_open_conversation'], 2)} KiB each"
            )
        for database, admin in self.admin.items():
            for path, page in admin.get("pages", {}).items():
                lines.append(
                    f"admin ({database}, {admin['registrations']} registrations): {path} "
                    f"{'p95 ' + _fmt(page.get('p95_ms')) + ' ms' if page.get('status') == 200 else 'answered ' + str(page.get('status'))}"
                )
        lines.append("targets: " + ", ".join(f"{k}: {_yes(v)}" for k, v in self.targets().items()))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if not a or not b else round(a / b, 3)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _yes(value: bool | None) -> str:
    return "n/a" if value is None else ("met" if value else "MISSED")
