"""Piano rolls in the HTML report: the input's copied notes above the source's, as a PNG data
URI inside a figure, from the library and from `wherefrom check --format html`."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.extras import require_extra

from wherefrom.cli import main
from wherefrom.index import Index
from wherefrom.music.check import check_music
from wherefrom.music.melody import NoteEvent

music21 = require_extra("music", "music21")
Image = require_extra("image", "PIL.Image")

DATA_URI = re.compile(r"<img src='data:image/png;base64,([A-Za-z0-9+/=]+)'")
TUNE = "X:1\nT:{title}\nM:6/8\nL:1/8\nK:G\nG3 B>cd|g2e c>BA|B<dG e>cA|F3 d^cd|a>fd B2e|g3 G3|]\n"


def excerpt_midi(folder: Path) -> Path:
    """Bars 3-12 of the soprano of bwv269, a fourth higher and twice as slow."""
    part = music21.corpus.parse("bach/bwv269").parts[0]
    path = folder / "excerpt.mid"
    part.measures(3, 12).transpose(5).augmentOrDiminish(2).write("midi", fp=path)
    return path


def decoded(fragment: str) -> Image.Image:
    found = DATA_URI.search(fragment)
    assert found is not None, fragment[:200]
    return Image.open(io.BytesIO(base64.b64decode(found.group(1))))


def test_piano_roll_is_a_png_of_sane_size() -> None:
    from wherefrom.music.figure import WIDTH, piano_roll_png

    notes = [NoteEvent(60 + i, 1.0, 1, 1 + i) for i in range(4)]
    image = Image.open(io.BytesIO(piano_roll_png(notes, notes, input_agree=frozenset({0, 1}))))
    assert image.format == "PNG"
    assert image.size[0] == WIDTH and 40 <= image.size[1] <= 400


def test_html_figures_show_a_copied_melody(chorale_index: Index, tmp_path: Path) -> None:
    from wherefrom.music.figure import html_figures

    data = excerpt_midi(tmp_path).read_bytes()
    report = check_music(chorale_index, data, "excerpt.mid")
    figures = html_figures(chorale_index, report, data)
    numbers = [n for n, m in enumerate(report.matches, start=1) if m.source is not None]
    assert numbers and sorted(figures) == numbers
    best = next(n for n in numbers if report.matches[n - 1].source.title == "bwv269, Soprano")
    figure = figures[best]
    assert figure.startswith("<figure>") and figure.endswith("</figcaption></figure>")
    assert "bwv269, Soprano" in figure and "5 semitones higher" in figure
    image = decoded(figure)
    assert image.format == "PNG"
    assert 400 <= image.size[0] <= 2000 and 60 <= image.size[1] <= 1000
    # agreeing notes are drawn dark blue, and every note of a verbatim copy agrees
    colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 16)}
    assert (31, 78, 140) in colours and (230, 126, 34) not in colours


def test_cli_html_report_shows_the_piano_roll(
    chorale_index_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    midi = excerpt_midi(tmp_path)
    assert main(["check", str(midi), "--index", str(chorale_index_path), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.count("<figure>") >= 1 and "<figcaption>" in page
    assert decoded(page).format == "PNG"


def test_titles_are_escaped_and_hash_only_sources_show_the_input(
    make_index: Callable[..., Index], tmp_path: Path
) -> None:
    from wherefrom.music.figure import html_figures

    title = "<b>Jig</b> & Reel"
    for hash_only in (False, True):
        index = make_index({"tune.abc": TUNE.format(title=title)}, hash_only=hash_only)
        data = TUNE.format(title="copy").encode()
        report = check_music(index, data, "copy.abc")
        assert [m.source.title for m in report.matches if m.source] == [title]
        figure = html_figures(index, report, data)[1]
        assert "&lt;b&gt;Jig&lt;/b&gt; &amp; Reel" in figure and "<b>" not in figure
        assert ("keeps no notes" in figure) == hash_only
        assert decoded(figure).format == "PNG"
