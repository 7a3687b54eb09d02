"""The compiled merge of nearby regions against its Python twin."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.match.regions import KINDS, Found, Regions, merge_near, reference_merge_near


@st.composite
def regions(draw):
    """Regions of a few documents that often overlap or follow closely, of every kind."""
    found = []
    for _ in range(draw(st.integers(0, 25))):
        q0 = draw(st.integers(0, 200))
        q1 = q0 + draw(st.integers(1, 60))
        p0 = max(0, q0 + draw(st.integers(-20, 20)))
        p1 = p0 + draw(st.integers(1, 60))
        similarity = draw(st.sampled_from([1.0, 0.999, 0.95, 0.8, 0.61, 0.6, 0.5, draw(st.floats(0, 1))]))
        kind = draw(st.sampled_from(KINDS))
        c0 = draw(st.integers(0, 5000))
        found.append(Found(draw(st.integers(0, 2)), q0, q1, p0, p1, kind, similarity,
                           draw(st.floats(0, 1)), (c0, c0 + draw(st.integers(0, 500))), draw(st.booleans())))
    return found


def as_columns(found: list[Found]) -> Regions:
    if not found:
        return Regions.concat([])
    rows = np.array([[f.q0, f.q1, f.p0, f.p1] for f in found])
    parts = [
        Regions.of(f.doc_id, rows[i : i + 1], [f.similarity], [f.exact_similarity], [KINDS.index(f.kind)],
                   ([f.source_chars[0]], [f.source_chars[1]]), f.approximate)
        for i, f in enumerate(found)
    ]
    return Regions.concat(parts)


@settings(max_examples=400, deadline=None)
@given(regions(), st.integers(1, 16), st.sampled_from([0.0, 0.5, 0.6, 0.9]))
def test_merged_regions_equal_the_reference(found, gap, min_similarity):
    merged = merge_near(as_columns(found), gap, min_similarity).found()
    assert merged == reference_merge_near(found, gap, min_similarity)


def test_two_pieces_of_one_copy_merge_into_one_region():
    """Two verbatim pieces four tokens apart on one diagonal are one copy, no longer verbatim."""
    pieces = [Found(7, 0, 40, 100, 140, "verbatim", 1.0, 1.0, (0, 200)),
              Found(7, 44, 90, 144, 190, "verbatim", 1.0, 1.0, (220, 450))]
    [merged] = merge_near(as_columns(pieces), gap=13, min_similarity=0.6).found()
    assert (merged.doc_id, merged.q0, merged.q1, merged.p0, merged.p1) == (7, 0, 90, 100, 190)
    assert merged.kind == "near-verbatim" and merged.source_chars == (0, 450)
    assert abs(merged.similarity - 86 / 90) < 1e-12
