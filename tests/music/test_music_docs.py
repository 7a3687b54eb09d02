"""The example of docs/music.md runs and prints what the page says."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "music.md"


def test_docs_example_runs(tmp_path: Path) -> None:
    pytest.importorskip("music21")
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL).group(1)
    expected = [line[2:] for line in code.splitlines() if line.startswith("# bwv")]
    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), {})
    finally:
        os.chdir(cwd)
    assert out.getvalue().strip().splitlines() == expected
