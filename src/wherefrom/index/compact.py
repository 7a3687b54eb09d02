"""Compaction: runs of small segments merged into larger ones, so a build of many blocks does
not leave many segments for every query to visit; withdrawn works are purged on the way
(their fingerprints, text and rows go; the withdrawal itself stays recorded).

A merged segment is written to `segments/.tmp-NAME`, fsynced, renamed, then swapped for the
segments it replaces in one manifest transaction that also names the new common table; the
old folders are removed only after that commit. A crash at any moment leaves the last
published index whole. Documents keep their ids; the reports of the index do not change
(withdrawn works aside), which tests/index/test_compact.py pins.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from wherefrom.config import IndexConfig
from wherefrom.errors import BadInputError, IndexMissingError, WherefromError
from wherefrom.index.commons import (
    TABLE_META,
    KeyCounts,
    remove_other_tables,
    segment_key_counts,
    segment_keys,
    table_for,
)
from wherefrom.index.files import fsync_path, write_checksums
from wherefrom.index.manifest import DocumentRow, Manifest, SegmentInfo, SegmentSummary
from wherefrom.index.segment import DocumentFingerprints, SegmentReader, SegmentWriter

TARGET_BYTES = 256 << 20  # a merged segment of about this many index bytes
_SEQUENCE_FILES = {
    "key_directory.npy", "keys.npy", "postings.npy", "token_starts.npy", "common_keys.npy", "common_counts.npy",
    "doc_ids.npy", "checkpoints.npy", "checkpoint_offsets.npy", "key_structure.npy",
}


@dataclass(frozen=True, slots=True)
class MergeJob:
    """One merge: these published segments (corpus order) into `segments/NAME`."""

    index_dir: str
    name: str
    segments: tuple[str, ...]
    withdrawn: frozenset[int]  # doc ids to purge
    config: IndexConfig


@dataclass(frozen=True, slots=True)
class CompactSummary:
    index: Path
    segments_before: int
    segments_after: int
    merged: int  # segments replaced
    purged: int  # withdrawn documents removed
    merge_seconds: float
    publish_seconds: float

    def to_dict(self) -> dict[str, object]:
        return {"index": str(self.index), "segments_before": self.segments_before, "segments_after": self.segments_after,
                "merged": self.merged, "purged": self.purged, "merge_seconds": round(self.merge_seconds, 3),
                "publish_seconds": round(self.publish_seconds, 3)}


@contextlib.contextmanager
def _writer_lock(index_dir: Path) -> Iterator[None]:
    """The lock a build takes (build/pipeline.py): one writer of an index at a time."""
    with (index_dir / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WherefromError(f"{index_dir}: another build is writing this index; wait for it to finish") from None
        yield


def plan_merges(segments: list[SegmentInfo], mergeable: set[str], withdrawn_in: set[str], target_bytes: int) -> list[list[str]]:
    """Runs of consecutive mergeable segments below `target_bytes`, grouped up to about that
    size; a lone segment is rewritten only to purge withdrawn works."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0

    def close() -> None:
        nonlocal current, size
        if len(current) > 1 or (current and current[0] in withdrawn_in):
            groups.append(current)
        current, size = [], 0

    for segment in segments:
        if segment.name not in mergeable or segment.bytes >= target_bytes:
            close()
            if segment.name in mergeable and segment.name in withdrawn_in:
                groups.append([segment.name])
            continue
        current.append(segment.name)
        size += segment.bytes
        if size >= target_bytes:
            close()
    close()
    return groups


def compact(
    index_dir: str | Path, *, target_bytes: int = TARGET_BYTES,
    map_merges: Callable[[Callable[[MergeJob], dict], list[MergeJob]], Iterable[dict]] | None = None,
) -> CompactSummary:
    """Merge the index's small segments. `map_merges(merge_segments, jobs)` runs the merges
    (default: one after another here; scale/compact.py runs them on Ray)."""
    index_dir = Path(index_dir)
    path = index_dir / "manifest.sqlite"
    if not path.exists():
        raise IndexMissingError(f"{index_dir}: no manifest.sqlite; this folder holds no wherefrom index")
    if target_bytes < 1:
        raise BadInputError(f"--target-mb: must be positive, got {target_bytes} bytes")
    with _writer_lock(index_dir):
        manifest = Manifest(path)
        try:
            return _compact(index_dir, manifest, target_bytes, map_merges or _local_map)
        finally:
            manifest.close()


