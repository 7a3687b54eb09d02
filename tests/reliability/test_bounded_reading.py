"""Bounded resources by construction: links, special files and decompression bombs. Each
build runs in a child under a memory limit (tests/reliability/bounded.py), so reading a bomb
whole fails the test instead of filling the machine; the timeout only catches hangs."""

from __future__ import annotations

import gzip
import io
import os
import random
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.reliability.bounded import run_cli

GOOD = " ".join(f"the good document says word{i} once" for i in range(60))
SECRET = "root:x:0:0:the secret line that must never be indexed:/root:/bin/bash"


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    return corpus


def _build(tmp_path: Path, *sources: Path) -> dict:
    outcome = run_cli("index", "build", *sources, "--index", tmp_path / "idx", "--license", "MIT", "--json")
    assert outcome.returncode == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr
    return outcome.json()


def test_links_out_of_a_folder_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET)
    corpus = _corpus(tmp_path)
    (corpus / "passwd.txt").symlink_to(outside / "passwd")
    (corpus / "inside.txt").symlink_to(corpus / "good.txt")
    (corpus / "folder").symlink_to(outside, target_is_directory=True)
    summary = _build(tmp_path, corpus)
    assert summary["documents"] == 2  # good.txt, and inside.txt: a link that stays inside
    assert summary["skipped"] == {"link out of the source": 1}
    check = run_cli("check", "--index", tmp_path / "idx", "--format", "json", outside / "passwd")
    assert check.returncode == 0 and '"matches": []' in check.stdout


def test_links_committed_in_git_are_not_followed_out(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("needs the git command")
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    repository = tmp_path / "repo"
    repository.mkdir()
    (repository / "good.txt").write_text(GOOD)
    (repository / "leak.txt").symlink_to(secret)
    git = ["git", "-C", str(repository), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "links"], check=True)
    summary = _build(tmp_path, repository)
    assert summary["documents"] == 1 and summary["skipped"] == {"link out of the source": 1}


def test_fifos_and_devices_are_skipped_not_read(tmp_path):
    corpus = _corpus(tmp_path)
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "random.jsonl").symlink_to("/dev/urandom")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "named.txt")
    summary = _build(tmp_path, corpus, tmp_path / "named.txt")
    assert summary["documents"] == 1
    assert summary["skipped"] == {"not a regular file": 2, "link out of the source": 2}


def _zeros_zip(path: Path, members: int, size: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for i in range(members):
            with out.open(f"m{i}.txt", "w", force_zip64=True) as member:
                for _ in range(size >> 20):
                    member.write(b"\0" * (1 << 20))


def test_a_zip_bomb_is_read_within_the_memory_limit(tmp_path):
    bomb = tmp_path / "bomb.zip"
    _zeros_zip(bomb, members=30, size=60 << 20)  # 1.8 GB in about 2 MB
    assert bomb.stat().st_size < 8 << 20
    outcome = run_cli("index", "build", _corpus(tmp_path), bomb, "--index", tmp_path / "idx", "--json")
    assert outcome.returncode == 0, outcome.stderr[-500:]
    assert outcome.json()["documents"] == 1 and outcome.json()["skipped"] == {"binary": 30}


def test_a_tar_gz_bomb_is_read_within_the_memory_limit(tmp_path):
    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz") as out:
        for i in range(30):
            info = tarfile.TarInfo(f"m{i}.txt")
            info.size = 60 << 20
            out.addfile(info, io.BytesIO(b"\0" * info.size))
        info = tarfile.TarInfo("huge.txt")
        info.size = 3 << 30
        out.addfile(info, _Repeat(b"\0", info.size))
    outcome = run_cli("index", "build", _corpus(tmp_path), bomb, "--index", tmp_path / "idx", "--json")
    assert outcome.returncode == 0, outcome.stderr[-500:]
    skipped = outcome.json()["skipped"]
    assert skipped.get("binary") == 30 and skipped.get("archive budget spent") == 1


class _Repeat(io.RawIOBase):
    """`size` bytes of one value, produced as they are read."""

    def __init__(self, byte: bytes, size: int) -> None:
        self._byte, self._left = byte, size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        self._left -= n
        return self._byte * n


def test_a_jsonl_gz_bomb_and_a_200_mb_line_are_skipped_within_the_memory_limit(tmp_path):
    corpus = _corpus(tmp_path)
    with gzip.open(corpus / "bomb.jsonl.gz", "wb", compresslevel=9) as out:
        out.write(b'{"text": "')
        for _ in range(200):
            out.write(b"a" * (1 << 20))
        out.write(b'"}\n')
        out.write(b'{"text": "' + GOOD.replace("good", "after").encode() + b'"}\n')
    summary = _build(tmp_path, corpus)
    assert summary["documents"] == 2 and summary["skipped"] == {"too large": 1}


def test_a_long_text_file_is_indexed_within_a_bounded_memory(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = [f"w{i}" for i in range(20_000)]
    rng = random.Random(5)
    with (corpus / "long.txt").open("w") as out:
        while out.tell() < 24_000_000:  # 24 MB, about 3.7 M tokens
            out.write(" ".join(rng.choices(words, k=50_000)) + "\n")
    outcome = run_cli("index", "build", corpus, "--index", tmp_path / "idx", "--json", memory=1 << 30)
    assert outcome.returncode == 0, outcome.stderr[-300:]
    assert outcome.json()["documents"] == 1 and outcome.json()["tokens"] > 3_000_000
