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


def exact_runs_array(query: np.ndarray, source: np.ndarray, seeds_q: np.ndarray, seeds_p: np.ndarray, k: int) -> np.ndarray:
    """`exact_runs` as an (n, 4) array of (q0, q1, p0, p1) rows, for `verify_runs`."""
    return kernels.exact_runs(query, source, np.asarray(seeds_q, dtype=np.int64), np.asarray(seeds_p, dtype=np.int64), k)


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


TRIM_EDGE = 3  # tokens that must agree exactly at each end of a trimmed renamed region


def verify_runs(
    query: np.ndarray, source: np.ndarray, exact_query: np.ndarray, exact_source: np.ndarray, runs: np.ndarray,
    gap: int, extend: bool, trim: bool, k: int,
) -> np.ndarray:
    """A candidate's regions from its exact runs (`exact_runs_array`), in one compiled call:
    runs chained across gaps of at most `gap`, with `extend` carried over small edits at
    both ends; with `trim` (renamed code, where `query`/`source` hold placeholders) measured
    in the exact channel `exact_query`/`exact_source` and, when 90 % agrees, cut to ends that
    agree exactly. Regions shorter than k are dropped. Returns (q0, q1, p0, p1, aligned,
    aligned exactly) rows; `reference_verify_runs` is its Python twin."""
    return kernels.verify_runs(
        query, source, exact_query, exact_source, np.ascontiguousarray(runs, dtype=np.int64).reshape(-1, 4),
        gap, extend, trim, k, XDROP, BAND, 64, TRIM_EDGE,
    )


def reference_verify_runs(
    query: np.ndarray, source: np.ndarray, exact_query: np.ndarray, exact_source: np.ndarray, runs: list[Run],
    gap: int, extend: bool, trim: bool, k: int,
) -> list[tuple[int, int, int, int, int, int]]:
    """The Python twin of `verify_runs`: `chain`, then the exact channel's measure and trim."""
    rows = []
    for region in chain(runs, query, source, gap=gap, extend=extend):
        if region.q1 - region.q0 < k:
            continue
        agree = region.aligned
        if trim:
            if reference_exact_similarity(region, exact_query, exact_source) >= 0.9:
                region = reference_trim_to_exact(region, exact_query, exact_source, TRIM_EDGE)
            agree = sum(
                int(np.count_nonzero(exact_query[r.q0 : r.q1] == exact_source[r.p0 : r.p1])) for r in region.runs
            )
            if region.q1 - region.q0 < k:
                continue
        rows.append((region.q0, region.q1, region.p0, region.p1, region.aligned, agree))
    return rows


def reference_trim_to_exact(region: Region, query: np.ndarray, source: np.ndarray, edge: int = 3) -> Region:
    """Drop edge tokens that agree only as placeholders (a copy that ends where a function
    with other names begins): the region then starts and ends inside runs whose first and
    last `edge` tokens agree exactly."""
    runs = sorted(region.runs, key=lambda r: r.q0)

    def agreeing_ends(run: Run) -> np.ndarray:
        same = query[run.q0 : run.q1] == source[run.p0 : run.p1]
        if len(same) < edge:
            return np.zeros(0, dtype=np.int64)
        window = np.lib.stride_tricks.sliding_window_view(same, edge).all(axis=1)
        return np.flatnonzero(window)

    while runs:
        starts = agreeing_ends(runs[-1])
        if len(starts):
            last = runs[-1]
            stop = int(starts[-1]) + edge
            runs[-1] = Run(last.q0, last.q0 + stop, last.p0, last.p0 + stop)
            break
        runs.pop()
    while runs:
        starts = agreeing_ends(runs[0])
        if len(starts):
            first = runs[0]
            begin = int(starts[0])
            runs[0] = Run(first.q0 + begin, first.q1, first.p0 + begin, first.p1)
            break
        runs.pop(0)
    if not runs:
        return Region(region.q0, region.q0, region.p0, region.p0, 0, ())
    removed = sum(r.q1 - r.q0 for r in region.runs) - sum(r.q1 - r.q0 for r in runs)
    return Region(runs[0].q0, runs[-1].q1, runs[0].p0, runs[-1].p1, max(region.aligned - removed, 0), tuple(runs))


def reference_exact_similarity(region: Region, query: np.ndarray, source: np.ndarray) -> float:
    """Share of the region's aligned tokens that also agree in the exact channel."""
    agree = 0
    for run in region.runs:
        agree += int(np.count_nonzero(query[run.q0 : run.q1] == source[run.p0 : run.p1]))
    return agree / max(region.q1 - region.q0, region.p1 - region.p0, 1)
