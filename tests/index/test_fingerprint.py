import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.config import IndexConfig
from wherefrom.index.fingerprint import kgram_hashes, reference_kgram_hash, reference_winnow, winnow


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=80), st.integers(1, 12))
def test_winnow_equals_the_reference(hashes, w):
    assert winnow(np.array(hashes, dtype=np.uint64), w).tolist() == reference_winnow(hashes, w)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40), st.integers(1, 8))
def test_kgram_hashes_equal_the_reference(ids, k):
    fast = kgram_hashes(np.array(ids, dtype=np.uint64), k, salt=99)
    assert fast.tolist() == [reference_kgram_hash(ids[i : i + k], 99) for i in range(len(ids) - k + 1)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=30, max_size=200), st.integers(0, 150))
def test_every_shared_run_of_k_plus_w_minus_1_tokens_shares_a_fingerprint(document, start):
    config = IndexConfig(min_tokens=12, k=4)
    ids = np.array(document, dtype=np.uint64)
    hashes = kgram_hashes(ids, config.k)
    stored = set(hashes[winnow(hashes, config.w)].tolist())
    start = min(start, len(document) - config.guaranteed_tokens)
    copy = ids[start : start + config.guaranteed_tokens]
    assert stored & set(kgram_hashes(copy, config.k).tolist())


def test_parameters_are_derived_from_the_shortest_copy():
    config = IndexConfig(min_tokens=25)
    assert config.k + config.w - 1 == 25
    assert IndexConfig(min_tokens=50).k > config.k
