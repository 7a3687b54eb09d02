"""Shared by the benchmark scripts: machine facts, medians, and writing one section of
docs/benchmarks.md without touching the sections other scripts own."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
SHARED = ROOT.parent / "shared" / "corpora"
WORK = ROOT / "bench" / ".work"

_HEADER = """# Benchmarks

Every table below is written by a script under `bench/`; rerun it to refresh its section.
Numbers are medians unless marked; peers are measured in the same run on the same machine.
"""


def machine() -> str:
    return (
        f"{_dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def table(header: list[str], rows: list[list[object]]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(name: str, markdown: str) -> Path:
    """Replace (or append) the section `name` of docs/benchmarks.md."""
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else _HEADER
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.write_text(text, encoding="utf-8")
    return BENCHMARKS
