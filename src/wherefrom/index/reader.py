"""Opening a published index: the manifest, its segments (memory-mapped, checked), and the
lookups the matcher needs across segments."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import zstandard

from wherefrom.config import IndexConfig
from wherefrom.errors import IndexCorruptError, IndexMissingError
from wherefrom.index.commons import COMMONS_DIR, TABLE_META, load_table
from wherefrom.index.files import damaged
from wherefrom.index.manifest import DocumentRow, Manifest, SegmentInfo
from wherefrom.index.segment import CHECKPOINT_EVERY, SegmentReader
from wherefrom.normalize import NormalForm, get_normalizer


class Index:
    """A published index, read-only. Safe to share between threads for lookups."""

    def __init__(self, path: Path, manifest: Manifest, config: IndexConfig, segments: list[SegmentReader]) -> None:
        self.path = path
        self.manifest = manifest
        self.config = config
        self.segments = segments
        self._by_name = {s.name: s for s in segments}
        self._rows: OrderedDict[int, DocumentRow] = OrderedDict()
        self._forms: OrderedDict[int, NormalForm] = OrderedDict()
        self._kinds: dict[str, int] | None = None
        self._languages: list[str] | None = None
        self._withdrawn: dict[str, str] = {}
        self._withdrawn_version: int | None = None
        self._pinned = threading.local()
        # The corpus-wide common table of a multi-segment index (index/commons.py); None
        # when the segments' own common keys are the whole index's (one segment).
        self.common_table: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def open(cls, path: str | Path, *, verify: bool = True) -> Index:
        """Open the index at `path`; `verify` checks every file's crc32 (sizes always)."""
        path = Path(path)
        manifest_path = path / "manifest.sqlite"
        if not path.is_dir():
            raise IndexMissingError(f"{path}: no index folder here; build one with 'wherefrom index build'")
        if not manifest_path.exists():
            raise IndexMissingError(f"{path}: no manifest.sqlite; this folder holds no wherefrom index")
        manifest = Manifest(manifest_path)
        try:
            config = manifest.config()
            published = manifest.segments()
            if not published:
                raise IndexMissingError(f"{path}: no published segment yet (an interrupted first build?); rebuild it")
            readers = [_open_segment(path / "segments" / segment.name, segment, verify) for segment in published]
            table = open_common_table(path, manifest)
        except BaseException:
            manifest.close()
            raise
        index = cls(path, manifest, config, readers)
        index.common_table = table
        return index

    def verify(self) -> int:
        """Check the manifest whole (SQLite's integrity check, every row's checksum); the
        segments were checked when the index was opened with `verify=True`. Returns the
        document rows checked."""
        return self.manifest.verify()

    def close(self) -> None:
        self.manifest.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- documents -------------------------------------------------------------------
    # Withdrawals are honoured here, once for every caller: a row of a withdrawn source comes
    # back with `withdrawn` set (its matches become withdrawn matches), and `documents()`
    # leaves it out of audits, attributions and summaries.
    def withdrawals(self) -> dict[str, str]:
        """Withdrawn uids and their reasons, re-read when another process committed a
        withdrawal, so a running service or guard honours it at once."""
        if getattr(self._pinned, "depth", 0) and self._withdrawn_version is not None:
            return self._withdrawn
        version = self.manifest.data_version()
        if version != self._withdrawn_version:
            self._withdrawn = self.manifest.withdrawals()
            self._withdrawn_version = version
        return self._withdrawn

    @contextmanager
    def one_view(self) -> Iterator[None]:
        """Inside the block this thread sees the withdrawals as they were on entry: one check
        asks SQLite whether another process withdrew a source once, not once per document
        row it reads (three reads per verified region)."""
        depth = getattr(self._pinned, "depth", 0)
        if depth == 0:
            self.withdrawals()
        self._pinned.depth = depth + 1
        try:
            yield
        finally:
            self._pinned.depth = depth

    def is_withdrawn(self, uid: str) -> bool:
        return uid in self.withdrawals()

    def _flagged(self, row: DocumentRow) -> DocumentRow:
        return replace(row, withdrawn=True) if row.uid in self.withdrawals() else row

    def document(self, doc_id: int) -> DocumentRow:
        row = self._rows.get(doc_id)
        if row is None:
            row = self.manifest.document(doc_id)
            self._rows[doc_id] = row
            if len(self._rows) > 4096:
                self._rows.popitem(last=False)
        return self._flagged(row)

    def document_by_uid(self, uid: str) -> DocumentRow:
        return self._flagged(self.manifest.document_by_uid(uid))

    def documents(self, kind: str | None = None, *, include_withdrawn: bool = False):  # rows: see licenses.release.Row
        """Every document row in order; withdrawn ones only with `include_withdrawn`
        (flagged)."""
        withdrawn = self.withdrawals()
        for row in self.manifest.documents(kind):
            if row.uid not in withdrawn:
                yield row
            elif include_withdrawn:
                yield replace(row, withdrawn=True)

    def segment_dirs(self) -> list[Path]:
        return [s.folder for s in self.segments]

    def text(self, doc_id: int) -> str | None:
        """The stored content of a document; None in a hash-only index."""
        row = self.document(doc_id)
        segment = self._by_name.get(row.segment)
        if segment is None:
            raise damaged(self.manifest.path, f"document {doc_id} is in segment {row.segment!r}, which is not published")
        if segment.store is None:
            return None
        try:
            return segment.store.text(row.local)
        except (IndexError, ValueError, OSError, zstandard.ZstdError) as error:
            # A damaged frame, row table or UTF-8: ZstdError, IndexError, UnicodeDecodeError.
            raise damaged(segment.folder / "store.zst", f"document {doc_id}: {error.__class__.__name__}") from None

    def checkpoints(self, doc_id: int) -> np.ndarray:
        row = self.document(doc_id)
        return self._by_name[row.segment].checkpoints_of(row.local)

    def tokens(self, doc_id: int, first: int, last: int) -> tuple[NormalForm, int] | None:
        """Normal form of the document's tokens covering at least [first, last), and the
        index of its first token. None in a hash-only index."""
        row = self.document(doc_id)
        text = self.text(doc_id)
        if text is None:
            return None
        normalizer = get_normalizer(row.kind, row.language)
        if getattr(normalizer, "restartable", False):
            checkpoints = self.checkpoints(doc_id)
            c0 = max(0, first // CHECKPOINT_EVERY)
            c1 = last // CHECKPOINT_EVERY + 1
            begin = int(checkpoints[c0]) if c0 < len(checkpoints) else len(text)
            end = int(checkpoints[c1]) if c1 < len(checkpoints) else len(text)
            form = normalizer.normalize(text[begin:end])
            shifted = NormalForm(form.ids, form.starts + begin, form.ends + begin, form.abstract_ids)
            return shifted, c0 * CHECKPOINT_EVERY
        cached = self._forms.get(doc_id)
        if cached is None:
            cached = normalizer.normalize(text)
            self._forms[doc_id] = cached
            if len(self._forms) > 64:
                self._forms.popitem(last=False)
        return cached, 0

    # --- lookups -----------------------------------------------------------------------
    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Postings of every hash across segments: (query index, doc id, token position)."""
        if self.common_table is not None:
            return self._lookup_uncommon(hashes)
        parts = [segment.lookup(hashes) for segment in self.segments]
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate(column) for column in zip(*parts, strict=True))  # type: ignore[return-value]

    def _lookup_uncommon(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lookups of the hashes the common table does not hold (a segment may keep postings
        of a key common only in the whole corpus), indexed into `hashes`."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        keep = np.flatnonzero(common_hits(self.common_table, hashes)[0] < 0)  # type: ignore[arg-type]
        parts = [segment.lookup(hashes[keep]) for segment in self.segments]
        q, docs, p = (np.concatenate(column) for column in zip(*parts, strict=True))
        return keep[q].astype(np.int64), docs, p

    def common_counts(self, hashes: np.ndarray) -> np.ndarray:
        """Documents holding each hash as a common fingerprint (0 when not common)."""
        if self.common_table is not None:
            _, counts = common_hits(self.common_table, np.asarray(hashes, dtype=np.uint64))
            return counts
        counts = np.zeros(len(hashes), dtype=np.int64)
        for segment in self.segments:
            where, n = segment.common(hashes)
            counts[where] += n
        return counts

    def stats_kinds(self) -> dict[str, int]:
        """Documents per kind (cached: an open index never changes)."""
        if self._kinds is None:
            self._kinds = dict(self.manifest.count("SELECT kind, count(*) FROM documents GROUP BY kind"))
        return self._kinds

    def languages(self) -> list[str]:
        """Code languages present, most documents first (cached)."""
        if self._languages is None:
            rows = self.manifest.count(
                "SELECT language, count(*) FROM documents WHERE kind = 'code' GROUP BY language ORDER BY 2 DESC"
            )
            self._languages = [r[0] for r in rows]
        return self._languages

    def stats(self) -> IndexStats:
        segments = self.manifest.segments()
        licenses = tuple(self.manifest.count(
            "SELECT license, count(*) FROM documents GROUP BY license ORDER BY 2 DESC"
        ))
        corpus_bytes = sum(s.corpus_bytes for s in segments)
        index_bytes = sum(s.bytes for s in segments) + (self.path / "manifest.sqlite").stat().st_size
        return IndexStats(
            path=str(self.path),
            documents=sum(s.documents for s in segments),
            tokens=sum(s.tokens for s in segments),
            segments=len(segments),
            fingerprints=sum(s.fingerprints for s in segments),
            common_fingerprints=(len(self.common_table[0]) if self.common_table is not None
                                 else sum(len(s.common_keys) for s in self.segments)),
            corpus_bytes=corpus_bytes,
            index_bytes=index_bytes,
            kinds=tuple(self.stats_kinds().items()),
            licenses=licenses,
            languages=tuple(self.languages()),
            config=self.config,
        )


def open_common_table(path: Path, manifest: Manifest) -> tuple[np.ndarray, np.ndarray] | None:
    """The common table the manifest names, checked; None when it names none."""
    name = manifest.get_meta(TABLE_META)
    if name is None:
        return None
    try:
        return load_table(path, name)
    except IndexCorruptError:
        raise
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise damaged(path / COMMONS_DIR / name, f"{error.__class__.__name__}: {error}") from None


def common_hits(table: tuple[np.ndarray, np.ndarray], hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each hash, its row in the common table (-1: not common) and its document count."""
    keys, counts = table
    query = (hashes >> np.uint64(32)).astype(np.uint32)
    if len(keys) == 0:
        return np.full(len(hashes), -1, np.int64), np.zeros(len(hashes), np.int64)
    at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    hit = keys[at] == query
    return np.where(hit, at, -1).astype(np.int64), np.where(hit, counts[at].astype(np.int64), 0)


def _open_segment(folder: Path, published: SegmentInfo, verify: bool) -> SegmentReader:
    """A published segment, opened and checked against what the manifest recorded of it:
    damage in any of its files is one IndexCorruptError naming the file."""
    if not folder.is_dir():
        raise damaged(folder, "a published segment is missing")
    try:
        segment = SegmentReader(folder, verify=verify)
    except IndexCorruptError:
        raise
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise damaged(folder, f"{error.__class__.__name__}: {error}") from None
    documents = len(segment.doc_ids)
    shapes = {
        "doc_ids.npy": documents == published.documents,
        "token_starts.npy": len(segment.token_starts) == documents + 1,
        "checkpoint_offsets.npy": len(segment.checkpoint_offsets) == documents + 1,
        "common_counts.npy": len(segment.common_counts) == len(segment.common_keys),
    }
    for name, fits in shapes.items():
        if not fits:
            raise damaged(folder / name, f"does not fit the segment's {documents} documents")
    return segment


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What `index stats` and `GET /v1/index` report about an index."""

    path: str
    documents: int
    tokens: int
    segments: int
    fingerprints: int
    common_fingerprints: int
    corpus_bytes: int
    index_bytes: int
    kinds: tuple[tuple[str, int], ...]
    licenses: tuple[tuple[str, int], ...]
    languages: tuple[str, ...]
    config: IndexConfig

    @property
    def bytes_per_corpus_byte(self) -> float | None:
        return round(self.index_bytes / self.corpus_bytes, 4) if self.corpus_bytes else None

    def settings(self) -> dict[str, object]:
        """The parameters that decide what is found, for the kinds the index holds: the
        melody channel's window for melodies, the text/code window otherwise."""
        c = self.config
        out: dict[str, object] = {"hash_only": c.hash_only, "common_threshold": c.common_threshold}
        kinds = dict(self.kinds)
        if kinds.get("text") or kinds.get("code") or not kinds:
            out.update(min_tokens=c.min_tokens, k=c.k, w=c.w)
        if kinds.get("music"):
            out.update(melody_min_tokens=c.melody_min_tokens, melody_k=c.melody_k, melody_w=c.melody_w)
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "documents": self.documents, "tokens": self.tokens, "segments": self.segments,
            "fingerprints": self.fingerprints, "common_fingerprints": self.common_fingerprints,
            "corpus_bytes": self.corpus_bytes, "index_bytes": self.index_bytes,
            "bytes_per_corpus_byte": self.bytes_per_corpus_byte, "kinds": dict(self.kinds),
            "licenses": dict(self.licenses), "languages": list(self.languages), "config": self.settings(),
        }
