"""Compaction merges small segments without changing a report, purges withdrawn works, and
leaves the index whole when it stops half-way."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.index.test_commons import SHARED, reports, write_corpus

from wherefrom.build import build_index
from wherefrom.check.sequence import check_text
from wherefrom.config import IndexConfig
from wherefrom.errors import WherefromError
from wherefrom.index import Index
from wherefrom.index.compact import compact
from wherefrom.index.withdraw import withdraw


def _segmented(tmp_path: Path, parts: int = 5) -> tuple[Path, list[Path]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paths = write_corpus(corpus, 30)
    index_dir = tmp_path / "index"
    config = IndexConfig(min_tokens=12, common_threshold=4)
    step = len(paths) // parts
    for i in range(parts):
        build_index(paths[i * step : (i + 1) * step], index_dir, config=config if i == 0 else None, add=i > 0)
    return index_dir, paths


def _queries(paths: list[Path]) -> list[str]:
    return [SHARED, *(p.read_text(encoding="utf-8")[100:1000] for p in paths[::4]), "nothing of the corpus " * 20]


def test_compaction_merges_segments_and_keeps_every_report(tmp_path: Path) -> None:
    index_dir, paths = _segmented(tmp_path)
    before = reports(index_dir, _queries(paths))
    old = sorted(p.name for p in (index_dir / "segments").iterdir())
    summary = compact(index_dir, target_bytes=1 << 30)
    assert (summary.segments_before, summary.segments_after, summary.merged) == (5, 1, 5)
    assert reports(index_dir, _queries(paths)) == before
    assert not set(old) & {p.name for p in (index_dir / "segments").iterdir()}  # old folders removed
    with Index.open(index_dir) as index:
        assert index.stats().documents == 30 and index.verify() == 30
    assert compact(index_dir).merged == 0  # nothing left to merge


def test_small_target_merges_in_runs(tmp_path: Path) -> None:
    index_dir, paths = _segmented(tmp_path, parts=6)
    before = reports(index_dir, _queries(paths))
    with Index.open(index_dir) as index:
        size = max(s.bytes for s in index.manifest.segments())
    summary = compact(index_dir, target_bytes=2 * size)
    assert 1 < summary.segments_after < 6
    assert reports(index_dir, _queries(paths)) == before


def test_compaction_purges_withdrawn_works(tmp_path: Path) -> None:
    index_dir, paths = _segmented(tmp_path)
    copied = paths[7].read_text(encoding="utf-8")[200:1200]
    withdraw(index_dir, [str(paths[7])], "takedown")
    with Index.open(index_dir) as index:
        assert any(m.withdrawn for m in check_text(index, copied, "q").matches)
    others = _queries([p for i, p in enumerate(paths) if i != 7])
    before = reports(index_dir, others[1:])
    summary = compact(index_dir, target_bytes=1 << 30)
    assert summary.purged == 1
    with Index.open(index_dir) as index:
        assert index.stats().documents == 29
        assert not any(m.withdrawn for m in check_text(index, copied, "q").matches)
        assert index.withdrawals()  # the takedown stays recorded
    assert reports(index_dir, others[1:]) == before


def test_a_failed_merge_leaves_the_index_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir, paths = _segmented(tmp_path)
    before = reports(index_dir, _queries(paths))

    def broken(function, jobs):
        yield function(jobs[0])
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        compact(index_dir, target_bytes=1 << 30, map_merges=broken)
    assert reports(index_dir, _queries(paths)) == before
    with Index.open(index_dir) as index:
        assert len(index.segments) == 5
    assert compact(index_dir, target_bytes=1 << 30).segments_after == 1
    assert reports(index_dir, _queries(paths)) == before


def test_compact_needs_an_index(tmp_path: Path) -> None:
    with pytest.raises(WherefromError, match="no manifest"):
        compact(tmp_path)


def test_the_command_compacts_and_says_how_much(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wherefrom.cli import main

    index_dir, _ = _segmented(tmp_path, parts=3)
    assert main(["index", "compact", "--index", str(index_dir)]) == 0
    assert "3 segment(s) -> 1 (3 merged, 0 withdrawn work(s) purged)" in capsys.readouterr().out
    assert main(["index", "compact", "--index", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
