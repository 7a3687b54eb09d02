"""The distributed build and the sharded query, measured on this machine: a local build and
Ray builds with 1 and 2 workers of the same corpus, the reports of both on 100 inputs
compared byte for byte, check latency and memory per shard, the key count and publish
times, compaction, and the query cost per segment.

    python bench/scale.py SOURCE... [--block-mb 64] [--stages local,ray1,ray2,reports,shards,segments]

Each stage's result is kept in bench/.work/scale/results.json (a stage can be rerun alone);
the table is printed and written to its section of docs/scale.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import WORK, percentile, table  # noqa: E402

OUT = WORK / "scale"
RESULTS = OUT / "results.json"
DOC = ROOT / "docs" / "scale.md"
STAGES = ("local", "ray2", "ray1_small", "ray2_small", "reports", "shards", "segments")
# The plan's assumptions (docs/scale.md states them with the table).
NODE_CORES, NODE_RAM_GB, BUILD_WORKERS_PER_NODE = 32, 256, 28
SHARD_INDEX_GB = 32  # per shard: four shards per node keep their index in the page cache
SEGMENT_GB = 4  # segments compacted to about this size


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}


def save(results: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")


def measured(command: list[str]) -> tuple[dict, float, int]:
    """Run a `wherefrom ... --json` command; its JSON, wall seconds and peak RSS (bytes)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "RAY_DEDUP_LOGS": "0"}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "wherefrom.cli", *command], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(command)}: exit status {status}")
    return json.loads(out), seconds, usage.ru_maxrss * 1024


def build(results: dict, name: str, sources: list[str], extra: list[str]) -> None:
    index = OUT / name
    shutil.rmtree(index, ignore_errors=True)
    log(f"{name}: building {' '.join(extra)}")
    summary, seconds, rss = measured(["index", "build", *sources, "--index", str(index), "--json", *extra])
    results[name] = {
        "seconds": seconds, "documents": summary["documents"], "corpus_bytes": summary["corpus_bytes"],
        "index_bytes": summary["index_bytes"], "mb_per_s": summary["corpus_bytes"] / 1e6 / seconds,
        "driver_peak_rss": rss, "timings": summary.get("timings", {}), "options": extra,
    }
    log(f"{name}: {summary['corpus_bytes'] / 1e6:.0f} MB in {seconds:.0f} s")


