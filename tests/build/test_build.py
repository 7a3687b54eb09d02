import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from wherefrom.build import build_index
from wherefrom.config import IndexConfig
from wherefrom.errors import (
    BadInputError,
    EmptyCorpusError,
    IncompatibleIndexError,
    IndexCorruptError,
    IndexMissingError,
)
from wherefrom.index import Index
from wherefrom.records import Provenance

PROSE = " ".join(f"word{i} of the long text number {i % 7}" for i in range(200))


def test_build_records_provenance_and_stats(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(PROSE)
    (corpus / "b.py").write_text("def f(x):\n    return x + 1\n")
    summary = build_index([corpus], tmp_path / "idx", defaults=Provenance(license="MIT", collection="demo"))
    assert summary.documents == 2 and summary.by_kind == {"text": 1, "code": 1}
    with Index.open(tmp_path / "idx") as index:
        rows = {row.provenance.title: row for row in index.documents()}
        assert rows["a.txt"].kind == "text" and rows["b.py"].language == "python"
        assert rows["b.py"].provenance.license == "MIT" and rows["b.py"].provenance.collection == "demo"
        assert index.text(rows["a.txt"].doc_id) == PROSE
        assert index.stats().documents == 2


def test_bad_records_are_counted_and_the_rest_is_indexed(tmp_path):
    path = tmp_path / "data.jsonl.gz"
    lines = [json.dumps({"id": "ok1", "text": PROSE, "authors": ["Ann"], "license": "CC-BY-4.0"}),
             "{not json", json.dumps({"id": "no-text"}), json.dumps({"id": "ok2", "text": PROSE + " more"})]
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 latin-1 text")
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" * 100)
    summary = build_index([path, tmp_path / "bad.txt", tmp_path / "blob.bin"], tmp_path / "idx")
    assert summary.documents == 2
    assert summary.skipped == {"bad record": 2, "invalid UTF-8": 1, "binary": 1}
    assert any("data.jsonl.gz:2: not JSON" in e for e in summary.skipped_examples)
    assert any("data.jsonl.gz:3: has no 'text' field" in e for e in summary.skipped_examples)
    with Index.open(tmp_path / "idx") as index:
        first = next(iter(index.documents()))
        assert first.provenance.authors == ("Ann",) and first.provenance.license == "CC-BY-4.0"


def test_truncated_archive_is_skipped_not_fatal(tmp_path):
    import tarfile

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n" * 5000)
    with tarfile.open(tmp_path / "pkg-1.0.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "pkg", arcname="pkg-1.0")
    data = (tmp_path / "pkg-1.0.tar.gz").read_bytes()
    (tmp_path / "pkg-1.0.tar.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "other.txt").write_text(PROSE)
    summary = build_index([tmp_path / "pkg-1.0.tar.gz", tmp_path / "other.txt"], tmp_path / "idx")
    assert summary.documents == 1 and summary.skipped == {"truncated or unreadable archive": 1}


def test_empty_corpus_and_missing_paths_are_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyCorpusError, match="no document to index"):
        build_index([tmp_path / "empty"], tmp_path / "idx")
    with pytest.raises(BadInputError, match="nothere: no such file"):
        build_index([tmp_path / "nothere"], tmp_path / "idx2")
    with pytest.raises(IndexMissingError):
        Index.open(tmp_path / "idx")


def test_add_writes_a_new_segment_with_the_same_parameters(tmp_path):
    (tmp_path / "a.txt").write_text(PROSE)
    (tmp_path / "b.txt").write_text(PROSE.upper() + " extra words")
    build_index([tmp_path / "a.txt"], tmp_path / "idx", config=IndexConfig(min_tokens=30))
    build_index([tmp_path / "b.txt"], tmp_path / "idx", add=True)
    with Index.open(tmp_path / "idx") as index:
        assert len(index.segments) == 2 and index.config.min_tokens == 30
    with pytest.raises(IncompatibleIndexError):
        build_index([tmp_path / "b.txt"], tmp_path / "idx", add=True, config=IndexConfig(min_tokens=40))
    with pytest.raises(BadInputError, match="already holds an index"):
        build_index([tmp_path / "a.txt"], tmp_path / "idx")


def test_corruption_is_detected_by_checksums(tmp_path):
    (tmp_path / "a.txt").write_text(PROSE)
    build_index([tmp_path / "a.txt"], tmp_path / "idx")
    keys = next((tmp_path / "idx" / "segments").glob("seg-*")) / "keys.npy"
    data = bytearray(keys.read_bytes())
    data[-1] ^= 0xFF
    keys.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum mismatch"):
        Index.open(tmp_path / "idx", verify=True)
    keys.write_bytes(bytes(data[:-8]))
    with pytest.raises(IndexCorruptError, match="bytes"):
        Index.open(tmp_path / "idx", verify=False)


def test_a_build_killed_midway_leaves_the_published_index_usable(tmp_path):
    (tmp_path / "first.txt").write_text(PROSE)
    build_index([tmp_path / "first.txt"], tmp_path / "idx")
    big = tmp_path / "big"
    big.mkdir()
    for i in range(1500):
        (big / f"doc{i}.txt").write_text(f"document {i} " + PROSE * 3)
    script = (
        "import sys; from wherefrom.build import build_index; "
        f"build_index([{str(big)!r}], {str(tmp_path / 'idx')!r}, add=True)"
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    segments = tmp_path / "idx" / "segments"
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".tmp-") for p in segments.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # mid-way: the new segment is being written
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    with Index.open(tmp_path / "idx", verify=True) as index:
        assert [row.provenance.title for row in index.documents()] == ["first.txt"]
    # The next writer cleans the leftovers and publishes normally.
    build_index([big / "doc1.txt"], tmp_path / "idx", add=True)
    with Index.open(tmp_path / "idx") as index:
        assert index.stats().documents == 2
        assert sorted(p.name for p in (tmp_path / "idx" / "segments").iterdir()) == sorted(s.name for s in index.segments)


def test_git_repository_records_the_head_commit(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.py").write_text("def main():\n    return 42\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@x"}
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run(["git", "-C", str(repo), *command], check=True, env=env)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    build_index([repo], tmp_path / "idx")
    with Index.open(tmp_path / "idx") as index:
        row = next(iter(index.documents()))
        assert row.provenance.version == head and head[:12] in row.provenance.uri


def test_parquet_records(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    table = pa.table({"text": [PROSE, "short text here"], "title": ["one", "two"], "license": ["MIT", "Apache-2.0"]})
    pq.write_table(table, tmp_path / "d.parquet")
    build_index([tmp_path / "d.parquet"], tmp_path / "idx")
    with Index.open(tmp_path / "idx") as index:
        assert [(r.provenance.title, r.provenance.license) for r in index.documents()] == [("one", "MIT"), ("two", "Apache-2.0")]


def test_wheel_metadata_gives_package_provenance(tmp_path):
    import zipfile

    wheel = tmp_path / "demo_pkg-2.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo_pkg/__init__.py", "def hello():\n    return 'hello'\n")
        archive.writestr("demo_pkg-2.1.0.dist-info/METADATA",
                         "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 2.1.0\nAuthor: Jane Doe\nLicense: MIT\n")
    build_index([wheel], tmp_path / "idx")
    with Index.open(tmp_path / "idx") as index:
        row = next(r for r in index.documents() if r.provenance.title == "demo_pkg/__init__.py")
        assert row.provenance.version == "2.1.0" and row.provenance.authors == ("Jane Doe",)
        assert row.provenance.license == "MIT" and "License" in row.provenance.license_evidence
        assert row.provenance.uri == f"{wheel.name}!/demo_pkg/__init__.py"
