"""datasketch MinHash LSH as a peer, at document level (how near-duplicate filtering is
usually run): each corpus document is one MinHash of its word 5-gram shingles, and a query
reports every document whose estimated Jaccard similarity to the whole input passes the
threshold. It names a source but no span: the whole input is reported."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from bench.corpora import Corpus
from bench.peers.base import Finder, Found, Peer

NUM_PERM = 128
THRESHOLD = 0.5
SHINGLE = 5
_WORD = re.compile(r"\w+")


def shingles(text: str) -> list[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return [" ".join(words).encode()] if words else []
    return [" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)]


def minhash(text: str):
    from datasketch import MinHash

    sketch = MinHash(num_perm=NUM_PERM)
    grams = shingles(text)
    if grams:
        sketch.update_batch(grams)
    return sketch


class MinHashPeer(Peer):
    name = "minhash-lsh"

    def available(self) -> str | None:
        try:
            import datasketch  # noqa: F401
        except ImportError:
            return "pip install datasketch"
        return None

    def version(self) -> str:
        from importlib.metadata import version

        return f"datasketch {version('datasketch')}"

    def build(self, corpus: Corpus, out: Path, hash_only: bool = False) -> None:
        from datasketch import LeanMinHash, MinHashLSH

        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        for doc_id, path in zip(corpus.doc_ids, corpus.paths(), strict=True):
            lsh.insert(doc_id, LeanMinHash(minhash(path.read_text(encoding="utf-8"))))
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "lsh.pickle", "wb") as file:
            pickle.dump(lsh, file, protocol=pickle.HIGHEST_PROTOCOL)

    def open(self, corpus: Corpus, out: Path) -> Finder:
        return MinHashFinder(out)


class MinHashFinder(Finder):
    name = "minhash-lsh"

    def __init__(self, out: Path) -> None:
        with open(out / "lsh.pickle", "rb") as file:
            self.lsh = pickle.load(file)

    def find(self, text: str) -> list[Found]:
        return [Found((0, len(text)), (key,)) for key in self.lsh.query(minhash(text))]
