"""Verify and extend seeds against the stored tokens: maximal exact runs, chained into one
region when the gaps between them are small, with an edit-tolerant similarity.

similarity = aligned equal tokens / max(input tokens, source tokens) of the region, where the
aligned tokens are the exact runs plus the longest common subsequence inside each gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

XDROP = 4  # how far the extension score may fall below its best before it stops
BAND = 3  # insertions or deletions the extension may absorb in a row


@dataclass(frozen=True, slots=True)
class Run:
    q0: int
    q1: int
    p0: int
    p1: int


@dataclass(frozen=True, slots=True)
class Region:
    q0: int
    q1: int
    p0: int
    p1: int
    aligned: int
    runs: tuple[Run, ...]

    @property
    def similarity(self) -> float:
        return self.aligned / max(self.q1 - self.q0, self.p1 - self.p0, 1)


def _match_length(a: np.ndarray, b: np.ndarray) -> int:
    """Length of the common prefix of a and b, compared in doubling chunks so that a
    mismatch near the start costs little however long the arrays are."""
    n = min(len(a), len(b))
    done, step = 0, 16
    while done < n:
        end = min(n, done + step)
        differ = np.flatnonzero(a[done:end] != b[done:end])
        if len(differ):
            return done + int(differ[0])
        done, step = end, step * 4
    return n


def exact_runs(query: np.ndarray, source: np.ndarray, seeds_q: np.ndarray, seeds_p: np.ndarray, k: int) -> list[Run]:
    """Maximal exact runs through each seed whose k tokens really agree (hash collisions and
    seeds from the other channel are dropped). `seeds_p` index into `source`."""
    runs: list[Run] = []
    covered: dict[int, int] = {}
    for q, p in zip(seeds_q.tolist(), seeds_p.tolist(), strict=True):
        diag = p - q
        if covered.get(diag, -1) > q or p < 0 or p + k > len(source):
            continue
        if not np.array_equal(query[q : q + k], source[p : p + k]):
            continue
        right = _match_length(query[q:], source[p:])
        left = _match_length(query[:q][::-1], source[:p][::-1])
        run = Run(q - left, q + right, p - left, p + right)
        covered[diag] = run.q1
        runs.append(run)
    return runs


def _lcs(a: np.ndarray, b: np.ndarray) -> int:
    if len(a) == 0 or len(b) == 0:
        return 0
    previous = [0] * (len(b) + 1)
    for x in a.tolist():
        current = [0]
        for j, y in enumerate(b.tolist()):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def xdrop_extend(
    query: np.ndarray, source: np.ndarray, q1: int, p1: int, drop: int = XDROP, band: int = BAND, limit: int = 64,
) -> tuple[int, int, list[Run]]:
    """Gapped extension to the right of (q1, p1), as in BLAST: a banded alignment scoring +1
    per agreeing token and -1 per substitution, insertion or deletion, stopped once the
    score falls `drop` below the best seen. Returns the end of the best-scoring alignment
    and its agreeing stretches."""
    nq = min(limit, len(query) - q1)
    ns = min(limit + band, len(source) - p1)
    if nq <= 0 or ns <= 0:
        return q1, p1, []
    if not np.isin(query[q1 : q1 + drop], source[p1 : p1 + drop + band]).any():
        return q1, p1, []  # nothing agrees before the score would fall `drop` below zero
    q = query[q1 : q1 + nq].tolist()
    p = source[p1 : p1 + ns].tolist()
    # rows[i][j] = (score, move) with move 0 diagonal, 1 skip a query token, 2 skip a source token
    previous = {j: (-j, 2) for j in range(min(band, ns) + 1)}
    rows = [previous]
    best, best_at = 0, (0, 0)
    for i in range(1, nq + 1):
        row: dict[int, tuple[int, int]] = {}
        for j in range(max(0, i - band), min(ns, i + band) + 1):
            candidates = []
            if j > 0 and j - 1 in previous:
                candidates.append((previous[j - 1][0] + (1 if q[i - 1] == p[j - 1] else -1), 0))
            if j in previous:
                candidates.append((previous[j][0] - 1, 1))
            if j - 1 in row:
                candidates.append((row[j - 1][0] - 1, 2))
            if candidates:
                row[j] = max(candidates)
        if not row:
            break
        rows.append(row)
        top_j = max(row, key=lambda j: row[j][0])
        if row[top_j][0] > best:
            best, best_at = row[top_j][0], (i, top_j)
        if row[top_j][0] < best - drop:
            break
        previous = row
    i, j = best_at
    pairs: list[tuple[int, int]] = []
    while i > 0 or j > 0:
        move = rows[i][j][1] if j in rows[i] else 2
        if move == 0 and i > 0 and j > 0:
            if q[i - 1] == p[j - 1]:
                pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif move == 1 and i > 0:
            i -= 1
        else:
            j -= 1
    runs: list[Run] = []
    for a, b in reversed(pairs):
        if runs and runs[-1].q1 == q1 + a and runs[-1].p1 == p1 + b:
            last = runs[-1]
            runs[-1] = Run(last.q0, last.q1 + 1, last.p0, last.p1 + 1)
        else:
            runs.append(Run(q1 + a, q1 + a + 1, p1 + b, p1 + b + 1))
    return q1 + best_at[0], p1 + best_at[1], runs


def chain(runs: list[Run], query: np.ndarray, source: np.ndarray, gap: int, extend: bool = True) -> list[Region]:
    """Chain runs (sorted by query start) whose gaps are at most `gap` tokens on both sides,
    then (with `extend`) carry each region's ends over small edits by gapped extension."""
    regions: list[Region] = []
    for run in sorted(runs, key=lambda r: (r.q0, r.p0)):
        last = regions[-1] if regions else None
        if (
            last is not None
            and last.q1 - gap // 2 <= run.q0 <= last.q1 + gap
            and last.p1 - gap // 2 <= run.p0 <= last.p1 + gap
        ):
            if run.q1 <= last.q1:
                continue
            q_gap = query[last.q1 : max(last.q1, run.q0)]
            p_gap = source[last.p1 : max(last.p1, run.p0)]
            overlap = max(last.q1 - run.q0, last.p1 - run.p0, 0)
            aligned = last.aligned + _lcs(q_gap, p_gap) + (run.q1 - run.q0 - overlap)
            regions[-1] = Region(last.q0, run.q1, last.p0, max(last.p1, run.p1), aligned, (*last.runs, run))
        else:
            regions.append(Region(run.q0, run.q1, run.p0, run.p1, run.q1 - run.q0, (run,)))
    return [_extend_edges(r, query, source) for r in regions] if extend else regions


def _extend_fully(query: np.ndarray, source: np.ndarray, q1: int, p1: int) -> tuple[int, int, list[Run]]:
    """Repeat the bounded extension while it keeps advancing (a long edited stretch)."""
    runs: list[Run] = []
    while True:
        q_end, p_end, more = xdrop_extend(query, source, q1, p1)
        if q_end == q1 and p_end == p1:
            return q1, p1, runs
        q1, p1 = q_end, p_end
        runs += more


def _extend_edges(region: Region, query: np.ndarray, source: np.ndarray) -> Region:
    q0, q1, p0, p1, aligned = region.q0, region.q1, region.p0, region.p1, region.aligned
    q1, p1, after = _extend_fully(query, source, q1, p1)
    nq, ns = len(query), len(source)
    rq, rp, before = _extend_fully(query[::-1], source[::-1], nq - q0, ns - p0)
    q0, p0 = nq - rq, ns - rp
    before = [Run(nq - r.q1, nq - r.q0, ns - r.p1, ns - r.p0) for r in reversed(before)]
    aligned += sum(r.q1 - r.q0 for r in before) + sum(r.q1 - r.q0 for r in after)
    return Region(q0, q1, p0, p1, aligned, (*before, *region.runs, *after))
