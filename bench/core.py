"""The engine's headline figures beside infini-gram, measured in one run on the same corpora:
build MB/s, index ÷ corpus (full and hash-only), check p50 of 1,000-token inputs, copied
and clean, through the library API, and the targets of the compiled core.

    python bench/core.py [--inputs N]   # prints the tables and writes their section of docs/benchmarks.md

A lighter companion of `bench/suite.py` (no robustness cases, no other peers); both use the
same builds (each in a measured child process), inputs and latency loop.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpora  # noqa: E402
from bench.peers.base import get_peer  # noqa: E402
from bench.report import median, percentile, table, write_section  # noqa: E402
from bench.suite import build, clean_inputs, copied_inputs, header, latencies, log  # noqa: E402

SYSTEMS = [("wherefrom", False), ("wherefrom", True), ("infini-gram", False)]
# infini-gram's `attribute` takes seconds per input: a few inputs bound its run.
INFINI_GRAM_INPUTS = 5


def corpus_rows(corpus: corpora.Corpus, n_inputs: int, figures: dict) -> list[list[object]]:
    code = corpus.kind == "code"
    copied = copied_inputs(corpus, n_inputs)
    clean = clean_inputs(code, n_inputs)
    rows = []
    for name, hash_only in SYSTEMS:
        label = name + (" (hash-only)" if hash_only else "")
        peer = get_peer(name)
        missing = peer.available()
        if missing:
            rows.append([label, "–", "–", "–", "–", "–", "–", "–", "–", f"not run: {missing}"])
            continue
        result, out = build(name, corpus, reuse=False, hash_only=hash_only)
        if not result.ok:
            rows.append([label] + ["–"] * 8 + ["build failed"])
            continue
        finder = peer.open(corpus, out)
        count = INFINI_GRAM_INPUTS if name == "infini-gram" else n_inputs
        log(f"checks {label} on {corpus.name}")
        copied_ms = [1000 * t for t in latencies(finder, copied[:count], 120)]
        clean_ms = [1000 * t for t in latencies(finder, clean[:count], 120)]
        finder.close()
        figures[label] = {"mb_per_s": result.mb_per_s, "ratio": result.ratio,
                          "copied": median(copied_ms), "clean": median(clean_ms)}
        rows.append([
            label, f"{result.ratio:.3f}", f"{result.mb_per_s:.2f}", f"{result.seconds:.1f}",
            f"{result.peak_rss / 1e6:.0f}", f"{median(copied_ms):.1f}", f"{percentile(copied_ms, 95):.1f}",
            f"{median(clean_ms):.1f}", f"{percentile(clean_ms, 95):.1f}", "",
        ])
    return rows


def target_rows(name: str, figures: dict) -> list[list[str]]:
    full, hashed, peer = figures.get("wherefrom"), figures.get("wherefrom (hash-only)"), figures.get("infini-gram")
    rows = []

    def row(target: str, measured: str, met: bool) -> None:
        rows.append([name, target, measured, "met" if met else "not met"])

    if full:
        row("full index ≤ 0.35 × corpus", f"{full['ratio']:.3f}", full["ratio"] <= 0.35)
        row("check p50 ≤ 5 ms / 1,000 tokens (copied)", f"{full['copied']:.1f} ms", full["copied"] <= 5)
        row("check p50 ≤ 5 ms / 1,000 tokens (clean)", f"{full['clean']:.1f} ms", full["clean"] <= 5)
    if hashed:
        row("hash-only index ≤ 0.10 × corpus", f"{hashed['ratio']:.3f}", hashed["ratio"] <= 0.10)
    if full and peer:
        speed = full["mb_per_s"] / peer["mb_per_s"]
        row("build ≥ 10 × infini-gram MB/s", f"{speed:.1f} ×", speed >= 10)
        faster = peer["copied"] / full["copied"]
        row("check ≥ 100 × faster than infini-gram (copied p50)", f"{faster:.0f} ×", faster >= 100)
    return rows


def profile_rows(corpus: corpora.Corpus, n_inputs: int, top: int = 8) -> list[list[object]]:
    """cProfile's heaviest functions (own time) of an in-process build with one job (the
    text store compresses on its own threads, which cProfile does not see) and of checks of
    copied inputs."""
    from wherefrom.build import build_index
    from wherefrom.check import CheckOptions, check_text
    from wherefrom.index import Index

    rows: list[list[object]] = []
    out = Path(tempfile.mkdtemp(prefix="wherefrom-profile-")) / "index"
    try:
        for stage in ("build", "check"):
            profiler = cProfile.Profile()
            started = time.perf_counter()
            if stage == "build":
                profiler.enable()
                build_index([corpus.files_dir.resolve()], out, jobs=1)
                profiler.disable()
            else:
                inputs = copied_inputs(corpus, n_inputs)
                with Index.open(out) as index:
                    options = CheckOptions(kind="code" if corpus.kind == "code" else "text")
                    check_text(index, inputs[0], options=options)
                    started = time.perf_counter()
                    profiler.enable()
                    for text in inputs:
                        check_text(index, text, options=options)
                    profiler.disable()
            wall = time.perf_counter() - started
            stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
            heaviest = sorted(stats.items(), key=lambda item: -item[1][2])[:top]
            for (path, line, function), (_, _, own, _, _) in heaviest:
                where = f"{Path(path).name}:{line}({function})" if line else function
                rows.append([corpus.name, stage, f"{wall:.2f}", where, f"{own:.3f}", f"{100 * own / wall:.0f} %"])
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=15, help="copied and clean inputs per corpus (15)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles")
    args = parser.parse_args(argv)
    parts, targets, profiles = [], [], []
    chosen = [corpora.stdlib()] + ([corpora.bible_shakespeare()] if corpora.shared_available() else [])
    for corpus in chosen:
        figures: dict = {}
        rows = corpus_rows(corpus, args.inputs, figures)
        head = ["system", "index ÷ corpus", "build MB/s", "build s", "build peak MB",
                "copied p50 ms", "copied p95 ms", "clean p50 ms", "clean p95 ms", "note"]
        parts.append(
            f"### {corpus.name}: {corpus.n_bytes / 1e6:.1f} MB, {len(corpus.doc_ids)} documents\n\n"
            + table(head, rows)
        )
        print(parts[-1], flush=True)
        targets += target_rows(corpus.name, figures)
        if not args.no_profile:
            log(f"profiles on {corpus.name}")
            profiles += profile_rows(corpus, args.inputs)
    body = (
        header("The compiled core beside infini-gram (`bench/core.py`)")
        + f"\nBuilds with 2 jobs, each in a measured child process; {args.inputs} copied and {args.inputs} clean "
        f"inputs of 1,000 tokens per corpus for wherefrom, {INFINI_GRAM_INPUTS} for infini-gram (its `attribute`), "
        "checked in-process through the library API after one warm-up call.\n\n"
        + "\n\n".join(parts)
        + "\n\n#### Targets\n\n"
        + table(["corpus", "target", "measured", "status"], targets)
    )
    if profiles:
        body += (
            "\n\n#### Profiles (cProfile, own time; build with 1 job in-process, checks of the copied inputs)\n\n"
            + table(["corpus", "stage", "wall s", "function", "own s", "share"], profiles)
        )
    write_section("core", body)
    print(table(["corpus", "target", "measured", "status"], targets))


if __name__ == "__main__":
    main()
