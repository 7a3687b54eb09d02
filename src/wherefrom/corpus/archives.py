"""Python wheels and sdists (and plain zip/tar archives): every text or code member becomes a
document whose provenance carries the package's name, version, authors and license."""

from __future__ import annotations

import email.parser
import re
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from email.message import Message
from pathlib import Path

from wherefrom.archive import members as archive_members
from wherefrom.corpus.base import MAX_DOCUMENT_BYTES, SkipLog
from wherefrom.corpus.files import document_from_bytes
from wherefrom.corpus.provenance import with_license
from wherefrom.licenses.detect import license_from_package_metadata, license_from_text
from wherefrom.records import NOASSERTION, Document, LicenseSource, Provenance

_METADATA = re.compile(r"^(?:[^/]+\.dist-info/METADATA|[^/]+/PKG-INFO|PKG-INFO)$")
_LICENSE_FILE = re.compile(r"(?:^|/)(?:LICEN[CS]E|COPYING)[^/]*$", re.IGNORECASE)


def package_provenance(metadata: Message, defaults: Provenance, archive: Path) -> Provenance:
    authors = [a for a in (metadata.get("Author"), metadata.get("Maintainer")) if a and a != "UNKNOWN"]
    for field in ("Author-email", "Maintainer-email"):
        for part in (metadata.get(field) or "").split(","):
            name = part.split("<")[0].strip().strip('"')
            if name and name not in authors:
                authors.append(name)
    provenance = replace(
        defaults,
        version=metadata.get("Version") or defaults.version,
        authors=tuple(authors) or defaults.authors,
        collection=defaults.collection or (metadata.get("Name") or archive.name),
    )
    spdx, evidence = license_from_package_metadata(metadata)
    return with_license(provenance, spdx, LicenseSource.PACKAGE_METADATA, f"{archive.name}: {evidence}")


def read_archive(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    try:
        members = list(archive_members(path, MAX_DOCUMENT_BYTES))
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as error:
        skips.skip("truncated or unreadable archive", f"{path}: {error.__class__.__name__}: {error}")
        return
    provenance = defaults
    for name, data in members:
        if _METADATA.match(name):
            metadata = email.parser.BytesParser().parsebytes(data)
            provenance = package_provenance(metadata, defaults, path)
            break
    if provenance.license == NOASSERTION:
        provenance = _license_from_files(members, provenance, path)
    for name, data in members:
        member_provenance = replace(provenance, uri=f"{path.name}!/{name}", title=name)
        document = document_from_bytes(data, name, member_provenance, kind, skips)
        if document is not None:
            yield document


def _license_from_files(members: list[tuple[str, bytes]], provenance: Provenance, path: Path) -> Provenance:
    for name, data in members:
        if _LICENSE_FILE.search(name):
            found = license_from_text(data.decode("utf-8", "replace"))
            if found is not None:
                return with_license(provenance, found[0], LicenseSource.FOLDER_FILE, f"{path.name}!/{name} text")
    return provenance
