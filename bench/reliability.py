"""The fault and fuzz table of docs/reliability.md: damaged indexes, damaged files of every
reader's format and hostile requests to the service, each case counted as refused (one
line, exit 2 / a small 4xx), same (the intact answer), skipped (a bad file counted, the rest
indexed) or a failure (a traceback, or a wrong answer or lost document). The suite runs the
same campaigns smaller (tests/reliability/test_fault_campaigns.py); the named hostile cases
are the tests listed under the table.

    .venv/bin/python bench/reliability.py [--scale 1] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.reliability.campaigns import damaged_index, hostile_readers, service_fuzz  # noqa: E402

from bench.report import machine, table  # noqa: E402

DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- begin table (bench/reliability.py) -->", "<!-- end table -->"


def campaigns(scale: int) -> list[tuple[str, str, Counter[str]]]:
    rows = []
    with tempfile.TemporaryDirectory() as work:
        base = Path(work)
        outcomes = damaged_index(base / "index", cases=400 * scale, seed=1)
        check = Counter({k: v for k, v in outcomes.items() if not k.startswith("verify ")})
        verify = Counter({k[len("verify "):]: v for k, v in outcomes.items() if k.startswith("verify ")})
        fault = "one file of a small index: a flipped bit, a random byte run, a truncation or a zeroed 4 KB page"
        rows.append(("`check` on a damaged index", fault, check))
        rows.append(("`index verify` on a damaged index", fault, verify))
        rows.append((
            "`index build` of one good file beside one damaged file",
            "txt, JSONL, JSONL.gz, zip, wheel, tar.gz and Parquet files with 1-4 of those damages",
            hostile_readers(base / "readers", cases=140 * scale, seed=1),
        ))
        try:
            rows.append((
                "the service",
                "malformed, deep, huge-integer, binary and unknown-field bodies, wrong content types, "
                "bad paths and queries, keys in the query string, on every route",
                service_fuzz(base / "service", cases=1000 * scale, seed=1),
            ))
        except ImportError:
            print("the service campaign needs wherefrom[serve]; skipped", file=sys.stderr)
    return rows


def render(rows: list[tuple[str, str, Counter[str]]]) -> str:
    header = ["what", "inputs or faults", "cases", "refused", "same answer", "skipped, counted", "tracebacks", "wrong or lost"]
    body = [
        [what, fault, sum(c.values()), c["refused"], c["same"], c["skipped"], c["traceback"], c["wrong"]]
        for what, fault, c in rows
    ]
    return f"Measured {machine()}.\n\n" + table(header, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="multiply every campaign's case count")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    text = render(campaigns(args.scale))
    print(text)
    if not args.no_write:
        doc = DOC.read_text(encoding="utf-8")
        start, end = doc.index(BEGIN), doc.index(END)
        DOC.write_text(doc[: start + len(BEGIN)] + "\n" + text + "\n" + doc[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
