"""What reuse of a source requires, per license expression, and the verdict of a set of matches.

Terms per license live in data/licenses/terms.json, each citing its clause. An expression
combines them: OR takes the least demanding choice, AND the union, WITH the base license (an
exception only adds permissions). The verdict policy is a `VerdictPolicy`, documented in
docs/licenses.md and overridable by the caller.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from wherefrom.licenses.data import load
from wherefrom.records import NOASSERTION, Match, Obligation, SourceRef, Verdict

if TYPE_CHECKING:
    from license_expression import LicenseExpression

TERMS: tuple[str, ...] = (
    "attribution",
    "license-text",
    "notice-file",
    "share-alike",
    "non-commercial",
    "no-derivatives",
    "unknown-terms",
)
# How demanding each term is, to pick the least demanding side of an OR.
_WEIGHT = {
    "attribution": 1,
    "license-text": 2,
    "notice-file": 3,
    "share-alike": 30,
    "non-commercial": 40,
    "no-derivatives": 50,
    "unknown-terms": 100,
}
UNKNOWN_SOURCE = "no terms known for this license: treated as unknown terms"


@dataclass(frozen=True, slots=True)
class Terms:
    """What one license, or the chosen side of an expression, requires, and why."""

    licenses: tuple[str, ...]
    requires: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class VerdictPolicy:
    """How obligations become a verdict.

    restrictive: terms that make a verdict `restricted` (default: share-alike,
    non-commercial, no-derivatives, unknown-terms). no_terms_verdict: the verdict when every
    matched source requires nothing (CC0, public domain); by default still
    `attribution-required`, since the output copies an identifiable work. license_terms:
    per-license overrides of what it requires, e.g. (("CC-BY-SA-4.0", ("attribution",)),)
    for a user who releases under BY-SA anyway.
    """

    restrictive: frozenset[str] = frozenset(
        {"share-alike", "non-commercial", "no-derivatives", "unknown-terms"}
    )
    no_terms_verdict: Verdict = "attribution-required"
    license_terms: tuple[tuple[str, tuple[str, ...]], ...] = ()


DEFAULT_POLICY = VerdictPolicy()


@cache
def _family_rules() -> tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...]:
    return tuple(
        (re.compile(rule["pattern"]), tuple(rule["requires"]), rule["source"])
        for rule in load("terms.json")["families"]
    )


def license_terms(spdx_id: str, policy: VerdictPolicy = DEFAULT_POLICY) -> Terms:
    """Terms of one license id (no operators)."""
    overrides = dict(policy.license_terms)
    if spdx_id in overrides:
        return Terms((spdx_id,), tuple(overrides[spdx_id]), "policy override")
    entry = load("terms.json")["licenses"].get(spdx_id)
    if entry is not None:
        return Terms((spdx_id,), tuple(entry["requires"]), entry["source"])
    if spdx_id != NOASSERTION:
        for pattern, requires, source in _family_rules():
            if pattern.search(spdx_id):
                return Terms((spdx_id,), requires, source)
    return Terms((spdx_id,), ("unknown-terms",), UNKNOWN_SOURCE)


def _cost(terms: Terms) -> int:
    return sum(_WEIGHT.get(t, 100) for t in terms.requires)


def _terms_of_node(node: LicenseExpression, policy: VerdictPolicy) -> Terms:
    from license_expression import LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(node, LicenseWithExceptionSymbol):
        base = license_terms(node.license_symbol.key, policy)
        return Terms(
            (node.render(),),
            base.requires,
            f"{base.source} (exception {node.exception_symbol.key} only adds permissions)",
        )
    if isinstance(node, LicenseSymbol):
        return license_terms(node.key, policy)
    children = [_terms_of_node(arg, policy) for arg in node.args]
    if node.__class__.__name__ == "OR":
        return min(children, key=_cost)
    merged = tuple(t for t in TERMS if any(t in c.requires for c in children))
    extra = tuple(dict.fromkeys(t for c in children for t in c.requires if t not in TERMS))
    return Terms(
        tuple(lic for c in children for lic in c.licenses),
        merged + extra,
        "; ".join(dict.fromkeys(c.source for c in children)),
    )


def terms_of(license_expression: str, policy: VerdictPolicy = DEFAULT_POLICY) -> Terms:
    """Terms of an SPDX expression: OR → least demanding choice, AND → union of terms."""
    expression = (license_expression or NOASSERTION).strip()
    if expression == NOASSERTION:
        return license_terms(NOASSERTION, policy)
    from wherefrom.licenses.detect import parse_expression

    parsed = parse_expression(expression)
    if parsed is None:
        return Terms((expression,), ("unknown-terms",), f"not an SPDX expression: {expression}")
    return _terms_of_node(parsed, policy)


def requirements(license_expression: str) -> tuple[str, ...]:
    """What reuse of a work under this SPDX expression requires (see TERMS)."""
    return terms_of(license_expression).requires


def obligations_for(
    matches: Iterable[Match], policy: VerdictPolicy = DEFAULT_POLICY
) -> list[Obligation]:
    """One Obligation per license of the matched sources, sources listed once each."""
    by_license: dict[str, list[str]] = defaultdict(list)
    for match in matches:
        if match.source is not None and match.source.uid not in by_license[match.source.license]:
            by_license[match.source.license].append(match.source.uid)
    return [
        Obligation(license=name, sources=tuple(uids), requires=terms_of(name, policy).requires)
        for name, uids in sorted(by_license.items())
    ]


def verdict_for(
    matches: Iterable[Match],
    obligations: Iterable[Obligation],
    policy: VerdictPolicy = DEFAULT_POLICY,
) -> Verdict:
    """No match: `original`; only passages common to many documents: `common-only`; any
    restrictive term (policy.restrictive): `restricted`; sources that require nothing:
    policy.no_terms_verdict; otherwise `attribution-required`."""
    matches = list(matches)
    obligations = list(obligations)
    if not matches:
        return "original"
    if all(m.source is None for m in matches):
        return "common-only"
    if any(policy.restrictive.intersection(o.requires) for o in obligations):
        return "restricted"
    if obligations and not any(o.requires for o in obligations):
        return policy.no_terms_verdict
    return "attribution-required"


def attribution_line(source: SourceRef) -> str:
    """One line to paste where the reused passage is published."""
    who = ", ".join(source.authors) if source.authors else "unknown author"
    title = source.title or source.uri or source.uid
    version = f" ({source.version})" if source.version else ""
    where = f", {source.uri}" if source.uri and source.uri != title else ""
    terms = (
        "license unknown (NOASSERTION)"
        if source.license == NOASSERTION
        else f"licensed under {source.license}"
    )
    return f'"{title}"{version} by {who}{where}, {terms}.'
