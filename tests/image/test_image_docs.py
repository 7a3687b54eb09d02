"""The example of docs/images.md runs and finds the mirrored, cropped copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "images.md"


def test_images_doc_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL")
    pytest.importorskip("cv2")
    pytest.importorskip("faiss")
    pytest.importorskip("wherefrom.check")
    (code,) = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(DOC), "exec"), {})
    printed = capsys.readouterr().out
    assert "attribution-required Harbour CC-BY-4.0" in printed
    assert "tiled_l2" in printed
