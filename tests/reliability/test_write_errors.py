"""Disk full and other write errors: one line, exit code 2, nothing published, and the
folder usable for the next build or add. The child process gets a file size limit, so its
writes fail with EFBIG the way they fail with ENOSPC on a full disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.reliability.bounded import ROOT
from tests.reliability.campaigns import run_main

_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from wherefrom.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _limited(limit: int, *args: str | Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", _LIMITED, str(limit), *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)


def _corpus(folder: Path, words: int, tag: str) -> Path:
    folder.mkdir()
    # Distinct words, so the text store and the arrays grow with the corpus.
    (folder / f"{tag}.txt").write_text(" ".join(f"{tag}{i} w{i * 7919 % 100003}" for i in range(words)))
    return folder


def test_a_first_build_that_hits_a_full_disk_leaves_a_folder_the_next_build_accepts(tmp_path):
    corpus = _corpus(tmp_path / "c", 200_000, "big")
    index = tmp_path / "idx"
    failed = _limited(300_000, "index", "build", corpus, "--index", index)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert failed.stderr.count("\n") == 1 and "cannot write the index" in failed.stderr
    assert "nothing was published" in failed.stderr
    code, _, err = run_main("index", "build", corpus, "--index", index)
    assert code == 0, err
    assert not [p for p in (index / "segments").iterdir() if p.name.startswith(".tmp-")]


def test_an_add_that_hits_a_full_disk_keeps_the_index_and_the_next_add_works(tmp_path):
    small = _corpus(tmp_path / "small", 500, "small")
    index = tmp_path / "idx"
    assert run_main("index", "build", small, "--index", index)[0] == 0
    big = _corpus(tmp_path / "big", 200_000, "big")
    failed = _limited(300_000, "index", "add", big, "--index", index)
    assert failed.returncode == 2 and "cannot write the index" in failed.stderr
    assert "Traceback" not in failed.stderr and failed.stderr.count("\n") == 1
    code, out, _ = run_main("index", "stats", "--index", index, "--json")
    assert code == 0 and '"documents": 1' in out
    assert run_main("index", "add", big, "--index", index)[0] == 0
    code, out, _ = run_main("index", "verify", "--index", index)
    assert code == 0 and "2 manifest row(s)" in out
