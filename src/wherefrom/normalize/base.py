"""The normal form every sequence kind shares, and the deterministic token hash.

A normal form is one 64-bit id per token plus the token's [start, end) offsets in the
original content, so every reported span points at the exact characters (or notes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from wherefrom import kinds
from wherefrom.errors import BadInputError

MASK64 = (1 << 64) - 1
_Q = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_Q_INV = pow(_Q, -1, 1 << 64)
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
    """Deterministic 64-bit id of one normalized token (the reference for `hash_runs`)."""
    acc = 0
    power = 1
    for ch in token:
        acc = (acc + ord(ch) * power) & MASK64
        power = (power * _Q) & MASK64
    return _mix64_int(acc ^ ((len(token) * _LEN_SALT) & MASK64))


_power_cache: dict[str, np.ndarray] = {}


def _powers(base: int, n: int) -> np.ndarray:
    key = str(base)
    cached = _power_cache.get(key)
    if cached is None or len(cached) < n:
        size = max(n, 1 << 16, 0 if cached is None else 2 * len(cached))
        steps = np.full(size, base, dtype=np.uint64)
        steps[0] = 1
        cached = np.cumprod(steps, dtype=np.uint64)
        _power_cache[key] = cached
    return cached[:n]


def hash_runs(codepoints: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Vectorized `hash_token` of every run codepoints[starts[i]:ends[i]].

    Uses prefix sums of c_j * Q^j; multiplying a run's difference by Q^-start makes it
    position independent, which works because Q is odd and so invertible modulo 2**64.
    """
    n = len(codepoints)
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64)
    weighted = codepoints.astype(np.uint64) * _powers(_Q, n)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(weighted, dtype=np.uint64, out=prefix[1:])
    raw = (prefix[ends] - prefix[starts]) * _powers(_Q_INV, n)[starts]
    lengths = (ends - starts).astype(np.uint64) * np.uint64(_LEN_SALT)
    return mix64(raw ^ lengths)


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
            found = self._ids[token] = hash_token(token)
        return found

    def many(self, tokens: list[str]) -> np.ndarray:
        """Ids of many tokens: dictionary hits at C speed, misses hashed once."""
        found = list(map(self._ids.get, tokens))
        if None in found:
            for i, value in enumerate(found):
                if value is None:
                    found[i] = self(tokens[i])
        return np.fromiter(found, dtype=np.uint64, count=len(found))


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
