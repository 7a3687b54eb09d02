"""Verify and extend seeds against the stored tokens: maximal exact runs, chained into one
region when the gaps between them are small, with an edit-tolerant similarity.

similarity = aligned equal tokens / max(input tokens, source tokens) of the region, where the
aligned tokens are the exact runs plus the longest common subsequence inside each gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EDGE_STEPS = ((1, 1), (1, 0), (0, 1), (2, 2), (2, 1), (1, 2), (2, 0), (0, 2), (3, 3))
_EDGE_CONFIRM = 3


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


def _extend_right(query: np.ndarray, source: np.ndarray, q1: int, p1: int) -> tuple[int, int, int] | None:
    """Step over a small edit after (q1, p1) when at least _EDGE_CONFIRM tokens agree after it;
    returns the new end and the number of agreeing tokens."""
    for dq, dp in _EDGE_STEPS:
        a, b = q1 + dq, p1 + dp
        n = _match_length(query[a:], source[b:])
        if n >= _EDGE_CONFIRM:
            return a + n, b + n, n
    return None


def chain(runs: list[Run], query: np.ndarray, source: np.ndarray, gap: int) -> list[Region]:
    """Chain runs (sorted by query start) whose gaps are at most `gap` tokens on both sides,
    then step each region's ends over small edits."""
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
    return [_extend_edges(r, query, source) for r in regions]


def _extend_edges(region: Region, query: np.ndarray, source: np.ndarray) -> Region:
    q0, q1, p0, p1, aligned = region.q0, region.q1, region.p0, region.p1, region.aligned
    runs = list(region.runs)
    while (step := _extend_right(query, source, q1, p1)) is not None:
        q1, p1, n = step
        runs.append(Run(q1 - n, q1, p1 - n, p1))
        aligned += n
    reversed_query, reversed_source = query[::-1], source[::-1]
    while (step := _extend_right(reversed_query, reversed_source, len(query) - q0, len(source) - p0)) is not None:
        rq, rp, n = step
        q0, p0 = len(query) - rq, len(source) - rp
        runs.insert(0, Run(q0, q0 + n, p0, p0 + n))
        aligned += n
    return Region(q0, q1, p0, p1, aligned, tuple(runs))
