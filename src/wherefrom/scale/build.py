"""The distributed build: Ray Data maps the corpus' blocks (scale/blocks.py) to one immutable
segment each, written by the workers into the index's staging folder; the driver then gives
the documents their ids in corpus order, counts the keys over all segments (index/commons.py)
and publishes every segment in one manifest transaction.

Completion and resume: a worker writes its block into `staging/PLAN/.tmp-…`, fsyncs it and
renames it to `staging/PLAN/block-N` with a `done.json` marker inside: a worker killed before
the rename leaves only a temporary folder, never a block that counts, and Ray Data runs the
task again. A driver killed at any moment leaves the finished blocks there: the same build run
again (same sources, same options: the same PLAN) reuses them and runs only the others.
Nothing is in the index until the manifest transaction commits.

Equal to a local build: the blocks read the documents `read_sources` reads, in its order;
a document whose uid an earlier block (or the index) already holds is left out by running its
block again without it, so the documents, their ids and every report are the local build's.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom import progress
from wherefrom.build.pipeline import (
    BuildSummary,
    _fingerprint_batch,
    _is_sequence,
    _open_manifest,
    _refuse_index_inside,
    _writer_lock,
)
from wherefrom.config import IndexConfig
from wherefrom.corpus import SkipLog
from wherefrom.corpus.fields import FieldMap
from wherefrom.corpus.optout import OptOutList, honour_opt_outs
from wherefrom.errors import BadInputError, ClusterError, EmptyCorpusError
from wherefrom.index.commons import (
    TABLE_META,
    KeyCounts,
    merge_key_counts,
    remove_other_tables,
    segment_key_counts,
    table_for,
)
from wherefrom.index.files import crc32_file, fsync_path, save_array, write_checksums
from wherefrom.index.manifest import DocumentRow, Manifest, SegmentInfo, SegmentSummary
from wherefrom.index.segment import SegmentReader, SegmentWriter
from wherefrom.records import Provenance
from wherefrom.scale.blocks import BLOCK_BYTES, Block, plan_blocks, read_block
from wherefrom.scale.cluster import connect
from wherefrom.scale.staging import download, open_store, remote_marker, remove_plan, upload

STAGING = "staging"
DONE = "done.json"


@dataclass(frozen=True, slots=True)
class BuildJob:
    """What every block task needs; pickled with the task."""

    index_dir: str
    staging: str
    blocks: tuple[Block, ...]
    config: IndexConfig
    defaults: Provenance
    kind: str
    fields: FieldMap | None
    opt_out_list: OptOutList | None
    exclude_opted_out: bool
    left_out: dict[int, dict[str, str]] = field(default_factory=dict)  # block -> uid -> reason
    store: str | None = None  # object storage the workers leave their blocks in (scale/staging.py)
    cwd: str = "."  # the driver's folder: relative sources (and their URIs) mean the same on workers


def build_on_ray(
    sources: list[str | Path],
    index_dir: str | Path,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    config: IndexConfig | None = None,
    defaults: Provenance | None = None,
    kind: str = "auto",
    add: bool = False,
    fields: FieldMap | None = None,
    opt_out_list: OptOutList | None = None,
    exclude_opted_out: bool = False,
    block_bytes: int = BLOCK_BYTES,
    staging: str | None = None,
) -> BuildSummary:
    """`build_index` as a map over blocks on the Ray cluster at `address` (None: one started
    in this process with `num_cpus` workers): one segment per block, published at once.
    `staging`: an object storage URI the workers write their blocks to, for nodes that do
    not share the index's folder (the driver fetches them before publishing)."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if not sources:
        raise BadInputError("no source given: name files, folders, JSONL/Parquet files, repositories or packages")
    if num_cpus is not None and num_cpus < 1:
        raise BadInputError(f"--jobs {num_cpus}: a Ray of this machine needs at least 1 worker")
    if block_bytes < 1:
        raise BadInputError(f"--block-mb: must be positive, got {block_bytes} bytes")
    for source in sources:
        if not Path(source).exists():
            raise BadInputError(f"{source}: no such file or folder")
        _refuse_index_inside(Path(source), index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise BadInputError(f"{index_dir}: exists and is not a folder")
    if staging is not None:
        open_store(staging)  # a bad URI fails before the cluster is joined
    ray = connect(address, num_cpus)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _writer_lock(index_dir):
        manifest, config = _open_manifest(index_dir, config, add)
        try:
            blocks, walk_skips = plan_blocks(sources, block_bytes)
            job = BuildJob(
                str(index_dir.resolve()), "", tuple(blocks), config, defaults or Provenance(), kind,
                fields, opt_out_list, exclude_opted_out, store=staging, cwd=os.getcwd(),
            )
            job = replace(job, staging=str(index_dir.resolve() / STAGING / plan_name(job, manifest)))
            _clear_other_plans(index_dir, Path(job.staging))
            done = run_blocks(ray, job, range(len(blocks)))
            _fetch(job, done)
            left_out = _left_out(job, done, manifest)
            if left_out:
                job = replace(job, left_out=left_out)
                again = run_blocks(ray, job, sorted(left_out))
                _fetch(job, again)
                done.update(again)
            summary = _publish(job, done, manifest, sources, walk_skips, started)
            if job.store is not None:
                remove_plan(job.store, Path(job.staging).name)
            return summary
        finally:
            manifest.close()


def plan_name(job: BuildJob, manifest: Manifest) -> str:
    """A name for this build's blocks that changes with anything that changes their content:
    the blocks' files, the options and the index they are added to."""
    digest = hashlib.sha256()
    digest.update(job.config.to_json().encode())
    digest.update(repr((job.defaults, job.kind, job.fields, job.opt_out_list, job.exclude_opted_out)).encode())
    digest.update(str(manifest.next_doc_id()).encode())
    for block in job.blocks:
        digest.update(block.key().encode())
    return f"plan-{digest.hexdigest()[:16]}"


def _clear_other_plans(index_dir: Path, keep: Path) -> None:
    root = index_dir / STAGING
    if root.is_dir():
        for folder in root.iterdir():
            if folder != keep:
                shutil.rmtree(folder, ignore_errors=True)
    keep.mkdir(parents=True, exist_ok=True)


def run_blocks(ray: Any, job: BuildJob, numbers: Any) -> dict[int, dict]:
    """Run the blocks `numbers` (reusing those a marker says are done) on Ray Data; returns
    each block's marker."""
    numbers = list(numbers)
    if not numbers:
        return {}
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # ours counts blocks
    dataset = ray.data.from_items([{"block": n} for n in numbers], override_num_blocks=len(numbers))
    # A task whose worker died is run again by Ray Data (its default: no limit on retries
    # after system failures); an error raised by the task itself ends the build.
    mapped = dataset.map(functools.partial(build_block, job), num_cpus=1)
    shown = progress.bar("indexing on Ray", len(numbers), " blocks")
    markers: dict[int, dict] = {}
    try:
        for row in mapped.iter_rows():
            marker = json.loads(row["marker"])
            markers[marker["block"]] = marker
            shown.update(1)
    except Exception as error:  # a task that failed past its retries: Ray's own exception types
        raise ClusterError(f"the build on Ray failed: {str(error).strip().splitlines()[-1][:300]}") from None
    finally:
        shown.close()
    return markers


def block_folder(job: BuildJob, number: int) -> Path:
    return Path(job.staging) / f"block-{number:06d}"


def _fits(job: BuildJob, number: int, marker: dict | None) -> bool:
    """Whether a marker is of this block as this job builds it (the same documents left out)."""
    return (marker is not None and marker.get("key") == job.blocks[number].key()
            and marker.get("left_out") == sorted(job.left_out.get(number, {})))


def read_marker(job: BuildJob, number: int) -> dict | None:
    """The marker of a finished block of this plan (with the same documents left out), or
    None when the block must be (re)built."""
    if job.store is not None:
        remote = remote_marker(job.store, Path(job.staging).name, number)
        return remote if _fits(job, number, remote) else None
    folder = block_folder(job, number)
    try:
        marker = json.loads((folder / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not _fits(job, number, marker):
        return None
    if marker["documents"] and not ((folder / "segment").is_dir() or (Path(job.index_dir) / "segments" / marker["name"]).is_dir()):
        return None  # published folder gone (a local build removed it): build again
    return marker


def build_block(job: BuildJob, row: dict) -> dict:
    """One block to one staged segment (a Ray Data task). Idempotent: a block whose marker
    is there is not built again."""
    number = int(row["block"])
    marker = read_marker(job, number)
    if marker is not None:
        return {"marker": json.dumps({**marker, "reused": True})}
    block = job.blocks[number]
    final = block_folder(job, number)
    if job.store is not None:
        temporary = Path(tempfile.mkdtemp(prefix=f"wherefrom-block-{number:06d}-"))
    else:
        temporary = Path(job.staging) / f".tmp-block-{number:06d}-{uuid.uuid4().hex[:8]}"
        temporary.mkdir(parents=True)
    began = time.time()
    try:
        with contextlib.chdir(job.cwd):  # a source named relative to the driver's folder
            marker = _write_block(job, block, temporary)
        marker.update(started=began, finished=time.time())
        (temporary / DONE).write_text(json.dumps(marker), encoding="utf-8")
        fsync_path(temporary / DONE)
        fsync_path(temporary)
        if job.store is not None:
            upload(job.store, Path(job.staging).name, number, temporary)
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            shutil.rmtree(final, ignore_errors=True)  # an earlier attempt's, superseded
            os.rename(temporary, final)
            fsync_path(final.parent)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return {"marker": json.dumps({**marker, "reused": False})}


def _write_block(job: BuildJob, block: Block, folder: Path) -> dict:
    """Read, fingerprint and write one block into `folder/segment`, its document rows (ids
    still local) and key counts beside it; returns its marker."""
    config = job.config
    skips = SkipLog()
    left_out = job.left_out.get(block.number, {})
    documents = honour_opt_outs(
        read_block(block, job.defaults, job.kind, skips, job.fields), job.opt_out_list, job.exclude_opted_out, skips,
    )
    segment_dir = folder / "segment"
    writer = SegmentWriter(segment_dir, config)
    rows: list[tuple] = []
    seen: set[str] = set()
    tokens = corpus_bytes = 0
    by_kind: Counter[str] = Counter()
    for document in documents:
        uid = document.uid
        if uid in seen:
            skips.skip("duplicate", f"{document.provenance.uri}: indexed twice")
            continue
        if uid in left_out:
            reason = left_out[uid]
            where = "indexed twice" if reason == "duplicate" else f"already in {job.index_dir}"
            skips.skip(reason, f"{document.provenance.uri}: {where}")
            continue
        local = len(rows)
        fingerprints = _fingerprint_batch(([document], config))[0][1] if _is_sequence(document.kind) else None
        if fingerprints is None:
            # A kind with an index part of its own (images) records document ids in it,
            # which a block does not know yet.
            raise BadInputError(
                f"{document.provenance.uri}: {document.kind} works are not built on Ray yet; "
                "index them with 'wherefrom index add' without --ray"
            )
        writer.add(local, fingerprints, document.content)
        n_tokens, n_chars = fingerprints.n_tokens, len(document.content)
        seen.add(uid)
        rows.append(DocumentRow(local, uid, "", local, document.kind, document.language, document.sha256,
                                document.provenance, n_tokens, n_chars).to_tuple())
        tokens += n_tokens
        corpus_bytes += len(document.data) if document.data is not None else len(document.content.encode("utf-8", "surrogatepass"))
        by_kind[document.kind] += 1
    marker: dict[str, Any] = {
        "block": block.number, "key": block.key(), "left_out": sorted(left_out), "documents": len(rows),
        "tokens": tokens, "corpus_bytes": corpus_bytes, "by_kind": dict(by_kind), "skipped": dict(skips.counts),
        "skipped_examples": skips.examples[:5], "fingerprints": 0, "bytes": 0, "pid": os.getpid(),
        "name": "",
    }
    if not rows:
        shutil.rmtree(segment_dir, ignore_errors=True)
        return marker
    files, meta = writer.finish()
    write_checksums(segment_dir, files, {**meta, "config": config.to_json()})
    counts = segment_key_counts(SegmentReader(segment_dir, verify=False))
    np.savez(folder / "key_counts.npz", keys=counts.keys, documents=counts.documents, postings=counts.postings,
             structure=counts.structure, common=counts.common)
    with (folder / "rows.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    for name in ("key_counts.npz", "rows.jsonl"):
        fsync_path(folder / name)
    marker.update(fingerprints=meta["fingerprints"],
                  bytes=sum(p.stat().st_size for p in segment_dir.rglob("*") if p.is_file()))
    return marker


def _fetch(job: BuildJob, markers: dict[int, dict]) -> None:
    """Blocks the workers left in object storage, copied into the index's staging folder
    (a block already copied with the same marker is not copied again)."""
    if job.store is None:
        return
    for number, marker in markers.items():
        if not marker["documents"]:
            continue
        local = block_folder(job, number)
        try:
            here = json.loads((local / DONE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            here = None
        if here is None or (here.get("started"), here.get("left_out")) != (marker.get("started"), marker.get("left_out")):
            download(job.store, Path(job.staging).name, number, local)


def _left_out(job: BuildJob, markers: dict[int, dict], manifest: Manifest) -> dict[int, dict[str, str]]:
    """Documents a local build would skip that their block indexed: a uid an earlier block
    holds ("duplicate") or the index already holds ("already indexed")."""
    seen: set[str] = set()
    left_out: dict[int, dict[str, str]] = {}
    for number in range(len(job.blocks)):
        if not markers[number]["documents"]:
            continue
        for row in _rows(job, number):
            uid = row[1]
            if uid in seen:
                left_out.setdefault(number, {})[uid] = "duplicate"
            elif manifest.has_uid(uid):
                left_out.setdefault(number, {})[uid] = "already indexed"
            else:
                seen.add(uid)
    return left_out


def _rows(job: BuildJob, number: int) -> list[list]:
    with (block_folder(job, number) / "rows.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def segment_name(job: BuildJob, number: int) -> str:
    return f"seg-{Path(job.staging).name.removeprefix('plan-')}-{number:06d}"


def set_doc_ids(folder: Path, first: int) -> None:
    """Give a staged segment's documents their ids (first, first + 1, …): rewrite doc_ids
    and its entry in segment.json. The same ids every time: safe to repeat after a crash."""
    path = save_array(folder, "doc_ids_new", np.arange(first, first + _documents(folder), dtype=np.int64), "<i8")
    fsync_path(path)
    os.replace(path, folder / "doc_ids.npy")
    meta_path = folder / "segment.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    target = folder / "doc_ids.npy"
    meta["files"]["doc_ids.npy"] = {"bytes": target.stat().st_size, "crc32": crc32_file(target)}
    temporary = folder / "segment.json.tmp"
    temporary.write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    fsync_path(temporary)
    os.replace(temporary, meta_path)
    fsync_path(folder)


def _documents(folder: Path) -> int:
    return int(json.loads((folder / "segment.json").read_text(encoding="utf-8"))["documents"])


def _publish(
    job: BuildJob, markers: dict[int, dict], manifest: Manifest, sources: list[str | Path],
    walk_skips: SkipLog, started: float,
) -> BuildSummary:
    """Ids in corpus order, segments moved into `segments/`, key counts over the whole index,
    then one manifest transaction."""
    index_dir = Path(job.index_dir)
    segments_dir = index_dir / "segments"
    segments_dir.mkdir(exist_ok=True)
    published_names = {s.name for s in manifest.segments()}
    next_id = manifest.next_doc_id()
    publish: list[tuple[SegmentInfo, list[DocumentRow]]] = []
    counts: list[KeyCounts] = []
    skipped: Counter[str] = Counter(walk_skips.counts)
    examples = list(walk_skips.examples)
    by_kind: Counter[str] = Counter()
    tokens = corpus_bytes = index_bytes = 0
    merged_started = time.perf_counter()
    for number in range(len(job.blocks)):
        marker = markers[number]
        skipped.update(marker["skipped"])
        examples += marker["skipped_examples"]
        if not marker["documents"]:
            continue
        name = segment_name(job, number)
        if name in published_names:
            raise BadInputError(f"{index_dir}: segment {name} is already published; this build was published before")
        staged = block_folder(job, number) / "segment"
        final = segments_dir / name
        if staged.is_dir():
            set_doc_ids(staged, next_id)
            shutil.rmtree(final, ignore_errors=True)
            os.rename(staged, final)
        else:
            set_doc_ids(final, next_id)  # moved by a publish that did not commit
        rows = [replace(DocumentRow.from_tuple(tuple(r)), doc_id=next_id + i, segment=name) for i, r in enumerate(_rows(job, number))]
        with np.load(block_folder(job, number) / "key_counts.npz") as saved:
            counts.append(KeyCounts(saved["keys"], saved["documents"], saved["postings"], saved["structure"], saved["common"]))
        info = SegmentInfo(
            name=name, created=time.time(), documents=len(rows), fingerprints=marker["fingerprints"],
            bytes=marker["bytes"], corpus_bytes=marker["corpus_bytes"], tokens=marker["tokens"],
            summary=SegmentSummary(tuple(str(s) for s in sources), tuple(sorted(marker["skipped"].items()))),
        )
        publish.append((info, rows))
        next_id += len(rows)
        by_kind.update(marker["by_kind"])
        tokens += marker["tokens"]
        corpus_bytes += marker["corpus_bytes"]
        index_bytes += marker["bytes"]
    fsync_path(segments_dir)
    if not publish:
        reasons = ", ".join(f"{n} {r}" for r, n in skipped.most_common()) or "nothing readable"
        raise EmptyCorpusError(f"no document to index in {', '.join(map(str, sources))} ({reasons})")
    published = [segment_key_counts(SegmentReader(segments_dir / s.name, verify=False)) for s in manifest.segments()]
    table = table_for(index_dir, job.config, [merge_key_counts(published), *counts])
    counted = time.perf_counter()
    manifest.publish_segments(publish, table)
    committed = time.perf_counter()
    remove_other_tables(index_dir, table[TABLE_META])
    shutil.rmtree(index_dir / STAGING, ignore_errors=True)
    reused = sum(1 for m in markers.values() if m.get("reused"))
    return BuildSummary(
        index=index_dir, segment=f"{len(publish)} segments", documents=sum(len(r) for _, r in publish), tokens=tokens,
        corpus_bytes=corpus_bytes, index_bytes=index_bytes, seconds=time.perf_counter() - started,
        by_kind=dict(by_kind), skipped=dict(skipped), skipped_examples=tuple(examples[:20]),
        opted_out=sum(1 for _, rows in publish for row in rows if row.provenance.opt_outs),
        timings={"count_keys_s": round(counted - merged_started, 3), "publish_s": round(committed - counted, 3),
                 "blocks": len(job.blocks), "blocks_reused": reused,
                 # seconds the workers spent in the blocks built by this run (a block run twice
                 # to leave duplicates out: its last run)
                 "worker_s": round(sum(m.get("finished", 0) - m.get("started", 0)
                                       for m in markers.values() if not m.get("reused")), 3)},
    )
