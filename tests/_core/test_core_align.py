"""The compiled verification and extension kernels against their Python references."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom._core import align as kernels
from wherefrom.match.align import (
    BAND,
    XDROP,
    Region,
    Run,
    _extend_edges,
    exact_runs,
    exact_runs_array,
    reference_exact_runs,
    reference_extend_edges,
    reference_lcs,
    reference_match_length,
    reference_verify_runs,
    reference_xdrop_extend,
    verify_runs,
    xdrop_extend,
)

# Few distinct tokens, so that runs, repeats and near-copies are common.
tokens = st.lists(st.integers(0, 4), max_size=90)


def planted(data, edits):
    """A source and a query that copies part of it with a few edits."""
    source = data.draw(st.lists(st.integers(0, 6), min_size=1, max_size=120))
    a = data.draw(st.integers(0, len(source) - 1))
    b = data.draw(st.integers(a, len(source)))
    copy = list(source[a:b])
    for _ in range(data.draw(st.integers(0, edits))):
        if copy:
            copy[data.draw(st.integers(0, len(copy) - 1))] = data.draw(st.integers(0, 9))
    before = data.draw(st.lists(st.integers(0, 9), max_size=20))
    return np.array(before + copy + before[::-1], dtype=np.uint64), np.array(source, dtype=np.uint64)


@settings(max_examples=300, deadline=None)
@given(tokens, tokens)
def test_match_length_equals_the_reference(a, b):
    a, b = np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)
    assert kernels.match_length(a, b) == reference_match_length(a, b)
    assert kernels.match_length(a[::-1], b[::-1]) == reference_match_length(a[::-1], b[::-1])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=40), st.lists(st.integers(0, 3), max_size=40))
def test_lcs_equals_the_reference(a, b):
    a, b = np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)
    assert kernels.lcs(a, b) == reference_lcs(a, b)


@settings(max_examples=300, deadline=None)
@given(st.data(), st.integers(1, 6))
def test_exact_runs_equal_the_reference(data, k):
    query, source = planted(data, 3)
    count = data.draw(st.integers(0, 30))
    seeds_q = np.array(data.draw(st.lists(st.integers(0, max(len(query) - 1, 0)), min_size=count, max_size=count)), dtype=np.int64)
    seeds_p = np.array(data.draw(st.lists(st.integers(-3, len(source) + 3), min_size=count, max_size=count)), dtype=np.int64)
    assert exact_runs(query, source, seeds_q, seeds_p, k) == reference_exact_runs(query, source, seeds_q, seeds_p, k)


@settings(max_examples=300, deadline=None)
@given(st.data(), st.integers(1, 6), st.integers(0, 8), st.integers(1, 80))
def test_xdrop_extension_equals_the_reference(data, drop, band, limit):
    query, source = planted(data, 6)
    q1 = data.draw(st.integers(0, len(query)))
    p1 = data.draw(st.integers(0, len(source)))
    fast = xdrop_extend(query, source, q1, p1, drop, band, limit)
    assert fast == reference_xdrop_extend(query, source, q1, p1, drop, band, limit)
    backward = xdrop_extend(query[::-1], source[::-1], q1, p1)
    assert backward == reference_xdrop_extend(query[::-1], source[::-1], q1, p1, XDROP, BAND)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_edge_extension_equals_the_reference(data):
    query, source = planted(data, 8)
    q0 = data.draw(st.integers(0, len(query)))
    p0 = data.draw(st.integers(0, len(source)))
    q1 = data.draw(st.integers(q0, len(query)))
    p1 = data.draw(st.integers(p0, len(source)))
    region = Region(q0, q1, p0, p1, q1 - q0, (Run(q0, q1, p0, p1),))
    assert _extend_edges(region, query, source) == reference_extend_edges(region, query, source)


@settings(max_examples=400, deadline=None)
@given(st.data(), st.integers(1, 6), st.integers(2, 14), st.booleans())
def test_verified_regions_equal_the_reference(data, k, gap, renamed):
    """Chaining, extension, the exact channel's measure and the trim of renamed regions: the
    one compiled call gives the rows `chain` and the Python trim give, on planted copies."""
    exact_query, exact_source = planted(data, 4)
    if renamed:  # placeholders: tokens that differ exactly may agree in structure
        query, source = exact_query % np.uint64(3), exact_source % np.uint64(3)
    else:
        query, source = exact_query, exact_source
    count = data.draw(st.integers(0, 30))
    seeds_q = np.array(data.draw(st.lists(st.integers(0, max(len(query) - 1, 0)), min_size=count, max_size=count)), dtype=np.int64)
    seeds_p = np.array(data.draw(st.lists(st.integers(0, len(source) - 1), min_size=count, max_size=count)), dtype=np.int64)
    runs = exact_runs_array(query, source, seeds_q, seeds_p, k)
    rows = verify_runs(query, source, exact_query, exact_source, runs, gap=gap, extend=not renamed, trim=renamed, k=k)
    expected = reference_verify_runs(
        query, source, exact_query, exact_source, [Run(*r) for r in runs.tolist()], gap=gap, extend=not renamed,
        trim=renamed, k=k,
    )
    assert [tuple(r) for r in rows.tolist()] == expected


def test_a_renamed_region_is_cut_to_ends_that_agree_exactly():
    """A copy whose structure runs on past its exact end (other names after it) ends where
    three tokens last agree exactly."""
    exact_source = np.arange(1, 31, dtype=np.uint64)
    exact_query = exact_source.copy()
    exact_query[28:] = [90, 91]  # 28 of 30 agree exactly: above the 90 % that trims
    query = source = np.zeros(30, dtype=np.uint64)  # every token the same placeholder
    runs = np.array([[0, 30, 0, 30]], dtype=np.int64)
    rows = verify_runs(query, source, exact_query, exact_source, runs, gap=8, extend=False, trim=True, k=3)
    assert rows.tolist() == [[0, 28, 0, 28, 28, 28]]
