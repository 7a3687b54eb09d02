"""Immutable segments: sorted fingerprint keys with packed postings as memory-mapped
arrays, plus the text store and token checkpoints.

A key is the top 32 bits of a fingerprint (a collision only adds a seed that verification
drops); a posting is the fingerprint's token offset in the segment's concatenated documents,
from which the document and its token position follow. Keys are stored Elias–Fano style, a
directory of buckets over their top bits and the remaining low bits bit-packed; postings are
bit-packed at the bits the segment's token count needs; checkpoints are packed deltas.
About five bytes per fingerprint instead of eight.

The writer's memory stays bounded as a segment grows: fingerprints are kept in memory up to
SPILL_FINGERPRINTS, then sorted and spilled as a run to the segment's `.runs` folder; `finish`
merges the runs one key range at a time and streams the packed arrays out.

Fingerprints found in more than `common_threshold` documents (or with more than
`max_postings` postings) are kept as a document count only.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wherefrom._core import packing
from wherefrom.config import IndexConfig
from wherefrom.errors import IndexCorruptError, WherefromError
from wherefrom.index.files import load_array, save_array, verify_checksums
from wherefrom.index.store import StoreReader, StoreWriter

CHECKPOINT_EVERY = 32
SPILL_FINGERPRINTS = 1 << 22  # 9 bytes each while building: a run of about 36 MB
MERGE_FINGERPRINTS = 1 << 20  # about as many in one key range of the merge
SEGMENT_FORMAT = 3
MAX_SEGMENT_TOKENS = (1 << 32) - 1


@dataclass(frozen=True, slots=True)
class DocumentFingerprints:
    """What a worker computes for one sequence document."""

    keys: np.ndarray  # uint64 fingerprint hashes (all channels, salted)
    positions: np.ndarray  # token position of each fingerprint's first token
    checkpoints: np.ndarray  # char offset of tokens 0, CHECKPOINT_EVERY, ...
    n_tokens: int
    structure_from: int = -1  # keys[structure_from:] are code-structure fingerprints (-1: none)


class SegmentWriter:
    def __init__(self, folder: Path, config: IndexConfig) -> None:
        self.folder = folder
        self.config = config
        folder.mkdir(parents=True)
        self._keys: list[np.ndarray] = []
        self._structure: list[np.ndarray] = []
        self._positions: list[np.ndarray] = []
        self._buffered = 0
        self._runs: list[Path] = []
        self._checkpoints: list[np.ndarray] = []
        self._store = None if config.hash_only else StoreWriter(folder, config.store_level)
        self._doc_ids: list[int] = []
        self._token_starts: list[int] = [0]
        self.extra_files: list[Path] = []
        self._carried_common: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, doc_id: int, fingerprints: DocumentFingerprints, content: str) -> int:
        """Add one sequence document; returns its local number in the segment."""
        local = len(self._doc_ids)
        self._doc_ids.append(doc_id)
        # Only the top 32 bits are stored: keep no more until the segment is sorted.
        self._keys.append((fingerprints.keys >> np.uint64(32)).astype(np.uint32))
        base = self._token_starts[-1]
        if base + fingerprints.n_tokens > MAX_SEGMENT_TOKENS:
            raise WherefromError(
                f"a segment holds at most {MAX_SEGMENT_TOKENS:,} tokens; index the corpus in parts with 'index add'"
            )
        self._token_starts.append(base + fingerprints.n_tokens)
        structure = np.zeros(len(fingerprints.keys), dtype=bool)
        if fingerprints.structure_from >= 0:
            structure[fingerprints.structure_from :] = True
        self._structure.append(structure)
        self._positions.append((fingerprints.positions + base).astype(np.uint32))
        self._checkpoints.append(fingerprints.checkpoints.astype(np.uint32))
        self._buffered += len(fingerprints.keys)
        if self._buffered >= SPILL_FINGERPRINTS:
            self._spill()
        if self._store is not None:
            self._store.add(content)
        return local

    def _sorted_buffer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The buffered fingerprints sorted by (key, token offset): since offsets grow with the
        document, that is (key, document, position)."""
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0, np.uint32)
        positions = np.concatenate(self._positions) if self._positions else np.zeros(0, np.uint32)
        structure = np.concatenate(self._structure) if self._structure else np.zeros(0, bool)
        self._keys, self._positions, self._structure, self._buffered = [], [], [], 0
        order = np.lexsort((positions, keys))
        return keys[order], positions[order], structure[order]

    def _spill(self) -> None:
        run = self.folder / ".runs" / str(len(self._runs))
        run.mkdir(parents=True)
        for name, array in zip(("keys", "positions", "structure"), self._sorted_buffer(), strict=True):
            np.save(run / f"{name}.npy", array, allow_pickle=False)
        self._runs.append(run)

    def add_common(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Keep common keys (with their document counts) whose postings other segments
        already dropped: a compaction carries them into the merged segment. The caller
        adds no posting of these keys."""
        self._carried_common.append((keys.astype(np.uint32), counts.astype(np.uint32)))

    def add_placeholder(self, doc_id: int) -> int:
        """A document stored elsewhere in the segment (an image): no text, no fingerprints."""
        return self.add(
            doc_id,
            DocumentFingerprints(np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64), 0),
            "",
        )

    def finish(self) -> tuple[list[Path], dict]:
        runs = [tuple(np.load(run / f"{name}.npy", mmap_mode="r") for name in ("keys", "positions", "structure"))
                for run in self._runs]
        runs.append(self._sorted_buffer())
        total = sum(len(run[0]) for run in runs)
        bucket_bits = max(0, min(24, total.bit_length() - 5))  # 16 to 32 keys a bucket: the fewest bits a key
        posting_bits = packing.bits_for(max(self._token_starts[-1] - 1, 0))
        merged = _merge_runs(runs, np.array(self._token_starts, dtype=np.int64), self.config, bucket_bits)
        key_words = _PackedWriter(self.folder / "keys.raw", 32 - bucket_bits)
        posting_words = _PackedWriter(self.folder / "postings.raw", posting_bits)
        bucket_counts = np.zeros(1 << bucket_bits, dtype=np.int64)
        common_keys: list[np.ndarray] = []
        common_counts: list[np.ndarray] = []
        first_structure: list[np.ndarray] = []
        for keys, positions, chunk_common_keys, chunk_common_counts, chunk_structure in merged:
            buckets = (keys.astype(np.uint64) >> np.uint64(32 - bucket_bits)).astype(np.int64)
            bucket_counts += np.bincount(buckets, minlength=1 << bucket_bits)
            key_words.write(keys.astype(np.uint64) & np.uint64((1 << (32 - bucket_bits)) - 1))
            posting_words.write(positions.astype(np.uint64))
            common_keys.append(chunk_common_keys)
            common_counts.append(chunk_common_counts)
            first_structure.append(chunk_structure)
        del runs
        if self._carried_common:
            all_keys = np.concatenate([*common_keys, *(k for k, _ in self._carried_common)])
            all_counts = np.concatenate([*common_counts, *(c for _, c in self._carried_common)]).astype(np.uint32)
            order = np.argsort(all_keys, kind="stable")
            common_keys, common_counts = [all_keys[order]], [all_counts[order]]
        shutil.rmtree(self.folder / ".runs", ignore_errors=True)
        directory = np.zeros(len(bucket_counts) + 1, dtype=np.int64)
        np.cumsum(bucket_counts, out=directory[1:])
        fingerprints = key_words.count
        offsets = np.zeros(len(self._checkpoints) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in self._checkpoints], out=offsets[1:])
        # Each document's checkpoints as its first offset, then the gaps between them.
        deltas = [np.diff(c.astype(np.int64), prepend=0) for c in self._checkpoints]
        checkpoint_deltas = np.concatenate(deltas).astype(np.uint64) if deltas else np.zeros(0, np.uint64)
        checkpoint_bits = packing.bits_for(int(checkpoint_deltas.max(initial=0)))
        files = [
            save_array(self.folder, "key_directory", directory, "<u4"),
            key_words.close(self.folder / "keys.npy"),
            posting_words.close(self.folder / "postings.npy"),
            save_array(self.folder, "token_starts", np.array(self._token_starts, dtype=np.int64), "<i8"),
            save_array(self.folder, "common_keys", np.concatenate(common_keys), "<u4"),
            save_array(self.folder, "common_counts", np.concatenate(common_counts), "<u4"),
            save_array(self.folder, "doc_ids", np.array(self._doc_ids, dtype=np.int64), "<i8"),
            save_array(self.folder, "checkpoints", packing.pack(checkpoint_deltas, checkpoint_bits), "<u8"),
            save_array(self.folder, "checkpoint_offsets", offsets, "<i8"),
        ]
        structure_bits = np.concatenate(first_structure) if first_structure else np.zeros(0, bool)
        if structure_bits.any():
            # Whether each kept key's first posting is a code-structure fingerprint: the
            # threshold that decides corpus-wide commonness across segments (index/commons.py).
            files.append(save_array(self.folder, "key_structure", np.packbits(structure_bits, bitorder="little"), "|u1"))
        if self._store is not None:
            files += self._store.finish()
        meta = {
            "segment_format": SEGMENT_FORMAT,
            "documents": len(self._doc_ids),
            "fingerprints": fingerprints,
            "common_fingerprints": sum(len(c) for c in common_keys),
            "packing": {"key_bucket_bits": bucket_bits, "posting_bits": posting_bits, "checkpoint_bits": checkpoint_bits},
        }
        return files + self.extra_files, meta


def _merge_runs(runs: list, token_starts: np.ndarray, config: IndexConfig, bucket_bits: int):
    """The runs merged in (key, token offset) order, one range of keys at a time: yields the
    kept keys and offsets of each range with its common keys and their document counts."""
    total = sum(len(run[0]) for run in runs)
    range_bits = min(bucket_bits, (total // MERGE_FINGERPRINTS).bit_length())
    edges = (np.arange(1, 1 << range_bits, dtype=np.uint64) << np.uint64(32 - range_bits)).astype(np.uint32)
    bounds = [np.concatenate([[0], np.searchsorted(run[0], edges), [len(run[0])]]) for run in runs]
    for r in range(1 << range_bits):
        # Later runs hold later documents: a stable sort by key keeps (key, offset) order.
        pieces = [(run[0][b[r] : b[r + 1]], run[1][b[r] : b[r + 1]], run[2][b[r] : b[r + 1]])
                  for run, b in zip(runs, bounds, strict=True)]
        keys = np.concatenate([p[0] for p in pieces])
        positions = np.concatenate([p[1] for p in pieces])
        structure = np.concatenate([p[2] for p in pieces])
        if len(pieces) > 1:
            order = np.argsort(keys, kind="stable")
            keys, positions, structure = keys[order], positions[order], structure[order]
        docs = np.searchsorted(token_starts, positions, side="right") - 1
        common_keys, common_counts, keep = _split_common(keys, docs, structure, config)
        kept_keys, kept_structure = keys[keep], structure[keep]
        first = np.ones(len(kept_keys), dtype=bool)
        first[1:] = kept_keys[1:] != kept_keys[:-1]
        yield kept_keys, positions[keep], common_keys.astype(np.uint32), common_counts, kept_structure[first]


class _PackedWriter:
    """Streams a packed array to disk: values are packed 64 at a time, so every chunk starts
    on a word and the file holds the words `packing.pack` gives for all values at once."""

    def __init__(self, raw: Path, bits: int) -> None:
        self._raw = raw
        self._handle = raw.open("wb")
        self._bits = bits
        self._carry = np.zeros(0, dtype=np.uint64)
        self._words = 0
        self.count = 0

    def write(self, values: np.ndarray) -> None:
        self.count += len(values)
        values = np.concatenate([self._carry, values])
        whole = len(values) // 64 * 64
        if whole:
            words = packing.pack(values[:whole], self._bits)[:-1]  # the spare word comes at the end
            self._handle.write(words.astype("<u8").tobytes())
            self._words += len(words)
        self._carry = values[whole:]

    def close(self, path: Path) -> Path:
        words = packing.pack(self._carry, self._bits)
        self._handle.write(words.astype("<u8").tobytes())
        self._handle.close()
        n_words = self._words + len(words)
        with path.open("wb") as out, self._raw.open("rb") as raw:
            np.lib.format.write_array_header_1_0(out, {"descr": "<u8", "fortran_order": False, "shape": (n_words,)})
            shutil.copyfileobj(raw, out, 1 << 22)
        self._raw.unlink()
        return path


def _split_common(keys: np.ndarray, docs: np.ndarray, structure: np.ndarray, config: IndexConfig):
    """Find keys held by too many documents or postings; returns their (key, doc count) and
    the mask of postings to keep."""
    if len(keys) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint32), np.ones(0, bool)
    new_key = np.ones(len(keys), dtype=bool)
    new_key[1:] = keys[1:] != keys[:-1]
    new_pair = new_key.copy()
    new_pair[1:] |= docs[1:] != docs[:-1]
    key_starts = np.flatnonzero(new_key)
    postings_per_key = np.diff(np.append(key_starts, len(keys)))
    docs_per_key = np.add.reduceat(new_pair.astype(np.int64), key_starts)
    threshold = np.where(structure[key_starts], config.structure_common_threshold, config.common_threshold)
    common = (docs_per_key > threshold) | (postings_per_key > config.max_postings)
    keep = ~np.repeat(common, postings_per_key)
    return keys[key_starts[common]], docs_per_key[common].astype(np.uint32), keep


class SegmentReader:
    """Read side of one published segment; arrays are memory-mapped."""

    def __init__(self, folder: Path, verify: bool) -> None:
        self.folder = folder
        self.name = folder.name
        self.meta = verify_checksums(folder, full=verify)
        if self.meta.get("segment_format") != SEGMENT_FORMAT:
            raise IndexCorruptError(
                f"{folder}: segment format {self.meta.get('segment_format')}, this wherefrom reads {SEGMENT_FORMAT}; rebuild the index"
            )
        packed = self.meta["packing"]
        self._bucket_bits = int(packed["key_bucket_bits"])
        self._posting_bits = int(packed["posting_bits"])
        self._checkpoint_bits = int(packed["checkpoint_bits"])
        self.key_directory = load_array(folder, "key_directory")
        self.key_low = load_array(folder, "keys")
        self.postings = load_array(folder, "postings")
        self.token_starts = load_array(folder, "token_starts")
        self.common_keys = load_array(folder, "common_keys")
        self.common_counts = load_array(folder, "common_counts")
        self.doc_ids = load_array(folder, "doc_ids")
        self.checkpoints = load_array(folder, "checkpoints")
        self.checkpoint_offsets = load_array(folder, "checkpoint_offsets")
        self._checkpoint_cache: dict[int, np.ndarray] = {}
        self.store = StoreReader(folder) if (folder / "store.zst").exists() else None

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All postings of `hashes`: (query index, document id, token position)."""
        keys = (np.asarray(hashes, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)
        query_index, offsets = packing.lookup(
            keys, self.key_directory, self.key_low, self._bucket_bits, self.postings, self._posting_bits,
        )
        if len(offsets) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        local = np.searchsorted(self.token_starts, offsets, side="right") - 1
        return query_index, self.doc_ids[local].astype(np.int64), offsets - self.token_starts[local]

    def common(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Query indexes whose hash is a common fingerprint, with its document count."""
        if len(self.common_keys) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        keys = (hashes >> np.uint64(32)).astype(np.uint32)
        at = np.searchsorted(self.common_keys, keys)
        at = np.minimum(at, len(self.common_keys) - 1)
        hit = self.common_keys[at] == keys
        return np.flatnonzero(hit), self.common_counts[at[hit]].astype(np.int64)

    def checkpoints_of(self, local: int) -> np.ndarray:
        """Character offsets of the document's tokens 0, CHECKPOINT_EVERY, 2 * CHECKPOINT_EVERY, ..."""
        found = self._checkpoint_cache.get(local)
        if found is None:
            a, b = int(self.checkpoint_offsets[local]), int(self.checkpoint_offsets[local + 1])
            found = np.cumsum(packing.unpack(self.checkpoints, self._checkpoint_bits, a, b)).astype(np.int64)
            if len(self._checkpoint_cache) >= 4096:
                self._checkpoint_cache.clear()  # a dict assignment is atomic: threads may share it
            self._checkpoint_cache[local] = found
        return found
