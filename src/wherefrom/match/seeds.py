"""Seeds (query position, document, document position) from fingerprint lookups, grouped
into candidate regions by document and diagonal band."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Candidate:
    """Seeds of one document that may belong to one copied region, sorted by query position."""

    doc_id: int
    q: np.ndarray
    p: np.ndarray
    anchored: bool = True  # holds a seed that the query's own winnowing also selects
    exact_seeds: int = -1  # seeds from the exact channel (-1: all of them)


def group_seeds(
    q: np.ndarray, docs: np.ndarray, p: np.ndarray, band: int, max_gap: int,
    anchors: np.ndarray | None = None, exact: np.ndarray | None = None,
) -> list[Candidate]:
    """Cluster seeds: same document, diagonals (p - q) within `band` of each other
    (transitively, so insertions and deletions drift the diagonal), query gaps of at most
    `max_gap` tokens."""
    if len(q) == 0:
        return []
    if anchors is None:
        anchors = np.ones(len(q), dtype=bool)
    if exact is None:
        exact = np.ones(len(q), dtype=bool)
    diag = p - q
    order = np.lexsort((q, diag, docs))
    q, docs, p, diag, anchors, exact = q[order], docs[order], p[order], diag[order], anchors[order], exact[order]
    breaks = np.ones(len(q), dtype=bool)
    breaks[1:] = (docs[1:] != docs[:-1]) | (diag[1:] - diag[:-1] > band)
    band_id = np.cumsum(breaks)
    order = np.lexsort((q, band_id))
    q, docs, p, band_id, anchors, exact = q[order], docs[order], p[order], band_id[order], anchors[order], exact[order]
    split = np.ones(len(q), dtype=bool)
    split[1:] = (band_id[1:] != band_id[:-1]) | (q[1:] - q[:-1] > max_gap)
    bounds = np.append(np.flatnonzero(split), len(q))
    return [
        Candidate(int(docs[a]), q[a:b], p[a:b], bool(anchors[a:b].any()), int(exact[a:b].sum())) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
