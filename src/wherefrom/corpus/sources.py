"""Dispatch a source to its reader: folders (walked), git repositories, record files (JSONL,
Parquet), archives (wheels, sdists, zip, tar) and single files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from wherefrom import kinds
from wherefrom.corpus import archives, files, git, records
from wherefrom.corpus.base import SkipLog
from wherefrom.errors import BadInputError
from wherefrom.records import Document, Provenance

SKIPPED_FOLDERS = {".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules", ".tox", ".mypy_cache"}
_RECORDS = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def read_sources(
    sources: list[str | Path], defaults: Provenance, kind: str, skips: SkipLog
) -> Iterator[Document]:
    """Documents of every source, in order. A missing source is an error before anything is
    read; unreadable parts of a source are skipped and counted."""
    paths = [Path(s) for s in sources]
    for path in paths:
        if not path.exists():
            raise BadInputError(f"{path}: no such file or folder")
    for path in paths:
        yield from _read_one(path, defaults, kind, skips)


def _read_one(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    if path.is_dir():
        if (path / ".git").exists():
            yield from git.read_repository(path, defaults, kind, skips)
        else:
            yield from read_folder(path, defaults, kind, skips)
    elif is_container(path.name):
        yield from read_container(path, defaults, kind, skips)
    else:
        yield from files.read_file(path, path.parent, defaults, kind, skips)


def is_container(name: str) -> bool:
    """Files that hold many documents: record files and archives."""
    return name.lower().endswith((*_RECORDS, ".parquet", *_ARCHIVES))


def read_container(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    name = path.name.lower()
    if name.endswith(_RECORDS):
        yield from records.read_jsonl(path, defaults, kind, skips)
    elif name.endswith(".parquet"):
        yield from records.read_parquet(path, defaults, kind, skips)
    else:
        yield from archives.read_archive(path, defaults, kind, skips)


def read_folder(root: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    """Every file under `root` in name order; a file that only describes works of a media
    kind (an image's sidecar JSON) is read with the work, not as one."""
    for folder, subfolders, names in os.walk(root, onerror=lambda e: skips.skip("unreadable", f"{e.filename}: {e.strerror}")):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS)
        for name in sorted(names):
            path = Path(folder, name)
            if kinds.is_metadata_file(path):
                continue
            if is_container(name):
                yield from read_container(path, defaults, kind, skips)
            else:
                yield from files.read_file(path, root, defaults, kind, skips)
