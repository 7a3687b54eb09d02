"""What the copy guard costs and how it behaves, apart from any model, on the six Bibles and
Shakespeare (29 MB): the time `GuardState.feed` adds to one decoding step (p50/p99, on
original text and inside copies), the guard's own memory beside the index's, how many words
of a copy get through before the stop, and the stops on original text.

    python bench/guard_overhead.py [INDEX]   # default: builds bench/.work/guard30 once
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

from bench.report import ROOT, SHARED, WORK, machine, median, percentile, table, write_section
from wherefrom.build import build_index
from wherefrom.guard import CopyGuard
from wherefrom.index import Index
from wherefrom.normalize import get_normalizer

LIMIT = 50
PASSAGES = 200
OLD = "257–428 µs p50, 447–579 µs p99, 74–144 MB (the in-memory n-gram table of KJV + Shakespeare)"


def corpus_index(argv: list[str], hash_only: bool = False) -> Path:
    if len(argv) > 1:
        return Path(argv[1])
    target = WORK / ("guard30-hash-only" if hash_only else "guard30")
    if not (target / "manifest.sqlite").exists():
        from wherefrom.config import IndexConfig

        build_index([SHARED / "shakespeare", SHARED / "bible"], target, config=IndexConfig(hash_only=hash_only), jobs=2)
    return target


def original_words() -> list[str]:
    """Text the corpus does not hold: this project's own documentation, prose only."""
    words: list[str] = []
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        if path.name == "benchmarks.md":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("|", "```", "    ", "#")) or not line.strip():
                continue
            words.extend(line.split())
    return words


def sample_passages(index: Index, count: int, words: int, seed: int = 0) -> list[tuple[str, str]]:
    """(uid, passage) pairs: `words` consecutive words of random documents, as written there."""
    rng = random.Random(seed)
    rows = [r for r in index.documents() if r.n_tokens > 4 * words]
    out = []
    while len(out) < count:
        row = rng.choice(rows)
        text = index.text(row.doc_id)
        if text is None:
            raise SystemExit(f"{index.path}: a hash-only index keeps no text to sample passages from")
        split = text.split()
        start = rng.randrange(len(split) - words)
        out.append((row.uid, " ".join(split[start : start + words])))
    return out


def feed_words(guard: CopyGuard, words: list[str], times: list[float] | None = None) -> int | None:
    """Words fed when the guard first flags a copy (None: never), timing each step."""
    state = guard.start()
    flagged = None
    for number, word in enumerate(words):
        piece = (" " if number else "") + word
        t0 = time.perf_counter()
        hit = state.feed(piece)
        if times is not None:
            times.append(time.perf_counter() - t0)
        if hit is not None:
            flagged = number + 1
            break
    return flagged


def main() -> None:
    index_dir = corpus_index(sys.argv)
    original = original_words()
    with Index.open(index_dir) as index:
        stats = index.stats()
        normalizer = get_normalizer("text")
        guard = CopyGuard.from_index(index, LIMIT, "block")
        passages = sample_passages(index, PASSAGES, 2 * LIMIT)
        lead = original[:40]
        cold: list[float] = []
        stops = 0
        for start in range(0, len(original), 500):
            stops += feed_words(guard, original[start : start + 500], cold) is not None
        original_times: list[float] = []  # again, the index's pages and the word cache warm
        for start in range(0, len(original), 500):
            feed_words(guard, original[start : start + 500], original_times)
        copy_times: list[float] = []
        let_through = []
        for _, text in passages:
            times: list[float] = []
            flagged = feed_words(guard, lead + text.split(), times)
            copy_times.extend(times[len(lead) :])
            if flagged is not None:  # normal-form tokens of the copy shown before the stop
                let_through.append(len(normalizer.normalize(" ".join(text.split()[: flagged - len(lead) - 1]))))
            else:
                let_through.append(None)
        # The guard's own memory, apart from the timing (tracing slows every allocation).
        tracemalloc.start()
        traced = CopyGuard.from_index(index, LIMIT, "block")
        for start in range(0, len(original), 500):
            feed_words(traced, original[start : start + 500])
        for _, text in passages[:50]:
            feed_words(traced, lead + text.split())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    caught = sorted(n for n in let_through if n is not None)
    rows = [[
        f"{stats.tokens:,}", f"{stats.index_bytes / 1e6:.0f} MB", f"{peak / 1e6:.1f} MB",
        f"{median(original_times) * 1e6:.0f} µs", f"{percentile(original_times, 99) * 1e6:.0f} µs",
        f"{median(cold) * 1e6:.0f} µs",
        f"{median(copy_times) * 1e6:.0f} µs", f"{percentile(copy_times, 99) * 1e6:.0f} µs",
    ]]
    cost = table(["corpus tokens", "index on disk (mapped)", "guard memory (traced peak)",
                  "per word, original text p50", "p99", "first pass p50", "per word, inside a copy p50", "p99"], rows)
    spread = table(
        ["copies", "stopped", "tokens let through: min", "p50", "p90", "max", "original words fed", "false stops"],
        [[len(passages), len(caught), caught[0] if caught else "-", percentile(caught, 50) if caught else "-",
          percentile(caught, 90) if caught else "-", caught[-1] if caught else "-", f"{len(original_times):,}",
          stops]],
    )
    print(cost)
    print(spread)
    write_section(
        "guard",
        "## Copy guard: per-token overhead\n\n"
        f"{machine()}. `nice -n 10 python bench/guard_overhead.py`: the six Bibles and Shakespeare "
        f"({stats.tokens:,} tokens), `max_copy_tokens` {LIMIT}, block policy; one word fed per step "
        "(the cost a decoding step pays, model excluded), on this project's documentation (original "
        f"text) and on {PASSAGES} copies of {2 * LIMIT} words of random corpus documents after 40 "
        f"original words. Original text is fed twice: the first pass fills the cache of words' normal forms and pages in the index (its p50 is shown), the second is the steady state. Inside a copy the guard verifies seeds against the stored text: that is the p99. Guard memory: the peak of what Python "
        "allocated while a fresh guard followed the original text and 50 of the copies, traced in a separate run (the "
        "index is memory-mapped and counted apart; on disk it includes its compressed text store). Before "
        f"this guard: {OLD}.\n\n" + cost + "\n\nNormal-form tokens of a copy let through before the stop (the limit is "
        f"{LIMIT}; fewer when the guard stops at a piece holding several tokens, such as a verse number), and stops on original text:\n\n" + spread,
    )


if __name__ == "__main__":
    main()
