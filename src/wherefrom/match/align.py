"""Verify and extend seeds against the stored tokens: maximal exact runs, chained into one
region when the gaps between them are small, with an edit-tolerant similarity.

similarity = aligned equal tokens / max(input tokens, source tokens) of the region, where the
aligned tokens are the exact runs plus the longest common subsequence inside each gap.
The loops run in the compiled core; the `reference_*` functions here are their oracles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wherefrom._core import align as kernels

XDROP = 4  # how far the extension score may fall below its best before it stops
BAND = 6  # how far insertions and deletions may shift one extension off its starting diagonal


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


def reference_match_length(a: np.ndarray, b: np.ndarray) -> int:
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


def reference_exact_runs(query: np.ndarray, source: np.ndarray, seeds_q: np.ndarray, seeds_p: np.ndarray, k: int) -> list[Run]:
    """Slow, obviously correct `exact_runs`."""
    runs: list[Run] = []
    covered: dict[int, int] = {}
    for q, p in zip(seeds_q.tolist(), seeds_p.tolist(), strict=True):
        diag = p - q
        if covered.get(diag, -1) > q or p < 0 or p + k > len(source):
            continue
        if not np.array_equal(query[q : q + k], source[p : p + k]):
            continue
        right = reference_match_length(query[q:], source[p:])
        left = reference_match_length(query[:q][::-1], source[:p][::-1])
        run = Run(q - left, q + right, p - left, p + right)
        covered[diag] = run.q1
        runs.append(run)
    return runs


def reference_lcs(a: np.ndarray, b: np.ndarray) -> int:
    """Length of the longest common subsequence, by the textbook dynamic programme."""
    if len(a) == 0 or len(b) == 0:
        return 0
    previous = [0] * (len(b) + 1)
    for x in a.tolist():
        current = [0]
        for j, y in enumerate(b.tolist()):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def reference_xdrop_extend(
    query: np.ndarray, source: np.ndarray, q1: int, p1: int, drop: int = XDROP, band: int = BAND, limit: int = 64,
) -> tuple[int, int, list[Run]]:
    """The Python twin of `xdrop_extend`: gapped extension to the right of (q1, p1), as in BLAST: a banded alignment scoring +1
    per agreeing token and -1 per substitution, insertion or deletion, stopped once the
    score falls `drop` below the best seen. Returns the end of the best-scoring alignment
    and its agreeing stretches.

    Cells are kept per row in flat lists indexed by the diagonal offset j - i + band (the
    hot loop of verification: no per-cell allocations)."""
    nq = min(limit, len(query) - q1)
    ns = min(limit + band, len(source) - p1)
    if nq <= 0 or ns <= 0:
        return q1, p1, []
    if not np.isin(query[q1 : q1 + drop], source[p1 : p1 + drop + band]).any():
        return q1, p1, []  # nothing agrees before the score would fall `drop` below zero
    q = query[q1 : q1 + nq].tolist()
    p = source[p1 : p1 + ns].tolist()
    width = 2 * band + 1
    dead = -(1 << 30)
    # previous[o]: score of cell (i - 1, i - 1 + o - band); moves[i][o]: 0 diagonal,
    # 1 skip a query token, 2 skip a source token.
    previous = [dead] * width
    for o in range(band, min(width, band + ns + 1)):
        previous[o] = band - o
    moves = [[2] * width]
    best, best_i, best_j = 0, 0, 0
    for i in range(1, nq + 1):
        token = q[i - 1]
        current = [dead] * width
        move = [0] * width
        row_best, row_best_o = dead, 0
        for o in range(width):
            j = i + o - band
            if j < 0:
                continue
            if j > ns:
                break
            score, how = dead, 0
            if j > 0 and previous[o] > dead:
                score = previous[o] + (1 if token == p[j - 1] else -1)
            if o + 1 < width and previous[o + 1] > dead and previous[o + 1] - 1 > score:
                score, how = previous[o + 1] - 1, 1
            if o > 0 and current[o - 1] > dead and current[o - 1] - 1 > score:
                score, how = current[o - 1] - 1, 2
            current[o], move[o] = score, how
            if score > row_best:
                row_best, row_best_o = score, o
        if row_best == dead:
            break
        moves.append(move)
        if row_best > best:
            best, best_i, best_j = row_best, i, i + row_best_o - band
        if row_best < best - drop:
            break
        previous = current
    runs: list[Run] = []
    i, j = best_i, best_j
    while i > 0 or j > 0:
        how = moves[i][j - i + band] if i > 0 else 2
        if how == 0 and i > 0 and j > 0:
            if q[i - 1] == p[j - 1]:
                a, b = q1 + i - 1, p1 + j - 1
                if runs and runs[-1].q0 == a + 1 and runs[-1].p0 == b + 1:
                    last = runs[-1]
                    runs[-1] = Run(a, last.q1, b, last.p1)
                else:
                    runs.append(Run(a, a + 1, b, b + 1))
            i, j = i - 1, j - 1
        elif how == 1 and i > 0:
            i -= 1
        else:
            j -= 1
    runs.reverse()
    return q1 + best_i, p1 + best_j, runs


def exact_runs(query: np.ndarray, source: np.ndarray, seeds_q: np.ndarray, seeds_p: np.ndarray, k: int) -> list[Run]:
    """Maximal exact runs through each seed whose k tokens really agree (hash collisions and
    seeds from the other channel are dropped). `seeds_p` index into `source`."""
    rows = kernels.exact_runs(
        query, source, np.asarray(seeds_q, dtype=np.int64), np.asarray(seeds_p, dtype=np.int64), k,
    )
    return [Run(*row) for row in rows.tolist()]


def xdrop_extend(
    query: np.ndarray, source: np.ndarray, q1: int, p1: int, drop: int = XDROP, band: int = BAND, limit: int = 64,
) -> tuple[int, int, list[Run]]:
    """Gapped extension to the right of (q1, p1), as in BLAST: a banded alignment scoring +1
    per agreeing token and -1 per substitution, insertion or deletion, stopped once the
    score falls `drop` below the best seen. Returns the end of the best-scoring alignment
    and its agreeing stretches."""
    q_end, p_end, rows = kernels.xdrop_extend(query, source, q1, p1, drop, band, limit)
    return q_end, p_end, [Run(*row) for row in rows.tolist()]


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
            aligned = last.aligned + kernels.lcs(q_gap, p_gap) + (run.q1 - run.q0 - overlap)
            regions[-1] = Region(last.q0, run.q1, last.p0, max(last.p1, run.p1), aligned, (*last.runs, run))
        else:
            regions.append(Region(run.q0, run.q1, run.p0, run.p1, run.q1 - run.q0, (run,)))
    return [_extend_edges(r, query, source) for r in regions] if extend else regions


def _extend_fully(query: np.ndarray, source: np.ndarray, q1: int, p1: int) -> tuple[int, int, list[Run]]:
    """Repeat the bounded extension while it keeps advancing (a long edited stretch)."""
    runs: list[Run] = []
    while True:
        q_end, p_end, more = reference_xdrop_extend(query, source, q1, p1)
        if q_end == q1 and p_end == p1:
            return q1, p1, runs
        q1, p1 = q_end, p_end
        runs += more


def _extend_edges(region: Region, query: np.ndarray, source: np.ndarray) -> Region:
    """The region carried over small edits at both ends by repeated gapped extension."""
    q0, q1, p0, p1, added, before, after = kernels.extend_edges(
        query, source, region.q0, region.q1, region.p0, region.p1, XDROP, BAND, 64,
    )
    runs = (*(Run(*r) for r in before), *region.runs, *(Run(*r) for r in after))
    return Region(q0, q1, p0, p1, region.aligned + added, runs)


def reference_extend_edges(region: Region, query: np.ndarray, source: np.ndarray) -> Region:
    """The Python twin of `_extend_edges`."""
    q0, q1, p0, p1, aligned = region.q0, region.q1, region.p0, region.p1, region.aligned
    q1, p1, after = _extend_fully(query, source, q1, p1)
    nq, ns = len(query), len(source)
    rq, rp, before = _extend_fully(query[::-1], source[::-1], nq - q0, ns - p0)
    q0, p0 = nq - rq, ns - rp
    before = [Run(nq - r.q1, nq - r.q0, ns - r.p1, ns - r.p0) for r in reversed(before)]
    aligned += sum(r.q1 - r.q0 for r in before) + sum(r.q1 - r.q0 for r in after)
    return Region(q0, q1, p0, p1, aligned, (*before, *region.runs, *after))
