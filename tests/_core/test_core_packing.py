"""Bit-packed arrays and the posting lookup over bucketed keys against plain NumPy."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom._core import packing


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=200), st.data())
def test_packed_values_read_back(values, data):
    bits = packing.bits_for(max(values, default=0))
    bits = data.draw(st.integers(bits, 64))
    words = packing.pack(np.array(values, dtype=np.uint64), bits)
    start = data.draw(st.integers(0, len(values)))
    stop = data.draw(st.integers(start, len(values)))
    assert packing.unpack(words, bits, start, stop).tolist() == values[start:stop]


def reference_lookup(keys: np.ndarray, postings: np.ndarray, query: np.ndarray):
    """The unpacked lookup: every (query index, posting) whose stored key equals the query's."""
    left = np.searchsorted(keys, query, side="left")
    right = np.searchsorted(keys, query, side="right")
    pairs = [(q, int(postings[row])) for q in range(len(query)) for row in range(left[q], right[q])]
    return [q for q, _ in pairs], [p for _, p in pairs]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.integers(0, 40), st.integers(0, 2**32 - 1)), max_size=300),
    st.lists(st.one_of(st.integers(0, 40), st.integers(0, 2**32 - 1)), max_size=60),
    st.integers(0, 24),
)
def test_lookup_over_packed_keys_equals_searchsorted(stored, query, bucket_bits):
    keys = np.sort(np.array(stored, dtype=np.uint32))
    postings = np.arange(len(keys), dtype=np.uint64) * 7
    posting_bits = packing.bits_for(int(postings.max(initial=0)))
    directory = packing.bucket_keys(keys, bucket_bits)
    low = packing.pack(keys.astype(np.uint64) & np.uint64((1 << (32 - bucket_bits)) - 1), 32 - bucket_bits)
    query = np.array(query, dtype=np.uint32)
    found_q, found_p = packing.lookup(query, directory, low, bucket_bits, packing.pack(postings, posting_bits), posting_bits)
    assert (found_q.tolist(), found_p.tolist()) == reference_lookup(keys, postings, query)
