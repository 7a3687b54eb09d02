"""A Data-Portraits-style membership sketch: a Bloom filter of 50-character n-grams.

As in Data Portraits, the corpus side stores non-overlapping 50-character windows (stride 50)
of lightly normalized text (lower case, whitespace runs folded to one space); the query side
tests every window, so any copied run of at least 99 characters hits. It answers "was this
text seen", never which document: reported spans carry no source.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from bench.corpora import Corpus
from bench.peers.base import Finder, Found, Peer

WIDTH = 50
BITS_PER_ITEM = 24  # with 16 hash functions: about 1e-5 false positives per window,
HASHES = 16  # low enough to test every offset of a query
_Q = np.uint64(0x9E3779B97F4A7C15)
_Q_INV = np.uint64(pow(0x9E3779B97F4A7C15, -1, 1 << 64))
_SPACE = re.compile(r"\s+")


def _mix(z: np.ndarray) -> np.ndarray:
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def normalize(text: str) -> tuple[str, np.ndarray]:
    """The build folds with `_SPACE.sub(" ", text).lower()`; this also gives, as the query
    needs, lower-cased text with whitespace runs folded, and for each of its characters the
    offset of the character it came from."""
    pieces, origin, last = [], [], 0
    for match in _SPACE.finditer(text):
        pieces.append(text[last : match.start()].lower())
        origin.extend(range(last, match.start()))
        pieces.append(" ")
        origin.append(match.start())
        last = match.end()
    pieces.append(text[last:].lower())
    origin.extend(range(last, len(text)))
    folded = "".join(pieces)
    # lower() may lengthen a character (İ): keep one origin per folded character
    origin += [len(text) - 1] * (len(folded) - len(origin))
    return folded, np.asarray(origin[: len(folded)], dtype=np.int64)


def window_hashes(text: str, stride: int) -> np.ndarray:
    """64-bit hash of every `WIDTH`-character window starting at multiples of `stride`."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes)
    if n < WIDTH:
        return np.zeros(0, dtype=np.uint64)
    steps = np.full(n, _Q, dtype=np.uint64)
    steps[0] = 1
    powers = np.cumprod(steps, dtype=np.uint64)  # Q**j modulo 2**64
    prefix = np.zeros(n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(codes * powers, dtype=np.uint64, out=prefix[1:])
        starts = np.arange(0, n - WIDTH + 1, stride)
        diff = prefix[starts + WIDTH] - prefix[starts]
        inverse = np.full(n, _Q_INV, dtype=np.uint64)
        inverse[0] = 1
        lifted = diff * np.cumprod(inverse, dtype=np.uint64)[starts]  # times Q**-start
    return _mix(lifted)


def _positions(hashes: np.ndarray, n_bits: int) -> np.ndarray:
    h1 = hashes
    h2 = _mix(hashes ^ np.uint64(0x5851F42D4C957F2D)) | np.uint64(1)
    steps = np.arange(HASHES, dtype=np.uint64)[:, None]
    with np.errstate(over="ignore"):
        return ((h1[None, :] + steps * h2[None, :]) % np.uint64(n_bits)).ravel()


class BloomPeer(Peer):
    name = "bloom"

    def version(self) -> str:
        return f"numpy {np.__version__}, {WIDTH}-char n-grams"

    def build(self, corpus: Corpus, out: Path, hash_only: bool = False) -> None:
        chunks = []
        for path in corpus.paths():
            folded = _SPACE.sub(" ", path.read_text(encoding="utf-8")).lower()
            chunks.append(window_hashes(folded, WIDTH))
        hashes = np.unique(np.concatenate(chunks)) if chunks else np.zeros(0, np.uint64)
        n_bits = max(64, int(len(hashes) * BITS_PER_ITEM))
        bits = np.zeros((n_bits + 7) // 8, dtype=np.uint8)
        positions = _positions(hashes, n_bits)
        np.bitwise_or.at(
            bits,
            (positions >> np.uint64(3)).astype(np.int64),
            (np.uint8(1) << (positions & np.uint64(7)).astype(np.uint8)),
        )
        out.mkdir(parents=True, exist_ok=True)
        bits.tofile(out / "bloom.u8")
        (out / "bloom.json").write_text(json.dumps({"n_bits": n_bits, "items": len(hashes)}))

    def open(self, corpus: Corpus, out: Path) -> Finder:
        return BloomFinder(out)


class BloomFinder(Finder):
    name = "bloom"

    def __init__(self, out: Path) -> None:
        self.bits = np.fromfile(out / "bloom.u8", dtype=np.uint8)
        self.n_bits = json.loads((out / "bloom.json").read_text())["n_bits"]

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        positions = _positions(hashes, self.n_bits)
        hit = (
            self.bits[(positions >> np.uint64(3)).astype(np.int64)]
            >> (positions & np.uint64(7)).astype(np.uint8)
        ) & 1
        return hit.reshape(HASHES, -1).all(axis=0)

    def find(self, text: str) -> list[Found]:
        folded, origin = normalize(text)
        hashes = window_hashes(folded, 1)
        if len(hashes) == 0:
            return []
        hits = np.flatnonzero(self.contains(hashes))
        found: list[Found] = []
        # chain hits whose windows touch or overlap (stored windows are WIDTH apart)
        first = prev = None
        for position in [*hits.tolist(), None]:
            if position is not None and prev is not None and position <= prev + WIDTH:
                prev = position
                continue
            if first is not None:
                found.append(Found((int(origin[first]), int(origin[prev + WIDTH - 1]) + 1)))
            first = prev = position
        return found
