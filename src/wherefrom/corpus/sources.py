"""Dispatch a source to its reader: folders (walked), git repositories, record files (JSONL,
Parquet), archives (wheels, sdists, zip, tar) and single files; the corpora of pretraining
(WARC/WET, saved Hugging Face datasets, WebDataset shards, JSONL.zst) read with a column map."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from wherefrom import kinds
from wherefrom.corpus import archives, datasets, files, git, records, warc, webdataset
from wherefrom.corpus.base import SkipLog, clean_document, refusal
from wherefrom.corpus.fields import FieldMap
from wherefrom.errors import BadInputError
from wherefrom.records import Document, Provenance

SKIPPED_FOLDERS = {".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules", ".tox", ".mypy_cache"}
_RECORDS = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", *records.ZSTD_RECORDS)
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def read_sources(
    sources: list[str | Path], defaults: Provenance, kind: str, skips: SkipLog, fields: FieldMap | None = None
) -> Iterator[Document]:
    """Documents of every source, in order. A missing source is an error before anything is
    read; unreadable parts of a source are skipped and counted. `fields` is the column map
    of record formats (default: each format's own). Every string of every Document can be
    stored as UTF-8."""
    paths = [Path(s) for s in sources]
    for path in paths:
        if not path.exists():
            raise BadInputError(f"{path}: no such file or folder")
    for path in paths:
        for document in _read_one(path, defaults, kind, skips, fields):
            yield clean_document(document)


def _read_one(path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: FieldMap | None = None) -> Iterator[Document]:
    if path.is_dir():
        if datasets.is_saved_dataset(path):
            yield from datasets.read_saved_dataset(path, defaults, kind, skips, fields)
        elif (path / ".git").exists():
            yield from git.read_repository(path, defaults, kind, skips)
        else:
            yield from read_folder(path, defaults, kind, skips)
        return
    refused = refusal(path, None)
    if refused is not None:
        skips.skip(*refused)
    elif is_container(path.name):
        yield from read_container(path, defaults, kind, skips, fields)
    else:
        yield from files.read_file(path, path.parent, defaults, kind, skips)


def is_container(name: str) -> bool:
    """Files that hold many documents: record files and archives."""
    return name.lower().endswith((*_RECORDS, ".parquet", *_ARCHIVES, *warc.WARC_SUFFIXES))


def read_container(
    path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: FieldMap | None = None
) -> Iterator[Document]:
    name = path.name.lower()
    if name.endswith(_RECORDS):
        yield from records.read_jsonl(path, defaults, kind, skips, fields)
    elif name.endswith(".parquet"):
        yield from records.read_parquet(path, defaults, kind, skips, fields)
    # --- corpora of pretraining: web archives and WebDataset shards ---
    elif name.endswith(warc.WARC_SUFFIXES):
        yield from warc.read_warc(path, defaults, kind, skips)
    elif webdataset.is_shard(path):
        yield from webdataset.read_shard(path, defaults, kind, skips, fields)
    else:
        yield from archives.read_archive(path, defaults, kind, skips)


def read_folder(root: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    """Every file under `root` in name order; a file that only describes works of a media
    kind (an image's sidecar JSON) is read with the work, not as one. Links are followed
    only to regular files inside `root`; folders are never entered through a link."""
    for folder, subfolders, names in os.walk(root, onerror=lambda e: skips.skip("unreadable", f"{e.filename}: {e.strerror}")):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS)
        for name in sorted(names):
            path = Path(folder, name)
            if kinds.is_metadata_file(path):
                continue
            refused = refusal(path, root)
            if refused is not None:
                skips.skip(*refused)
                continue
            if is_container(name):
                yield from read_container(path, defaults, kind, skips)
            else:
                yield from files.read_file(path, root, defaults, kind, skips)
