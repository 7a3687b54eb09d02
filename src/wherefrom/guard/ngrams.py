"""Every run of n normal-form tokens of a set of sources, as sorted 64-bit hashes with the
document and position of each: the exact lookup behind the guard and the audit's duplicate
counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wherefrom.errors import BadInputError
from wherefrom.index.fingerprint import kgram_hashes
from wherefrom.normalize import get_normalizer

if TYPE_CHECKING:
    from wherefrom.index import Index


@dataclass(frozen=True, slots=True)
class SourceText:
    """One source as the n-gram table keeps it: a label for reports and its token ids."""

    label: str
    uid: str
    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


class NgramTable:
    """Sorted hashes of all n-token windows of the sources, with (source, position) postings.

    `find(ids)` answers exactly (hash hits are verified against the stored tokens), so a
    hash collision never produces a false copy.
    """

    def __init__(self, sources: list[SourceText], n: int) -> None:
        if n < 1:
            raise BadInputError(f"n-gram length must be at least 1, got {n}")
        self.n = n
        self.sources = sources
        hashes, owners, positions = [], [], []
        for number, source in enumerate(sources):
            h = kgram_hashes(source.ids, n)
            hashes.append(h)
            owners.append(np.full(len(h), number, dtype=np.int32))
            positions.append(np.arange(len(h), dtype=np.int64))
        all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        order = np.argsort(all_hashes, kind="stable")
        self._hashes = all_hashes[order]
        self._owners = (np.concatenate(owners) if owners else np.zeros(0, np.int32))[order]
        self._positions = (np.concatenate(positions) if positions else np.zeros(0, np.int64))[order]

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[str, str, str]], n: int) -> NgramTable:
        """Build from (label, uid, content) triples, tokenized in the text normal form."""
        normalizer = get_normalizer("text")
        sources = []
        for label, uid, content in texts:
            form = normalizer.normalize(content)
            sources.append(SourceText(label, uid, form.ids, form.starts, form.ends))
        return cls(sources, n)

    @classmethod
    def from_index(cls, index: Index, n: int) -> NgramTable:
        """Build from every text and code document of a wherefrom index that keeps its text."""
        return cls.from_texts(index_texts(index), n)

    def __len__(self) -> int:
        return len(self._hashes)

    def find(self, ids: np.ndarray, limit: int = 0) -> list[tuple[int, int]]:
        """(source number, token position) of each place where the run `ids` (at least n
        tokens) occurs; `limit` > 0 stops after that many."""
        ids = np.asarray(ids, dtype=np.uint64)
        if len(ids) < self.n:
            raise BadInputError(
                f"a run of {len(ids)} tokens is shorter than the table's n={self.n}"
            )
        key = kgram_hashes(ids[: self.n], self.n)[0]
        lo = int(np.searchsorted(self._hashes, key, side="left"))
        hi = int(np.searchsorted(self._hashes, key, side="right"))
        found: list[tuple[int, int]] = []
        for k in range(lo, hi):
            owner, pos = int(self._owners[k]), int(self._positions[k])
            stored = self.sources[owner].ids[pos : pos + len(ids)]
            if len(stored) == len(ids) and np.array_equal(stored, ids):
                found.append((owner, pos))
                if limit and len(found) >= limit:
                    break
        return found

    def contains(self, ids: np.ndarray) -> bool:
        return bool(self.find(ids, limit=1))

    def documents_containing(self, ids: np.ndarray) -> int:
        """How many distinct sources contain the run `ids`."""
        return len({owner for owner, _ in self.find(ids)})


def index_texts(index: Index) -> Iterator[tuple[str, str, str]]:
    """(label, uid, text) of each text/code document of an index; fails on a hash-only index."""
    rows = list(index.documents())
    for row in rows:
        if row.kind not in ("text", "code"):
            continue
        content = index.text(row.doc_id)
        if content is None:
            raise BadInputError(
                f"{getattr(index, 'path', 'index')}: document {row.uid} has no stored text "
                "(hash-only index); audit and guard need an index built with its text"
            )
        title = row.provenance.title or row.provenance.uri or row.uid
        yield title, row.uid, content
