"""Durable, checksummed files: write to a temporary path, fsync, rename; verify on open."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import numpy as np

from wherefrom.errors import IndexCorruptError


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def crc32_file(path: Path) -> int:
    crc = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def save_array(folder: Path, name: str, array: np.ndarray, dtype: str) -> Path:
    """Save with an explicit little-endian dtype so the bytes are portable."""
    path = folder / f"{name}.npy"
    np.save(path, np.ascontiguousarray(array, dtype=np.dtype(dtype)), allow_pickle=False)
    return path


# The dtype and number of dimensions every array of a segment is written with
# (docs/index-format.md); an array read back with another is damaged.
ARRAY_FORMATS: dict[str, tuple[str, int]] = {
    # keys, postings and checkpoints are bit-packed into 64-bit words (segment format 3)
    "keys": ("<u8", 1), "postings": ("<u8", 1), "key_directory": ("<u4", 1), "token_starts": ("<i8", 1),
    "common_keys": ("<u4", 1), "common_counts": ("<u4", 1), "doc_ids": ("<i8", 1),
    "checkpoints": ("<u8", 1), "checkpoint_offsets": ("<i8", 1), "key_structure": ("|u1", 1),
    "store_rows": ("<i8", 2), "store_blocks": ("<i8", 1), "store_reference": ("<i8", 1),
}
# Files up to this size get their crc32 checked on every open, not only by `index verify`:
# reading them costs less than the query that follows, and a same-size rewrite of a key
# array otherwise answers "original" without noticing.
CHEAP_VERIFY_BYTES = 64 << 20


def damaged(path: Path, what: str) -> IndexCorruptError:
    """The one message for damage found in a published file, on one line (SQLite's own
    reports span several)."""
    return IndexCorruptError(f"the index is damaged: {path} ({' '.join(what.split())}); rebuild it")


def load_array(folder: Path, name: str) -> np.ndarray:
    path = folder / f"{name}.npy"
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError, SyntaxError, TypeError) as error:
        # A damaged .npy header fails in numpy's header parser with any of these.
        raise damaged(path, f"cannot be read as an array: {error.__class__.__name__}") from None
    expected = ARRAY_FORMATS.get(name)
    if expected is not None and (array.dtype.str != np.dtype(expected[0]).str or array.ndim != expected[1]):
        raise damaged(path, f"holds {array.dtype.str} in {array.ndim} dimension(s), {expected[0]} in {expected[1]} was written")
    return array


def write_checksums(folder: Path, files: list[Path], meta: dict) -> None:
    """Record size and crc32 of every file, fsync everything, then the folder itself."""
    entries = {}
    for path in files:
        fsync_path(path)
        entries[path.relative_to(folder).as_posix()] = {"bytes": path.stat().st_size, "crc32": crc32_file(path)}
    manifest = folder / "segment.json"
    manifest.write_text(json.dumps({**meta, "files": entries}, indent=1, sort_keys=True), encoding="utf-8")
    fsync_path(manifest)
    for sub in {p.parent for p in files} | {folder}:
        fsync_path(sub)


def verify_checksums(folder: Path, full: bool) -> dict:
    """Check every recorded file's size, and its crc32 when `full` or when the file is small
    enough to check on every open (CHEAP_VERIFY_BYTES); return the segment meta."""
    manifest = folder / "segment.json"
    try:
        meta = json.loads(manifest.read_bytes().decode("utf-8"))
        entries = meta["files"]
        recorded = [(str(name), int(entry["bytes"]), int(entry["crc32"])) for name, entry in entries.items()]
    except OSError as error:
        raise damaged(manifest, f"unreadable: {error.strerror or error}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # JSON, UTF-8 and shape errors
        raise damaged(manifest, f"not a segment manifest: {error.__class__.__name__}") from None
    if not isinstance(meta, dict):
        raise damaged(manifest, "not a segment manifest")
    for name, size, crc in recorded:
        path = folder / name
        if not path.resolve().is_relative_to(folder.resolve()):
            raise damaged(manifest, f"names a file outside its segment: {name}")
        if not path.is_file():
            raise damaged(path, "missing from a published segment")
        actual = path.stat().st_size
        if actual != size:
            raise damaged(path, f"{actual} bytes, {size} were published")
        if (full or size <= CHEAP_VERIFY_BYTES) and crc32_file(path) != crc:
            raise damaged(path, "checksum mismatch")
    return meta
