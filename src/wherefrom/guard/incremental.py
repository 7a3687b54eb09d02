"""The guard's per-step shortcuts, each equal to the index's own function on what it is given
(the tests pin them): the text normal form of a piece, word by word from a cache (the text
normalizer never joins tokens across whitespace); one k-gram hash in plain integers; and a
look-up that asks each segment's sorted keys first, so the common case, a k-gram no stored
fingerprint shares, costs one binary search per segment."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from wherefrom.normalize import Normalizer

if TYPE_CHECKING:
    from wherefrom.index import Index

_WORD = re.compile(r"\S+")
_MASK = (1 << 64) - 1
_BASE = 0x100000001B3  # the k-gram hash base of index.fingerprint (the tests pin kgram_hash to it)
CACHE_WORDS = 200_000  # distinct whitespace-separated words whose normal form is kept


class WordForms:
    """The normal form of short pieces of text, from a cache of each word's."""

    def __init__(self, normalizer: Normalizer) -> None:
        self.normalizer = normalizer
        self._cache: dict[str, tuple[list[int], list[int], list[int]]] = {}

    def __call__(self, text: str) -> tuple[list[int], list[int], list[int]]:
        """(ids, starts, ends) of `text`, offsets into it."""
        ids: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        for match in _WORD.finditer(text):
            word = match.group()
            form = self._cache.get(word)
            if form is None:
                normal = self.normalizer.normalize(word)
                form = (normal.ids.tolist(), normal.starts.tolist(), normal.ends.tolist())
                if len(self._cache) >= CACHE_WORDS:
                    self._cache.clear()
                self._cache[word] = form
            at = match.start()
            ids.extend(form[0])
            starts.extend(s + at for s in form[1])
            ends.extend(e + at for e in form[2])
        return ids, starts, ends


def _mix(z: int) -> int:
    """splitmix64's finalizer, as `normalize.base.mix64` applies it to arrays."""
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & _MASK
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def kgram_hash(ids: list[int], salt: int = 0) -> int:
    """`index.fingerprint.kgram_hashes(ids, len(ids), salt)[0]` in plain integers."""
    acc = 0
    for value in ids:
        acc = (acc * _BASE + value) & _MASK
    return _mix(acc ^ salt)


def lookup(index: Index, hashes: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """`index.lookup(hashes)`, or None when no segment holds any of them."""
    found = index.lookup(np.array(hashes, dtype=np.uint64))
    return found if len(found[0]) else None
