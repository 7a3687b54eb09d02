"""Files and folders: text and code recognised by extension and content; images and music
handed to their modules; binaries and undecodable files skipped with the reason."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from wherefrom.corpus.base import MAX_DOCUMENT_BYTES, SkipLog, is_container
from wherefrom.errors import BadInputError, MissingExtraError
from wherefrom.normalize.code import language_for_filename
from wherefrom.records import Document, Provenance

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".tif", ".tiff", ".bmp", ".svg"}
MUSIC_EXTENSIONS = {".mid", ".midi", ".musicxml", ".mxl", ".abc", ".krn"}
SKIPPED_FOLDERS = {".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules", ".tox", ".mypy_cache"}


def read_folder(root: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    for folder, subfolders, names in os.walk(root, onerror=lambda e: skips.skip("unreadable", f"{e.filename}: {e.strerror}")):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS)
        for name in sorted(names):
            if _is_image_metadata(Path(folder, name)):
                continue  # an image's provenance, read with the image
            path = Path(folder, name)
            if is_container(name):
                from wherefrom.corpus.base import read_container

                yield from read_container(path, defaults, kind, skips)
            else:
                yield from read_file(path, root, defaults, kind, skips)


def _is_image_metadata(path: Path) -> bool:
    if path.suffix.lower() not in (".json", ".csv", ".jsonl"):
        return False
    from wherefrom.image.reader import is_image_metadata

    return is_image_metadata(path)


def decode_text(data: bytes, where: str) -> str:
    """Strict UTF-8 (a BOM is dropped); binary content and invalid UTF-8 are errors."""
    if b"\0" in data[:8192]:
        raise BadInputError(f"{where}: binary content")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInputError(f"{where}: invalid UTF-8 at byte {error.start}") from None


def classify(name: str, kind: str) -> tuple[str, str]:
    """(kind, language) of a file name under the user's --kind."""
    if kind in ("text", "code"):
        return kind, (language_for_filename(name) or "text") if kind == "code" else ""
    language = language_for_filename(name)
    return ("code", language) if language else ("text", "")


def document_from_bytes(
    data: bytes, name: str, provenance: Provenance, kind: str, skips: SkipLog
) -> Document | None:
    """A text or code Document from a file's bytes, or None (counted) when it is not text."""
    if len(data) > MAX_DOCUMENT_BYTES:
        skips.skip("too large", f"{provenance.uri}: {len(data)} bytes, more than {MAX_DOCUMENT_BYTES}")
        return None
    try:
        content = decode_text(data, provenance.uri)
    except BadInputError as error:
        reason = "binary" if "binary" in str(error) else "invalid UTF-8"
        skips.skip(reason, str(error))
        return None
    if not content.strip():
        skips.skip("empty", f"{provenance.uri}: empty")
        return None
    doc_kind, language = classify(name, kind)
    provenance = _with_spdx_line(provenance, content)
    return Document(content=content, kind=doc_kind, provenance=provenance, language=language)  # type: ignore[arg-type]


def _with_spdx_line(provenance: Provenance, content: str) -> Provenance:
    """A file's own SPDX-License-Identifier line beats a folder-level guess."""
    if provenance.license_evidence.startswith(("explicit", "--license")):
        return provenance
    from wherefrom.licenses.detect import spdx_identifiers_in

    found = spdx_identifiers_in(content[:4096])
    if not found:
        return provenance
    return replace(provenance, license=found[0], license_evidence="SPDX-License-Identifier line")


def read_file(path: Path, root: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    suffix = path.suffix.lower()
    relative = path.relative_to(root).as_posix() if path != root and path.is_relative_to(root) else path.name
    if suffix in IMAGE_EXTENSIONS or suffix in MUSIC_EXTENSIONS:
        yield from _read_media(path, defaults, skips, suffix)
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        skips.skip("unreadable", f"{path}: {error.strerror or error}")
        return
    provenance = replace(
        folder_provenance(path.parent, root, defaults),
        uri=str(path),
        title=relative,
    )
    document = document_from_bytes(data, path.name, provenance, kind, skips)
    if document is not None:
        yield document


def folder_provenance(folder: Path, root: Path, defaults: Provenance) -> Provenance:
    """The license of a folder from its LICENSE/COPYING files, unless the user gave one."""
    if defaults.license_evidence.startswith("--license"):
        return defaults
    found = _license_of_folder(folder, root.parent if root.is_dir() else root)
    if found is None:
        return defaults
    spdx, evidence = found
    return replace(defaults, license=spdx, license_evidence=evidence)


@lru_cache(maxsize=4096)
def _license_of_folder(folder: Path, stop_at: Path) -> tuple[str, str] | None:
    """Every file of a folder shares its answer: ask once per folder."""
    from wherefrom.licenses.detect import license_of_folder

    return license_of_folder(folder, stop_at=stop_at)


def _read_media(path: Path, defaults: Provenance, skips: SkipLog, suffix: str) -> Iterator[Document]:
    try:
        if suffix in IMAGE_EXTENSIONS:
            from wherefrom.image.reader import read_image_file as reader
        else:
            from wherefrom.music.reader import read_music_file as reader
        yield from reader(path, defaults)
    except MissingExtraError as error:
        skips.skip(f"needs wherefrom[{error.extra}]", f"{path}: {error}")
    except BadInputError as error:
        skips.skip("corrupt media" if suffix not in (".svg",) else "unrasterizable", str(error))
