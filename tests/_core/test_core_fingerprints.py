"""The compiled k-gram, structure and winnowing kernels against their Python references."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.index.fingerprint import (
    _NAME,
    back_references,
    kgram_hashes,
    reference_back_references,
    reference_kgram_hash,
    reference_structure_hash,
    reference_winnow,
    structure_hashes,
    winnow,
)

hashes = st.lists(st.one_of(st.integers(0, 8), st.integers(0, 2**64 - 1)), max_size=300)


@settings(max_examples=300, deadline=None)
@given(hashes, st.integers(1, 40))
def test_winnow_equals_the_reference_on_long_inputs_and_wide_windows(values, w):
    assert winnow(np.array(values, dtype=np.uint64), w).tolist() == reference_winnow(values, w)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=120), st.integers(1, 30), st.integers(0, 2**64 - 1))
def test_rolling_kgram_hashes_equal_the_reference(ids, k, salt):
    fast = kgram_hashes(np.array(ids, dtype=np.uint64), k, salt)
    assert fast.tolist() == [reference_kgram_hash(ids[i : i + k], salt) for i in range(len(ids) - k + 1)]


names = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["name", "literal", "other"])), max_size=80)


def channels(tokens):
    ids = [1000 + t for t, _ in tokens]
    abstract = [_NAME if kind == "name" else (7 if kind == "literal" else i) for i, (_, kind) in zip(ids, tokens, strict=True)]
    return ids, abstract


@settings(max_examples=200, deadline=None)
@given(names)
def test_back_references_equal_the_reference(tokens):
    ids, abstract = channels(tokens)
    fast = back_references(np.array(ids, dtype=np.uint64), np.array(abstract, dtype=np.uint64))
    assert fast.tolist() == reference_back_references(ids, abstract)


@settings(max_examples=200, deadline=None)
@given(names, st.integers(1, 16))
def test_structure_hashes_equal_the_reference_across_long_inputs(tokens, k):
    ids, abstract = channels(tokens)
    fast = structure_hashes(np.array(ids, dtype=np.uint64), np.array(abstract, dtype=np.uint64), k, salt=3)
    expected = [reference_structure_hash(ids[i : i + k], abstract[i : i + k], 3) for i in range(len(ids) - k + 1)]
    assert fast.tolist() == expected


def test_empty_and_short_inputs():
    empty = np.zeros(0, dtype=np.uint64)
    assert kgram_hashes(empty, 3).tolist() == []
    assert kgram_hashes(np.array([5], dtype=np.uint64), 1).tolist() == [reference_kgram_hash([5])]
    assert winnow(empty, 4).tolist() == []
    assert winnow(np.array([3, 1, 1], dtype=np.uint64), 8).tolist() == [2]
    assert structure_hashes(empty, empty, 2).tolist() == []
    assert back_references(empty, empty).tolist() == []
