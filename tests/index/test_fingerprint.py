import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.config import IndexConfig
from wherefrom.index.fingerprint import (
    kgram_hashes,
    reference_kgram_hash,
    reference_structure_hash,
    reference_winnow,
    structure_hashes,
    winnow,
)
from wherefrom.normalize import get_normalizer


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


NAME = int(get_normalizer("code", "python").normalize("x").abstract_ids[0])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=1, max_size=40), st.integers(1, 8))
def test_structure_hashes_equal_the_reference(tokens, k):
    # (token, is a name): names abstract to one placeholder, other tokens stay themselves
    ids = [100 + t for t, _ in tokens]
    abstract = [NAME if is_name else i for i, (_, is_name) in zip(ids, tokens, strict=True)]
    fast = structure_hashes(np.array(ids, dtype=np.uint64), np.array(abstract, dtype=np.uint64), k, salt=7)
    expected = [reference_structure_hash(ids[i : i + k], abstract[i : i + k], 7) for i in range(len(ids) - k + 1)]
    assert fast.tolist() == expected


def _structure(code: str, k: int = 5) -> list[int]:
    form = get_normalizer("code", "python").normalize(code)
    return structure_hashes(form.ids, form.abstract_ids, k).tolist()


def test_a_consistent_rename_keeps_the_structure_and_another_shape_does_not():
    original = _structure("total = total + price * count")
    assert _structure("acc = acc + cost * n") == original  # consistently renamed
    assert _structure("acc = other + cost * n") != original  # same shape, other name flow
    assert _structure('total = total + price * "a"') != original  # a name became a literal
