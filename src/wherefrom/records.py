"""The records that flow through every stage: Document in, Match out, Report at the end.

All are frozen, slotted dataclasses; `to_dict` gives the JSON contract of DESIGN.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Literal

Kind = Literal["text", "code", "image", "music"]
KINDS: tuple[str, ...] = ("text", "code", "image", "music")
Verdict = Literal["original", "common-only", "attribution-required", "restricted"]
VERDICTS: tuple[str, ...] = ("original", "common-only", "attribution-required", "restricted")
MatchKind = Literal["verbatim", "near-verbatim", "renamed", "common", "near-duplicate"]

NOASSERTION = "NOASSERTION"


def verdict_rank(verdict: str) -> int:
    """Position of a verdict in VERDICTS: higher is more restrictive."""
    return VERDICTS.index(verdict)


class LicenseSource(IntEnum):
    """Where a document's licence came from, ranked: a higher source beats a lower one.

    DEFAULT is the build's `--license` (for sources that declare none); OVERRIDE is
    `--license-override`, which beats everything a source says of itself.
    """

    NONE = 0
    DEFAULT = 1
    FOLDER_FILE = 2  # LICENSE/COPYING files of the folder or a parent
    PACKAGE_METADATA = 3  # a wheel's or sdist's core metadata
    FOLDER_METADATA = 4  # a row of a folder's metadata.csv / metadata.jsonl naming the file
    SIDECAR = 5  # `photo.png.json` beside the work
    SPDX_LINE = 6  # the file's own SPDX-License-Identifier line (or a score's copyright)
    RECORD_FIELD = 7  # the `license` field of a JSONL or Parquet record
    OVERRIDE = 8


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who made a work, where it came from, and under which terms. `license_source` ranks
    how the licence was decided; `license_evidence` says it in words (which file, which line)."""

    uri: str = ""
    title: str = ""
    authors: tuple[str, ...] = ()
    license: str = NOASSERTION
    license_evidence: str = ""
    version: str = ""
    collection: str = ""
    license_source: LicenseSource = LicenseSource.NONE


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


_MATCH_KEYS = frozenset({
    "input_span", "source", "source_span", "tokens", "kind", "similarity", "documents_containing",
    "snippet", "attribution",
})


@dataclass(frozen=True, slots=True)
class MatchDetails:
    """What one kind adds to a Match. Its fields become keys of the match's JSON object; a
    field named like a key of the contract (`kind`, `similarity`, ...) is refused when the
    class is defined, so details can add to the contract but never change it."""

    kind_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        clash = set(getattr(cls, "__annotations__", {})) & _MATCH_KEYS
        if clash:
            raise TypeError(f"{cls.__name__}: fields {sorted(clash)} would overwrite keys of the match contract")

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set: None is left out, and so is a flag left at its default
        of False."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (value is False and f.default is False):
                continue
            if hasattr(value, "to_dict"):
                value = value.to_dict()
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, slots=True)
class SequenceDetails(MatchDetails):
    """Text and code: `exact_similarity` of a renamed copy (tokens that agree before names
    are abstracted); `approximate_source_span` where a hash-only index could only bound the
    source span by checkpoints; the lines the spans cover in the input and the source."""

    exact_similarity: float | None = None
    approximate_source_span: bool = False
    input_lines: tuple[int, int] | None = None  # first and last line (1-based) of each span
    source_lines: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class ImageDistances:
    tiled_l2: float | None
    hamming: int
    inliers: int
    correlation: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tiled_l2": self.tiled_l2, "hamming": self.hamming, "inliers": self.inliers}
        if self.correlation is not None:
            out["correlation"] = self.correlation
        return out


@dataclass(frozen=True, slots=True)
class ImageDetails(MatchDetails):
    """Images: the distances behind the verdict, how the pictures were aligned, and whether
    the aligned pictures are a near copy pixel for pixel."""

    distances: ImageDistances
    alignment: str
    near_copy: bool


@dataclass(frozen=True, slots=True)
class MusicDetails(MatchDetails):
    """Melodies: where the copy lies in bars (bar:beat of its first and last note) on both
    sides, which melody of the input it is, how the input sits against the source
    (`transposition` in semitones, `tempo` as a ratio of note lengths) and the evidence
    against chance in bits."""

    input_bars: tuple[str, ...] | None = None
    source_bars: tuple[str, ...] | None = None
    input_part: str | None = None
    transposition: int | None = None
    tempo: float | None = None
    evidence_bits: float | None = None
    approximate_source_span: bool = False


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
    details: MatchDetails | None = None

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
        if self.details is not None:
            out.update(self.details.to_dict())
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
