"""Obligations, verdict policy and compatibility with a target license."""

from __future__ import annotations

import pytest
from tests.licenses.conftest import needs_osadl

from wherefrom.errors import BadInputError
from wherefrom.licenses import (
    VerdictPolicy,
    attribution_line,
    obligations_for,
    requirements,
    verdict_for,
)
from wherefrom.licenses.compat import compatibility
from wherefrom.records import Match, SourceRef


def _match(uid: str, license: str) -> Match:
    source = SourceRef(
        uid=uid,
        uri=f"https://example.org/{uid}",
        title=uid,
        authors=("A. Author",),
        license=license,
        version="1.0",
    )
    return Match((0, 10), source, (0, 10), 5, "verbatim", 1.0, 1)


@pytest.mark.parametrize(
    ("expression", "terms"),
    [
        ("MIT", ("attribution", "license-text")),
        ("Apache-2.0", ("attribution", "license-text", "notice-file")),
        ("CC-BY-4.0", ("attribution",)),
        ("CC-BY-SA-4.0", ("attribution", "share-alike")),
        ("CC-BY-NC-ND-4.0", ("attribution", "non-commercial", "no-derivatives")),
        ("CC0-1.0", ()),
        ("NOASSERTION", ("unknown-terms",)),
        ("MIT OR GPL-3.0-only", ("attribution", "license-text")),
        ("MIT AND CC-BY-NC-4.0", ("attribution", "license-text", "non-commercial")),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            ("attribution", "license-text", "share-alike"),
        ),
    ],
)
def test_requirements(expression: str, terms: tuple[str, ...]) -> None:
    assert requirements(expression) == terms


def test_obligations_and_verdicts() -> None:
    permissive = [_match("a", "MIT"), _match("b", "Apache-2.0"), _match("a", "MIT")]
    obligations = obligations_for(permissive)
    assert [(o.license, o.sources) for o in obligations] == [
        ("Apache-2.0", ("b",)),
        ("MIT", ("a",)),
    ]
    assert verdict_for(permissive, obligations) == "attribution-required"
    copyleft = [*permissive, _match("c", "GPL-3.0-only")]
    assert verdict_for(copyleft, obligations_for(copyleft)) == "restricted"
    assert verdict_for([], []) == "original"
    common = [Match((0, 5), None, (), 5, "common", 1.0, 900)]
    assert verdict_for(common, obligations_for(common)) == "common-only"


def test_policy_is_overridable() -> None:
    matches = [_match("c", "GPL-3.0-only")]
    lenient = VerdictPolicy(
        restrictive=frozenset({"non-commercial", "no-derivatives", "unknown-terms"})
    )
    assert verdict_for(matches, obligations_for(matches), lenient) == "attribution-required"
    public = [_match("d", "CC0-1.0")]
    assert verdict_for(public, obligations_for(public)) == "attribution-required"
    assert (
        verdict_for(public, obligations_for(public), VerdictPolicy(no_terms_verdict="original"))
        == "original"
    )
    relabel = VerdictPolicy(license_terms=(("CC-BY-SA-4.0", ("attribution",)),))
    sa = [_match("e", "CC-BY-SA-4.0")]
    assert verdict_for(sa, obligations_for(sa, relabel), relabel) == "attribution-required"


def test_attribution_line() -> None:
    line = attribution_line(_match("a", "MIT").source)
    assert line == '"a" (1.0) by A. Author, https://example.org/a, licensed under MIT.'


@pytest.mark.parametrize(
    ("license", "target", "status", "why"),
    [
        ("Apache-2.0", "GPL-2.0-only", "incompatible", "GPL-2.0 section 6"),
        ("GPL-2.0-or-later", "GPL-2.0-only", "compatible", ""),
        ("GPL-2.0-or-later", "Apache-2.0", "incompatible", "copyleft"),
        ("GPL-3.0-only", "Apache-2.0", "incompatible", "copyleft"),
        ("MIT", "Apache-2.0", "compatible", ""),
        ("CC-BY-SA-4.0", "GPL-3.0-only", "compatible", "GPLv3"),
        ("GPL-3.0-only", "CC-BY-SA-4.0", "incompatible", "copyleft"),
        ("CC-BY-SA-4.0", "Apache-2.0", "incompatible", "share-alike"),
        ("CC-BY-4.0", "GPL-2.0-only", "compatible", "attribution only"),
        ("CC-BY-NC-4.0", "MIT", "incompatible", "non-commercial"),
        ("CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "compatible", ""),
        ("CC-BY-ND-4.0", "CC-BY-ND-4.0", "incompatible", "no-derivatives"),
        ("CC0-1.0", "GPL-2.0-only", "compatible", "waives"),
        ("LicenseRef-public-domain", "MIT", "compatible", ""),
        ("ODC-By-1.0", "Apache-2.0", "compatible", ""),
        ("CDLA-Permissive-2.0", "MIT", "compatible", ""),
        ("NOASSERTION", "MIT", "unknown", ""),
        ("MIT OR GPL-3.0-only", "Apache-2.0", "compatible", ""),
        ("MIT AND GPL-3.0-only", "Apache-2.0", "incompatible", "copyleft"),
    ],
)
@needs_osadl
def test_compatibility(license: str, target: str, status: str, why: str) -> None:
    answer = compatibility(license, target)
    assert answer.status == status
    assert why in answer.reason
    assert answer.source  # every answer cites where its rule comes from


@pytest.mark.parametrize("target", ["Frobnicate", "MIT OR Apache-2.0", ""])
def test_bad_target(target: str) -> None:
    with pytest.raises(BadInputError, match="--target"):
        compatibility("MIT", target)
