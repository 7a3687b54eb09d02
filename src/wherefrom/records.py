"""The records that flow through every stage: Document in, Match out, Report at the end.

All are frozen, slotted dataclasses; `to_dict` gives the JSON contract of DESIGN.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "code", "image", "music"]
KINDS: tuple[str, ...] = ("text", "code", "image", "music")
Verdict = Literal["original", "common-only", "attribution-required", "restricted"]
VERDICTS: tuple[str, ...] = ("original", "common-only", "attribution-required", "restricted")
MatchKind = Literal["verbatim", "near-verbatim", "renamed", "common", "near-duplicate"]

NOASSERTION = "NOASSERTION"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who made a work, where it came from, and under which terms."""

    uri: str = ""
    title: str = ""
    authors: tuple[str, ...] = ()
    license: str = NOASSERTION
    license_evidence: str = ""
    version: str = ""
    collection: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    """One work of a corpus. `content` is text for text, code and music; `data` holds the
    raw bytes of an image."""

    content: str
    kind: Kind
    provenance: Provenance
    language: str = ""
    data: bytes | None = None

    @property
    def sha256(self) -> str:
        payload = self.data if self.data is not None else self.content.encode("utf-8", "surrogatepass")
        return hashlib.sha256(payload).hexdigest()

    @property
    def uid(self) -> str:
        """Stable id: the same work from the same place always gets the same uid."""
        key = f"{self.provenance.uri}\0{self.sha256}".encode()
        return hashlib.sha256(key).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """The provenance of a matched source, as reported."""

    uid: str
    uri: str
    title: str
    authors: tuple[str, ...]
    license: str
    version: str
    collection: str = ""
    license_evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "uri": self.uri,
            "title": self.title,
            "authors": list(self.authors),
            "license": self.license,
            "version": self.version,
            "collection": self.collection,
        }


@dataclass(frozen=True, slots=True)
class Match:
    """One copied region of an input and the source it copies.

    Spans are [start, end) character offsets for text and code, [x0, y0, x1, y1] pixel boxes
    for images, [first, last) note indices for melodies. `source` is None for a passage whose
    fingerprints are common to so many documents that only their count is kept.
    """

    input_span: tuple[int, ...]
    source: SourceRef | None
    source_span: tuple[int, ...]
    tokens: int | None
    kind: MatchKind
    similarity: float
    documents_containing: int
    snippet: str = ""
    attribution: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input_span": list(self.input_span),
            "source": self.source.to_dict() if self.source else None,
            "source_span": list(self.source_span),
        }
        if self.tokens is not None:
            out["tokens"] = self.tokens
        out.update(
            kind=self.kind,
            similarity=round(self.similarity, 4),
            documents_containing=self.documents_containing,
            snippet=self.snippet,
        )
        if self.attribution:
            out["attribution"] = self.attribution
        out.update(self.details)
        return out


@dataclass(frozen=True, slots=True)
class Obligation:
    """What reuse of the matched sources under one license requires."""

    license: str
    sources: tuple[str, ...]
    requires: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"license": self.license, "sources": list(self.sources), "requires": list(self.requires)}


@dataclass(frozen=True, slots=True)
class InputInfo:
    name: str
    kind: Kind
    tokens: int | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.tokens is not None:
            out["tokens"] = self.tokens
        return out


@dataclass(frozen=True, slots=True)
class Report:
    """Everything `check` says about one input."""

    input: InputInfo
    verdict: Verdict
    coverage: float
    matches: tuple[Match, ...]
    obligations: tuple[Obligation, ...]
    total_sources: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input.to_dict(),
            "verdict": self.verdict,
            "coverage": round(self.coverage, 4),
            "matches": [m.to_dict() for m in self.matches],
            "obligations": [o.to_dict() for o in self.obligations],
        }