def _local_map(function: Callable[[MergeJob], dict], jobs: list[MergeJob]) -> Iterable[dict]:
    return map(function, jobs)


def _compact(index_dir: Path, manifest: Manifest, target_bytes: int, map_merges: Callable) -> CompactSummary:
    config = manifest.config()
    segments = manifest.segments()
    if not segments:
        raise IndexMissingError(f"{index_dir}: no published segment to compact")
    segments_dir = index_dir / "segments"
    published = {s.name for s in segments}
    for leftover in [*segments_dir.glob(".tmp-*"), *segments_dir.glob("seg-compact-*")]:
        if leftover.name not in published:  # a compaction that stopped before its commit
            shutil.rmtree(leftover, ignore_errors=True)
    withdrawn_uids = set(manifest.withdrawals())
    withdrawn_ids: set[int] = set()
    withdrawn_in: set[str] = set()
    for row in manifest.documents():
        if row.uid in withdrawn_uids:
            withdrawn_ids.add(row.doc_id)
            withdrawn_in.add(row.segment)
    mergeable = {s.name for s in segments if _sequence_only(segments_dir / s.name)}
    groups = plan_merges(segments, mergeable, withdrawn_in, target_bytes)
    started = time.perf_counter()
    stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.time_ns() % 1_000_000:06d}"
    jobs = [MergeJob(str(index_dir), f"seg-compact-{stamp}-{i:05d}", tuple(g), frozenset(withdrawn_ids), config)
            for i, g in enumerate(groups)]
    if not jobs:
        return CompactSummary(index_dir, len(segments), len(segments), 0, 0, 0.0, 0.0)
    results = {r["name"]: r for r in map_merges(merge_segments, jobs)}
    merged_at = time.perf_counter()
    by_name = {s.name: s for s in segments}
    replaced_by = {name: job for job in jobs for name in job.segments}
    order: list[str] = []  # the index's segments after the swap, in corpus order
    publish: list[tuple[SegmentInfo, list[DocumentRow]]] = []
    purged = 0
    for segment in segments:
        job = replaced_by.get(segment.name)
        if job is None:
            order.append(segment.name)
            continue
        if segment.name != job.segments[0]:
            continue
        result = results[job.name]
        rows: list[DocumentRow] = []
        for name in job.segments:
            for row in manifest.segment_documents(name):
                if row.doc_id in withdrawn_ids:
                    purged += 1
                    continue
                rows.append(replace(row, segment=job.name, local=len(rows)))
        if not rows:
            shutil.rmtree(segments_dir / job.name, ignore_errors=True)
            continue
        members = [by_name[n] for n in job.segments]
        publish.append((SegmentInfo(
            name=job.name, created=members[0].created, documents=len(rows), fingerprints=result["fingerprints"],
            bytes=result["bytes"], corpus_bytes=_kept_bytes(members, rows, manifest),
            tokens=sum(r.n_tokens for r in rows),
            summary=SegmentSummary(tuple(s for m in members for s in m.summary.sources),
                                   tuple(sorted({k: v for m in members for k, v in m.summary.skipped}.items()))),
        ), rows))
        order.append(job.name)
    if not order:
        raise BadInputError(f"{index_dir}: every document is withdrawn; compaction would leave an empty index")
    counts: list[KeyCounts] = [segment_key_counts(SegmentReader(segments_dir / n, verify=False)) for n in order]
    table = table_for(index_dir, config, counts)
    manifest.publish_segments(publish, table, replaced=tuple(replaced_by))
    published_at = time.perf_counter()
    for name in replaced_by:
        shutil.rmtree(segments_dir / name, ignore_errors=True)
    remove_other_tables(index_dir, table[TABLE_META])
    return CompactSummary(index_dir, len(segments), len(order), len(replaced_by), purged,
                          merged_at - started, published_at - merged_at)


def _kept_bytes(members: list[SegmentInfo], kept: list[DocumentRow], manifest: Manifest) -> int:
    """Corpus bytes of the merged segment: its members', less the purged works' share
    (estimated by their characters: the manifest keeps no byte count per document)."""
    total = sum(m.corpus_bytes for m in members)
    chars = sum(row.n_chars for m in members for row in manifest.segment_documents(m.name))
    return total if chars == 0 else round(total * sum(r.n_chars for r in kept) / chars)


