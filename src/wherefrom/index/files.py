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


def load_array(folder: Path, name: str) -> np.ndarray:
    path = folder / f"{name}.npy"
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise IndexCorruptError(f"{path}: cannot be read as an array ({error}); rebuild the index") from None


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
    """Check every recorded file's size (and crc32 when `full`); return the segment meta."""
    manifest = folder / "segment.json"
    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise IndexCorruptError(f"{manifest}: unreadable segment manifest ({error}); rebuild the index") from None
    for name, entry in meta.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise IndexCorruptError(f"{path}: missing from a published segment; rebuild the index")
        if path.stat().st_size != entry["bytes"]:
            raise IndexCorruptError(
                f"{path}: {path.stat().st_size} bytes, {entry['bytes']} were published; the index is damaged"
            )
        if full and crc32_file(path) != entry["crc32"]:
            raise IndexCorruptError(f"{path}: checksum mismatch; the index is damaged, rebuild it")
    return meta
