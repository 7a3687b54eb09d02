"""check on melodies: a transposed, slower, edited or sung excerpt of an indexed tune is found
and reported in notes and bars; an unrelated tune is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wherefrom.check import CheckOptions
from wherefrom.config import IndexConfig
from wherefrom.index import Index, build_index
from wherefrom.music.check import check_melodies, check_music
from wherefrom.music.melody import NoteEvent
from wherefrom.music.reader import Melody, read_melodies
from wherefrom.records import Provenance

music21 = pytest.importorskip("music21")

CHORALES = ["bach/bwv269", "bach/bwv267", "bach/bwv266", "bach/bwv26.6"]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    folder = tmp_path_factory.mktemp("corpus")
    for work in CHORALES:
        source = Path(music21.corpus.getWork(work))
        shutil.copy(source, folder / source.name)
    path = tmp_path_factory.mktemp("index")
    build_index(
        [folder],
        path,
        config=IndexConfig(min_tokens=16),
        defaults=Provenance(license="CC-BY-4.0", license_evidence="--license"),
        kind="auto",
    )
    return Index.open(path)


def soprano() -> Melody:
    return read_melodies(Path(music21.corpus.getWork("bach/bwv269")))[0]


def test_transposed_slower_midi_excerpt_is_found(index: Index, tmp_path: Path) -> None:
    score = music21.corpus.parse("bach/bwv269")
    excerpt = score.parts[0].measures(3, 12).transpose(5).augmentOrDiminish(2)
    path = tmp_path / "excerpt.mid"
    excerpt.write("midi", fp=path)
    report = check_music(index, path, "excerpt.mid")
    assert report.verdict == "attribution-required"
    best = report.matches[0]
    assert best.source is not None and best.source.title == "bwv269, Soprano"
    assert best.source.license == "CC-BY-4.0"
    assert best.kind == "verbatim"
    assert best.details["source_bars"][0].startswith("3:")
    assert best.details["source_bars"][1].startswith("12:")
    data = report.to_dict()["matches"][0]
    assert data["input_span"][1] - data["input_span"][0] == data["tokens"]
    assert "source_bars" in data and "input_bars" in data


def test_a_few_changed_notes_still_match(index: Index) -> None:
    melody = soprano()
    events = list(melody.events)
    notes = [i for i, e in enumerate(events) if e.pitch is not None]
    for i in notes[10:40:10]:  # three notes a semitone off
        events[i] = NoteEvent(
            events[i].pitch + 1, events[i].duration, events[i].bar, events[i].beat
        )
    report = check_melodies(index, [Melody(tuple(events[5:45]), "edited", "")], "edited")
    best = report.matches[0]
    assert best.source is not None and best.source.title == "bwv269, Soprano"
    assert best.kind == "near-verbatim"
    assert 0.6 <= best.similarity < 1.0


def test_unrelated_tune_is_original(index: Index, tmp_path: Path) -> None:
    path = tmp_path / "tune.abc"
    path.write_text(
        "X:1\nT:Not a chorale\nM:6/8\nL:1/8\nK:D\n"
        "dcB AFD|GBd gfe|dcB AFA|BGE E3|dcB AFD|GBd gfe|fed cBA|d3 d3|]\n"
    )
    report = check_music(index, path)
    assert report.verdict == "original"
    assert report.matches == ()


def test_every_part_of_a_score_input_is_checked(index: Index) -> None:
    path = Path(music21.corpus.getWork("bach/bwv266"))
    report = check_music(index, path.read_bytes(), path.name, CheckOptions())
    parts = {m.details.get("input_part") for m in report.matches}
    assert {"Soprano", "Alto", "Tenor", "Bass"} <= parts
    assert report.coverage == pytest.approx(1.0)


def test_synthesized_audio_of_an_indexed_tune_is_found(index: Index, tmp_path: Path) -> None:
    pytest.importorskip("librosa")
    soundfile = pytest.importorskip("soundfile")
    from wherefrom.music.audio import SAMPLE_RATE, synthesize

    notes = [(e.pitch, e.duration) for e in soprano().events[:30] if e.pitch is not None]
    path = tmp_path / "sung.wav"
    soundfile.write(path, synthesize([(p - 3, d) for p, d in notes], tempo=150), SAMPLE_RATE)
    report = check_music(index, path)
    assert report.input.kind == "music"
    best = report.matches[0]
    assert best.source is not None and best.source.title == "bwv269, Soprano"
    assert best.similarity >= 0.9
