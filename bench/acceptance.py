"""Near-verbatim copies measured on enough cases to quote a recall: 50-token passages (and
100-token code passages with every identifier renamed), 100 planted cases per family and
rate, wherefrom only (the peer comparison on fewer cases is `bench/robustness.py`).

    python bench/acceptance.py [--per-cell N] [--reuse] [--hash-only]

Writes the `acceptance` section of docs/benchmarks.md (`acceptance-hash-only` for an index
that keeps no text).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpora, robustness  # noqa: E402
from bench.report import machine, table, write_section  # noqa: E402
from bench.suite import open_finder  # noqa: E402

TEXT_CELLS = [("format", r) for r in (0.05, 0.10, 0.20)] + [
    (family, r) for family in ("typos", "insert", "delete", "substitute") for r in (0.05, 0.10, 0.20)
]
CODE_CELLS = [("rename", 0.20), ("rename", 1.0), ("reformat", 0.20), ("comments", 0.20)]


def measure(corpus: corpora.Corpus, cells: list[tuple[str, float]], lengths: tuple[int, ...],
            per_cell: int, reuse: bool, hash_only: bool = False) -> list[list[object]]:
    opened = open_finder("wherefrom", corpus, reuse, hash_only)
    if opened is None:
        raise SystemExit("wherefrom could not build its index")
    finder = opened[0]
    rows = []
    for family, rate in cells:
        cases = robustness.make_cases(
            corpus, per_cell, seed=23, families=[family], lengths=lengths, rates=[rate]
        )
        cases = [c for c in cases if c.rate == rate]
        started = time.perf_counter()
        tallies = robustness.score(finder, cases)
        seconds = time.perf_counter() - started
        for length in lengths:
            tally = tallies[(family, rate, length)]
            rows.append([corpus.name, family, f"{rate:.0%}", length, tally.cases,
                         f"{tally.recall:.2f}", f"{tally.precision:.2f}",
                         f"{1000 * seconds / len(cases):.1f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="reuse indexes of an earlier run")
    parser.add_argument("--hash-only", action="store_true", help="measure an index that keeps no text")
    args = parser.parse_args()
    rows = []
    if corpora.shared_available():
        rows += measure(corpora.bible_shakespeare(), TEXT_CELLS, (50,), args.per_cell, args.reuse, args.hash_only)
    else:
        print("../shared/corpora is absent: the text rows need the Bible + Shakespeare corpus")
    rows += measure(corpora.stdlib(), CODE_CELLS, (50, 100), args.per_cell, args.reuse, args.hash_only)
    heading = "a hash-only index (no text kept)" if args.hash_only else "100 cases per cell"
    body = (
        f"## Near-verbatim copies: recall on {heading}\n\n"
        f"`bench/acceptance.py`, {machine()}. Passages planted between pieces of original text "
        "as in the robustness table; recall: spans naming the right document cover ≥ 80 % of "
        "the passage; precision: reported spans at least half inside it. Default index "
        "(`--min-tokens 25`). Rename at 100 %: every identifier of the passage renamed "
        "consistently (keywords and builtins kept); renamed copies are reported from "
        "2 × min-tokens = 50 code tokens.\n\n"
        + table(["corpus", "family", "rate", "tokens", "cases", "recall", "precision", "ms / case"], rows)
    )
    write_section("acceptance-hash-only" if args.hash_only else "acceptance", body)
    print(body)


if __name__ == "__main__":
    main()