def inputs(index_dir: Path, n: int = 100, seed: int = 11) -> list[tuple[str, str]]:
    """n/2 passages copied from indexed works (every other one edited: words dropped and
    case changed) and n/2 clean texts (words of the corpus in a random order)."""
    from wherefrom.index import Index

    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    vocabulary: list[str] = []
    with Index.open(index_dir, verify=False) as index:
        rows = [r for r in index.documents() if r.n_chars > 3000 and r.kind == "text"]
        for i, row in enumerate(rng.sample(rows, n // 2)):
            text = index.text(row.doc_id) or ""
            start = rng.randrange(0, len(text) - 2000)
            passage = text[start : start + 1500]
            words = passage.split()
            vocabulary += words[:50]
            if i % 2:
                words = [w.upper() if rng.random() < 0.1 else w for w in words if rng.random() > 0.05]
                passage = " ".join(words)
            out.append((f"copied{i:02d}.txt", passage))
    for i in range(n - len(out)):
        out.append((f"clean{i:02d}.txt", " ".join(rng.choice(vocabulary) for _ in range(250))))
    return out


def check_all(index, queries: list[tuple[str, str]]) -> tuple[list[str], list[float]]:
    from wherefrom.check.sequence import check_text

    reports, seconds = [], []
    for name, text in queries:
        started = time.perf_counter()
        report = check_text(index, text, name)
        seconds.append(time.perf_counter() - started)
        reports.append(json.dumps(report.to_dict(), sort_keys=True, ensure_ascii=False))
    return reports, seconds


def compare_reports(results: dict) -> None:
    from wherefrom.index import Index

    queries = inputs(OUT / "local")
    (OUT / "inputs.json").write_text(json.dumps(queries), encoding="utf-8")
    with Index.open(OUT / "local", verify=False) as local, Index.open(OUT / "ray2", verify=False) as ray:
        a, local_s = check_all(local, queries)
        b, ray_s = check_all(ray, queries)
        segments = len(ray.segments)
        results["ray2"]["fingerprints"] = ray.stats().fingerprints
    (OUT / "local_reports.json").write_text(json.dumps(a), encoding="utf-8")
    equal = sum(x == y for x, y in zip(a, b, strict=True))
    copied = sum('"matches": []' not in r for r in a)
    results["reports"] = {
        "inputs": len(queries), "equal": equal, "with_matches": copied, "ray_segments": segments,
        "local_p50_ms": 1000 * percentile(local_s, 50), "local_p95_ms": 1000 * percentile(local_s, 95),
        "ray_p50_ms": 1000 * percentile(ray_s, 50), "ray_p95_ms": 1000 * percentile(ray_s, 95),
    }
    log(f"reports: {equal}/{len(queries)} byte-identical, {copied} with matches")


def shards(results: dict) -> None:
    from wherefrom.scale.cluster import connect
    from wherefrom.scale.shards import ShardedIndex

    queries = [tuple(q) for q in json.loads((OUT / "inputs.json").read_text(encoding="utf-8"))]
    connect(None, 2)
    rows = []
    with_reports = None
    for n in (1, 2):
        index = ShardedIndex.open_sharded(OUT / "ray2", shards=n, shard_cpus=0, verify=False)
        try:
            check_all(index, queries[:5])  # warm: actors started, first pages mapped
            reports, seconds = check_all(index, queries)
            usage = index.usage()
        finally:
            index.close()
        with_reports = with_reports or reports
        rows.append({
            "shards": n, "p50_ms": 1000 * percentile(seconds, 50), "p95_ms": 1000 * percentile(seconds, 95),
            "equal_to_one_shard": sum(x == y for x, y in zip(with_reports, reports, strict=True)),
            "shard_rss_bytes": [u["rss_bytes"] for u in usage], "shard_index_bytes": [u["index_bytes"] for u in usage],
            "shard_segments": [u["segments"] for u in usage],
        })
        log(f"shards {n}: p50 {rows[-1]['p50_ms']:.0f} ms")
    with_local = json.loads((OUT / "local_reports.json").read_text(encoding="utf-8")) if (OUT / "local_reports.json").exists() else None
    equal = sum(x == y for x, y in zip(with_local, with_reports or [], strict=False)) if with_local else None
    results["shards"] = {"rows": rows, "equal_to_local": equal}


def segments(results: dict) -> None:
    """Check latency of the same index at several segment counts (compacted step by step)."""
    from wherefrom.index import Index
    from wherefrom.index.compact import compact

    queries = [tuple(q) for q in json.loads((OUT / "inputs.json").read_text(encoding="utf-8"))]
    work = OUT / "compacted"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(OUT / "ray2", work)
    rows = []
    baseline = None
    for target_mb in (None, 256.0, 1 << 20):
        merge = publish = 0.0
        if target_mb is not None:
            summary = compact(work, target_bytes=int(target_mb * (1 << 20)))
            merge, publish = summary.merge_seconds, summary.publish_seconds
        with Index.open(work, verify=False) as index:
            check_all(index, queries[:5])
            reports, seconds = check_all(index, queries)
            count = len(index.segments)
        baseline = baseline or reports
        rows.append({"segments": count, "target_mb": target_mb, "merge_s": merge, "publish_s": publish,
                     "p50_ms": 1000 * percentile(seconds, 50), "p95_ms": 1000 * percentile(seconds, 95),
                     "equal": sum(x == y for x, y in zip(baseline, reports, strict=True))})
        log(f"{count} segments: p50 {rows[-1]['p50_ms']:.1f} ms")
    results["segments"] = rows


def render(results: dict) -> str:
    parts = [f"Measured {results.get('date', '?')} on {results.get('machine', '?')} by `bench/scale.py`; "
             "Ray 2.60 with a local cluster started by the build (`--ray --jobs N`: N worker processes)."]
    build_rows = []
    for name, label in (("local", "local, `--jobs 2`"), ("ray2", "Ray, 2 workers"),
                        ("ray1_small", "Ray, 1 worker"), ("ray2_small", "Ray, 2 workers")):
        r = results.get(name)
        if r:
            t = r.get("timings", {})
            build_rows.append([label, f"{r['corpus_bytes'] / 1e9:.2f} GB", r["documents"], f"{r['seconds']:.0f}",
                               f"{r['mb_per_s']:.2f}", f"{r['index_bytes'] / r['corpus_bytes']:.3f}",
                               t.get("blocks", 1), f"{t.get('count_keys_s', 0):.2f}", f"{t.get('publish_s', 0):.2f}"])
    parts.append("**Build**\n\n" + table(["build", "corpus", "documents", "seconds", "MB/s", "index ÷ corpus",
                                          "segments", "key count s", "publish s"], build_rows))
    for full in (results.get(name, {}) for name in ("ray2", "ray2_small", "ray1_small")):
        if not full.get("timings", {}).get("worker_s"):
            continue
        per_worker = full["corpus_bytes"] / 1e6 / full["timings"]["worker_s"]
        workers = full["options"][full["options"].index("--jobs") + 1]
        parts.append(f"In the {workers}-worker build of {full['corpus_bytes'] / 1e9:.2f} GB the workers spent "
                     f"{full['timings']['worker_s']:.0f} s in blocks: {per_worker:.2f} MB/s per worker, "
                     f"{full['mb_per_s'] / per_worker:.2f} workers' worth of throughput end to end "
                     "(the rest is the driver's walk, Ray's start and the publish).")
    rep = results.get("reports")
    if rep:
        parts.append(
            f"**Reports**: {rep['equal']} of {rep['inputs']} inputs give byte-identical JSON reports from the local "
            f"index (1 segment) and the Ray index ({rep['ray_segments']} segments); {rep['with_matches']} of them "
            f"have matches. Check latency p50/p95: local {rep['local_p50_ms']:.0f}/{rep['local_p95_ms']:.0f} ms, "
            f"Ray-built {rep['ray_p50_ms']:.0f}/{rep['ray_p95_ms']:.0f} ms (both opened in one process).")
    sh = results.get("shards")
    if sh:
        rows = [[r["shards"], f"{r['p50_ms']:.0f}", f"{r['p95_ms']:.0f}",
                 " / ".join(f"{b / 1e6:.0f}" for b in r["shard_index_bytes"]),
                 " / ".join(f"{b / 1e6:.0f}" for b in r["shard_rss_bytes"]),
                 " / ".join(map(str, r["shard_segments"])), f"{r['equal_to_one_shard']}/100"] for r in sh["rows"]]
        parts.append("**Sharded query** (the Ray-built index, shards as actors on this machine, end-to-end check "
                     "latency from the driver)\n\n" + table(
                         ["shards", "p50 ms", "p95 ms", "index MB per shard", "actor RSS MB per shard",
                          "segments per shard", "reports equal"], rows))
    seg = results.get("segments")
    if seg:
        rows = [[r["segments"], _target(r["target_mb"]), f"{r['merge_s']:.1f}",
                 f"{r['publish_s']:.2f}", f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}", f"{r['equal']}/100"] for r in seg]
        parts.append("**Query cost per segment** (the same index compacted step by step, one process)\n\n" + table(
            ["segments", "compaction target MB", "merge s", "publish s", "check p50 ms", "check p95 ms",
             "reports equal"], rows))
    if results.get("ray2") and sh:
        parts.append(plan(results))
    return "\n\n".join(parts)


def _target(target_mb: float | None) -> str:
    if target_mb is None:
        return "— (as built)"
    return "all in one" if target_mb >= 1 << 20 else f"{target_mb:g}"


def plan(results: dict) -> str:
    """A sized plan for 1 TB and 10 TB from the measured figures, the assumptions stated."""
    build2, shard_rows, seg = results["ray2"], results["shards"]["rows"], results.get("segments") or []
    ratio = build2["index_bytes"] / build2["corpus_bytes"]
    measured_in = next((r for r in (build2, results.get("ray2_small"), results.get("ray1_small"))
                        if r and r["timings"].get("worker_s")), None)
    if measured_in is not None:  # MB/s of one worker, inside its blocks
        per_worker = measured_in["corpus_bytes"] / 1e6 / measured_in["timings"]["worker_s"]
    else:
        per_worker = (results.get("ray2_small") or build2)["mb_per_s"] / 2
    two = next(r for r in shard_rows if r["shards"] == 2)
    one = next(r for r in shard_rows if r["shards"] == 1)
    shard_bytes = max(two["shard_index_bytes"])
    rss_per_index_byte = max(two["shard_rss_bytes"]) / shard_bytes
    fanout_ms = max(0.0, two["p50_ms"] - one["p50_ms"])
    per_segment_ms = 0.0
    if len(seg) >= 2 and seg[0]["segments"] > seg[-1]["segments"]:
        per_segment_ms = max(0.0, (seg[0]["p50_ms"] - seg[-1]["p50_ms"]) / (seg[0]["segments"] - seg[-1]["segments"]))
    fingerprints_per_byte = build2.get("fingerprints", 0) / build2["corpus_bytes"]
    count_s_per_gb = build2["timings"].get("count_keys_s", 0) / (build2["corpus_bytes"] / 1e9)
    rows = []
    for tb, nodes in ((1, 8), (10, 40)):
        corpus = tb * 1e12
        index = ratio * corpus
        hours = corpus / 1e6 / (per_worker * BUILD_WORKERS_PER_NODE * nodes) / 3600
        shards = max(1, round(index / (SHARD_INDEX_GB * 1e9)))
        segments_per_shard = max(1, round(SHARD_INDEX_GB / SEGMENT_GB))
        shard_ms = one["p50_ms"] + per_segment_ms * (segments_per_shard - 1)
        collisions = fingerprints_per_byte * corpus / 2**32
        rows.append([
            f"{tb} TB", f"{index / 1e12:.2f} TB", nodes, f"{hours:.1f} + {count_s_per_gb * corpus / 1e9 / 3600:.1f}",
            shards, f"{math.ceil(index / (0.75 * NODE_RAM_GB * 1e9))}",
            f"{shard_ms:.0f}", f"{shard_ms + fanout_ms * shards / 2:.0f}", f"{collisions:.1f}",
        ])
    assumptions = (
        f"Computed from the figures above: index ÷ corpus {ratio:.3f}; build {per_worker:.2f} MB/s per worker "
        f"(measured inside the blocks of a Ray build); a check's p50 {one['p50_ms']:.0f} ms through one shard actor "
        f"holding {one['shard_index_bytes'][0] / 1e6:.0f} MB of index; {per_segment_ms:.2f} ms per extra segment; fan-out "
        f"{fanout_ms:.0f} ms per extra pair of shards; actor resident memory {rss_per_index_byte:.2f} × its "
        "index bytes (query nodes hold the whole index in 3/4 of their memory); "
        f"{fingerprints_per_byte * 1e3:.1f} fingerprints per kB of corpus; driver key count "
        f"{count_s_per_gb:.2f} s per GB. Assumed: nodes of {NODE_CORES} cores and {NODE_RAM_GB} GB with "
        f"{BUILD_WORKERS_PER_NODE} build workers each, storage that keeps up (the build is CPU-bound here), "
        f"shards of {SHARD_INDEX_GB} GB of index compacted to {SEGMENT_GB} GB segments, throughput linear in "
        "workers (Ray Data tasks share nothing but the storage), and a per-shard check cost that does not grow "
        "with the shard's size beyond its segment count (the keys are bucketed, a lookup is a bucket read; "
        "verification work follows the copies found, not the corpus). Fan-out is linear in shards here "
        "(the driver gets each shard's answer in turn); a tree or async gather would make it logarithmic. "
        "The key count runs on the driver: at 10 TB it dominates the build and must be distributed first. "
        "False postings are fingerprints ÷ 2^32: a key keeps 32 bits of the hash, so every k-gram looked up "
        "also returns that many postings of other k-grams, which verification drops; at 10 TB the key must "
        "be widened before the latency above holds."
    )
    header = ["corpus", "index", "build nodes", "build hours (map + key count)", "shards", "query nodes",
              "per-shard check p50 ms", "end-to-end p50 ms", "false postings per query k-gram"]
    return "**Plan for 1 TB and 10 TB**\n\n" + table(header, rows) + "\n\n" + assumptions


def write_section(markdown: str) -> None:
    begin, end = "<!-- begin bench/scale.py -->", "<!-- end bench/scale.py -->"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Scale\n"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", help="the corpus (folders, record files)")
    parser.add_argument("--block-mb", type=float, default=64)
    parser.add_argument("--small", nargs="*", default=[], help="a smaller corpus for the 1- and 2-worker throughput")
    parser.add_argument("--small-block-mb", type=float, default=8)
    parser.add_argument("--stages", default=",".join(STAGES))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    results = load()
    results.update(date=time.strftime("%Y-%m-%d"), machine=f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
    for stage in args.stages.split(","):
        if stage == "local":
            build(results, "local", args.sources, ["--jobs", "2"])
        elif stage == "ray2":
            build(results, stage, args.sources, ["--ray", "--jobs", "2", "--block-mb", str(args.block_mb)])
        elif stage in ("ray1_small", "ray2_small"):
            build(results, stage, args.small, ["--ray", "--jobs", stage[3], "--block-mb", str(args.small_block_mb)])
        elif stage == "reports":
            compare_reports(results)
        elif stage == "shards":
            shards(results)
        elif stage == "segments":
            segments(results)
        save(results)
    markdown = render(results)
    print(markdown)
    write_section(markdown)


if __name__ == "__main__":
    main()