def _sequence_only(folder: Path) -> bool:
    """Whether a segment holds only text and code (an image part is not merged here)."""
    import json

    files = json.loads((folder / "segment.json").read_text(encoding="utf-8"))["files"]
    return all(name in _SEQUENCE_FILES or name.startswith("store") for name in files)


def merge_segments(job: MergeJob) -> dict:
    """Write the merged segment of `job` into `segments/NAME` (published by the caller)."""
    segments_dir = Path(job.index_dir) / "segments"
    temporary = segments_dir / f".tmp-{job.name}"
    shutil.rmtree(temporary, ignore_errors=True)
    readers = [SegmentReader(segments_dir / name, verify=True) for name in job.segments]
    carried = _carried_common(readers)
    writer = SegmentWriter(temporary, job.config)
    try:
        if len(carried[0]):
            writer.add_common(*carried)
        documents = 0
        for reader in readers:
            for doc_id, fingerprints, text in _documents_of(reader, carried[0]):
                if doc_id in job.withdrawn:
                    continue
                writer.add(doc_id, fingerprints, text)
                documents += 1
        files, meta = writer.finish()
        write_checksums(temporary, files, {**meta, "config": job.config.to_json()})
        final = segments_dir / job.name
        os.rename(temporary, final)
        fsync_path(segments_dir)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in final.rglob("*") if p.is_file())
    return {"name": job.name, "fingerprints": meta["fingerprints"], "bytes": size, "documents": documents}


def _carried_common(readers: list[SegmentReader]) -> tuple[np.ndarray, np.ndarray]:
    """Keys some segment of the group keeps as common, with their documents over the group
    (those of segments that kept their postings counted from the postings)."""
    keys = np.unique(np.concatenate([np.asarray(r.common_keys, dtype=np.uint32) for r in readers]))
    if len(keys) == 0:
        return keys, np.zeros(0, np.uint32)
    total = np.zeros(len(keys), dtype=np.int64)
    for reader in readers:
        counts = segment_key_counts(reader)
        at = np.searchsorted(counts.keys, keys)
        at = np.minimum(at, max(len(counts.keys) - 1, 0))
        if len(counts.keys):
            hit = counts.keys[at] == keys
            np.add.at(total, np.flatnonzero(hit), counts.documents[at[hit]])
    return keys, total.astype(np.uint32)


def _documents_of(reader: SegmentReader, dropped: np.ndarray) -> Iterator[tuple[int, DocumentFingerprints, str]]:
    """Each document of a segment with its kept fingerprints (less the `dropped` keys) and
    its text, as a worker handed them to the segment's writer."""
    keys, offsets = segment_keys(reader)
    token_starts = np.asarray(reader.token_starts, dtype=np.int64)
    structure = _posting_structure(reader, keys)
    if len(dropped) and len(keys):
        keep = ~np.isin(keys, dropped)
        keys, offsets, structure = keys[keep], offsets[keep], structure[keep]
    docs = np.searchsorted(token_starts, offsets, side="right") - 1
    order = np.lexsort((structure, docs))  # by document, structure fingerprints last
    keys, offsets, structure, docs = keys[order], offsets[order], structure[order], docs[order]
    bounds = np.searchsorted(docs, np.arange(len(token_starts)))
    for local, doc_id in enumerate(np.asarray(reader.doc_ids).tolist()):
        a, b = int(bounds[local]), int(bounds[local + 1])
        flags = structure[a:b]
        first_structure = int(np.argmax(flags)) if flags.any() else -1
        fingerprints = DocumentFingerprints(
            keys=keys[a:b].astype(np.uint64) << np.uint64(32),
            positions=offsets[a:b] - token_starts[local],
            checkpoints=reader.checkpoints_of(local),
            n_tokens=int(token_starts[local + 1] - token_starts[local]),
            structure_from=first_structure,
        )
        text = reader.store.text(local) if reader.store is not None else ""
        yield doc_id, fingerprints, text


def _posting_structure(reader: SegmentReader, keys: np.ndarray) -> np.ndarray:
    """Each posting flagged as its key's first posting is (what decides the key's threshold)."""
    if not (reader.folder / "key_structure.npy").exists() or len(keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    new_key = np.ones(len(keys), dtype=bool)
    new_key[1:] = keys[1:] != keys[:-1]
    from wherefrom.index.files import load_array

    bits = np.unpackbits(load_array(reader.folder, "key_structure"), bitorder="little")[: int(new_key.sum())].astype(bool)
    return np.repeat(bits, np.diff(np.append(np.flatnonzero(new_key), len(keys))))
