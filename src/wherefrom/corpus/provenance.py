"""The provenance rule: which of several places that state a document's licence decides it.

Every reader calls `with_license`; the ranking is `records.LicenseSource` (the build's
`--license` default < a folder's licence file < package metadata < a folder's metadata row < an
image's sidecar < the file's own SPDX-License-Identifier line < a record's licence field < `--license-override`).
A statement that names no known licence never displaces one that does, so an unrecognised
LICENSE file leaves the `--license` default in place.
"""

from __future__ import annotations

from dataclasses import replace

from wherefrom.errors import BadInputError
from wherefrom.licenses.detect import normalize_expression
from wherefrom.records import NOASSERTION, LicenseSource, Provenance


def with_license(provenance: Provenance, stated: str, source: LicenseSource, evidence: str) -> Provenance:
    """`provenance` with the licence `stated` at `source` when that source outranks the one
    that decided the licence so far. `stated` is normalized to SPDX ("MIT License" → "MIT");
    one that is not understood only adds its evidence where no licence is known yet."""
    if source <= provenance.license_source:
        return provenance
    expression = normalize_expression(stated) if stated else NOASSERTION
    if expression == NOASSERTION:
        if provenance.license == NOASSERTION and not provenance.license_evidence:
            return replace(provenance, license_evidence=evidence)
        return provenance
    return replace(provenance, license=expression, license_source=source, license_evidence=evidence)


def build_defaults(
    license: str | None = None, *, override: bool = False, collection: str = "",
    authors: tuple[str, ...] = (), version: str = "",
) -> Provenance:
    """The provenance every document of a build starts from: the user's `--license` as a
    default for sources that declare none, or as an override of what they declare."""
    base = Provenance(collection=collection, authors=authors, version=version)
    if not license:
        return base
    source = LicenseSource.OVERRIDE if override else LicenseSource.DEFAULT
    evidence = "--license-override" if override else "--license default"
    decided = with_license(base, license, source, evidence)
    if decided.license == NOASSERTION:
        raise BadInputError(f"--license {license!r}: not an SPDX license expression (e.g. MIT, CC-BY-4.0)")
    return decided
