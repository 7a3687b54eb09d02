"""The credits of a release as a CycloneDX 1.6 bill of materials, for release tooling: one
component per work (package, repository, collection or lone document) with its SPDX licence
(id or expression), authors, copyright, the evidence for the licence, the texts it must ship
and, for `licenses --target`, whether the target may carry it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from wherefrom.licenses.detect import parse_expression
from wherefrom.licenses.reference import references
from wherefrom.licenses.release import Attribution, Credit, LicenseReport
from wherefrom.records import NOASSERTION

SPEC_VERSION = "1.6"
PROPERTY_PREFIX = "wherefrom:"


def _tool_version() -> str:
    try:
        return version("wherefrom")
    except PackageNotFoundError:
        return "unknown"


def license_choices(expression: str, text: str | None = None) -> list[dict[str, Any]]:
    """CycloneDX `licenses` for an SPDX expression: [{"license": {"id": ...}}] for one id on
    the SPDX list, [{"license": {"name": ...}}] for a LicenseRef-, [{"expression": ...}] for
    a compound expression, [] for NOASSERTION. `text` is attached to a single licence."""
    if not expression or expression == NOASSERTION:
        return []
    parsed = parse_expression(expression)
    rendered = str(parsed.render()) if parsed is not None else expression
    if " " in rendered:  # AND, OR, WITH
        return [{"expression": rendered, "acknowledgement": "concluded"}]
    entry: dict[str, Any] = (
        {"id": rendered}
        if references().by_id(rendered) is not None
        else {"name": rendered}
    )
    entry["acknowledgement"] = "concluded"
    if text:
        entry["text"] = {"contentType": "text/plain", "content": text}
    return [{"license": entry}]


def _component(credit: Credit, spdx: str, index: int, status: dict[str, Any]) -> dict[str, Any]:
    own_text = credit.license_texts[0].text if credit.license_texts else None
    component: dict[str, Any] = {
        "type": "file" if not credit.collection else ("library" if credit.version else "data"),
        "bom-ref": f"work-{index}",
        "name": credit.title,
    }
    choices = license_choices(spdx, own_text)
    if choices:  # NOASSERTION claims no licence
        component["licenses"] = choices
    if credit.version:
        component["version"] = credit.version
    if credit.authors:
        component["authors"] = [{"name": a} for a in credit.authors]
    if credit.copyright:
        component["copyright"] = "\n".join(credit.copyright)
    if credit.uri:
        component["externalReferences"] = [{"type": "distribution", "url": credit.uri}]
    evidence: dict[str, Any] = {}
    if choices:
        evidence["licenses"] = [
            {k: v for k, v in choice.items() if k != "acknowledgement"}
            if "expression" in choice
            else {"license": {k: v for k, v in choice["license"].items() if k in ("id", "name")}}
            for choice in choices
        ]
    if credit.copyright:
        evidence["copyright"] = [{"text": line} for line in credit.copyright]
    if evidence:
        component["evidence"] = evidence
    properties = [
        {"name": f"{PROPERTY_PREFIX}license-expression", "value": spdx},
        {"name": f"{PROPERTY_PREFIX}license-evidence", "value": credit.evidence or "none"},
        {"name": f"{PROPERTY_PREFIX}documents", "value": str(credit.documents)},
    ]
    properties += [
        {"name": f"{PROPERTY_PREFIX}{key}", "value": str(value)} for key, value in status.items()
    ]
    properties += [
        {"name": f"{PROPERTY_PREFIX}notice", "value": notice.text} for notice in credit.notices
    ]
    component["properties"] = properties
    return component


def cyclonedx(credits: Attribution, report: LicenseReport | None = None) -> dict[str, Any]:
    """A CycloneDX 1.6 BOM (as a dict) of every work the attribution lists. With a licence
    report, each component also says whether the report's target may carry its licence
    (properties wherefrom:target, wherefrom:compatibility, wherefrom:rule, wherefrom:reason)."""
    by_license = {g.license: g for g in report.groups} if report is not None else {}
    components: list[dict[str, Any]] = []
    for group in credits.groups:
        status: dict[str, Any] = {}
        if report is not None and group.license in by_license:
            c = by_license[group.license].compatibility
            status = {
                "target": report.target,
                "compatibility": c.status,
                "rule": c.rule,
                "reason": c.reason,
            }
        for credit in group.credits:
            components.append(_component(credit, group.license, len(components) + 1, status))
    tool = {"type": "application", "name": "wherefrom", "version": _tool_version()}
    metadata: dict[str, Any] = {
        "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "tools": {"components": [tool]},
    }
    if report is not None:
        metadata["properties"] = [
            {"name": f"{PROPERTY_PREFIX}target", "value": report.target},
            {
                "name": f"{PROPERTY_PREFIX}incompatible-documents",
                "value": str(len(report.incompatible)),
            },
            {"name": f"{PROPERTY_PREFIX}unknown-documents", "value": str(len(report.unknown))},
        ]
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": metadata,
        "components": components,
    }


def cyclonedx_json(credits: Attribution, report: LicenseReport | None = None) -> str:
    """`cyclonedx` as indented JSON."""
    return json.dumps(cyclonedx(credits, report), indent=2, ensure_ascii=False)
