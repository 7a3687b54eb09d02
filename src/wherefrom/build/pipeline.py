"""Building and adding to an index: corpus → normalize → segment writers → publish. A map over
documents into one new immutable segment, published atomically. With --jobs, batches whose
documents the compiled core normalizes go to threads (its kernels release the GIL), the rest
(Pygments languages, melodies) to a pool of processes; results keep the corpus order.
Kinds with an index part of their own (images) are written by that part, found through the
kind registry.

Publishing order: write the segment into `segments/.tmp-NAME`, fsync, rename to
`segments/NAME`, then insert the segment and its documents into the manifest in one
transaction. A crash before the commit leaves an unreferenced folder, ignored and removed
by the next build; the previously published index is never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import shutil
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom import kinds, progress
from wherefrom.config import IndexConfig
from wherefrom.corpus import SkipLog, read_sources
from wherefrom.errors import BadInputError, EmptyCorpusError, IncompatibleIndexError, WherefromError
from wherefrom.index.files import fsync_path, write_checksums
from wherefrom.index.fingerprint import CHANNEL_SALT, kgram_hashes, structure_hashes, winnow
from wherefrom.index.manifest import DocumentRow, Manifest, SegmentInfo, SegmentSummary
from wherefrom.index.segment import CHECKPOINT_EVERY, DocumentFingerprints, SegmentWriter
from wherefrom.normalize import get_normalizer
from wherefrom.records import Document, Provenance

BATCH = 32


@dataclass(frozen=True, slots=True)
class BuildSummary:
    index: Path
    segment: str
    documents: int
    tokens: int
    corpus_bytes: int
    index_bytes: int
    seconds: float
    by_kind: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "index": str(self.index), "segment": self.segment, "documents": self.documents,
            "tokens": self.tokens, "corpus_bytes": self.corpus_bytes, "index_bytes": self.index_bytes,
            "seconds": round(self.seconds, 3), "by_kind": self.by_kind, "skipped": self.skipped,
            "skipped_examples": list(self.skipped_examples),
        }


def fingerprint_document(document: Document, config: IndexConfig) -> DocumentFingerprints:
    """Normalize one sequence document and winnow its k-gram hashes (all channels)."""
    form = get_normalizer(document.kind, document.language).normalize(document.content)
    k, w = config.window(document.kind)
    hashes = kgram_hashes(form.ids, k, CHANNEL_SALT[document.kind])
    chosen = winnow(hashes, w)
    keys, positions = [hashes[chosen]], [chosen]
    structure_from = -1
    if form.abstract_ids is not None:
        structure_from = len(chosen)
        k, w = config.window("code-abstract")
        abstract = structure_hashes(form.ids, form.abstract_ids, k, CHANNEL_SALT["code-abstract"])
        picked = winnow(abstract, w)
        keys.append(abstract[picked])
        positions.append(picked)
    return DocumentFingerprints(
        keys=np.concatenate(keys),
        positions=np.concatenate(positions),
        checkpoints=form.starts[::CHECKPOINT_EVERY],
        n_tokens=len(form),
        structure_from=structure_from,
    )


def _fingerprint_batch(args: tuple[list[Document], IndexConfig]) -> list[tuple[Document, DocumentFingerprints | None]]:
    documents, config = args
    return [(d, fingerprint_document(d, config) if _is_sequence(d.kind) else None) for d in documents]


def _is_sequence(kind: str) -> bool:
    return kinds.spec(kind).has("normalizer")


def _compiled(document: Document) -> bool:
    return _is_sequence(document.kind) and get_normalizer(document.kind, document.language).compiled


class _Workers:
    """`jobs` threads for batches the compiled core normalizes and `jobs` processes for the
    others, at most 2 x jobs batches in flight, results in submission order. The processes
    are forked before any thread of this build starts."""

    def __init__(self, jobs: int) -> None:
        self._jobs = jobs
        self._processes = multiprocessing.get_context("fork").Pool(jobs)
        self._threads = ThreadPoolExecutor(jobs, thread_name_prefix="wherefrom-build")

    def map(self, batches: Iterable[tuple[list[Document], IndexConfig]]) -> Iterator[list[tuple[Document, DocumentFingerprints | None]]]:
        in_flight: deque = deque()
        for batch in batches:
            if all(_compiled(d) for d in batch[0]):
                in_flight.append(self._threads.submit(_fingerprint_batch, batch).result)
            else:
                in_flight.append(self._processes.apply_async(_fingerprint_batch, (batch,)).get)
            if len(in_flight) >= 2 * self._jobs:
                yield in_flight.popleft()()
        while in_flight:
            yield in_flight.popleft()()

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        self._processes.terminate()


def _batches(documents: Iterable[Document], config: IndexConfig) -> Iterator[tuple[list[Document], IndexConfig]]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= BATCH:
            yield batch, config
            batch = []
    if batch:
        yield batch, config


def _refuse_index_inside(source: Path, index_dir: Path) -> None:
    """An index inside a source folder would be written into the user's files and read back
    as part of the corpus by the next build."""
    root, target = source.resolve(), index_dir.resolve()
    if source.is_dir() and (target == root or root in target.parents):
        raise BadInputError(
            f"--index {index_dir}: lies inside the source folder {source}; choose a folder outside it"
        )


@contextlib.contextmanager
def _writer_lock(index_dir: Path) -> Iterator[None]:
    with (index_dir / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WherefromError(f"{index_dir}: another build is writing this index; wait for it to finish") from None
        yield


def _open_manifest(index_dir: Path, config: IndexConfig | None, add: bool) -> tuple[Manifest, IndexConfig]:
    path = index_dir / "manifest.sqlite"
    if add:
        if not path.exists():
            raise BadInputError(f"{index_dir}: no index here to add to; create one with 'wherefrom index build'")
        manifest = Manifest(path)
        stored = manifest.config()
        if config is not None and config != stored:
            raise IncompatibleIndexError(
                f"{index_dir}: built with {stored.to_json()}; 'add' must use the same parameters"
            )
        return manifest, stored
    if path.exists() and Manifest(path).segments():
        raise BadInputError(
            f"{index_dir}: already holds an index; use 'wherefrom index add' or choose a new folder"
        )
    index_dir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(path, create=True)
    config = config or IndexConfig()
    manifest.set_config(config)
    return manifest, config


def _remove_unpublished(segments_dir: Path, published: set[str]) -> None:
    for folder in segments_dir.iterdir():
        if folder.is_dir() and folder.name not in published:
            shutil.rmtree(folder, ignore_errors=True)


def build_index(
    sources: list[str | Path],
    index_dir: str | Path,
    *,
    config: IndexConfig | None = None,
    defaults: Provenance | None = None,
    kind: str = "auto",
    jobs: int = 1,
    add: bool = False,
) -> BuildSummary:
    """Index `sources` into a new segment of `index_dir` (created unless `add`)."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if not sources:
        raise BadInputError("no source given: name files, folders, JSONL/Parquet files, repositories or packages")
    for source in sources:
        if not Path(source).exists():
            raise BadInputError(f"{source}: no such file or folder")
        _refuse_index_inside(Path(source), index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise BadInputError(f"{index_dir}: exists and is not a folder")
    index_dir.mkdir(parents=True, exist_ok=True)
    with _writer_lock(index_dir):
        manifest, config = _open_manifest(index_dir, config, add)
        try:
            return _build(sources, index_dir, manifest, config, defaults or Provenance(), kind, jobs, started)
        finally:
            manifest.close()


def _build(
    sources: list[str | Path], index_dir: Path, manifest: Manifest, config: IndexConfig,
    defaults: Provenance, kind: str, jobs: int, started: float,
) -> BuildSummary:
    segments_dir = index_dir / "segments"
    segments_dir.mkdir(exist_ok=True)
    _remove_unpublished(segments_dir, {s.name for s in manifest.segments()})
    name = f"seg-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.time_ns() % 1_000_000:06d}"
    temporary = segments_dir / f".tmp-{name}"
    writer = SegmentWriter(temporary, config)
    parts: dict[str, Any] = {}  # kind -> the writer of its own segment part
    skips = SkipLog()
    rows: list[DocumentRow] = []
    seen: set[str] = set()
    next_id = manifest.next_doc_id()
    tokens = corpus_bytes = 0
    by_kind: Counter[str] = Counter()
    documents = read_sources(list(sources), defaults, kind, skips)
    workers = _Workers(jobs) if jobs > 1 else None
    shown = progress.bar("indexing", None, " docs")
    try:
        batches = _batches(documents, config)
        results = workers.map(batches) if workers else map(_fingerprint_batch, batches)
        for batch in results:
            shown.update(len(batch))
            shown.set_postfix_str(f"{corpus_bytes / 1e6:.1f} MB", refresh=False)
            for document, fingerprints in batch:
                uid = document.uid
                if uid in seen:
                    skips.skip("duplicate", f"{document.provenance.uri}: indexed twice")
                    continue
                if fingerprints is None:
                    part = parts.get(document.kind)
                    if part is None:
                        part = parts[document.kind] = kinds.spec(document.kind).part("index_part")(temporary, config)
                    try:
                        part.add(next_id, document)
                    except BadInputError as error:
                        skips.skip("corrupt media", str(error))
                        continue
                    local = writer.add_placeholder(next_id)
                    n_tokens, n_chars = 0, len(document.data or b"")
                else:
                    local = writer.add(next_id, fingerprints, document.content)
                    n_tokens, n_chars = fingerprints.n_tokens, len(document.content)
                seen.add(uid)
                rows.append(DocumentRow(
                    next_id, uid, name, local, document.kind, document.language, document.sha256,
                    document.provenance, n_tokens, n_chars,
                ))
                next_id += 1
                tokens += n_tokens
                corpus_bytes += len(document.data) if document.data is not None else len(document.content.encode("utf-8", "surrogatepass"))
                by_kind[document.kind] += 1
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        shown.close()
        if workers is not None:
            workers.close()
    if not rows:
        shutil.rmtree(temporary, ignore_errors=True)
        reasons = ", ".join(f"{n} {r}" for r, n in skips.counts.most_common()) or "nothing readable"
        raise EmptyCorpusError(f"no document to index in {', '.join(map(str, sources))} ({reasons})")
    files, meta = writer.finish()
    for part in parts.values():
        files += part.finish()
    write_checksums(temporary, files, {**meta, "config": config.to_json()})
    final = segments_dir / name
    os.rename(temporary, final)
    fsync_path(segments_dir)
    index_bytes = sum(p.stat().st_size for p in final.rglob("*") if p.is_file())
    summary = BuildSummary(
        index=index_dir, segment=name, documents=len(rows), tokens=tokens, corpus_bytes=corpus_bytes,
        index_bytes=index_bytes, seconds=time.perf_counter() - started, by_kind=dict(by_kind),
        skipped=dict(skips.counts), skipped_examples=tuple(skips.examples),
    )
    manifest.publish(
        SegmentInfo(
            name=name, created=time.time(), documents=len(rows), fingerprints=meta["fingerprints"],
            bytes=index_bytes, corpus_bytes=corpus_bytes, tokens=tokens,
            summary=SegmentSummary(tuple(str(s) for s in sources), tuple(sorted(summary.skipped.items()))),
        ),
        rows,
    )
    return summary
