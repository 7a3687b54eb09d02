"""The banded X-drop extension against a slow reference, and edits it must carry a match over."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.match.align import BAND, XDROP, xdrop_extend


def reference_xdrop_end(query: list[int], source: list[int], drop: int, band: int, limit: int = 64) -> tuple[int, int]:
    """The same alignment written as the textbook recurrence over a dict of cells."""
    nq, ns = min(limit, len(query)), min(limit + band, len(source))
    if nq == 0 or ns == 0 or not set(query[:drop]) & set(source[: drop + band]):
        return 0, 0
    previous = {j: -j for j in range(min(band, ns) + 1)}
    best, best_at = 0, (0, 0)
    for i in range(1, nq + 1):
        row: dict[int, int] = {}
        for j in range(max(0, i - band), min(ns, i + band) + 1):
            options = []
            if j > 0 and j - 1 in previous:
                options.append(previous[j - 1] + (1 if query[i - 1] == source[j - 1] else -1))
            if j in previous:
                options.append(previous[j] - 1)
            if j - 1 in row:
                options.append(row[j - 1] - 1)
            if options:
                row[j] = max(options)
        if not row:
            break
        top = max(row, key=row.__getitem__)
        if row[top] > best:
            best, best_at = row[top], (i, top)
        if row[top] < best - drop:
            break
        previous = row
    return best_at


tokens = st.lists(st.integers(0, 5), max_size=40)


@settings(max_examples=300, deadline=None)
@given(tokens, tokens)
def test_extension_ends_where_the_reference_alignment_scores_best(query, source):
    q, s = np.array(query, dtype=np.uint64), np.array(source, dtype=np.uint64)
    q_end, p_end, runs = xdrop_extend(q, s, 0, 0)
    assert (q_end, p_end) == reference_xdrop_end(query, source, XDROP, BAND)
    previous_q, previous_p = 0, 0
    for run in runs:  # agreeing stretches, in order, inside the alignment
        assert previous_q <= run.q0 < run.q1 <= q_end and previous_p <= run.p0 < run.p1 <= p_end
        assert query[run.q0 : run.q1] == source[run.p0 : run.p1]
        previous_q, previous_p = run.q1, run.p1


def test_extension_crosses_consecutive_deletions():
    source = np.arange(100, 140, dtype=np.uint64)
    query = np.delete(source, [3, 4, 5, 6, 12])  # four words dropped in a row, then one more
    q_end, p_end, runs = xdrop_extend(query, source, 0, 0)
    assert (q_end, p_end) == (len(query), len(source))
    assert sum(r.q1 - r.q0 for r in runs) == len(query)
