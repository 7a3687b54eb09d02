"""A sharded index: its segments split over Ray actors (each maps its own), behind the
interface the matcher uses (`lookup`, `common_counts`, `text`, `checkpoints`, `document`).
A lookup fans out to every shard and the postings are joined as one process joins its
segments', so a check gives the report of the same index opened here.

A shard that does not answer is an error naming it (ClusterError), or, inside
`partial_results()`, left out and recorded: the caller marks its report partial. Never a
silent miss.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.config import CheckOptions
from wherefrom.errors import BadInputError, ClusterError, IndexMissingError
from wherefrom.index import Index
from wherefrom.index.manifest import Manifest
from wherefrom.index.reader import _open_segment, common_hits, open_common_table
from wherefrom.index.segment import SegmentReader
from wherefrom.records import Report
from wherefrom.scale.cluster import connect

SHARD_TIMEOUT_S = 60.0  # a shard silent this long counts as down


class Shard:
    """One shard's segments, opened (memory-mapped) in a Ray actor."""

    def __init__(self, index_dir: str, names: list[str], verify: bool) -> None:
        manifest = Manifest(Path(index_dir) / "manifest.sqlite")
        try:
            published = {s.name: s for s in manifest.segments()}
        finally:
            manifest.close()
        self.segments = [_open_segment(Path(index_dir) / "segments" / n, published[n], verify) for n in names]
        self.by_name: dict[str, SegmentReader] = {s.name: s for s in self.segments}

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        parts = [segment.lookup(hashes) for segment in self.segments]
        return tuple(np.concatenate(column) for column in zip(*parts, strict=True))  # type: ignore[return-value]

    def common(self, hashes: np.ndarray) -> np.ndarray:
        counts = np.zeros(len(hashes), dtype=np.int64)
        for segment in self.segments:
            where, n = segment.common(hashes)
            counts[where] += n
        return counts

    def text(self, segment: str, local: int) -> str | None:
        store = self.by_name[segment].store
        return None if store is None else store.text(local)

    def checkpoints(self, segment: str, local: int) -> np.ndarray:
        return self.by_name[segment].checkpoints_of(local)

    def usage(self) -> dict[str, Any]:
        """What the shard holds and the memory its process uses (resident, and mapped)."""
        rss = 0
        with contextlib.suppress(OSError), open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
        index_bytes = sum(p.stat().st_size for s in self.segments for p in s.folder.rglob("*") if p.is_file())
        return {"segments": len(self.segments), "rss_bytes": rss, "index_bytes": index_bytes, "pid": os.getpid()}


@dataclass(frozen=True, slots=True)
class ShardInfo:
    number: int
    segments: tuple[str, ...]

    def label(self) -> str:
        shown = ", ".join(self.segments[:3]) + (f" and {len(self.segments) - 3} more" if len(self.segments) > 3 else "")
        return f"shard {self.number} ({shown})"


def split_segments(sizes: list[tuple[str, int]], shards: int) -> list[tuple[str, ...]]:
    """Consecutive runs of segments of about equal bytes, one per shard."""
    total = sum(size for _, size in sizes) or 1
    groups: list[list[str]] = [[] for _ in range(shards)]
    seen = 0
    for name, size in sizes:
        at = min(shards - 1, int(seen * shards / total))
        groups[at].append(name)
        seen += size
    return [tuple(g) for g in groups if g]


