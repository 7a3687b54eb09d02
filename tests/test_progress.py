"""Long work reports progress to whoever asked for it; nothing is drawn otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wherefrom import progress
from wherefrom.build import build_index


class Recorder:
    def __init__(self) -> None:
        self.bars: dict[str, int] = {}

    def __call__(self, what: str, total: int | None, unit: str) -> progress.Bar:
        recorder = self
        recorder.bars[what] = 0

        class Bar:
            def update(self, n: int = 1) -> None:
                recorder.bars[what] += n

            def set_postfix_str(self, text: str, refresh: bool = True) -> None:
                return None

            def close(self) -> None:
                return None

        return Bar()


def test_a_build_reports_its_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        (corpus / f"doc{i}.txt").write_text(f"document number {i} says something of its own, word {i * 7}\n")
    seen = Recorder()
    with progress.reporting(seen):
        build_index([corpus], tmp_path / "idx")
    assert seen.bars == {"indexing": 40}


def test_piped_output_draws_no_bar(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "wherefrom.cli", "index", "build", "examples/corpus",
                           "--index", str(tmp_path / "idx")], capture_output=True, text=True, cwd=root, check=False)
    assert done.returncode == 0 and done.stderr == ""
