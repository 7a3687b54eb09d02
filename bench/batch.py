"""Throughput of the batch API for data pipelines: `wherefrom.check_many` over generated texts
of about 1,000 tokens (half original, half with a planted 150-word passage of the corpus),
with 1 and 2 threads.

    python bench/batch.py [INDEX] [--texts N]   # default: Shakespeare from ../shared, 120 texts
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.report import SHARED, machine, median, table, write_section
from wherefrom.build import build_index
from wherefrom.check.batch import check_many
from wherefrom.index import Index

WORDS = ("river valley counted forty animals stretches water current willow roots shelter winter floods "
         "committee bicycle roof number racks budget bell timetable rain station ticket morning coffee "
         "garden letter window harbour engine quiet market bread lantern meadow copper signal").split()


def generated_texts(corpus: list[str], count: int, seed: int = 7) -> list[str]:
    """`count` texts of about 1,000 words; every other one carries 150 words of the corpus."""
    rng = random.Random(seed)
    texts = []
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(1000)]
        if i % 2:
            work = rng.choice(corpus).split()
            start = rng.randrange(0, max(1, len(work) - 150))
            at = rng.randrange(0, 850)
            words[at : at + 150] = work[start : start + 150]
        texts.append(" ".join(words))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", nargs="?", type=Path, help="an index (default: build one of ../shared/corpora/shakespeare)")
    parser.add_argument("--texts", type=int, default=120, help="texts per run (default 120)")
    args = parser.parse_args()
    sources = sorted((SHARED / "shakespeare").glob("*.txt"))
    index_dir = args.index
    if index_dir is None:
        index_dir = Path(tempfile.mkdtemp(prefix="wherefrom-batch-")) / "idx"
        build_index([SHARED / "shakespeare"], index_dir, jobs=2)
    corpus = [path.read_text(encoding="utf-8", errors="replace") for path in sources[:12]]
    texts = generated_texts(corpus, args.texts)
    rows = []
    with Index.open(index_dir) as index:
        check_many(index, texts[:4], threads=1)  # warm the caches and the lexers
        for threads in (1, 2):
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                reports = check_many(index, texts, threads=threads)
                runs.append(time.perf_counter() - started)
            flagged = sum(r.verdict != "original" for r in reports)
            seconds = median(runs)
            rows.append([threads, len(texts), f"{len(texts) / seconds:.1f}",
                         f"{seconds / len(texts) * 1000:.0f} ms", f"{flagged} of {len(texts)}"])
    text = table(["threads", "texts", "texts/s", "per text", "flagged (half carry a copy)"], rows)
    print(text)
    write_section("batch", "## Batch API: `check_many` throughput\n\n"
                  f"{machine()}. `python bench/batch.py`: Shakespeare ({len(sources)} plays) indexed; "
                  f"{len(texts)} generated texts of 1,000 words (about 1,000 tokens), every other one "
                  "with a planted 150-word passage; median of 3 runs. The threads share one open index. "
                  "The check is Python-bound until the compiled kernels release the GIL, so a second "
                  "thread contends for it rather than adding throughput (on a machine shared with "
                  "other jobs, the numbers move by some 20 %).\n\n" + text)


if __name__ == "__main__":
    main()
