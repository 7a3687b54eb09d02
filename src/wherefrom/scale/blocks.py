"""A corpus cut into blocks for a distributed build: runs of files of one walked folder (in
the order `read_folder` reads them) or one whole source (a record file, an archive, a git
repository, a saved dataset). Reading the blocks one after another yields the documents of
`read_sources` over the same sources, in the same order: that is what makes a distributed
build equal to a local one."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wherefrom import kinds
from wherefrom.corpus import SkipLog, datasets, files, read_sources
from wherefrom.corpus.base import clean_document, refusal
from wherefrom.corpus.fields import FieldMap
from wherefrom.corpus.sources import SKIPPED_FOLDERS, is_container, read_container
from wherefrom.records import Document, Provenance

BLOCK_BYTES = 64 << 20  # a block's corpus bytes: a task of some seconds, a segment of some MB


@dataclass(frozen=True, slots=True)
class Block:
    """Files of one walked folder (`root` set: read as `read_folder` reads them) or one
    source read whole (`root` None, one path)."""

    number: int
    root: str | None
    paths: tuple[str, ...]
    bytes: int

    def key(self) -> str:
        """Changes when the block would read other files (or the same files changed size or
        time): a completion marker of another key is not reused."""
        digest = hashlib.sha256(json.dumps([self.root, self.paths]).encode("utf-8", "surrogatepass"))
        for path in self.paths:
            try:
                stat = os.stat(path)
                digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
            except OSError:
                digest.update(b"missing")
        return digest.hexdigest()[:20]


def plan_blocks(sources: list[str | Path], block_bytes: int = BLOCK_BYTES) -> tuple[list[Block], SkipLog]:
    """The blocks of `sources`, in corpus order, and the folders the walk could not read."""
    skips = SkipLog()
    blocks: list[Block] = []

    def add(root: str | None, paths: list[str], size: int) -> None:
        blocks.append(Block(len(blocks), root, tuple(paths), size))

    for source in map(Path, sources):
        if not source.is_dir() or datasets.is_saved_dataset(source) or (source / ".git").exists():
            add(None, [str(source)], _size(source))
            continue
        current: list[str] = []
        size = 0
        for folder, subfolders, names in os.walk(
            source, onerror=lambda e: skips.skip("unreadable", f"{e.filename}: {e.strerror}")
        ):
            subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS)
            for name in sorted(names):
                path = os.path.join(folder, name)
                current.append(path)
                size += _size(Path(path))
                if size >= block_bytes:
                    add(str(source), current, size)
                    current, size = [], 0
        if current:
            add(str(source), current, size)
    return blocks, skips


def _size(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.lstat().st_size
    except OSError:
        return 0


def read_block(
    block: Block, defaults: Provenance, kind: str, skips: SkipLog, fields: FieldMap | None = None
) -> Iterator[Document]:
    """The documents of one block, as `read_sources` yields them for its part of the corpus."""
    if block.root is None:
        yield from read_sources(list(block.paths), defaults, kind, skips, fields)
        return
    root = Path(block.root)
    for name in block.paths:
        path = Path(name)
        if kinds.is_metadata_file(path):
            continue
        refused = refusal(path, root)
        if refused is not None:
            skips.skip(*refused)
            continue
        if is_container(path.name):
            documents = read_container(path, defaults, kind, skips)
        else:
            documents = files.read_file(path, root, defaults, kind, skips)
        for document in documents:
            yield clean_document(document)
