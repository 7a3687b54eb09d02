"""The normal form every sequence kind shares, and the deterministic token hash.

A normal form is one 64-bit id per token plus the token's [start, end) offsets in the
original content, so every reported span points at the exact characters (or notes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from wherefrom import kinds
from wherefrom._core import lexers
from wherefrom.errors import BadInputError

MASK64 = (1 << 64) - 1
_Q = 0x9E3779B97F4A7C15  # odd: every code point position weighs differently
_LEN_SALT = 0xD6E8FEB86659FD93
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(values: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer, vectorized: spreads every input bit over the output."""
    z = values.astype(np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def _mix64_int(z: int) -> int:
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def hash_token(token: str) -> int:
    """Deterministic 64-bit id of one normalized token: sum of ord(c_j) * Q^j modulo 2**64,
    salted with the length, mixed. The reference the compiled tokenizers are pinned to."""
    acc = 0
    power = 1
    for ch in token:
        acc = (acc + ord(ch) * power) & MASK64
        power = (power * _Q) & MASK64
    return _mix64_int(acc ^ ((len(token) * _LEN_SALT) & MASK64))


def token_ids(tokens: list[str]) -> np.ndarray:
    """`hash_token` of every token, computed by the compiled core."""
    return lexers.hash_tokens(tokens)


class TokenIds:
    """A memo of token string -> id for tokenizers that see tokens one by one."""

    def __init__(self, limit: int = 1 << 20) -> None:
        self._ids: dict[str, int] = {}
        self._limit = limit

    def __call__(self, token: str) -> int:
        found = self._ids.get(token)
        if found is None:
            if len(self._ids) >= self._limit:
                self._ids.clear()
            found = self._ids[token] = int(lexers.hash_tokens([token])[0])
        return found

    def many(self, tokens: list[str]) -> np.ndarray:
        """Ids of many tokens, hashed in one compiled loop."""
        return lexers.hash_tokens(tokens)


@dataclass(frozen=True, slots=True)
class NormalForm:
    """Token ids with the [start, end) offsets of each token in the original content.

    `abstract_ids` is a second channel of the same tokens (code: identifiers and literals
    replaced by placeholders) used to find renamed copies.
    """

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    abstract_ids: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def char_span(self, first: int, last: int) -> tuple[int, int]:
        """Offsets covered by tokens [first, last)."""
        return int(self.starts[first]), int(self.ends[last - 1])

    @classmethod
    def empty(cls) -> NormalForm:
        z = np.zeros(0, dtype=np.uint64)
        return cls(z, z.astype(np.int64), z.astype(np.int64))


class Normalizer(ABC):
    """Turns content of one kind into its normal form. Pure: same content, same tokens."""

    kind: str
    # True when normalizing from any token start gives the same tokens as the whole content
    # does from there on: verification may then re-read only a window of a long source.
    restartable: bool = False
    # True when the work runs in the compiled core with the GIL released: threads then
    # normalize in parallel, where Python tokenizers need a pool of processes.
    compiled: bool = False

    @abstractmethod
    def normalize(self, content: str) -> NormalForm: ...


_instances: dict[tuple[str, str], Normalizer] = {}


def get_normalizer(kind: str, language: str = "") -> Normalizer:
    """The normalizer of a sequence kind (and code language), built once per process from
    the kind registry's entry."""
    key = (kind, language)
    found = _instances.get(key)
    if found is None:
        entry = kinds.spec(kind)
        if not entry.has("normalizer"):
            raise BadInputError(f"kind {kind!r} is not a sequence kind: it has no normal form")
        found = _instances[key] = entry.part("normalizer")(language)
    return found
