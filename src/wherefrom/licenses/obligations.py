"""What reuse of a source requires, per license, and the verdict of a set of matches.

Policy (documented in docs/licenses.md): no match is `original`; only matches of passages
common to many documents is `common-only`; matches whose licenses ask at most for credit and
license text are `attribution-required`; any share-alike, non-commercial, no-derivatives or
unknown term makes the verdict `restricted`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from wherefrom.records import NOASSERTION, Match, Obligation, SourceRef, Verdict

PERMISSIVE = {"MIT": ("attribution", "license-text"), "Apache-2.0": ("attribution", "license-text", "notice-file"),
              "BSD-2-Clause": ("attribution", "license-text"), "BSD-3-Clause": ("attribution", "license-text"),
              "ISC": ("attribution", "license-text"), "CC-BY-4.0": ("attribution",)}
NO_TERMS = {"CC0-1.0", "LicenseRef-public-domain", "Unlicense", "0BSD"}
RESTRICTIVE_TERMS = {"share-alike", "non-commercial", "no-derivatives", "unknown-terms"}


def requirements(license_expression: str) -> tuple[str, ...]:
    if license_expression in NO_TERMS:
        return ()
    if license_expression in PERMISSIVE:
        return PERMISSIVE[license_expression]
    upper = license_expression.upper()
    found: list[str] = []
    if "GPL" in upper or "-SA" in upper or "MPL" in upper:
        found += ["attribution", "license-text", "share-alike"]
    if "-NC" in upper:
        found.append("non-commercial")
    if "-ND" in upper:
        found.append("no-derivatives")
    if not found or license_expression == NOASSERTION:
        found = ["unknown-terms"]
    return tuple(dict.fromkeys(found))


def obligations_for(matches: Iterable[Match]) -> list[Obligation]:
    by_license: dict[str, list[str]] = defaultdict(list)
    for match in matches:
        if match.source is not None and match.source.uid not in by_license[match.source.license]:
            by_license[match.source.license].append(match.source.uid)
    return [
        Obligation(license=name, sources=tuple(uids), requires=requirements(name))
        for name, uids in sorted(by_license.items())
    ]


def verdict_for(matches: Iterable[Match], obligations: Iterable[Obligation]) -> Verdict:
    matches = list(matches)
    if not matches:
        return "original"
    if all(m.source is None for m in matches):
        return "common-only"
    if any(RESTRICTIVE_TERMS.intersection(o.requires) for o in obligations):
        return "restricted"
    return "attribution-required"


def attribution_line(source: SourceRef) -> str:
    """One line to paste where the reused passage is published."""
    who = ", ".join(source.authors) if source.authors else "unknown author"
    title = source.title or source.uri or source.uid
    version = f" ({source.version})" if source.version else ""
    where = f", {source.uri}" if source.uri and source.uri != title else ""
    return f'"{title}"{version} by {who}{where}, licensed under {source.license}.'
