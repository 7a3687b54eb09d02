"""A corpus seen from a release: may it go into a work under a target license
(`license_report`), and which credits must the release carry (`attribution`).

Both read plain document rows (anything with uid, doc_id, provenance and n_tokens, such as
`wherefrom.index.DocumentRow`), so they are tested without an index.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from wherefrom.licenses.compat import Compatibility, check_target, compatibility
from wherefrom.licenses.detect import (
    copyright_holders,
    copyright_statements,
    is_license_file,
    is_notice_file,
)
from wherefrom.licenses.obligations import terms_of
from wherefrom.licenses.reference import reference_text
from wherefrom.records import Provenance

TEXT_LIST_LIMIT = 50
# Documents of a work read for its copyright lines when it brought no license file.
COPYRIGHT_SCAN_DOCUMENTS = 20
COPYRIGHT_SCAN_CHARS = 4_000


class Row(Protocol):
    """What these functions read from an index row (wherefrom.index.DocumentRow)."""

    doc_id: int
    uid: str
    provenance: Provenance
    n_tokens: int


TextOf = Callable[[Any], "str | None"]


@dataclass(frozen=True, slots=True)
class DocumentRef:
    uid: str
    uri: str
    title: str
    license: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "uri": self.uri,
            "title": self.title,
            "license": self.license,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class LicenseGroup:
    """The documents of one license and the rule that decides them."""

    license: str
    documents: int
    tokens: int
    compatibility: Compatibility

    def to_dict(self) -> dict[str, Any]:
        c = self.compatibility
        return {
            "license": self.license,
            "documents": self.documents,
            "tokens": self.tokens,
            "status": c.status,
            "rule": c.rule,
            "reason": c.reason,
            "source": c.source,
        }


@dataclass(frozen=True, slots=True)
class LicenseReport:
    target: str
    groups: tuple[LicenseGroup, ...]
    incompatible: tuple[DocumentRef, ...]
    unknown: tuple[DocumentRef, ...]

    @property
    def exit_code(self) -> int:
        """0 when nothing is incompatible, 1 otherwise."""
        return 1 if self.incompatible else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "documents": sum(g.documents for g in self.groups),
            "tokens": sum(g.tokens for g in self.groups),
            "licenses": [g.to_dict() for g in self.groups],
            "incompatible": [d.to_dict() for d in self.incompatible],
            "unknown": [d.to_dict() for d in self.unknown],
        }

    def render_text(self) -> str:
        docs = sum(g.documents for g in self.groups)
        tokens = sum(g.tokens for g in self.groups)
        lines = [
            f"target {self.target}: {len(self.groups)} licenses, "
            f"{docs:,} documents, {tokens:,} tokens",
            "",
        ]
        width = max([len("license"), *(len(g.license) for g in self.groups)])
        lines.append(f"{'license':<{width}}  {'documents':>9}  {'tokens':>12}  status")
        for g in self.groups:
            c = g.compatibility
            lines.append(f"{g.license:<{width}}  {g.documents:>9,}  {g.tokens:>12,}  {c.status}")
            lines.append(f"{'':<{width}}  rule: {c.rule}")
            lines.append(f"{'':<{width}}  why: {c.reason}")
            lines.append(f"{'':<{width}}  source: {c.source}")
        for title, refs in (("incompatible", self.incompatible), ("unknown license", self.unknown)):
            if refs:
                lines += ["", f"{title} documents ({len(refs)}):"]
                lines += [
                    f"  {d.uid}  {d.uri or d.title}  [{d.license}]" for d in refs[:TEXT_LIST_LIMIT]
                ]
                if len(refs) > TEXT_LIST_LIMIT:
                    lines.append(f"  ... and {len(refs) - TEXT_LIST_LIMIT} more (--json lists all)")
        lines.append("")
        if self.incompatible:
            lines.append(
                f"result: {len(self.incompatible)} documents may not go into "
                f"a work under {self.target}"
            )
        else:
            lines.append(
                f"result: no document is incompatible with {self.target}"
                + (f" ({len(self.unknown)} of unknown license)" if self.unknown else "")
            )
        return "\n".join(lines)


def _ref(row: Row) -> DocumentRef:
    p = row.provenance
    return DocumentRef(row.uid, p.uri, p.title, p.license, p.license_evidence)


def license_report(rows: Iterable[Row], target: str) -> LicenseReport:
    """Per license: documents, tokens and whether the target may carry it (with the rule and
    its source); incompatible and unknown documents listed. BadInputError for a bad target."""
    target = check_target(target)
    by_license: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_license[row.provenance.license].append(row)
    groups: list[LicenseGroup] = []
    incompatible: list[DocumentRef] = []
    unknown: list[DocumentRef] = []
    for name in sorted(by_license):
        members = by_license[name]
        verdict = compatibility(name, target)
        groups.append(
            LicenseGroup(name, len(members), sum(int(r.n_tokens or 0) for r in members), verdict)
        )
        if verdict.status == "incompatible":
            incompatible += [_ref(r) for r in members]
        elif verdict.status == "unknown":
            unknown += [_ref(r) for r in members]
    order = {"incompatible": 0, "unknown": 1, "compatible": 2}
    groups.sort(key=lambda g: (order[g.compatibility.status], -g.documents, g.license))
    return LicenseReport(target, tuple(groups), tuple(incompatible), tuple(unknown))


# --- attribution ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileText:
    """A license or NOTICE text to reproduce, and where it came from."""

    name: str
    text: str
    origin: str  # "corpus" (the source's own file) or "reference" (wherefrom's standard text)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "text": self.text, "origin": self.origin}


@dataclass(frozen=True, slots=True)
class Credit:
    """One work to credit: a package, repository or collection, or a single document."""

    title: str
    uri: str
    authors: tuple[str, ...]
    version: str
    collection: str
    documents: int
    evidence: str
    license_texts: tuple[FileText, ...]
    notices: tuple[FileText, ...]
    copyright: tuple[str, ...] = ()  # the work's copyright statements, as written

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "uri": self.uri,
            "authors": list(self.authors),
            "version": self.version,
            "collection": self.collection,
            "documents": self.documents,
            "license_evidence": self.evidence,
            "license_texts": [t.to_dict() for t in self.license_texts],
            "notices": [t.to_dict() for t in self.notices],
            "copyright": list(self.copyright),
        }


@dataclass(frozen=True, slots=True)
class AttributionGroup:
    license: str
    requires: tuple[str, ...]
    credits: tuple[Credit, ...]
    reference_texts: tuple[FileText, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "license": self.license,
            "requires": list(self.requires),
            "sources": [c.to_dict() for c in self.credits],
            "reference_texts": [t.to_dict() for t in self.reference_texts],
        }


@dataclass(frozen=True, slots=True)
class Attribution:
    groups: tuple[AttributionGroup, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"licenses": [g.to_dict() for g in self.groups]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        out = [
            "# Attributions",
            "",
            "This release uses works from the sources below, grouped by license.",
            "",
        ]
        for group in self.groups:
            count = len(group.credits)
            out += [f"## {group.license} ({count} source{'s' if count != 1 else ''})", ""]
            if group.requires:
                out += [f"Requires: {', '.join(group.requires)}.", ""]
            for credit in group.credits:
                parts = [f"**{credit.title}**" + (f" {credit.version}" if credit.version else "")]
                parts.append(", ".join(credit.authors) if credit.authors else "unknown author")
                if credit.uri:
                    parts.append(f"<{credit.uri}>")
                out.append("- " + " — ".join(parts))
            out.append("")
            for credit in group.credits:
                for item in (*credit.license_texts, *credit.notices):
                    out += [
                        f"### {credit.title}: {item.name}",
                        "",
                        "```text",
                        item.text.rstrip(),
                        "```",
                        "",
                    ]
            for item in group.reference_texts:
                out += [f"### {item.name}", "", "```text", item.text.rstrip(), "```", ""]
        return "\n".join(out).rstrip() + "\n"


def _basename(uri: str) -> str:
    return uri.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]


def _work_key(row: Row) -> tuple[str, str, str]:
    p = row.provenance
    return (p.collection or p.uri or row.uid, p.version, p.license)


def _common_uri(uris: list[str]) -> str:
    uris = [u for u in uris if u]
    if len(uris) <= 1:
        return uris[0] if uris else ""
    # the longest shared folder, cut at a path separator
    prefix = os.path.commonprefix(uris)  # noqa: RUF071 - a string prefix, cut at "/" or "!" next
    cut = max(prefix.rfind("/"), prefix.rfind("!"))
    return prefix[: cut + 1] if cut > 0 else prefix


def _files(
    rows: list[Row], is_wanted: Callable[[str], bool], text_of: TextOf | None
) -> list[FileText]:
    found: list[FileText] = []
    seen: set[str] = set()
    for row in sorted(rows, key=lambda r: r.provenance.uri):
        if not is_wanted(_basename(row.provenance.uri)) or text_of is None:
            continue
        text = text_of(row)
        if text and text.strip() and text not in seen:
            seen.add(text)
            found.append(FileText(_basename(row.provenance.uri), text, "corpus"))
    return found


def license_text_with_copyright(spdx: str, statements: Iterable[str]) -> str | None:
    """The standard text of an SPDX licence with the given copyright statements above it:
    the form "Copyright (c) <year> <copyright holders>" stands for in the licence list's
    templates. None when the id is not on the SPDX list."""
    text = reference_text(spdx)
    if text is None:
        return None
    lines = "\n".join(dict.fromkeys(s.strip() for s in statements if s.strip()))
    return f"{lines}\n\n{text.lstrip()}" if lines else text


def _copyright_of(members: list[Row], authors: tuple[str, ...], text_of: TextOf | None) -> tuple[str, ...]:
    """A work's copyright statements: those its documents state in their heads (the first
    COPYRIGHT_SCAN_DOCUMENTS of them), else one naming its authors."""
    found: list[str] = []
    if text_of is not None:
        for row in sorted(members, key=lambda r: r.provenance.uri)[:COPYRIGHT_SCAN_DOCUMENTS]:
            text = text_of(row)
            if text:
                found += copyright_statements(text[:COPYRIGHT_SCAN_CHARS])
    if not found and authors:
        found.append(f"Copyright (c) {', '.join(authors)}")
    return tuple(dict.fromkeys(found))


def attribution(
    rows: Iterable[Row],
    text_of: TextOf | None = None,
    notices: Callable[[str], list[tuple[str, str]]] | None = None,
) -> Attribution:
    """The credits a release must carry: every work grouped by license, with authors, URI,
    version, and the texts its license requires.

    A work is a collection (package, repository) at one version, or a lone document. License
    texts and NOTICE files come from the corpus: documents of the work named LICENSE*,
    LICENCE*, COPYING*, NOTICE*, read through `text_of(row)` (e.g. Index.text by doc_id), and
    `notices(collection)` for NOTICE texts kept elsewhere, as (name, text) pairs. Where a
    license requires its text and no work of the group brought one, wherefrom's reference
    text of that license is added once for the group.
    """
    works: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        works[_work_key(row)].append(row)
    by_license: dict[str, list[Credit]] = defaultdict(list)
    for (_, version, spdx), members in works.items():
        requires = terms_of(spdx).requires
        authors = tuple(dict.fromkeys(a for r in members for a in r.provenance.authors))
        first = members[0].provenance
        wants_text = "license-text" in requires
        wants_notice = "notice-file" in requires
        license_texts = _files(members, is_license_file, text_of) if wants_text else []
        notice_texts = _files(members, is_notice_file, text_of) if wants_notice else []
        statements = _copyright_of(members, authors, text_of)
        if not authors:
            # nobody named in the provenance: the holders of its copyright lines are the
            # authors to credit ("SPDX-FileCopyrightText: 2021 Jane Doe" → Jane Doe)
            authors = tuple(dict.fromkeys(h for s in statements for h in copyright_holders(s)))
        if wants_notice and notices is not None and first.collection:
            notice_texts += [
                FileText(n, t, "corpus")
                for n, t in notices(first.collection)
                if t not in {f.text for f in notice_texts}
            ]
        title = (
            first.collection if first.collection else (first.title or first.uri or members[0].uid)
        )
        by_license[spdx].append(
            Credit(
                title=title,
                uri=_common_uri([r.provenance.uri for r in members])
                if first.collection
                else first.uri,
                authors=authors,
                version=version,
                collection=first.collection,
                documents=len(members),
                evidence=first.license_evidence,
                license_texts=tuple(license_texts),
                notices=tuple(notice_texts),
                copyright=statements,
            )
        )
    groups: list[AttributionGroup] = []
    for spdx in sorted(by_license):
        credits = sorted(by_license[spdx], key=lambda c: (c.title.lower(), c.version))
        terms = terms_of(spdx)
        references: list[FileText] = []
        bare = [c for c in credits if not c.license_texts]
        if "license-text" in terms.requires and bare:
            # the works that brought no license file: their copyright lines above the
            # standard text, as the notice condition of MIT, BSD, ISC ... asks
            statements = tuple(dict.fromkeys(s for c in bare for s in c.copyright))
            for name in terms.licenses:
                for part in name.split(" WITH "):
                    text = license_text_with_copyright(part, statements)
                    if text is not None:
                        references.append(FileText(f"{part} license text", text, "reference"))
        groups.append(AttributionGroup(spdx, terms.requires, tuple(credits), tuple(references)))
    return Attribution(tuple(groups))
