"""Renamed code: what the structure channel's common threshold buys and costs. For each
`structure_common_threshold`, an index of the standard library is built and measured on
copies with every identifier renamed (recall and precision, 50- and 100-token passages, as in
the robustness table) and on original code (check latency, which grows with the structural
candidates that must be verified).

    python bench/structure.py [--per-cell N] [--thresholds 10 30 60 100]

Writes the `structure` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpora, robustness, suite  # noqa: E402
from bench.peers.base import folder_bytes  # noqa: E402
from bench.peers.wherefrom_peer import JOBS, WherefromFinder  # noqa: E402
from bench.report import WORK, machine, median, percentile, table, write_section  # noqa: E402

LENGTHS = (50, 100)


def measure(corpus: corpora.Corpus, threshold: int, per_cell: int, clean: list[str]) -> list[object]:
    from wherefrom.build import build_index
    from wherefrom.config import IndexConfig

    out = WORK / "structure" / f"stdlib_threshold{threshold}"
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    build_index([corpus.files_dir.resolve()], out, config=IndexConfig(structure_common_threshold=threshold), jobs=JOBS)
    finder = WherefromFinder(corpus, out)
    cases = robustness.make_cases(corpus, per_cell, seed=23, families=["rename"], lengths=LENGTHS, rates=[1.0])
    tallies = robustness.score(finder, [c for c in cases if c.rate == 1.0])
    latencies = []
    for text in clean:
        started = time.perf_counter()
        finder.find(text)
        latencies.append(1000 * (time.perf_counter() - started))
    finder.close()
    row: list[object] = [threshold, f"{folder_bytes(out) / corpus.n_bytes:.3f}"]
    for length in LENGTHS:
        tally = tallies[("rename", 1.0, length)]
        row += [f"{tally.recall:.2f}", f"{tally.precision:.2f}"]
    row += [f"{median(latencies):.1f}", f"{percentile(latencies, 95):.1f}"]
    shutil.rmtree(out, ignore_errors=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=100, help="renamed passages per length")
    parser.add_argument("--thresholds", type=int, nargs="+", default=[10, 30, 60, 100])
    parser.add_argument("--clean", type=int, default=20, help="original code inputs timed")
    args = parser.parse_args()
    corpus = corpora.stdlib()
    clean = suite.clean_inputs(True, args.clean, seed=9)
    rows = []
    for threshold in args.thresholds:
        rows.append(measure(corpus, threshold, args.per_cell, clean))
        print(rows[-1], flush=True)
    body = (
        "## Renamed code: the structure threshold\n\n"
        f"`bench/structure.py`, {machine()}. Index of the standard library per "
        "`structure_common_threshold` (structural k-grams held by more documents are kept as "
        f"counts only). {args.per_cell} planted passages per length with every identifier "
        "renamed, scored as in the robustness table; latency: "
        f"{len(clean)} inputs of {suite.QUERY_TOKENS} tokens of original code (Matplotlib), "
        "ms per input. The default is 100.\n\n"
        + table(
            ["threshold", "index ÷ corpus", "recall 50", "precision 50", "recall 100", "precision 100",
             "clean p50 ms", "clean p95 ms"],
            rows,
        )
    )
    write_section("structure", body)
    print(body)


if __name__ == "__main__":
    main()
