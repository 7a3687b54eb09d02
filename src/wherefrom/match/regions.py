"""The regions one check verifies, as columns rather than one object each: a check of
original code verifies thousands of short regions that are merged and dropped before any
is reported, so only the survivors become `Found` records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from wherefrom._core import align as kernels

KINDS = ("verbatim", "near-verbatim", "renamed")
VERBATIM, NEAR_VERBATIM, RENAMED = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Found:
    """A copied region: query tokens [q0, q1) copy document tokens [p0, p1)."""

    doc_id: int
    q0: int
    q1: int
    p0: int
    p1: int
    kind: str
    similarity: float
    exact_similarity: float
    source_chars: tuple[int, int]
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class Regions:
    """Copied regions as columns: query tokens [q0, q1) copy tokens [p0, p1) of document
    `doc`, whose characters [c0, c1) they cover; `kind` indexes KINDS."""

    doc: np.ndarray
    q0: np.ndarray
    q1: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    similarity: np.ndarray
    exact: np.ndarray
    kind: np.ndarray
    approximate: np.ndarray
    c0: np.ndarray
    c1: np.ndarray

    def __len__(self) -> int:
        return len(self.doc)

    @classmethod
    def of(cls, doc: int, rows: np.ndarray, similarity: ArrayLike, exact: ArrayLike, kind: ArrayLike,
           chars: tuple[ArrayLike, ArrayLike], approximate: bool = False) -> Regions:
        """Regions of one document from (q0, q1, p0, p1, ...) rows."""
        n = len(rows)
        return cls(
            np.full(n, doc, dtype=np.int64), rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64),
            rows[:, 2].astype(np.int64), rows[:, 3].astype(np.int64), np.asarray(similarity, dtype=np.float64),
            np.asarray(exact, dtype=np.float64), np.asarray(kind, dtype=np.int8), np.full(n, approximate, dtype=np.uint8),
            np.asarray(chars[0], dtype=np.int64), np.asarray(chars[1], dtype=np.int64),
        )

    @classmethod
    def concat(cls, parts: list[Regions]) -> Regions:
        if not parts:
            z, f = np.zeros(0, np.int64), np.zeros(0, np.float64)
            return cls(z, z, z, z, z, f, f, np.zeros(0, np.int8), np.zeros(0, np.uint8), z, z)
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in cls.__slots__))

    def take(self, which: np.ndarray) -> Regions:
        return Regions(*(getattr(self, name)[which] for name in Regions.__slots__))

    def found(self) -> list[Found]:
        return [
            Found(doc, q0, q1, p0, p1, KINDS[kind], similarity, exact, (c0, c1), bool(approximate))
            for doc, q0, q1, p0, p1, similarity, exact, kind, approximate, c0, c1 in zip(
                *(getattr(self, name).tolist() for name in Regions.__slots__), strict=True)
        ]


def merge_near(regions: Regions, gap: int, min_similarity: float) -> Regions:
    """Regions of one document that overlap, or follow each other within `gap` input tokens
    (twice that in the source, where deletions widen it) along nearly the same diagonal are
    one copy reached from two seed groups (edits drift the diagonal apart, or stopped an
    extension short of the next piece): they merge, the aligned count of an overlap taken
    once at the lower similarity, unless the union would fall below `min_similarity`.
    Regions below `min_similarity` are dropped first. One compiled pass;
    `reference_merge_near` is its Python twin."""
    kept = regions.take(regions.similarity >= min_similarity)
    ordered = kept.take(np.lexsort((kept.q0, kept.doc)))
    first, q0, q1, p0, p1, similarity, exact, kind, c0, c1 = kernels.merge_near(
        ordered.doc, ordered.q0, ordered.q1, ordered.p0, ordered.p1, ordered.similarity, ordered.exact,
        ordered.kind, ordered.approximate, ordered.c0, ordered.c1, gap, min_similarity, VERBATIM, NEAR_VERBATIM,
    )
    return Regions(ordered.doc[first], q0, q1, p0, p1, similarity, exact, kind, ordered.approximate[first], c0, c1)


def reference_merge_near(found: list[Found], gap: int, min_similarity: float) -> list[Found]:
    """Regions of one document that overlap, or follow each other within `gap` input tokens
    (twice that in the source, where deletions widen it) along nearly the same diagonal are
    one copy reached from two seed groups (edits drift the diagonal apart, or stopped an
    extension short of the next piece): they merge, the aligned count of an overlap taken
    once at the lower similarity, unless the union would fall below `min_similarity`."""
    found = sorted((f for f in found if f.similarity >= min_similarity), key=lambda f: (f.doc_id, f.q0))
    merged: list[Found] = []
    for f in found:
        last = merged[-1] if merged else None
        if (
            last is not None and last.doc_id == f.doc_id and not f.approximate and not last.approximate
            and f.q0 <= last.q1 + gap and last.p0 <= f.p0 <= last.p1 + 2 * gap
            and abs((f.p0 - f.q0) - (last.p0 - last.q0)) <= 16
        ):
            union = reference_merge(last, f)
            if union.similarity >= min_similarity:
                merged[-1] = union
                continue
        merged.append(f)
    return merged


def reference_merge(a: Found, b: Found) -> Found:
    q0, q1, p0, p1 = min(a.q0, b.q0), max(a.q1, b.q1), min(a.p0, b.p0), max(a.p1, b.p1)
    overlap = max(0, min(a.q1, b.q1) - max(a.q0, b.q0))
    length = max(q1 - q0, p1 - p0)

    def aligned(x: Found, attribute: str) -> float:
        return getattr(x, attribute) * max(x.q1 - x.q0, x.p1 - x.p0)

    def combined(attribute: str) -> float:
        shared = overlap * min(getattr(a, attribute), getattr(b, attribute))
        return min(1.0, (aligned(a, attribute) + aligned(b, attribute) - shared) / length)

    similarity = combined("similarity")
    kind = a.kind if a.kind == b.kind and a.kind != "verbatim" else "near-verbatim"
    if a.kind == b.kind == "verbatim" and similarity >= 0.999:
        kind = "verbatim"
    return Found(
        doc_id=a.doc_id, q0=q0, q1=q1, p0=p0, p1=p1, kind=kind, similarity=similarity,
        exact_similarity=combined("exact_similarity"),
        source_chars=(min(a.source_chars[0], b.source_chars[0]), max(a.source_chars[1], b.source_chars[1])),
    )


