"""Per-token cost of the copy guard, apart from any model: the time `CopyGuard.check` adds to
one decoding step, over an output that is half original text and half a copied passage.

    python bench/guard_overhead.py [INDEX]   # default: KJV + Shakespeare from ../shared
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.report import SHARED, machine, median, percentile, table, write_section
from wherefrom.build import build_index
from wherefrom.guard.base import CopyGuard
from wherefrom.index import Index

ORIGINAL = (
    "The committee met on a wet Tuesday to argue about the bicycle shed, and nobody could agree "
    "on the colour of the roof, the number of racks, or whether the budget covered a bell. "
) * 6


def main() -> None:
    if len(sys.argv) > 1:
        index_dir = Path(sys.argv[1])
    else:
        index_dir = Path(tempfile.mkdtemp(prefix="wherefrom-guard-")) / "idx"
        build_index([SHARED / "shakespeare", SHARED / "bible" / "kjv.jsonl"], index_dir, jobs=2)
    kjv = json.loads((SHARED / "bible" / "kjv.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]
    output_words = (ORIGINAL + " " + kjv[:1500]).split()
    rows = []
    with Index.open(index_dir) as index:
        for limit in (25, 50):
            started = time.perf_counter()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            guard = CopyGuard.from_index(index, max_copy_tokens=limit, mode="cite")
            build_s = time.perf_counter() - started
            rss_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
            per_step, blocked_at = [], None
            context = ""
            for step, word in enumerate(output_words):
                addition = (" " if context else "") + word
                t0 = time.perf_counter()
                hit = guard.check(guard.prepare(context, whole=True), addition)
                per_step.append(time.perf_counter() - t0)
                if hit is not None and blocked_at is None:
                    blocked_at = step
                context += addition
            rows.append([
                limit, f"{len(guard.table):,}", f"{build_s:.1f} s", f"{rss_mb:.0f} MB",
                f"{median(per_step) * 1e6:.0f} µs", f"{percentile(per_step, 99) * 1e6:.0f} µs",
                f"word {blocked_at}" if blocked_at is not None else "never",
            ])
    text = table(["max copy tokens", "n-grams held", "table build", "table memory (RSS growth)",
                  "check per token p50", "p99", "first copy flagged"], rows)
    print(text)
    copied_from = len(ORIGINAL.split())
    write_section("guard", f"## Copy guard: per-token overhead\n\n{machine()}. `python bench/guard_overhead.py`: "
                  f"KJV + Shakespeare (1.7 M tokens); a {len(output_words)}-word output whose copied "
                  f"passage starts at word {copied_from}, fed one word per step (the cost a decoding "
                  "step pays, model excluded).\n\n" + text)


if __name__ == "__main__":
    main()
