"""Training sequences for the extraction audit: sampled from the index's documents in the
model's tokens, each with how many documents of the index contain it (counted exactly in the
text normal form)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wherefrom.guard.ngrams import NgramTable, index_texts
from wherefrom.normalize import get_normalizer

if TYPE_CHECKING:
    from wherefrom.index import Index

COUNT_NGRAM = 8


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
    """Counts the documents that contain a passage (normal-form tokens, exact)."""

    def __init__(self, texts: list[tuple[str, str, str]]) -> None:
        self.table = NgramTable.from_texts(texts, COUNT_NGRAM)
        self._normalizer = get_normalizer("text")

    def count(self, passage: str) -> int:
        """Documents containing the passage's normal form; its first and last word are left
        out because a token boundary may cut them."""
        ids = self._normalizer.normalize(passage).ids[1:-1]
        if len(ids) < COUNT_NGRAM:
            return 0
        return self.table.documents_containing(ids)


def sample_sequences(
    index: Index, model: object, length: int, count: int, seed: int = 0
) -> tuple[list[Sequence], DuplicateCounter]:
    """`count` runs of `length` model tokens at random positions of random documents (a
    document is drawn with probability proportional to the positions it offers)."""
    texts = list(index_texts(index))
    counter = DuplicateCounter(texts)
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
