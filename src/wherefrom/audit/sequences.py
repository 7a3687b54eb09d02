"""Training sequences for the extraction audit: sampled from the index's documents in the
model's tokens, each with how many documents of the index contain it (counted in the text
normal form from the index's own fingerprints, verified against the stored tokens)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wherefrom.errors import BadInputError
from wherefrom.index.fingerprint import CHANNEL_SALT, kgram_hashes
from wherefrom.normalize import get_normalizer

if TYPE_CHECKING:
    from wherefrom.index import Index


@dataclass(frozen=True, slots=True)
class Sequence:
    """A run of model tokens of one document: prompt tokens then the true continuation."""

    source: str
    uid: str
    start_char: int
    end_char: int
    tokens: tuple[int, ...]
    documents_containing: int


class DuplicateCounter:
    """Counts the documents of an index that contain a passage (normal-form tokens, exact).

    The passage's k-grams are looked up among the index's fingerprints; each document and
    diagonal they hit is verified token for token against the stored text. A passage of at
    least the index's guarantee (`min_tokens`) always shares a fingerprint with every
    document that holds it; a passage made only of common fingerprints (in more documents
    than the index's common threshold) is counted from those fingerprints' document counts."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.k = index.config.k
        self._normalizer = get_normalizer("text")

    def count(self, passage: str) -> int:
        """Documents containing the passage's normal form; its first and last word are left
        out because a token boundary may cut them."""
        ids = self._normalizer.normalize(passage).ids[1:-1]
        hashes = kgram_hashes(ids, self.k, CHANNEL_SALT["text"])
        if len(hashes) == 0:
            return 0
        q, docs, p = self.index.lookup(hashes)
        found: set[int] = set()
        for doc, start in sorted(set(zip(docs.tolist(), (p - q).tolist(), strict=True))):
            if doc not in found and self._holds(doc, start, ids):
                found.add(doc)
        if not found:
            counts = self.index.common_counts(hashes)
            return int(counts.min()) if len(counts) and counts.min() > 0 else 0
        return len(found)

    def _holds(self, doc: int, start: int, ids: np.ndarray) -> bool:
        if start < 0:
            return False
        if self.index.config.hash_only:
            return True  # a hash-only index keeps no tokens: a fingerprint on the diagonal says so
        window = self.index.tokens(doc, start, start + len(ids))
        if window is None:
            return True
        form, offset = window
        stored = form.ids[start - offset : start - offset + len(ids)]
        return len(stored) == len(ids) and bool(np.array_equal(stored, ids))


def sample_sequences(
    index: Index, model: object, length: int, count: int, seed: int = 0
) -> tuple[list[Sequence], DuplicateCounter]:
    """`count` runs of `length` model tokens at random positions of random documents (a
    document is drawn with probability proportional to the positions it offers)."""
    texts = list(index_texts(index))
    counter = DuplicateCounter(index)
    rng = random.Random(seed)
    weights = [len(content) for _, _, content in texts]
    cache: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
    sequences: list[Sequence] = []
    seen: set[tuple[int, int]] = set()
    attempts = 0
    while texts and len(sequences) < count and attempts < 20 * count:
        attempts += 1
        number = rng.choices(range(len(texts)), weights=weights)[0]
        label, uid, content = texts[number]
        if number not in cache:
            cache[number] = model.encode(content)  # type: ignore[attr-defined]
        ids, offsets = cache[number]
        if len(ids) < length:
            weights[number] = 0
            if not any(weights):
                break
            continue
        start = rng.randrange(len(ids) - length + 1)
        if (number, start) in seen:
            continue
        seen.add((number, start))
        first, last = offsets[start][0], offsets[start + length - 1][1]
        sequences.append(
            Sequence(
                label,
                uid,
                first,
                last,
                tuple(ids[start : start + length]),
                counter.count(content[first:last]),
            )
        )
    return sequences, counter


def index_texts(index: Index) -> Iterator[tuple[str, str, str]]:
    """(label, uid, text) of each text/code document of an index; fails on a hash-only index."""
    for row in list(index.documents()):
        if row.kind not in ("text", "code"):
            continue
        content = index.text(row.doc_id)
        if content is None:
            raise BadInputError(
                f"{getattr(index, 'path', 'index')}: document {row.uid} has no stored text "
                "(hash-only index); the extraction audit samples training text: build the index with its text"
            )
        title = row.provenance.title or row.provenance.uri or row.uid
        yield title, row.uid, content
