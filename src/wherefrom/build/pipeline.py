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
import errno
import fcntl
import multiprocessing
import os
import shutil
import sqlite3
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
from wherefrom.corpus.fields import FieldMap
from wherefrom.corpus.optout import OptOutList, honour_opt_outs
from wherefrom.errors import BadInputError, EmptyCorpusError, IncompatibleIndexError, IndexWriteError, WherefromError
from wherefrom.index.commons import TABLE_META, remove_other_tables, segment_key_counts, table_for
from wherefrom.index.files import fsync_path, write_checksums
from wherefrom.index.fingerprint import CHANNEL_SALT, kgram_hashes, structure_hashes, winnow
from wherefrom.index.manifest import DocumentRow, Manifest, SegmentInfo, SegmentSummary
from wherefrom.index.segment import CHECKPOINT_EVERY, DocumentFingerprints, SegmentReader, SegmentWriter
from wherefrom.normalize import NormalForm, get_normalizer
from wherefrom.records import Document, Provenance

BATCH = 32
# A batch also ends at this many characters, so a worker holds a bounded amount of text.
BATCH_CHARS = 8 << 20
# Texts are normalized in windows of this many characters (see normal_form); the tokens
# ending within _CUT_MARGIN of a window's end are read again from the next window.
WINDOW_CHARS = 1 << 20
WINNOW_CHUNK = 1 << 18  # hashes winnowed at a time (see winnow_in_windows)
_CUT_MARGIN = 256


def max_jobs() -> int:
    """The most worker processes a build starts: more than a few per core only adds memory
    (each worker holds a batch of documents) and scheduling, never speed."""
    return 4 * (os.cpu_count() or 1)


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
    opted_out: int = 0  # documents indexed with an opt-out recorded (flagged, not excluded)
    timings: dict[str, float] = field(default_factory=dict)  # stages of a distributed build

    def to_dict(self) -> dict:
        return {
            "index": str(self.index), "segment": self.segment, "documents": self.documents,
            "tokens": self.tokens, "corpus_bytes": self.corpus_bytes, "index_bytes": self.index_bytes,
            "seconds": round(self.seconds, 3), "by_kind": self.by_kind, "skipped": self.skipped,
            "skipped_examples": list(self.skipped_examples), "opted_out": self.opted_out,
        } | ({"timings": self.timings} if self.timings else {})


def normal_form(document: Document) -> NormalForm:
    """The normal form of a sequence document. A long text is normalized a window at a time
    (the text normal form restarts at any token start, so the tokens are the same), which
    keeps the normalizer's working memory to one window whatever the document's size."""
    normalizer = get_normalizer(document.kind, document.language)
    content = document.content
    if document.kind != "text" or len(content) <= WINDOW_CHARS or not normalizer.restartable:
        return normalizer.normalize(content)
    ids, starts, ends = [], [], []
    begin, size = 0, WINDOW_CHARS
    while begin < len(content):
        end = begin + size
        form = normalizer.normalize(content[begin:end])
        if end >= len(content):
            keep = len(form)
        else:
            # Keep the tokens that end well before the cut (the last ones may continue past
            # it) and restart at the first token dropped.
            keep = min(int(np.searchsorted(form.ends, size - _CUT_MARGIN, side="right")), len(form) - 1)
            if keep <= 0:
                size *= 2  # one token (or none) in the window: widen it
                continue
        ids.append(form.ids[:keep])
        starts.append(form.starts[:keep] + begin)
        ends.append(form.ends[:keep] + begin)
        if end >= len(content):
            break
        begin, size = begin + int(form.starts[keep]), WINDOW_CHARS
    if not ids:
        return NormalForm.empty()
    return NormalForm(np.concatenate(ids), np.concatenate(starts), np.concatenate(ends))


def winnow_in_windows(hashes: np.ndarray, w: int) -> np.ndarray:
    """`winnow(hashes, w)`, computed over pieces of WINNOW_CHUNK hashes that overlap by
    w - 1, so its working memory (a view and an argmin per window) is one piece's, not the
    whole document's. Winnowing keeps each window's rightmost minimum, a function of that
    window alone, and every window lies inside one piece: the union is the same set."""
    n = len(hashes)
    if n <= WINNOW_CHUNK + w:
        return winnow(hashes, w)
    pieces = [
        winnow(hashes[start : start + WINNOW_CHUNK + w - 1], w) + start
        for start in range(0, n - w + 1, WINNOW_CHUNK)
    ]
    return np.unique(np.concatenate(pieces))


def fingerprint_document(document: Document, config: IndexConfig) -> DocumentFingerprints:
    """Normalize one sequence document and winnow its k-gram hashes (all channels)."""
    form = normal_form(document)
    k, w = config.window(document.kind)
    hashes = kgram_hashes(form.ids, k, CHANNEL_SALT[document.kind])
    chosen = winnow_in_windows(hashes, w)
    keys, positions = [hashes[chosen]], [chosen]
    structure_from = -1
    if form.abstract_ids is not None:
        structure_from = len(chosen)
        k, w = config.window("code-abstract")
        abstract = structure_hashes(form.ids, form.abstract_ids, k, CHANNEL_SALT["code-abstract"])
        picked = winnow_in_windows(abstract, w)
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
    chars = 0
    for document in documents:
        batch.append(document)
        chars += len(document.content) + len(document.data or b"")
        if len(batch) >= BATCH or chars >= BATCH_CHARS:
            yield batch, config
            batch, chars = [], 0
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
    if path.exists():
        if _published_anything(index_dir, path):
            raise BadInputError(
                f"{index_dir}: already holds an index; use 'wherefrom index add' or choose a new folder"
            )
        # A first build that failed (disk full, killed) left a manifest that published
        # nothing: start over, so that folder never blocks the next build.
        for leftover in (path, path.with_name(path.name + "-journal")):
            leftover.unlink(missing_ok=True)
    index_dir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(path, create=True)
    config = config or IndexConfig()
    manifest.set_config(config)
    return manifest, config