class ShardedIndex(Index):
    """An index whose segments are held by Ray actors; documents and the common table are
    read here, from the manifest every machine sees."""

    def __init__(self, path: Path, manifest: Manifest, config: Any, ray: Any, shards: list[ShardInfo],
                 actors: list[Any], timeout_s: float) -> None:
        super().__init__(path, manifest, config, [])
        self._ray = ray
        self.shards = shards
        self._actors = actors
        self._timeout_s = timeout_s
        self._shard_of = {name: i for i, shard in enumerate(shards) for name in shard.segments}
        self._texts: OrderedDict[int, str | None] = OrderedDict()
        self._texts_lock = threading.Lock()  # the service checks on several threads
        self._partial = threading.local()

    @classmethod
    def open_sharded(
        cls, path: str | Path, *, shards: int = 2, address: str | None = None, verify: bool = True,
        shard_cpus: float = 1.0, timeout_s: float = SHARD_TIMEOUT_S,
    ) -> ShardedIndex:
        """Split the index at `path` over `shards` actors of the cluster at `address`."""
        path = Path(path)
        if shards < 1:
            raise BadInputError(f"--shards {shards}: must be at least 1")
        if not (path / "manifest.sqlite").exists():
            raise IndexMissingError(f"{path}: no manifest.sqlite; this folder holds no wherefrom index")
        ray = connect(address)
        manifest = Manifest(path / "manifest.sqlite")
        try:
            config = manifest.config()
            published = manifest.segments()
            if not published:
                raise IndexMissingError(f"{path}: no published segment yet (an interrupted first build?); rebuild it")
            groups = split_segments([(s.name, s.bytes) for s in published], shards)
            infos = [ShardInfo(i, group) for i, group in enumerate(groups)]
            remote = ray.remote(num_cpus=shard_cpus, max_restarts=0)(Shard)
            actors = [remote.remote(str(path.resolve()), list(g), verify) for g in groups]
            index = cls(path, manifest, config, ray, infos, actors, timeout_s)
            index.common_table = open_common_table(path, manifest)
            index.usage()  # every shard opened its segments, or the error names it
        except BaseException:
            manifest.close()
            raise
        return index

    # --- fan-out ------------------------------------------------------------------------
    @contextlib.contextmanager
    def partial_results(self) -> Iterator[list[ShardInfo]]:
        """Inside the block, a shard that is down is left out and added to the list yielded
        (the report made inside is partial when it is not empty) instead of an error."""
        missing: list[ShardInfo] = []
        saved = getattr(self._partial, "missing", None)
        self._partial.missing = missing
        try:
            yield missing
        finally:
            self._partial.missing = saved

    def _gather(self, calls: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
        """Results of calls made to shards, a down shard handled as partial_results says."""
        out = []
        missing = getattr(self._partial, "missing", None)
        for number, ref in calls:
            try:
                out.append((number, self._ray.get(ref, timeout=self._timeout_s)))
            except (self._ray.exceptions.RayActorError, self._ray.exceptions.GetTimeoutError,
                    self._ray.exceptions.ActorUnavailableError) as error:
                shard = self.shards[number]
                if missing is None:
                    raise ClusterError(
                        f"{shard.label()} of {self.path} is down ({error.__class__.__name__}); "
                        "restart the service, or ask for partial results"
                    ) from None
                if shard not in missing:
                    missing.append(shard)
        return out

    def _one(self, number: int, ref: Any) -> Any:
        """A call only this shard can answer (a document's text): down is an error."""
        try:
            return self._ray.get(ref, timeout=self._timeout_s)
        except (self._ray.exceptions.RayActorError, self._ray.exceptions.GetTimeoutError,
                self._ray.exceptions.ActorUnavailableError) as error:
            raise ClusterError(f"{self.shards[number].label()} of {self.path} is down ({error.__class__.__name__})") from None

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        hashes = np.asarray(hashes, dtype=np.uint64)
        keep = np.arange(len(hashes))
        if self.common_table is not None:
            keep = np.flatnonzero(common_hits(self.common_table, hashes)[0] < 0)
        query = hashes[keep]
        parts = [r for _, r in self._gather([(i, a.lookup.remote(query)) for i, a in enumerate(self._actors)])]
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        q, docs, p = (np.concatenate(column) for column in zip(*parts, strict=True))
        return keep[q].astype(np.int64), docs, p

    def common_counts(self, hashes: np.ndarray) -> np.ndarray:
        hashes = np.asarray(hashes, dtype=np.uint64)
        if self.common_table is not None:
            return common_hits(self.common_table, hashes)[1]
        counts = np.zeros(len(hashes), dtype=np.int64)
        for _, part in self._gather([(i, a.common.remote(hashes)) for i, a in enumerate(self._actors)]):
            counts += part
        return counts

    def text(self, doc_id: int) -> str | None:
        with self._texts_lock:
            if doc_id in self._texts:
                return self._texts[doc_id]
        row = self.document(doc_id)
        number = self._shard_of[row.segment]
        text = self._one(number, self._actors[number].text.remote(row.segment, row.local))
        with self._texts_lock:
            self._texts[doc_id] = text
            if len(self._texts) > 64:
                self._texts.popitem(last=False)
        return text

    def checkpoints(self, doc_id: int) -> np.ndarray:
        row = self.document(doc_id)
        number = self._shard_of[row.segment]
        return self._one(number, self._actors[number].checkpoints.remote(row.segment, row.local))

    def usage(self) -> list[dict[str, Any]]:
        """Per shard: its segments, index bytes and the resident memory of its actor."""
        return [{"shard": i, **r} for i, r in self._gather([(i, a.usage.remote()) for i, a in enumerate(self._actors)])]

    def segment_dirs(self) -> list[Path]:
        return [self.path / "segments" / n for shard in self.shards for n in shard.segments]

    def close(self) -> None:
        for actor in self._actors:
            with contextlib.suppress(Exception):
                self._ray.kill(actor)
        super().close()


@dataclass(frozen=True, slots=True)
class ShardedReport:
    """A report made over shards: partial when some shard did not answer."""

    report: Report
    missing: tuple[ShardInfo, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.missing)

    def to_dict(self) -> dict[str, Any]:
        out = self.report.to_dict()
        if self.missing:
            out["partial"] = {"missing_shards": [s.label() for s in self.missing]}
        return out


def check_sharded(
    index: ShardedIndex, content: str, name: str = "-", options: CheckOptions | None = None, *, partial: bool = False,
) -> ShardedReport:
    """`check_text` over a sharded index; with `partial`, a shard that is down is left out
    and the result says which."""
    from wherefrom.check.sequence import check_text

    if not partial:
        return ShardedReport(check_text(index, content, name, options))
    with index.partial_results() as missing:
        report = check_text(index, content, name, options)
    return ShardedReport(report, tuple(missing))
