"""Single files: text and code recognised by extension and content, works of a media kind
(images, melodies) handed to that kind's reader through the registry, binaries and
undecodable files skipped with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from wherefrom import kinds
from wherefrom.archive import read_bounded
from wherefrom.corpus.base import MAX_DOCUMENT_BYTES, SkipLog
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import BadInputError, MissingExtraError
from wherefrom.licenses.detect import copyright_holders, license_in_source, license_of_folder
from wherefrom.normalize.code import language_for_filename
from wherefrom.records import Document, LicenseSource, Provenance

_HEAD_BYTES = 4096


def decode_text(data: bytes, where: str) -> str:
    """Strict UTF-8 (a BOM is dropped); binary content (a NUL byte anywhere: a text file
    holds none) and invalid UTF-8 are errors."""
    if b"\0" in data:
        raise BadInputError(f"{where}: binary content (a NUL byte at {data.index(0)})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInputError(f"{where}: invalid UTF-8 at byte {error.start}") from None


def classify(name: str, kind: str) -> tuple[str, str]:
    """(kind, language) of a text or code file name under the user's --kind."""
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
    stated = license_in_source(content)
    if stated is not None:
        provenance = with_license(provenance, stated.expression, LicenseSource.SPDX_LINE, stated.evidence)
    if not provenance.authors:
        provenance = replace(provenance, authors=copyright_holders(content[:_HEAD_BYTES]))
    return Document(content=content, kind=doc_kind, provenance=provenance, language=language)  # type: ignore[arg-type]


def read_file(path: Path, root: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    relative = path.relative_to(root).as_posix() if path != root and path.is_relative_to(root) else path.name
    media = _media_kind(path, kind)
    if media is not None:
        yield from _read_media(path, root, defaults, skips, media)
        return
    try:
        with path.open("rb") as handle:
            data = read_bounded(handle, MAX_DOCUMENT_BYTES)
    except OSError as error:
        skips.skip("unreadable", f"{path}: {error.strerror or error}")
        return
    if data is None:
        skips.skip("too large", f"{path}: more than {MAX_DOCUMENT_BYTES} bytes")
        return
    provenance = replace(folder_provenance(path.parent, root, defaults), uri=str(path), title=relative)
    document = document_from_bytes(data, path.name, provenance, kind, skips)
    if document is not None:
        yield document


def _media_kind(path: Path, kind: str) -> str | None:
    """The media kind a file is read as: the user's --kind, else the registry's answer for
    its name (and, for `.xml`, its first bytes)."""
    if kind in ("image", "music"):
        return kind
    if kind in ("text", "code"):
        return None
    head = b""
    if kinds.suffix_of(path.name) == ".xml":
        try:
            with path.open("rb") as handle:
                head = handle.read(_HEAD_BYTES)
        except OSError:
            head = b""
    return kinds.media_kind(path.name, head)


def folder_provenance(folder: Path, root: Path, defaults: Provenance) -> Provenance:
    """The licence of a folder from its LICENSE/COPYING files, ranked by the provenance rule."""
    found = _license_of_folder(folder, _licence_root(folder, root.parent if root.is_dir() else root))
    if found is None:
        return defaults
    spdx, evidence = found
    return with_license(defaults, spdx, LicenseSource.FOLDER_FILE, evidence)


# Installed packages are works of their own: a licence file above site-packages (a Python
# installation's LICENSE.txt) says nothing about them.
_PACKAGE_ROOTS = frozenset({"site-packages", "dist-packages"})


def _licence_root(folder: Path, stop_at: Path) -> Path:
    """How far up a folder's licence is looked for: `stop_at`, or the nearest site-packages
    on the way there."""
    for level in (folder, *folder.parents):
        if level.name in _PACKAGE_ROOTS:
            return level
        if level == stop_at:
            break
    return stop_at


@lru_cache(maxsize=4096)
def _license_of_folder(folder: Path, stop_at: Path) -> tuple[str, str] | None:
    """Every file of a folder shares its answer: ask once per folder."""
    return license_of_folder(folder, stop_at=stop_at)


def _read_media(path: Path, root: Path, defaults: Provenance, skips: SkipLog, kind: str) -> Iterator[Document]:
    try:
        reader = kinds.spec(kind).part("reader")
        yield from reader(path, folder_provenance(path.parent, root, defaults))
    except MissingExtraError as error:
        skips.skip(f"needs wherefrom[{error.extra}]", f"{path}: {error}")
    except BadInputError as error:
        skips.skip("unrasterizable" if path.suffix.lower() == ".svg" else "corrupt media", str(error))
