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
    `max_gap` tokens.

    A group made only of structure seeds (`exact` false) is kept only when two of its seeds
    share a diagonal: a renamed copy has the same structure token for token, so the
    fingerprints it keeps lie on one diagonal, while code of the same shape scatters them
    (on the standard library, no renamed copy came from a group without such a pair, and
    such groups are most of the groups of original code)."""
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
    group = np.cumsum(split) - 1
    starts = np.flatnonzero(split)
    exact_seeds = np.add.reduceat(exact.astype(np.int64), starts)
    anchored = np.logical_or.reduceat(anchors, starts)
    by_diagonal = np.lexsort((p - q, group))
    repeat = (group[by_diagonal][1:] == group[by_diagonal][:-1]) & (
        (p - q)[by_diagonal][1:] == (p - q)[by_diagonal][:-1]
    )
    paired = np.zeros(len(starts), dtype=bool)
    paired[group[by_diagonal][1:][repeat]] = True
    ends = np.append(starts[1:], len(q))
    kept = np.flatnonzero((exact_seeds > 0) | paired).tolist()
    starts_list, ends_list = starts.tolist(), ends.tolist()
    docs_list, exact_list, anchored_list = docs[starts].tolist(), exact_seeds.tolist(), anchored.tolist()
    return [
        Candidate(docs_list[g], q[starts_list[g] : ends_list[g]], p[starts_list[g] : ends_list[g]], anchored_list[g], exact_list[g])
        for g in kept
    ]


def reference_group_seeds(
    q: np.ndarray, docs: np.ndarray, p: np.ndarray, band: int, max_gap: int,
    anchors: np.ndarray | None = None, exact: np.ndarray | None = None,
) -> list[Candidate]:
    """Slow, obviously correct `group_seeds`: one seed at a time, by document, diagonal and
    query position."""
    n = len(q)
    anchors = np.ones(n, dtype=bool) if anchors is None else anchors
    exact = np.ones(n, dtype=bool) if exact is None else exact
    rows = sorted(range(n), key=lambda i: (int(docs[i]), int(p[i] - q[i]), int(q[i]), i))
    bands: list[list[int]] = []
    for i in rows:
        last = bands[-1][-1] if bands else None
        if last is not None and docs[i] == docs[last] and (p[i] - q[i]) - (p[last] - q[last]) <= band:
            bands[-1].append(i)
        else:
            bands.append([i])
    out = []
    for members in bands:
        members = sorted(members, key=lambda i: (int(q[i]), members.index(i)))
        groups = [[members[0]]]
        for i in members[1:]:
            if q[i] - q[groups[-1][-1]] > max_gap:
                groups.append([i])
            else:
                groups[-1].append(i)
        for g in groups:
            diagonals = [int(p[i] - q[i]) for i in g]
            n_exact = sum(bool(exact[i]) for i in g)
            if n_exact or len(set(diagonals)) < len(diagonals):
                out.append(Candidate(int(docs[g[0]]), q[g], p[g], bool(anchors[g].any()), n_exact))
    return out
