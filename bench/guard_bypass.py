"""Can a copy be talked past the guard? The same passages of the six Bibles and Shakespeare,
streamed word by word in six forms (plain, ALL CAPS, letters spaced out, punctuation
changed, look-alike letters, every fifth word changed), through the guard over a full index,
the guard over a hash-only index, and a MemFree-style guard (Ippolito et al. 2023): a Bloom
filter of every run of `LIMIT + 1` words of the corpus, exactly as written, which stops the
output when its last `LIMIT + 1` words are in the filter.

    python bench/guard_bypass.py   # uses (or builds) bench/.work/guard30 and guard30-hash-only
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import numpy as np

from bench.guard_overhead import LIMIT, corpus_index, sample_passages
from bench.peers.bloom import BITS_PER_ITEM, HASHES, _positions
from bench.report import machine, median, table, write_section
from wherefrom.guard import CopyGuard
from wherefrom.index import Index
from wherefrom.index.fingerprint import kgram_hashes

PASSAGES = 100
WORDS = 2 * LIMIT
LOOK_ALIKE = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445"})
_PUNCTUATION = re.compile(r"[^\w\s]")


def variants() -> dict[str, Callable[[int, str], str]]:
    """Each form as a function of (word number, word); words are joined by one space, or by
    three where the letters are spaced out."""
    def punctuation(i: int, w: str) -> str:
        bare = _PUNCTUATION.sub("", w) or w
        return bare + (";" if i % 3 == 0 else "," if i % 3 == 1 else " -")

    return {
        "plain": lambda i, w: w,
        "ALL CAPS": lambda i, w: w.upper(),
        "spaced letters": lambda i, w: " ".join(w),
        "punctuation changed": punctuation,
        "look-alike letters": lambda i, w: w.translate(LOOK_ALIKE),
        "every fifth word changed": lambda i, w: "thing" if i % 5 == 4 else w,
    }


class MemFreeBloom:
    """An exact n-gram Bloom filter over words as written (MemFree decoding's table)."""

    def __init__(self, index: Index, n: int) -> None:
        self.n = n
        self.vocab: dict[str, int] = {}
        chunks = []
        for row in index.documents():
            text = index.text(row.doc_id)
            if text is None:
                continue
            ids = np.array([self.vocab.setdefault(w, len(self.vocab)) for w in text.split()], dtype=np.uint64)
            chunks.append(kgram_hashes(ids + np.uint64(1), n))
        hashes = np.unique(np.concatenate(chunks))
        self.n_bits = max(64, int(len(hashes) * BITS_PER_ITEM))
        self.bits = np.zeros((self.n_bits + 7) // 8, dtype=np.uint8)
        positions = _positions(hashes, self.n_bits)
        np.bitwise_or.at(self.bits, (positions >> np.uint64(3)).astype(np.int64),
                         (np.uint8(1) << (positions & np.uint64(7)).astype(np.uint8)))

    @property
    def bytes(self) -> int:
        return int(self.bits.nbytes)

    def contains(self, words: list[str]) -> bool:
        ids = np.array([self.vocab.get(w, -1) + 1 for w in words[-self.n :]], dtype=np.uint64)
        if len(ids) < self.n or not ids.all():
            return False
        positions = _positions(kgram_hashes(ids, self.n), self.n_bits)
        bits = (self.bits[(positions >> np.uint64(3)).astype(np.int64)] >> (positions & np.uint64(7)).astype(np.uint8)) & 1
        return bool(bits.all())


def let_through_guard(guard: CopyGuard, words: list[str], joiner: str) -> int | None:
    """Passage words fully passed on before the guard stops the output (None: never)."""
    state = guard.start()
    for number, word in enumerate(words):
        if state.feed((joiner if number else "") + word) is not None:
            return number
    return None


def let_through_bloom(bloom: MemFreeBloom, words: list[str]) -> int | None:
    stream: list[str] = []
    for number, word in enumerate(words):
        stream.extend(word.split())
        if bloom.contains(stream):
            return number
    return None


def main() -> None:
    full = Index.open(corpus_index([]))
    hashed = Index.open(corpus_index([], hash_only=True))
    guards = {"guard (index with text)": CopyGuard.from_index(full, LIMIT, "block"),
              "guard (hash-only index)": CopyGuard.from_index(hashed, LIMIT, "block")}
    started = time.perf_counter()
    bloom = MemFreeBloom(full, LIMIT + 1)
    bloom_s = time.perf_counter() - started
    passages = [p.split() for _, p in sample_passages(full, PASSAGES, WORDS, seed=7)]
    rows = []
    for name, form in variants().items():
        joiner = "   " if name == "spaced letters" else " "
        results: dict[str, list[int | None]] = {g: [] for g in guards} | {"MemFree Bloom": []}
        for words in passages:
            changed = [form(i, w) for i, w in enumerate(words)]
            for label, guard in guards.items():
                results[label].append(let_through_guard(guard, changed, joiner))
            results["MemFree Bloom"].append(let_through_bloom(bloom, changed))
        row: list[object] = [name]
        for stops in results.values():
            caught = [s for s in stops if s is not None]
            row.append(f"{len(caught) / len(stops):.0%}" + (f" ({median(caught):.0f})" if caught else ""))
        rows.append(row)
        print(row, flush=True)
    text = table(["form of the copy", *guards, "MemFree Bloom"], rows)
    print(text)
    write_section(
        "guard-bypass",
        "## Copy guard: bypasses, beside a MemFree-style Bloom filter\n\n"
        f"{machine()}. `nice -n 10 python bench/guard_bypass.py`: {PASSAGES} passages of {WORDS} words of "
        f"random documents of the six Bibles and Shakespeare, streamed word by word in each form; limit "
        f"{LIMIT} words. A cell is the share of passages stopped, and (in brackets) the median number of "
        f"passage words let through before the stop. MemFree Bloom: every run of {LIMIT + 1} words of the "
        f"corpus as written ({bloom.bytes / 1e6:.0f} MB of bits, {BITS_PER_ITEM} per n-gram, {HASHES} hashes; "
        f"built in {bloom_s:.0f} s), the output stopped when its last {LIMIT + 1} words are in it.\n\n" + text,
    )


if __name__ == "__main__":
    main()
