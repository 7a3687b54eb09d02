"""Reading the regular-file members of zip and tar archives (wheels, sdists, plain archives),
in archive order, each at most a given size: the one reader that corpus readers and licence
detection share.

Sizes are enforced while decompressing, never taken from the archive's headers alone (a zip
header can state any size), and an archive as a whole gets a budget of decompressed bytes, so
a decompression bomb costs at most one member's worth of memory and a bounded amount of work.
A damaged member (a bad CRC, an unknown compression method, an encrypted entry) is skipped on
its own; the members after it are still read.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

ZIP_SUFFIXES = (".whl", ".zip")
# Decompressed bytes read from one archive before the rest of it is skipped: far above any
# real package or dataset shard, far below what a bomb of a few megabytes expands to.
MAX_ARCHIVE_BYTES = 1 << 31
_CHUNK = 1 << 20

OnSkip = Callable[[str, str], None]


def _ignore(reason: str, message: str) -> None:
    """The default for callers that only want the readable members."""


def read_bounded(handle: IO[bytes], max_bytes: int) -> bytes | None:
    """At most `max_bytes` from `handle`, read in chunks; None when there is more."""
    parts: list[bytes] = []
    total = 0
    while chunk := handle.read(min(_CHUNK, max_bytes + 1 - total)):
        parts.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            return None
    return b"".join(parts)


def members(
    path: Path, max_bytes: int, wanted: Callable[[str], bool] | None = None, *,
    on_skip: OnSkip = _ignore, budget: int = MAX_ARCHIVE_BYTES,
) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every regular file of the archive that `wanted` accepts and that is
    at most `max_bytes` long once decompressed. Members that are too large, damaged, links
    or special files are reported to `on_skip(reason, message)` and skipped. Raises
    zipfile.BadZipFile, tarfile.TarError or OSError for an archive that cannot be opened;
    damage found later ends the reading with an `on_skip` report."""
    if path.name.lower().endswith(ZIP_SUFFIXES):
        yield from _zip_members(path, max_bytes, wanted, on_skip, budget)
    else:
        yield from _tar_members(path, max_bytes, wanted, on_skip, budget)


def _zip_members(
    path: Path, max_bytes: int, wanted: Callable[[str], bool] | None, on_skip: OnSkip, budget: int
) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        spent = 0
        for info in archive.infolist():
            where = f"{path}!/{info.filename}"
            if info.is_dir() or (wanted is not None and not wanted(info.filename)):
                continue
            file_type = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver set no type
            if file_type and file_type != stat.S_IFREG:
                on_skip("not a regular file", f"{where}: a link or special file in the archive")
                continue
            if info.file_size > max_bytes:
                on_skip("too large", f"{where}: {info.file_size} bytes, more than {max_bytes}")
                continue
            if spent > budget:
                on_skip("archive budget spent", f"{path}: more than {budget} bytes decompressed; the rest is skipped")
                return
            try:
                with archive.open(info) as handle:
                    data = read_bounded(handle, max_bytes)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as error:
                on_skip("damaged member", f"{where}: {error.__class__.__name__}: {error}")
                continue
            if data is None:
                on_skip("too large", f"{where}: more than {max_bytes} bytes once decompressed (its header says {info.file_size})")
                spent += max_bytes
                continue
            spent += len(data)
            yield info.filename, data


def _tar_members(
    path: Path, max_bytes: int, wanted: Callable[[str], bool] | None, on_skip: OnSkip, budget: int
) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(path) as tar:
        spent = 0
        iterator = iter(tar)
        while True:
            try:
                member = next(iterator)
            except StopIteration:
                return
            except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as error:
                on_skip("truncated archive", f"{path}: {error.__class__.__name__}: {error}; the rest is skipped")
                return
            # Skipping a member of a compressed tar still decompresses it: count its size.
            spent += member.size
            if spent > budget:
                on_skip("archive budget spent", f"{path}: more than {budget} bytes decompressed; the rest is skipped")
                return
            if not member.isfile() or (wanted is not None and not wanted(member.name)):
                if not member.isdir() and (wanted is None or wanted(member.name)):
                    on_skip("not a regular file", f"{path}!/{member.name}: a link or special file in the archive")
                continue
            if member.size > max_bytes:
                on_skip("too large", f"{path}!/{member.name}: {member.size} bytes, more than {max_bytes}")
                continue
            try:
                handle = tar.extractfile(member)
                data = read_bounded(handle, max_bytes) if handle is not None else None
            except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as error:
                on_skip("truncated archive", f"{path}!/{member.name}: {error.__class__.__name__}: {error}; the rest is skipped")
                return
            if data is not None:
                yield member.name, data
