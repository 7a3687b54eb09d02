"""Fingerprints are values: rolling k-gram hashes and winnowing, pure functions of token ids
and parameters (Schleimer, Wilkerson and Aiken 2003, "Winnowing: local algorithms for
document fingerprinting"). Any shared run of at least k + w - 1 tokens shares a fingerprint.
"""

from __future__ import annotations

import numpy as np

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
    n = len(ids) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    acc = ids[:n].astype(np.uint64, copy=True)
    base = np.uint64(_BASE)
    for j in range(1, k):
        acc *= base
        acc += ids[j : j + n]
    if salt:
        acc ^= np.uint64(salt)
    return mix64(acc)


_CODE_STEP = 0x9E3779B97F4A7C15  # odd: distinct back-references give distinct token values
_NAME = hash_token(IDENTIFIER)  # the structure channel's placeholder of every name


def back_references(ids: np.ndarray, abstract_ids: np.ndarray) -> np.ndarray:
    """For every abstracted name, how many tokens back the same name last occurred; 0 for
    its first occurrence and for every other token. A consistent renaming keeps these
    distances (Baker 1993, parameterized matching). Literals get none: a value that repeats
    by chance (the zeros of a table) would make a table look as varied as code."""
    out = np.zeros(len(ids), dtype=np.int64)
    at = np.flatnonzero((abstract_ids == np.uint64(_NAME)) & (abstract_ids != ids))
    if len(at) < 2:
        return out
    order = np.lexsort((at, ids[at]))  # by name, then by position
    names, places = ids[at][order], at[order]
    repeat = names[1:] == names[:-1]
    out[places[1:][repeat]] = places[1:][repeat] - places[:-1][repeat]
    return out


def structure_hashes(ids: np.ndarray, abstract_ids: np.ndarray, k: int, salt: int = 0) -> np.ndarray:
    """Hash of every window of the structure channel: the abstracted tokens, each name
    placeholder paired with its back-reference when that falls inside the window (0
    otherwise). `x = y + x` and `a = b + c` then differ, while a renamed copy keeps every
    hash: the channel finds renamed code without matching all code of the same shape."""
    n = len(ids) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    back = back_references(ids, abstract_ids)
    step = np.uint64(_CODE_STEP)
    base = np.uint64(_BASE)
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        inside = np.where(back[j : j + n] <= j, back[j : j + n], 0).astype(np.uint64)
        acc *= base
        acc += abstract_ids[j : j + n].astype(np.uint64) + inside * step
    if salt:
        acc ^= np.uint64(salt)
    return mix64(acc)


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
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n <= w:
        return np.array([n - 1 - int(np.argmin(hashes[::-1]))], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes[::-1], w)
    # On the reversed array argmin's first hit is the rightmost minimum of the window.
    rightmost = n - 1 - (np.arange(len(windows))[::-1] + windows.argmin(axis=1)[::-1])
    return np.unique(rightmost)


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
