"""The benchmark suite: wherefrom beside infini-gram, a Bloom filter, MinHash LSH and
copydetect on the same corpora in the same run; tables to docs/benchmarks.md and a plot of
check latency against corpus size to docs/bench_scaling.png.

    python bench/suite.py [--quick] [--scale MB] [--only SECTION ...] [--reuse]

Sections: corpora (size, build, latency, recall per corpus), robustness, bible, original,
scaling. --reuse keeps indexes built by an earlier run (their build figures are then stale).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpora, robustness  # noqa: E402
from bench.corpora import Corpus  # noqa: E402
from bench.peers.base import BuildResult, Finder, get_peer, measured_build  # noqa: E402
from bench.report import WORK, machine, median, percentile, table, write_section  # noqa: E402

INDEXES = WORK / "indexes"
PLOT = ROOT / "docs" / "bench_scaling.png"
QUERY_TOKENS = 1000
_TOKEN = {"text": re.compile(r"\S+"), "code": re.compile(r"\w+|[^\w\s]")}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def versions() -> str:
    names = ["wherefrom", "infini-gram", "datasketch", "copydetect", "numpy"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def header(title: str) -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"## {title}\n\n_{machine()}, {cpu or platform.processor()}; {versions()}._\n"


# ---------------------------------------------------------------- builds

_BUILT_THIS_RUN: set[Path] = set()


def build(
    peer: str, corpus: Corpus, reuse: bool, hash_only: bool = False
) -> tuple[BuildResult, Path]:
    out = INDEXES / f"{peer}{'_hashonly' if hash_only else ''}_{corpus.name}"
    record = out.parent / f"{out.name}.build.json"
    if out in _BUILT_THIS_RUN or (reuse and record.exists() and out.exists()):
        return BuildResult(**json.loads(record.read_text())), out
    log(
        f"build {peer}{' hash-only' if hash_only else ''} on {corpus.name} "
        f"({corpus.n_bytes / 1e6:.0f} MB)"
    )
    result = measured_build(peer, corpus, out, hash_only=hash_only)
    if result.ok:
        _BUILT_THIS_RUN.add(out)
        record.write_text(json.dumps({f: getattr(result, f) for f in result.__slots__}))
    else:
        log(f"  failed: {result.message}")
    log(
        f"  {result.seconds:.1f} s, {result.peak_rss / 1e6:.0f} MB peak, "
        f"index {result.ratio:.3f} x corpus"
    )
    return result, out


# ---------------------------------------------------------------- latency


def take_tokens(text: str, kind: str, start_token: int, n: int) -> str | None:
    """`n` consecutive tokens of `text` as wherefrom counts them (its normal form)."""
    from wherefrom.normalize.base import get_normalizer

    form = get_normalizer(kind, "python" if kind == "code" else "").normalize(text)
    if len(form) < start_token + n:
        return None
    return text[int(form.starts[start_token]) : int(form.ends[start_token + n - 1])]


def copied_inputs(
    corpus: Corpus, n: int, seed: int = 3, docs: list[str] | None = None
) -> list[str]:
    """`n` inputs of 1,000 tokens copied verbatim from corpus documents."""
    rng = random.Random(seed)
    pool = list(docs or corpus.doc_ids)
    rng.shuffle(pool)
    inputs = []
    for doc_id in pool:
        text = corpus.text(doc_id)
        kind = "code" if doc_id.endswith(".py") else "text"
        count = len(_TOKEN[kind].findall(text))  # an upper bound of the normal-form tokens
        if count < 2 * QUERY_TOKENS:
            continue
        piece = take_tokens(text, kind, rng.randrange(count // 3), QUERY_TOKENS)
        if piece:
            inputs.append(piece)
        if len(inputs) == n:
            break
    return inputs


def clean_inputs(code: bool, n: int, seed: int = 5) -> list[str]:
    """`n` inputs of 1,000 tokens of original text (or code) not in the corpus."""
    hosts = robustness.Hosts(code)
    rng = random.Random(seed)
    kind = "code" if code else "text"
    inputs = []
    for _ in range(20 * n):
        piece = hosts.take(rng, 3 * QUERY_TOKENS)
        piece = take_tokens(piece, kind, 0, QUERY_TOKENS)
        if piece:
            inputs.append(piece)
        if len(inputs) == n:
            break
    return inputs


def latencies(finder: Finder, inputs: list[str], budget_s: float = 120) -> list[float]:
    """Seconds per input (one warm-up call first); stops early past `budget_s`."""
    if inputs:
        with contextlib.suppress(Exception):
            finder.find(inputs[0])
    times: list[float] = []
    spent = 0.0
    for text in inputs:
        start = time.perf_counter()
        with contextlib.suppress(Exception):  # failures are counted by the robustness run
            finder.find(text)
        times.append(time.perf_counter() - start)
        spent += times[-1]
        if spent > budget_s:
            break
    return times


# ---------------------------------------------------------------- per-corpus figures


PEERS_FOR = {
    "code": ["wherefrom", "infini-gram", "bloom", "minhash-lsh", "copydetect"],
    "text": ["wherefrom", "infini-gram", "bloom", "minhash-lsh"],
}
MEMBERSHIP_ONLY = {"bloom"}


def corpus_section(corpus: Corpus, args: argparse.Namespace, state: dict) -> str:
    code = corpus.kind == "code"
    n_lat = 5 if args.quick else 15
    per_cell = args.per_cell or (1 if args.quick else 3)
    copied = copied_inputs(corpus, n_lat)
    clean = clean_inputs(code, n_lat)
    cases = robustness.make_cases(corpus, per_cell)
    rows, results, notes, figures = [], {}, {}, {}
    variants = [("wherefrom", False), ("wherefrom", True)] + [
        (p, False) for p in PEERS_FOR[corpus.kind][1:]
    ]
    for peer_name, hash_only in variants:
        label = peer_name + (" (hash-only)" if hash_only else "")
        peer = get_peer(peer_name)
        missing = peer.available()
        if missing:
            rows.append(
                [label, "–", "–", "–", "–", "–", "–", "–", "–", "–", "–", f"not run: {missing}"]
            )
            continue
        result, out = build(peer_name, corpus, args.reuse, hash_only)
        if not result.ok:
            rows.append([label] + ["–"] * 10 + ["build failed"])
            continue
        finder = peer.open(corpus, out)
        budget = 60 if args.quick else 150
        copied_t = latencies(finder, copied, budget)
        clean_t = latencies(finder, clean, budget)
        recall_v = recall_e = precision = float("nan")
        if not hash_only:
            log(f"robustness {label} on {corpus.name}: {len(cases)} cases")
            started = time.perf_counter()
            tallies = robustness.score(
                finder,
                cases,
                membership_only=peer_name in MEMBERSHIP_ONLY,
                budget_s=90 if args.quick else 240,
            )
            n_run = sum(t.cases for t in tallies.values())
            log(f"  {time.perf_counter() - started:.0f} s, {n_run} cases")
            results[label] = tallies
            if peer_name in MEMBERSHIP_ONLY:
                notes[label] = "¹"
            if n_run < len(cases):
                notes[label] = notes.get(label, "") + f" ({n_run} of {len(cases)} cases)"
            n_errors = sum(t.errors for t in tallies.values())
            if n_errors:
                notes[label] = notes.get(label, "") + f" ({n_errors} cases raised)"
            verbatim = [t for (f, r, _l), t in tallies.items() if r == 0]
            edited = [t for (f, r, _l), t in tallies.items() if r > 0]
            recall_v = sum(t.hits for t in verbatim) / max(1, sum(t.cases for t in verbatim))
            recall_e = sum(t.hits for t in edited) / max(1, sum(t.cases for t in edited))
            reported = sum(t.reported for t in tallies.values())
            precision = (
                sum(t.true for t in tallies.values()) / reported if reported else float("nan")
            )
        finder.close()
        ms = [1000 * t for t in copied_t]
        ms_clean = [1000 * t for t in clean_t]
        figures[label] = {"build": result, "copied_p50": median(ms), "clean_p50": median(ms_clean)}
        rows.append(
            [
                label,
                f"{result.ratio:.3f}",
                f"{result.mb_per_s:.2f}",
                f"{result.seconds:.1f}",
                f"{result.peak_rss / 1e6:.0f}",
                f"{median(ms):.1f}",
                f"{percentile(ms, 95):.1f}",
                f"{median(ms_clean):.1f}",
                f"{percentile(ms_clean, 95):.1f}",
                f"{recall_v:.2f}",
                f"{recall_e:.2f}",
                f"{precision:.2f}",
            ]
        )
    state.setdefault("figures", {})[corpus.name] = figures
    state.setdefault("robustness", {})[corpus.name] = (results, notes, len(cases))
    head = [
        "system",
        "index ÷ corpus",
        "build MB/s",
        "build s",
        "build peak MB",
        "copied p50 ms",
        "copied p95 ms",
        "clean p50 ms",
        "clean p95 ms",
        "recall verbatim",
        "recall edited",
        "precision",
    ]
    return (
        f"### {corpus.name}: {corpus.n_bytes / 1e6:.1f} MB, {len(corpus.doc_ids)} documents\n\n"
        f"Latency: {len(copied)} copied and {len(clean)} clean inputs of {QUERY_TOKENS} tokens, "
        f"ms per input. Recall and precision: {len(cases)} planted cases "
        "(robustness table below); verbatim = rate 0 %, edited = rates 5–20 %.\n\n"
        + table(head, rows)
        + "\n"
    )


def targets_section(state: dict) -> str:
    rows = []
    for name, figures in state.get("figures", {}).items():
        wf, wf_hash, ig = (
            figures.get("wherefrom"),
            figures.get("wherefrom (hash-only)"),
            figures.get("infini-gram"),
        )
        if not wf:
            continue
        b = wf["build"]
        rows.append(
            [
                name,
                "full index ≤ 0.35 × corpus",
                f"{b.ratio:.3f}",
                "met" if b.ratio <= 0.35 else "not met",
            ]
        )
        if wf_hash:
            r = wf_hash["build"].ratio
            rows.append(
                [name, "hash-only ≤ 0.10 × corpus", f"{r:.3f}", "met" if r <= 0.10 else "not met"]
            )
        if ig:
            speed = b.mb_per_s / ig["build"].mb_per_s
            rows.append(
                [
                    name,
                    "build ≥ 10 × infini-gram MB/s",
                    f"{speed:.2f} ×",
                    "met" if speed >= 10 else "not met",
                ]
            )
            faster = ig["copied_p50"] / wf["copied_p50"] if wf["copied_p50"] else float("nan")
            rows.append(
                [
                    name,
                    "check ≥ 100 × faster than infini-gram (copied p50)",
                    f"{faster:.1f} ×",
                    "met" if faster >= 100 else "not met",
                ]
            )
        rows.append(
            [
                name,
                "check p50 ≤ 5 ms / 1,000 tokens (copied)",
                f"{wf['copied_p50']:.1f} ms",
                "met" if wf["copied_p50"] <= 5 else "not met",
            ]
        )
        rows.append(
            [
                name,
                "check p50 ≤ 5 ms / 1,000 tokens (clean)",
                f"{wf['clean_p50']:.1f} ms",
                "met" if wf["clean_p50"] <= 5 else "not met",
            ]
        )
    return table(["corpus", "target", "measured", "status"], rows)


# ---------------------------------------------------------------- other sections


def bible_section(args: argparse.Namespace) -> str:
    corpus = corpora.kjv_shakespeare()
    cases = robustness.bible_cases(4 if args.quick else 50)
    finders = {}
    for peer_name in ("wherefrom", "infini-gram", "minhash-lsh"):
        peer = get_peer(peer_name)
        if peer.available():
            continue
        result, out = build(peer_name, corpus, args.reuse)
        if result.ok:
            finders[peer_name] = peer.open(corpus, out)
    log(f"bible pairs: {len(cases)} passages × {len(finders)} systems")
    text, _stats = robustness.bible_table(finders, cases)
    return (
        "### Real edits: Bible translations\n\nIndex: KJV + Shakespeare. Inputs: passages of "
        f"{robustness.BIBLE_PASSAGE_WORDS} words of another translation. Recall: spans attributed "
        "to the same KJV book cover ≥ 80 % of the passage; any match: some span names that "
        "book; P: share of reported spans naming it.\n\n" + text + "\n"
    )


def original_section(args: argparse.Namespace) -> str:
    corpus = corpora.bible_shakespeare()
    text = corpora.original_prose()
    lines = []
    rows = []
    for peer_name, limit in (
        ("wherefrom", len(text)),
        ("bloom", len(text)),
        ("infini-gram", 30_000 if args.quick else 150_000),
    ):
        opened = open_finder(peer_name, corpus, args.reuse)
        if opened is None:
            continue
        finder = opened[0]
        sample = text[:limit]
        log(f"original text: {peer_name} on {len(sample.encode()) / 1e6:.2f} MB")
        started = time.perf_counter()
        reported = robustness.original_text_reports(finder, sample)
        seconds = time.perf_counter() - started
        rows.append(
            [peer_name, f"{len(sample.encode()) / 1e6:.2f}", len(reported), f"{seconds:.1f}"]
        )
        for found, snippet in reported[:15]:
            where = ", ".join(found.sources[:2]) or "(membership only)"
            lines.append(f"- {peer_name}: “{' '.join(snippet.split())[:160]}” → {where}")
        finder.close()
    return (
        "### Precision on original text\n\nInput: docstrings of the Python standard library "
        "(original prose, none of it from the Bible or Shakespeare), checked in chunks of "
        "about 1,000 words against the Bible + Shakespeare index.\n\n"
        + table(["system", "MB checked", "reported spans", "seconds"], rows)
        + "\n\nWhat was reported (first 15 per system):\n\n"
        + ("\n".join(lines) or "- nothing")
        + "\n"
    )


def open_finder(
    peer_name: str, corpus: Corpus, reuse: bool, hash_only: bool = False
) -> tuple[Finder, BuildResult, Path] | None:
    """The peer's finder over its (built or reused) index, with the build's measurements and
    folder; None when the peer is not installed or its build failed."""
    peer = get_peer(peer_name)
    if peer.available():
        return None
    result, out = build(peer_name, corpus, reuse, hash_only)
    return (peer.open(corpus, out), result, out) if result.ok else None


def scaling_section(args: argparse.Namespace) -> str:
    subsets = corpora.mixed_subsets(args.scale)
    smallest = subsets[0]
    n_lat = 5 if args.quick else 10
    copied = copied_inputs(smallest, n_lat, seed=9)
    clean = clean_inputs(False, n_lat, seed=9)
    rows, points = [], {}
    for corpus in subsets:
        for peer_name in ("wherefrom", "infini-gram"):
            if peer_name != "wherefrom" and args.peer_max_mb and corpus.n_bytes > args.peer_max_mb * 1e6:
                log(f"{peer_name} skipped at {corpus.n_bytes / 1e6:.0f} MB (--peer-max-mb {args.peer_max_mb:g})")
                continue
            opened = open_finder(peer_name, corpus, args.reuse)
            if opened is None:
                continue
            finder, result, out = opened
            copied_ms = [1000 * t for t in latencies(finder, copied, 90)]
            clean_ms = [1000 * t for t in latencies(finder, clean, 90)]
            finder.close()
            points.setdefault(peer_name, []).append(
                (corpus.n_bytes / 1e6, median(copied_ms), median(clean_ms))
            )
            rows.append(
                [
                    peer_name,
                    f"{corpus.n_bytes / 1e6:.0f}",
                    f"{result.ratio:.3f}",
                    f"{result.mb_per_s:.2f}",
                    f"{result.peak_rss / 1e6:.0f}",
                    f"{median(copied_ms):.1f}",
                    f"{median(clean_ms):.1f}",
                ]
            )
            if peer_name == "infini-gram" and not args.keep_indexes:
                import shutil

                shutil.rmtree(out, ignore_errors=True)  # several GB at the largest size
    _plot(points)
    return (
        "### Scaling: check latency as the corpus grows\n\nMixed corpus (standard libraries of "
        "every local Python, site-packages, man pages, the six Bibles, Shakespeare), nested "
        f"subsets. Inputs: {len(copied)} copied (from the smallest subset, so present in all) "
        f"and {len(clean)} clean inputs of {QUERY_TOKENS} tokens; p50 ms per input."
        + (f" infini-gram is built up to {args.peer_max_mb:g} MB only (it holds about 17 × the corpus in "
           "memory while it builds)." if args.peer_max_mb else "")
        + "\n\n"
        + table(
            [
                "system",
                "corpus MB",
                "index ÷ corpus",
                "build MB/s",
                "build peak MB",
                "copied p50 ms",
                "clean p50 ms",
            ],
            rows,
        )
        + f"\n\n![check latency vs corpus size]({PLOT.name})\n"
    )


def _plot(points: dict[str, list[tuple[float, float, float]]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4))
    for name, series in points.items():
        sizes = [p[0] for p in series]
        ax.plot(sizes, [p[1] for p in series], marker="o", label=f"{name}, copied")
        ax.plot(sizes, [p[2] for p in series], marker="s", linestyle="--", label=f"{name}, clean")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("corpus size (MB)")
    ax.set_ylabel(f"check latency p50 (ms per {QUERY_TOKENS}-token input)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- main


SECTIONS = ("corpora", "robustness", "bible", "original", "scaling")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer queries and cases, 100 MB scale"
    )
    parser.add_argument(
        "--scale", type=float, default=None, help="cap of the mixed corpus, MB (300)"
    )
    parser.add_argument("--only", nargs="*", choices=SECTIONS, default=None)
    parser.add_argument("--per-cell", type=int, default=None, help="planted cases per family, rate and length")
    parser.add_argument("--reuse", action="store_true", help="reuse indexes of an earlier run")
    parser.add_argument("--keep-indexes", action="store_true")
    parser.add_argument(
        "--peer-max-mb", type=float, default=None,
        help="scaling: build the peers only up to this corpus size (infini-gram needs ~17 GB of memory at 1 GB)",
    )
    args = parser.parse_args(argv)
    if os.environ.get("PYTHONHASHSEED") != "0":  # copydetect fingerprints use hash()
        os.execve(
            sys.executable,
            [sys.executable, str(Path(__file__).resolve()), *(argv or sys.argv[1:])],
            {**os.environ, "PYTHONHASHSEED": "0"},
        )
    args.scale = args.scale or (100 if args.quick else 300)
    only = set(args.only or SECTIONS)
    started = time.perf_counter()
    state: dict = {}
    have_shared = corpora.shared_available()
    if only & {"corpora", "robustness"}:
        parts = []
        for corpus in [corpora.stdlib()] + ([corpora.bible_shakespeare()] if have_shared else []):
            parts.append(corpus_section(corpus, args, state))
            print(parts[-1], flush=True)
        if "corpora" in only:
            body = (
                header("Against the peers, per corpus")
                + "\n"
                + "\n".join(parts)
                + "\n#### Targets\n\n"
                + targets_section(state)
                + "\n\n"
                "¹ membership only: recall counts spans without a source.\n"
            )
            write_section("suite-corpora", body)
            print(targets_section(state), flush=True)
        blocks = [
            header("Robustness: planted copies under edits"),
            "Passages of 25/50/100 tokens planted between pieces of original text; R: "
            "recall (spans naming the right document cover ≥ 80 % of the passage) at "
            "25/50/100 tokens; P: precision (reported spans at least half inside the "
            "passage). ¹ membership only: recall counts spans without a source.\n",
        ]
        for name, (results, notes, n_cases) in state.get("robustness", {}).items():
            blocks.append(
                f"### {name} ({n_cases} cases)\n\n"
                + robustness.robustness_table(results, notes)
                + "\n"
            )
        write_section("suite-robustness", "\n".join(blocks))
        print("\n".join(blocks), flush=True)
    if "bible" in only and have_shared:
        body = header("Real edits made by people") + "\n" + bible_section(args)
        write_section("suite-bible", body)
        print(body, flush=True)
    if "original" in only and have_shared:
        body = header("Precision on original text") + "\n" + original_section(args)
        write_section("suite-original", body)
        print(body, flush=True)
    if "scaling" in only:
        body = header("Scaling") + "\n" + scaling_section(args)
        write_section("suite-scaling", body)
        print(body, flush=True)
    log(f"suite done in {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
