"""Reading MusicXML, MIDI and ABC files into melody documents with their provenance."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.extras import require_extra

from wherefrom.errors import BadInputError
from wherefrom.music.melody import parse
from wherefrom.music.reader import read_melodies, read_music_file
from wherefrom.records import Provenance

music21 = require_extra("music", "music21")

ABC_TUNES = """X:1
T:Speed the Plough
C:Trad.
M:4/4
L:1/8
K:G
GABG DGBG|cBcd efge|fdec dBAG|FGAF DEFD|
GABG DGBG|cBcd efge|fdec dBAF|G2B2 G4|]

X:2
T:Second Tune
M:3/4
L:1/4
K:D
D F A|d2 c|B A G|F3|E G B|e2 d|c B A|d3|]
"""


def chorale() -> Path:
    return Path(music21.corpus.getWork("bach/bwv269"))


def test_musicxml_gives_one_document_per_part() -> None:
    docs = list(read_music_file(chorale(), Provenance(license="CC0-1.0", collection="chorales")))
    assert [d.provenance.title for d in docs] == [
        "bwv269, Soprano",
        "bwv269, Alto",
        "bwv269, Tenor",
        "bwv269, Bass",
    ]
    soprano = docs[0]
    assert soprano.kind == "music"
    assert soprano.provenance.authors == ("J.S. Bach",)
    assert soprano.provenance.license == "CC0-1.0"
    assert soprano.provenance.collection == "chorales"
    assert soprano.provenance.uri.endswith("bwv269.mxl")
    first = parse(soprano.content).events[0]
    assert (first.pitch, first.duration, first.position) == (67, 1.0, "0:3")  # pickup G4 on beat 3
    assert len({d.uid for d in docs}) == 4


def test_abc_file_with_two_tunes(tmp_path: Path) -> None:
    path = tmp_path / "tunes.abc"
    path.write_text(ABC_TUNES)
    docs = list(read_music_file(path, Provenance()))
    assert [d.provenance.title for d in docs] == ["Speed the Plough", "Second Tune"]
    assert docs[0].provenance.authors == ("Trad.",)
    assert docs[0].provenance.license == "NOASSERTION"
    assert [d.provenance.uri for d in docs] == [f"{path.as_posix()}#1", f"{path.as_posix()}#2"]
    tune = parse(docs[0].content)
    assert tune.n_notes == 59
    assert tune.bars(0, tune.n_notes) == ["1:1", "8:3"]


def test_midi_tracks_and_skyline(tmp_path: Path) -> None:
    stream, note = music21.stream, music21.note
    score = stream.Score()
    for name, pitches in (("Melody", [72, 74, 76, 77, 79]), ("Bass", [48, 43, 48, 43, 48])):
        part = stream.Part()
        part.partName = name
        for pitch in pitches:
            part.append(note.Note(pitch, quarterLength=1))
        score.insert(0, part)
    path = tmp_path / "two.mid"
    score.write("midi", fp=path)
    melodies = read_melodies(path)
    assert [m.part for m in melodies][-1] == "skyline"
    assert len(melodies) == 3
    tracks = [[e.pitch for e in m.events if e.pitch is not None] for m in melodies]
    assert [72, 74, 76, 77, 79] in tracks and [48, 43, 48, 43, 48] in tracks
    assert tracks[-1] == [72, 74, 76, 77, 79]


def test_bytes_input_reads_like_the_file(tmp_path: Path) -> None:
    assert [m.content for m in read_melodies(ABC_TUNES.encode(), "tunes.abc")] == [
        m.content for m in read_melodies(_write(tmp_path / "t.abc", ABC_TUNES))
    ]


def test_corrupt_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"broken\.mid"):
        list(read_music_file(_write(tmp_path / "broken.mid", "not midi at all"), Provenance()))


def test_file_without_notes_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no melody"):
        list(
            read_music_file(
                _write(tmp_path / "empty.abc", "X:1\nT:Silence\nL:1/4\nK:C\nz4|]\n"), Provenance()
            )
        )


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
