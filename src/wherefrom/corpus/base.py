"""Dispatch a source path to its reader, and count what is skipped and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from wherefrom.errors import BadInputError
from wherefrom.records import Document, Provenance

MAX_DOCUMENT_BYTES = 64 << 20


@dataclass
class SkipLog:
    """Skipped inputs by reason, with the first few messages kept for the summary."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    keep: int = 20

    def skip(self, reason: str, message: str) -> None:
        self.counts[reason] += 1
        if len(self.examples) < self.keep:
            self.examples.append(message)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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
    from wherefrom.corpus import files, git

    name = path.name.lower()
    if path.is_dir():
        if (path / ".git").exists():
            yield from git.read_repository(path, defaults, kind, skips)
        else:
            yield from files.read_folder(path, defaults, kind, skips)
    elif is_container(name):
        yield from read_container(path, defaults, kind, skips)
    else:
        yield from files.read_file(path, path.parent, defaults, kind, skips)


_RECORDS = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def is_container(name: str) -> bool:
    """Files that hold many documents: record files and archives."""
    return name.lower().endswith((*_RECORDS, ".parquet", *_ARCHIVES))


def read_container(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    from wherefrom.corpus import archives, records

    name = path.name.lower()
    if name.endswith(_RECORDS):
        yield from records.read_jsonl(path, defaults, kind, skips)
    elif name.endswith(".parquet"):
        yield from records.read_parquet(path, defaults, kind, skips)
    else:
        yield from archives.read_archive(path, defaults, kind, skips)
