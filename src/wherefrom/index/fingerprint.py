"""Fingerprints are values: rolling k-gram hashes and winnowing, pure functions of token ids
and parameters (Schleimer, Wilkerson and Aiken 2003, "Winnowing: local algorithms for
document fingerprinting"). Any shared run of at least k + w - 1 tokens shares a fingerprint.
"""

from __future__ import annotations

import numpy as np

from wherefrom.normalize.base import MASK64, mix64

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
