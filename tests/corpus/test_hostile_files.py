"""Every reader survives every file: real packages, damaged and hostile files. Each case is
one bad file beside a good one: the good one is indexed, the bad one is skipped and counted
with its reason, and the build never ends with a traceback."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.extras import require_extra

from wherefrom.build import build_index
from wherefrom.errors import BadInputError, EmptyCorpusError
from wherefrom.index import Index
from wherefrom.records import Provenance

GOOD = " ".join(f"the good document says word{i} once" for i in range(60))


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    return corpus


def _build(tmp_path: Path, *sources: Path, name: str = "idx"):
    return build_index(list(sources), tmp_path / name, defaults=Provenance(license="MIT"))


def _titles(index_dir: Path) -> dict[str, object]:
    with Index.open(index_dir) as index:
        return {row.provenance.title: row for row in index.documents()}


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """The platformdirs and pygments wheels, as users install them."""
    folder = tmp_path_factory.mktemp("wheels")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "platformdirs", "pygments", "-d", str(folder)],
        capture_output=True, text=True, timeout=180,
    )
    found = {p.name.split("-")[0].lower(): p for p in folder.glob("*.whl")}
    if done.returncode != 0 or len(found) < 2:
        pytest.skip(f"pip download of the platformdirs and pygments wheels failed (offline?): {done.stderr.strip()[-200:]}")
    return found


def test_real_wheels_index_with_their_authors_and_licences(tmp_path, wheels):
    summary = _build(tmp_path, wheels["platformdirs"], wheels["pygments"])
    assert summary.documents > 50
    with Index.open(tmp_path / "idx") as index:
        rows = list(index.documents())
    by_collection = {row.provenance.collection: row.provenance for row in rows}
    platformdirs, pygments = by_collection["platformdirs"], by_collection["Pygments"]
    assert platformdirs.license == "MIT" and "Bernát Gábor" in platformdirs.authors
    assert pygments.license == "BSD-2-Clause"
    assert {"Georg Brandl", "Matthäus G. Chajdas"} <= set(pygments.authors)
    assert "License-Expression" in pygments.license_evidence


@pytest.mark.parametrize("damage", ["empty", "truncated", "looping link"])
def test_a_damaged_parquet_file_is_skipped_and_counted(tmp_path, damage):
    require_extra("parquet", "pyarrow")
    import pyarrow
    import pyarrow.parquet

    corpus = _corpus(tmp_path)
    bad = corpus / "bad.parquet"
    if damage == "empty":
        bad.write_bytes(b"")
    elif damage == "truncated":
        pyarrow.parquet.write_table(pyarrow.table({"text": [GOOD.replace("good", "other")] * 50}), bad)
        bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    else:
        bad.symlink_to(bad.name)
    summary = _build(tmp_path, corpus)
    assert summary.documents == 1
    reason = "unreadable" if damage == "looping link" else "unreadable Parquet"
    assert summary.skipped == {reason: 1}
    assert any("bad.parquet" in example for example in summary.skipped_examples)


def test_a_git_repository_without_commits_is_skipped(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("needs the git command")
    corpus = _corpus(tmp_path)
    repository = tmp_path / "fresh"
    repository.mkdir()
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    (repository / "notes.txt").write_text(GOOD.replace("good", "fresh"))
    summary = _build(tmp_path, corpus, repository)
    assert summary.documents == 1 and summary.skipped == {"git repository without commits": 1}


def test_deep_json_huge_integers_and_lone_surrogates_in_records(tmp_path):
    corpus = _corpus(tmp_path)
    lines = [
        "[" * 100_000 + "]" * 100_000,
        '{"text": "' + GOOD + '", "n": ' + "9" * 5000 + "}",
        json.dumps({"text": GOOD.replace("good", "titled"), "title": "half \ud83d a smile", "author": "A \udcff"}),
    ]
    (corpus / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = _build(tmp_path, corpus)
    assert summary.documents == 2 and summary.skipped == {"bad record": 2}
    rows = _titles(tmp_path / "idx")
    assert "half \ufffd a smile" in rows
    assert rows["half \ufffd a smile"].provenance.authors == ("A \ufffd",)  # type: ignore[attr-defined]


def test_a_file_name_that_is_not_utf8_is_indexed_under_a_clean_title(tmp_path):
    corpus = _corpus(tmp_path)
    try:
        (corpus / os.fsdecode(b"caf\xe9.txt")).write_text(GOOD.replace("good", "cafe"))
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    summary = _build(tmp_path, corpus)
    assert summary.documents == 2
    assert "caf\ufffd.txt" in _titles(tmp_path / "idx")


def test_one_bad_crc_member_skips_that_member_only(tmp_path):
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:
        out.writestr("a.txt", GOOD.replace("good", "first"))
        out.writestr("b.txt", GOOD.replace("good", "second"))
        out.writestr("c.txt", GOOD.replace("good", "third"))
    data = bytearray(archive.read_bytes())
    at = data.index(b"second")
    data[at] ^= 0x20  # one flipped bit inside b.txt: its CRC no longer matches
    archive.write_bytes(bytes(data))
    summary = _build(tmp_path, archive)
    assert summary.documents == 2 and summary.skipped == {"damaged member": 1}
    assert set(_titles(tmp_path / "idx")) == {"a.txt", "c.txt"}


def test_the_same_source_added_twice_is_stored_once(tmp_path):
    corpus = _corpus(tmp_path)
    _build(tmp_path, corpus)
    with pytest.raises(EmptyCorpusError, match="1 already indexed"):
        build_index([corpus], tmp_path / "idx", add=True)
    (corpus / "new.txt").write_text(GOOD.replace("good", "new"))
    summary = build_index([corpus], tmp_path / "idx", add=True)
    assert summary.documents == 1 and summary.skipped == {"already indexed": 1}
    assert sorted(_titles(tmp_path / "idx")) == ["good.txt", "new.txt"]


def test_nul_bytes_after_the_first_8_kb_are_binary(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "late.txt").write_bytes(b"plain words " * 1000 + b"\0\x01\x02" + b"more words " * 100)
    summary = _build(tmp_path, corpus)
    assert summary.documents == 1 and summary.skipped == {"binary": 1}


def test_a_zip_whose_header_understates_a_member_is_not_trusted(tmp_path):
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("big.txt", "all work and no play " * 200_000)
        out.writestr("ok.txt", GOOD)
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)  # uncompressed size in the central directory
    archive.write_bytes(bytes(data))
    summary = _build(tmp_path, archive)
    assert summary.documents == 1 and summary.skipped == {"damaged member": 1}


def test_a_truncated_jsonl_gz_keeps_the_records_before_the_damage(tmp_path):
    corpus = _corpus(tmp_path)
    records = b"".join(json.dumps({"text": f"record {i} " + os.urandom(200).hex()}).encode() + b"\n" for i in range(100))
    compressed = gzip.compress(records)
    (corpus / "broken.jsonl.gz").write_bytes(compressed[: len(compressed) // 2])
    summary = _build(tmp_path, corpus)
    assert 1 < summary.documents < 101 and summary.skipped == {"truncated or unreadable file": 1}


def test_jobs_beyond_four_per_core_are_refused(tmp_path):
    corpus = _corpus(tmp_path)
    with pytest.raises(BadInputError, match=r"--jobs 1000: must be between 1 and \d+ \(4 per CPU core"):
        build_index([corpus], tmp_path / "idx", jobs=1000)
    assert not (tmp_path / "idx").exists()
