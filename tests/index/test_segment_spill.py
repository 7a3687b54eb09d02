"""A segment built from spilled runs, merged one key range at a time, holds the same bytes as
one sorted in memory, common fingerprints included."""

import random

import pytest

from wherefrom.build import build_index
from wherefrom.config import IndexConfig
from wherefrom.index import Index, segment

SHARED = "the same boilerplate sentence every file of this corpus carries along with it here"


def _corpus(folder):
    rng = random.Random(4)
    folder.mkdir()
    for i in range(30):
        words = " ".join(f"w{rng.randrange(3000)}" for _ in range(400))
        (folder / f"doc{i:02d}.txt").write_text(f"{SHARED} {words} {SHARED}")
    return folder


def _segment_bytes(index_dir):
    folder = next((index_dir / "segments").glob("seg-*"))
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".npy"}


@pytest.mark.parametrize("hash_only", [False, True])
def test_spilled_runs_give_the_bytes_of_one_sort_in_memory(tmp_path, monkeypatch, hash_only):
    corpus = _corpus(tmp_path / "corpus")
    config = IndexConfig(common_threshold=5, hash_only=hash_only)
    build_index([corpus], tmp_path / "memory", config=config)
    monkeypatch.setattr(segment, "SPILL_FINGERPRINTS", 97)
    monkeypatch.setattr(segment, "MERGE_FINGERPRINTS", 64)
    build_index([corpus], tmp_path / "spilled", config=config)
    in_memory, spilled = _segment_bytes(tmp_path / "memory"), _segment_bytes(tmp_path / "spilled")
    assert in_memory.keys() == spilled.keys()
    assert in_memory == spilled
    with Index.open(tmp_path / "spilled") as index:
        assert index.stats().common_fingerprints > 0
        assert not (next((tmp_path / "spilled" / "segments").glob("seg-*")) / ".runs").exists()
