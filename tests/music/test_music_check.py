"""check on melodies: a transposed, slower, edited or sung excerpt of an indexed tune is found
and reported in notes and bars; an unrelated tune is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.extras import require_extra

from wherefrom.check import CheckOptions
from wherefrom.index import Index
from wherefrom.music.check import check_melodies, check_music, part_labels
from wherefrom.music.melody import NoteEvent
from wherefrom.music.reader import Melody, read_melodies

music21 = require_extra("music", "music21")


@pytest.fixture
def index(chorale_index: Index) -> Index:
    return chorale_index


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
    assert best.details.source_bars[0].startswith("3:")
    assert best.details.source_bars[1].startswith("12:")
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
    parts = {m.details.input_part for m in report.matches}
    assert {"Soprano", "Alto", "Tenor", "Bass"} <= parts
    assert report.coverage == pytest.approx(1.0)


def test_synthesized_audio_of_an_indexed_tune_is_found(index: Index, tmp_path: Path) -> None:
    require_extra("music-audio", "librosa")
    soundfile = require_extra("music-audio", "soundfile")
    from wherefrom.music.audio import SAMPLE_RATE, synthesize

    notes = [(e.pitch, e.duration) for e in soprano().events[:30] if e.pitch is not None]
    path = tmp_path / "sung.wav"
    soundfile.write(path, synthesize([(p - 3, d) for p, d in notes], tempo=150), SAMPLE_RATE)
    report = check_music(index, path)
    assert report.input.kind == "music"
    best = report.matches[0]
    assert best.source is not None and best.source.title == "bwv269, Soprano"
    assert best.similarity >= 0.9


def test_one_note_in_ten_changed_is_found_with_default_settings(index: Index) -> None:
    """The whole soprano a minor third lower, half again as slow, every tenth note a tone off."""
    events = []
    notes = 0
    for event in soprano().events:
        if event.pitch is None:
            events.append(NoteEvent(None, event.duration * 1.5, event.bar, event.beat))
            continue
        shift = -3 + (2 if notes % 10 == 4 else 0)
        events.append(NoteEvent(event.pitch + shift, event.duration * 1.5, event.bar, event.beat))
        notes += 1
    report = check_melodies(index, [Melody(tuple(events), "edited", "")], "edited")
    best = max(report.matches, key=lambda m: m.similarity)
    assert best.source is not None and best.source.title == "bwv269, Soprano"
    assert best.kind == "near-verbatim"
    assert 0.85 <= best.similarity < 1.0
    assert best.details.transposition == 3
    assert best.details.tempo == pytest.approx(1 / 1.5, abs=0.01)


def test_a_shared_scale_is_not_a_copy_but_a_shared_tune_is(index: Index, tmp_path: Path) -> None:
    """Both inputs share 16 notes with an indexed tune (in another key); only the distinctive
    ones count."""
    scale = tmp_path / "scale.abc"
    scale.write_text(
        "X:1\nT:Other\nM:4/4\nL:1/8\nK:G\nG2 B2 d2 B2|c3 B A2 G2|gab c'd'e'f'g'|f'e'd'c' bagf|"
        "g2 b2 d'2 b2|g6 z2|]\n"
    )
    assert [m for m in check_music(index, scale).matches if m.source is not None] == []
    leaps = tmp_path / "leaps.abc"
    leaps.write_text(
        "X:1\nT:Other\nM:6/8\nL:1/8\nK:C\nC2E G3|c3 E>FG|c2A F>ED|E<GC A>FD|B,3 GFG|d>BG E2A|c3 C3|]\n"
    )
    found = [m for m in check_music(index, leaps).matches if m.source is not None]
    assert [m.source.title for m in found if m.source] == ["Leaping Tune"]
    assert found[0].details.transposition == 7


def test_tunes_of_one_file_are_told_apart() -> None:
    tunes = [Melody((), "Reel", ""), Melody((), "Jig", ""), Melody((), "Reel", "")]
    assert part_labels(tunes) == ["Reel #1", "Jig", "Reel #2"]
    parts = [Melody((), "bwv269", "Soprano"), Melody((), "bwv269", "Alto")]
    assert part_labels(parts) == ["Soprano", "Alto"]
