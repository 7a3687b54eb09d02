"""Reading the regular-file members of zip and tar archives (wheels, sdists, plain archives),
in archive order, each at most a given size: the one reader that corpus readers and licence
detection share."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

ZIP_SUFFIXES = (".whl", ".zip")


def members(
    path: Path, max_bytes: int, wanted: Callable[[str], bool] | None = None
) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every regular file of the archive that `wanted` accepts and that is
    at most `max_bytes` long. Raises zipfile.BadZipFile, tarfile.TarError or OSError for an
    archive that cannot be read."""
    if path.name.lower().endswith(ZIP_SUFFIXES):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir() and info.file_size <= max_bytes and (wanted is None or wanted(info.filename)):
                    yield info.filename, archive.read(info)
        return
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile() and member.size <= max_bytes and (wanted is None or wanted(member.name)):
                handle = tar.extractfile(member)
                if handle is not None:
                    yield member.name, handle.read()
