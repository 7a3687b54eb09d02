"""Corpus-wide commonness: how many documents of the whole index hold each fingerprint key,
and the index's common table (keys in more than `common_threshold` documents, with counts).

A segment decides commonness among its own documents only; an index of several segments (a
distributed build, `index add`, a compaction) counts every key over all of them, so that
"common" and `documents_containing` are those of one build of the whole corpus. A key common
in one segment is common in the whole (its count only grows), so the segments stay as they
are and the reader drops the postings of the table's keys at lookup time.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wherefrom._core import packing
from wherefrom.config import IndexConfig
from wherefrom.index.files import fsync_path, load_array, save_array, verify_checksums, write_checksums
from wherefrom.index.segment import SegmentReader

COMMONS_DIR = "commons"
TABLE_META = "common_table"  # the manifest meta key naming the table in use


@dataclass(frozen=True, slots=True)
class KeyCounts:
    """Per distinct key of a segment (or of several, merged): documents and postings holding
    it, whether its first posting is a code-structure fingerprint, and whether a segment
    already keeps it as common (its postings dropped, `postings` then unknown)."""

    keys: np.ndarray  # uint32, sorted, distinct
    documents: np.ndarray  # int64
    postings: np.ndarray  # int64
    structure: np.ndarray  # bool
    common: np.ndarray  # bool

    @classmethod
    def empty(cls) -> KeyCounts:
        z = np.zeros(0, np.int64)
        return cls(np.zeros(0, np.uint32), z, z, np.zeros(0, bool), np.zeros(0, bool))


def segment_keys(segment: SegmentReader) -> tuple[np.ndarray, np.ndarray]:
    """Every kept posting of a segment as (key, token offset), in (key, offset) order,
    decoded from the packed arrays."""
    directory = np.asarray(segment.key_directory, dtype=np.int64)
    n = int(directory[-1])
    bucket_bits = int(segment.meta["packing"]["key_bucket_bits"])
    low_bits = 32 - bucket_bits
    if n == 0:
        return np.zeros(0, np.uint32), np.zeros(0, np.int64)
    low = packing.unpack(segment.key_low, low_bits, 0, n).astype(np.uint64)
    buckets = np.repeat(np.arange(len(directory) - 1, dtype=np.uint64), np.diff(directory))
    keys = ((buckets << np.uint64(low_bits)) | low).astype(np.uint32)
    offsets = packing.unpack(segment.postings, int(segment.meta["packing"]["posting_bits"]), 0, n).astype(np.int64)
    return keys, offsets


def segment_key_counts(segment: SegmentReader) -> KeyCounts:
    """The key counts of one published segment."""
    keys, offsets = segment_keys(segment)
    local_common = np.asarray(segment.common_keys, dtype=np.uint32)
    if len(keys):
        docs = np.searchsorted(np.asarray(segment.token_starts), offsets, side="right") - 1
        new_key = np.ones(len(keys), dtype=bool)
        new_key[1:] = keys[1:] != keys[:-1]
        new_pair = new_key.copy()
        new_pair[1:] |= docs[1:] != docs[:-1]
        starts = np.flatnonzero(new_key)
        documents = np.add.reduceat(new_pair.astype(np.int64), starts)
        postings = np.diff(np.append(starts, len(keys)))
        structure = _structure_bits(segment, len(starts))
        distinct = keys[starts]
    else:
        distinct, documents, postings, structure = np.zeros(0, np.uint32), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
    all_keys = np.concatenate([distinct, local_common])
    order = np.argsort(all_keys, kind="stable")
    return KeyCounts(
        keys=all_keys[order],
        documents=np.concatenate([documents, np.asarray(segment.common_counts, dtype=np.int64)])[order],
        postings=np.concatenate([postings, np.zeros(len(local_common), np.int64)])[order],
        structure=np.concatenate([structure, np.zeros(len(local_common), bool)])[order],
        common=np.concatenate([np.zeros(len(distinct), bool), np.ones(len(local_common), bool)])[order],
    )


def _structure_bits(segment: SegmentReader, n_keys: int) -> np.ndarray:
    """Whether each distinct kept key's first posting is a structure fingerprint; segments
    without code structure (and those written before the flag was kept) hold none."""
    if not (segment.folder / "key_structure.npy").exists():
        return np.zeros(n_keys, dtype=bool)
    bits = np.unpackbits(load_array(segment.folder, "key_structure"), bitorder="little")
    return bits[:n_keys].astype(bool)


def merge_key_counts(parts: list[KeyCounts]) -> KeyCounts:
    """Counts over several segments given in corpus order: documents and postings add up, the
    structure flag is the earliest segment's (the first posting of a one-segment build)."""
    parts = [p for p in parts if len(p.keys)]
    if not parts:
        return KeyCounts.empty()
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([p.keys for p in parts])
    part = np.concatenate([np.full(len(p.keys), i, np.int32) for i, p in enumerate(parts)])
    order = np.lexsort((part, keys))
    keys = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))

    def column(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])[order]

    return KeyCounts(
        keys=keys[starts],
        documents=np.add.reduceat(column("documents"), starts),
        postings=np.add.reduceat(column("postings"), starts),
        structure=column("structure")[starts],
        common=np.logical_or.reduceat(column("common"), starts),
    )


def decide_common(counts: KeyCounts, config: IndexConfig) -> tuple[np.ndarray, np.ndarray]:
    """The corpus-wide common keys and their document counts, by the rule a segment applies
    to its own documents (segment._split_common)."""
    threshold = np.where(counts.structure, config.structure_common_threshold, config.common_threshold)
    common = counts.common | (counts.documents > threshold) | (counts.postings > config.max_postings)
    return counts.keys[common].astype(np.uint32), counts.documents[common].astype(np.uint32)


def save_table(index_dir: Path, keys: np.ndarray, counts: np.ndarray) -> str:
    """Write a common table into `commons/NAME` (fsynced, checksummed); returns NAME, which
    the manifest then names in the transaction that publishes the segments it counts."""
    folder_root = index_dir / COMMONS_DIR
    folder_root.mkdir(exist_ok=True)
    name = f"common-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.time_ns() % 1_000_000_000:09d}"
    temporary = folder_root / f".tmp-{name}"
    temporary.mkdir()
    files = [save_array(temporary, "common_keys", keys, "<u4"), save_array(temporary, "common_counts", counts, "<u4")]
    write_checksums(temporary, files, {"common_fingerprints": len(keys)})
    os.rename(temporary, folder_root / name)
    fsync_path(folder_root)
    return name


def load_table(index_dir: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    folder = index_dir / COMMONS_DIR / name
    verify_checksums(folder, full=False)
    return load_array(folder, "common_keys"), load_array(folder, "common_counts")


def remove_other_tables(index_dir: Path, keep: str | None) -> None:
    """Remove tables the manifest no longer names (after a publish that named a new one)."""
    root = index_dir / COMMONS_DIR
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)


def table_for(index_dir: Path, config: IndexConfig, counts: list[KeyCounts]) -> dict[str, str]:
    """Count the keys of `counts` (every segment of the index to be, in corpus order), save
    the table and return the manifest meta that names it."""
    keys, documents = decide_common(merge_key_counts(counts), config)
    return {TABLE_META: save_table(index_dir, keys, documents)}

