"""Python wheels and sdists (and plain zip/tar archives): every text or code member becomes a
document whose provenance carries the package's name, version, authors and license.

Members are streamed, never all held at once: a first pass reads the small metadata and
licence files, a second one the documents, each member within the byte budgets of
`wherefrom.archive`."""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import re
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

from wherefrom.archive import members as archive_members
from wherefrom.corpus.base import MAX_DOCUMENT_BYTES, SkipLog
from wherefrom.corpus.files import document_from_bytes
from wherefrom.corpus.provenance import with_license
from wherefrom.licenses.detect import is_license_file, is_notice_file, license_from_package_metadata, license_of_files
from wherefrom.records import NOASSERTION, Document, LicenseSource, Provenance

_METADATA = re.compile(r"^(?:[^/]+\.dist-info/METADATA|[^/]+/PKG-INFO|PKG-INFO)$")
_MAX_METADATA_BYTES = 4 << 20
_UNREADABLE = (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError)


def parse_metadata(data: bytes) -> EmailMessage:
    """Core metadata (METADATA, PKG-INFO) as a message of plain strings. It is UTF-8 by
    the specification; the modern email policy unfolds long headers and gives str values
    (the legacy one returns Header objects for non-ASCII or folded values)."""
    text = data.decode("utf-8", "replace")
    return email.parser.Parser(policy=email.policy.default).parsestr(text, headersonly=True)


def _field(metadata: EmailMessage, name: str) -> str:
    value = metadata.get(name)
    return str(value).strip() if value is not None else ""


def package_provenance(metadata: EmailMessage, defaults: Provenance, archive: Path) -> Provenance:
    authors = [a for a in (_field(metadata, "Author"), _field(metadata, "Maintainer")) if a and a != "UNKNOWN"]
    for field in ("Author-email", "Maintainer-email"):
        for name, address in email.utils.getaddresses([_field(metadata, field)]):
            who = (name or address).strip().strip('"')
            if who and who not in authors:
                authors.append(who)
    provenance = replace(
        defaults,
        version=_field(metadata, "Version") or defaults.version,
        authors=tuple(authors) or defaults.authors,
        collection=defaults.collection or (_field(metadata, "Name") or archive.name),
    )
    spdx, evidence = license_from_package_metadata(metadata)
    return with_license(provenance, spdx, LicenseSource.PACKAGE_METADATA, f"{archive.name}: {evidence}")


def _describing(name: str) -> bool:
    return bool(_METADATA.match(name) or is_license_file(name) or is_notice_file(name))


def read_archive(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    try:
        described = list(archive_members(path, _MAX_METADATA_BYTES, _describing))
    except _UNREADABLE as error:
        skips.skip("truncated or unreadable archive", f"{path}: {error.__class__.__name__}: {error}")
        return
    provenance = defaults
    for name, data in described:
        if _METADATA.match(name):
            provenance = package_provenance(parse_metadata(data), defaults, path)
            break
    if provenance.license == NOASSERTION:
        provenance = _license_from_files(described, provenance, path)
    try:
        for name, data in archive_members(path, MAX_DOCUMENT_BYTES, on_skip=skips.skip):
            member_provenance = replace(provenance, uri=f"{path.name}!/{name}", title=name)
            document = document_from_bytes(data, name, member_provenance, kind, skips)
            if document is not None:
                yield document
    except _UNREADABLE as error:
        skips.skip("truncated or unreadable archive", f"{path}: {error.__class__.__name__}: {error}")


def _license_from_files(members: list[tuple[str, bytes]], provenance: Provenance, path: Path) -> Provenance:
    """The licence the archive's shallowest licence files state together (dual licences,
    stacks and NOTICE files read as in a folder)."""
    named = [(name, data) for name, data in members if is_license_file(name) or is_notice_file(name)]
    if not named:
        return provenance
    depth = min(name.count("/") for name, _ in named)
    top = [(name, data.decode("utf-8", "replace")) for name, data in named if name.count("/") == depth]
    licences = [(name, text) for name, text in top if is_license_file(name)]
    notices = [(name, text) for name, text in top if not is_license_file(name)]
    if not licences:
        return provenance
    spdx, evidence = license_of_files(licences, notices)
    return with_license(provenance, spdx, LicenseSource.FOLDER_FILE, f"{path.name}: {evidence}")
