"""Integrity end to end: `index verify` covers the manifest and every part; `check` refuses
a damaged index with one line and exit code 2, never a traceback or a silent miss."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.reliability.campaigns import PROSE, run_main


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "work.txt").write_text(PROSE)
    index = tmp_path / "idx"
    assert run_main("index", "build", corpus, "--index", index, "--license", "MIT")[0] == 0
    query = tmp_path / "query.txt"
    query.write_text(PROSE[100:1500])
    return index, query


def _segment(index: Path) -> Path:
    return next((index / "segments").iterdir())


def _refused(result: tuple[int, str, str], file: str) -> None:
    code, _, err = result
    assert code == 2, err
    assert err.startswith("wherefrom: error: the index is damaged: ") and file in err and err.endswith("rebuild it\n")
    assert err.count("\n") == 1


def test_one_flipped_bit_in_a_licence_is_found_by_verify_and_check(built):
    index, query = built
    manifest = index / "manifest.sqlite"
    data = bytearray(manifest.read_bytes())
    at = data.index(b"MIT", data.index(b"work.txt"))
    data[at + 2] ^= 0x01  # MIT -> MIU
    manifest.write_bytes(bytes(data))
    _refused(run_main("index", "verify", "--index", index), "manifest.sqlite")
    _refused(run_main("check", "--index", index, query), "manifest.sqlite")


def test_a_row_rewritten_behind_the_manifest_is_refused(built):
    index, query = built
    with sqlite3.connect(index / "manifest.sqlite") as db:
        db.execute("UPDATE documents SET license = 'CC0-1.0'")
    _refused(run_main("check", "--index", index, "--format", "json", query), "manifest.sqlite")


@pytest.mark.parametrize(("name", "damage"), [
    ("segment.json", lambda d: d[:10] + b"\xff\xfe" + d[12:]),
    ("segment.json", lambda d: d.replace(b'"bytes"', b'"bytez"', 1)),
    ("keys.npy", lambda d: d[:20] + b"((((" + d[24:]),
    ("keys.npy", lambda d: d[:-8] + bytes(b ^ 0xFF for b in d[-8:])),  # the packed words' padding may be 0
    ("postings.npy", lambda d: d[:-4] + b"\xff\xff\xff\xff"),
    ("store.zst", lambda d: d[:30] + bytes(len(d) - 30)),
    ("doc_ids.npy", lambda d: d[:-1] + b"\x07"),
])
def test_damage_in_any_segment_file_is_one_line_at_check_and_verify(built, name, damage):
    index, query = built
    target = _segment(index) / name
    target.write_bytes(damage(target.read_bytes()))
    _refused(run_main("check", "--index", index, query), name)
    _refused(run_main("index", "verify", "--index", index), name)


def test_verify_names_the_rows_it_checked(built):
    index, _ = built
    code, out, _ = run_main("index", "verify", "--index", index)
    assert code == 0 and "1 manifest row(s), every checksum matches" in out


def test_serve_refuses_a_damaged_index_at_start_up(built):
    pytest.importorskip("fastapi", reason="needs the service: pip install 'wherefrom[serve]'")
    from wherefrom.errors import IndexCorruptError
    from wherefrom.serve.app import create_app

    index, _ = built
    target = _segment(index) / "token_starts.npy"
    target.write_bytes(target.read_bytes()[:-1] + b"\x01")
    with pytest.raises(IndexCorruptError, match=r"the index is damaged: .*token_starts\.npy"):
        create_app(index)
