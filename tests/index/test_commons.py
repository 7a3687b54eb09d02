"""Commonness is a fact of the whole corpus: a build in one segment, a build followed by
`index add`, and (tests/scale) a distributed build of many blocks agree on which fingerprints
are common and on how many documents hold each."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from wherefrom.build import build_index
from wherefrom.check.sequence import check_text
from wherefrom.config import IndexConfig
from wherefrom.index import Index
from wherefrom.index.fingerprint import CHANNEL_SALT, kgram_hashes
from wherefrom.normalize import get_normalizer

SHARED = ("the quick brown fox jumps over the lazy dog while the farmer sleeps under the old oak tree "
          "and dreams of rain falling on the wide green fields of summer")


def write_corpus(root: Path, n: int, seed: int = 7) -> list[Path]:
    """`n` works, each its own words with one shared passage in every third of them."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    paths = []
    for i in range(n):
        body = " ".join(rng.choice(words) for _ in range(300))
        text = f"{body} {SHARED} {body[::-1]}" if i % 3 == 0 else body
        path = root / f"work{i:03d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def reports(index_dir: Path, queries: list[str]) -> list[str]:
    with Index.open(index_dir) as index:
        return [json.dumps(check_text(index, q, f"q{i}").to_dict(), sort_keys=True) for i, q in enumerate(queries)]


def test_add_counts_common_fingerprints_over_the_whole_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paths = write_corpus(corpus, 30)
    config = IndexConfig(min_tokens=12, common_threshold=4)
    build_index([corpus], tmp_path / "one", config=config)
    build_index(paths[:9], tmp_path / "two", config=config)  # 3 holders of the passage: not common in it
    build_index(paths[9:], tmp_path / "two", add=True)
    form = get_normalizer("text", "").normalize(SHARED)
    k, _ = config.window("text")
    hashes = kgram_hashes(form.ids, k, CHANNEL_SALT["text"])
    with Index.open(tmp_path / "one") as one, Index.open(tmp_path / "two") as two:
        assert len(two.segments) == 2 and two.common_table is not None
        counts = one.common_counts(hashes)
        assert counts.max() == 10  # every third of 30 works
        assert np.array_equal(counts, two.common_counts(hashes))
        assert one.stats().common_fingerprints == two.stats().common_fingerprints
        # no posting of a corpus-wide common key is returned by either
        assert len(one.lookup(hashes)[0]) == len(two.lookup(hashes)[0])
    queries = [SHARED, paths[0].read_text(encoding="utf-8")[:900], paths[20].read_text(encoding="utf-8")[:900]]
    assert reports(tmp_path / "one", queries) == reports(tmp_path / "two", queries)
    assert '"common-only"' in reports(tmp_path / "two", [SHARED])[0]
