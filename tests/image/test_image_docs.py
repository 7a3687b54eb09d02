"""The HTML report of an image check shows the input and the source side by side."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.extras import require_extra

DOC = Path(__file__).resolve().parents[2] / "docs" / "images.md"


def test_html_report_shows_input_and_source_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require_extra("image", "cv2")
    require_extra("image", "faiss")
    skdata = require_extra("bench", "skimage.data")
    from PIL import Image, ImageOps

    from wherefrom.cli import main

    corpus = tmp_path / "photos"
    corpus.mkdir()
    Image.fromarray(skdata.astronaut()).resize((256, 256)).save(corpus / "astronaut.png")
    (corpus / "astronaut.png.json").write_text('{"title": "Astronaut", "license": "CC0-1.0"}')
    ImageOps.mirror(Image.open(corpus / "astronaut.png")).save(tmp_path / "generated.png")
    monkeypatch.chdir(tmp_path)
    assert main(["index", "build", "photos", "--index", "idx", "--kind", "image"]) == 0
    capsys.readouterr()
    assert main(["check", "generated.png", "--index", "idx", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "<figure class='pair'>" in page
    assert len(re.findall(r"<img src='data:image/png;base64,", page)) == 3  # input, source, difference
    assert "Astronaut (middle)" in page and "marked in magenta" in page
    assert main(["check", "generated.png", "--index", "idx"]) == 0
    terminal = capsys.readouterr().out
    assert "source box [" in terminal and "tiled_l2" in terminal
    assert 'credit: "Astronaut"' in terminal
