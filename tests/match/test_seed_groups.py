"""Seed grouping against its one-seed-at-a-time reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.match.seeds import group_seeds, reference_group_seeds

seeds = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 2), st.integers(0, 80), st.booleans(), st.booleans()), max_size=80)


@settings(max_examples=300, deadline=None)
@given(seeds, st.integers(0, 10), st.integers(0, 30))
def test_groups_equal_the_reference(rows, band, max_gap):
    q, docs, p, anchors, exact = (np.array(column) for column in zip(*rows, strict=True)) if rows else [np.zeros(0, np.int64)] * 5
    anchors, exact = anchors.astype(bool), exact.astype(bool)
    fast = group_seeds(q, docs, p, band, max_gap, anchors, exact)
    slow = reference_group_seeds(q, docs, p, band, max_gap, anchors, exact)
    assert [(c.doc_id, c.q.tolist(), c.p.tolist(), c.anchored, c.exact_seeds) for c in fast] == [
        (c.doc_id, c.q.tolist(), c.p.tolist(), c.anchored, c.exact_seeds) for c in slow
    ]
