"""Blocks read, one after another, exactly the documents `read_sources` reads, in its order:
what makes a distributed build equal to a local one. No Ray needed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from wherefrom.corpus import SkipLog, read_sources
from wherefrom.records import Provenance
from wherefrom.scale.blocks import plan_blocks, read_block


def _tree(root: Path) -> None:
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a").mkdir()
    (root / "LICENSE").write_text("MIT License\n\nPermission is hereby granted, free of charge, to any person", encoding="utf-8")
    for i in range(12):
        folder = [root / "a", root / "b", root / "b" / "deep", root][i % 4]
        (folder / f"f{i:02d}.txt").write_text(f"work {i} " + "words of its own " * (40 + i), encoding="utf-8")
    (root / "a" / "code.py").write_text("def f(x):\n    return x + 1\n" * 30, encoding="utf-8")
    with gzip.open(root / "b" / "records.jsonl.gz", "wt", encoding="utf-8") as out:
        for i in range(5):
            out.write(json.dumps({"text": f"record {i} " + "text " * 50, "id": str(i)}) + "\n")
    (root / "b" / ".git").mkdir()  # skipped folders stay skipped
    (root / "b" / ".git" / "HEAD").write_text("ref: refs/heads/main", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")


@pytest.mark.parametrize("block_bytes", [1, 700, 1 << 20])
def test_blocks_read_what_read_sources_reads(tmp_path: Path, block_bytes: int) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _tree(corpus)
    single = tmp_path / "single.txt"
    single.write_text("a single file named as a source " * 20, encoding="utf-8")
    sources: list[str | Path] = [corpus, single]
    defaults = Provenance(license="CC0-1.0")
    expected_skips, skips = SkipLog(), SkipLog()
    expected = [(d.uid, d.provenance, d.content) for d in read_sources(sources, defaults, "auto", expected_skips)]
    blocks, walk_skips = plan_blocks(sources, block_bytes)
    got = [(d.uid, d.provenance, d.content) for b in blocks for d in read_block(b, defaults, "auto", skips)]
    assert got == expected and len(expected) > 15
    assert skips.counts + walk_skips.counts == expected_skips.counts
    assert [b.number for b in blocks] == list(range(len(blocks)))
    if block_bytes == 1:
        assert len(blocks) > 10  # one file a block


def test_a_block_key_changes_with_its_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    [block], _ = plan_blocks([tmp_path])
    key = block.key()
    (tmp_path / "a.txt").write_text("other content", encoding="utf-8")
    assert block.key() != key