def _published_anything(index_dir: Path, path: Path) -> bool:
    """Whether the manifest at `path` records a segment (or, when it cannot be read, whether
    a published segment folder exists beside it: a damaged index is not started over)."""
    try:
        manifest = Manifest(path)
    except WherefromError:
        segments = index_dir / "segments"
        return segments.is_dir() and any(not p.name.startswith(".tmp-") for p in segments.iterdir())
    try:
        return bool(manifest.segments())
    except WherefromError:
        return True
    finally:
        manifest.close()


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
    fields: FieldMap | None = None,
    opt_out_list: OptOutList | None = None,
    exclude_opted_out: bool = False,
) -> BuildSummary:
    """Index `sources` into a new segment of `index_dir` (created unless `add`). `fields` is
    the column map of record formats; documents whose holders opted out (a signal of the
    source, or `opt_out_list`) are flagged, or left out and counted with `exclude_opted_out`."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if not 1 <= jobs <= max_jobs():
        raise BadInputError(
            f"--jobs {jobs}: must be between 1 and {max_jobs()} (4 per CPU core of this machine)"
        )
    if not sources:
        raise BadInputError("no source given: name files, folders, JSONL/Parquet files, repositories or packages")
    for source in sources:
        if not Path(source).exists():
            raise BadInputError(f"{source}: no such file or folder")
        _refuse_index_inside(Path(source), index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise BadInputError(f"{index_dir}: exists and is not a folder")
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        with _writer_lock(index_dir):
            manifest, config = _open_manifest(index_dir, config, add)
            try:
                reading = _Reading(fields, opt_out_list, exclude_opted_out)
                return _build(sources, index_dir, manifest, config, defaults or Provenance(), kind, jobs, started, reading)
            finally:
                manifest.close()
    except (OSError, sqlite3.OperationalError) as error:
        raise _write_error(index_dir, error) from None


def _write_error(index_dir: Path, error: OSError | sqlite3.OperationalError) -> IndexWriteError:
    """One line for a write that failed: what the system said, and that nothing was lost."""
    if isinstance(error, OSError):
        cause = f"{error.strerror or error} (errno {error.errno})" if error.errno else str(error)
        if error.errno == errno.EFBIG:
            cause += ", the file size limit of this process"
    else:
        cause = f"SQLite: {error}"
    return IndexWriteError(
        f"{index_dir}: cannot write the index: {cause}; nothing was published, the index is as it "
        "was before this build: free space (or fix the folder) and run it again"
    )


@dataclass(frozen=True, slots=True)
class _Reading:
    """How sources are read: the column map and what is done with opted-out works."""

    fields: FieldMap | None = None
    opt_out_list: OptOutList | None = None
    exclude_opted_out: bool = False


def _build(
    sources: list[str | Path], index_dir: Path, manifest: Manifest, config: IndexConfig,
    defaults: Provenance, kind: str, jobs: int, started: float, reading: _Reading = _Reading(),
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
    documents = honour_opt_outs(
        read_sources(list(sources), defaults, kind, skips, reading.fields),
        reading.opt_out_list, reading.exclude_opted_out, skips,
    )
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
                if manifest.has_uid(uid):
                    skips.skip("already indexed", f"{document.provenance.uri}: already in {index_dir}")
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
    try:
        files, meta = writer.finish()
        for part in parts.values():
            files += part.finish()
        write_checksums(temporary, files, {**meta, "config": config.to_json()})
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    final = segments_dir / name
    os.rename(temporary, final)
    fsync_path(segments_dir)
    index_bytes = sum(p.stat().st_size for p in final.rglob("*") if p.is_file())
    summary = BuildSummary(
        index=index_dir, segment=name, documents=len(rows), tokens=tokens, corpus_bytes=corpus_bytes,
        index_bytes=index_bytes, seconds=time.perf_counter() - started, by_kind=dict(by_kind),
        skipped=dict(skips.counts), skipped_examples=tuple(skips.examples),
        opted_out=sum(1 for row in rows if row.provenance.opt_outs),
    )
    info = SegmentInfo(
        name=name, created=time.time(), documents=len(rows), fingerprints=meta["fingerprints"],
        bytes=index_bytes, corpus_bytes=corpus_bytes, tokens=tokens,
        summary=SegmentSummary(tuple(str(s) for s in sources), tuple(sorted(summary.skipped.items()))),
    )
    published = manifest.segments()
    if not published:
        manifest.publish(info, rows)
        return summary
    # A second segment: commonness is counted over the whole index, not per segment.
    table = corpus_commons(index_dir, config, [*(segments_dir / s.name for s in published), final])
    manifest.publish_segments([(info, rows)], table)
    remove_other_tables(index_dir, table[TABLE_META])
    return summary


def corpus_commons(index_dir: Path, config: IndexConfig, folders: list[Path]) -> dict[str, str]:
    """Save the common table of the segments in `folders` (corpus order) and return the
    manifest meta that names it."""
    return table_for(index_dir, config, [segment_key_counts(SegmentReader(f, verify=False)) for f in folders])
