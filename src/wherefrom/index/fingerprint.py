"""Fingerprints are values: rolling k-gram hashes and winnowing, pure functions of token ids
and parameters (Schleimer, Wilkerson and Aiken 2003, "Winnowing: local algorithms for
document fingerprinting"). Any shared run of at least k + w - 1 tokens shares a fingerprint.
The loops run in the compiled core; the `reference_*` functions here are their oracles.
"""

from __future__ import annotations

import numpy as np

from wherefrom._core import fingerprints
from wherefrom.normalize.base import MASK64, hash_token, mix64
from wherefrom.normalize.code import IDENTIFIER

_BASE = 0x100000001B3  # FNV prime: odd, so k-grams that differ in one token differ in hash
CHANNEL_SALT = {
    "text": 0x0,
    "code": 0x5BD1E9955BD1E995,
    "code-abstract": 0x27D4EB2F165667C5,
    "music": 0x165667B19E3779F9,
}


def kgram_hashes(ids: np.ndarray, k: int, salt: int = 0) -> np.ndarray:
    """Hash of every window ids[i:i+k], i in [0, len(ids) - k]; empty when len(ids) < k."""
    return fingerprints.kgram_hashes(np.asarray(ids, dtype=np.uint64), k, salt)


_CODE_STEP = 0x9E3779B97F4A7C15  # odd: distinct back-references give distinct token values
_NAME = hash_token(IDENTIFIER)  # the structure channel's placeholder of every name


def back_references(ids: np.ndarray, abstract_ids: np.ndarray) -> np.ndarray:
    """For every abstracted name, how many tokens back the same name last occurred; 0 for
    its first occurrence and for every other token. A consistent renaming keeps these
    distances (Baker 1993, parameterized matching). Literals get none: a value that repeats
    by chance (the zeros of a table) would make a table look as varied as code."""
    return fingerprints.back_references(np.asarray(ids, dtype=np.uint64), np.asarray(abstract_ids, dtype=np.uint64), _NAME)


def structure_hashes(ids: np.ndarray, abstract_ids: np.ndarray, k: int, salt: int = 0) -> np.ndarray:
    """Hash of every window of the structure channel: the abstracted tokens, each name
    placeholder paired with its back-reference when that falls inside the window (0
    otherwise). `x = y + x` and `a = b + c` then differ, while a renamed copy keeps every
    hash: the channel finds renamed code without matching all code of the same shape."""
    return fingerprints.structure_hashes(
        np.asarray(ids, dtype=np.uint64), np.asarray(abstract_ids, dtype=np.uint64), k, salt, _NAME,
    )


def reference_back_references(ids: list[int], abstract_ids: list[int]) -> list[int]:
    """Slow, obviously correct `back_references`."""
    last: dict[int, int] = {}
    out = [0] * len(ids)
    for i, (exact, abstract) in enumerate(zip(ids, abstract_ids, strict=True)):
        if abstract == _NAME and exact != abstract:
            if exact in last:
                out[i] = i - last[exact]
            last[exact] = i
    return out


def reference_structure_hash(ids: list[int], abstract_ids: list[int], salt: int = 0) -> int:
    """One structure k-gram hash in plain integers, from the window's tokens alone."""
    values = []
    for j, (exact, abstract) in enumerate(zip(ids, abstract_ids, strict=True)):
        back = 0
        if exact != abstract and abstract == _NAME:
            earlier = [i for i in range(j) if ids[i] == exact and abstract_ids[i] == _NAME]
            back = j - earlier[-1] if earlier else 0
        values.append((abstract + back * _CODE_STEP) & MASK64)
    return reference_kgram_hash(values, salt)


def reference_kgram_hash(ids: list[int], salt: int = 0) -> int:
    """One k-gram hash in plain integers; the tests pin `kgram_hashes` to it."""
    acc = 0
    for value in ids:
        acc = (acc * _BASE + value) & MASK64
    acc ^= salt
    return int(mix64(np.array([acc], dtype=np.uint64))[0])


def winnow(hashes: np.ndarray, w: int) -> np.ndarray:
    """Positions of the fingerprints winnowing keeps: in every window of w consecutive
    hashes, the minimum (the rightmost one on ties), each position once, ascending."""
    return fingerprints.winnow(np.asarray(hashes, dtype=np.uint64), w)


def reference_winnow(hashes: list[int], w: int) -> list[int]:
    """Slow, obviously correct winnowing the fast one is tested against."""
    n = len(hashes)
    if n == 0:
        return []
    chosen: set[int] = set()
    for start in range(max(1, n - w + 1)):
        window = range(start, min(n, start + w))
        low = min(hashes[i] for i in window)
        chosen.add(max(i for i in window if hashes[i] == low))
    return sorted(chosen)
