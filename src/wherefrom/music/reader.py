"""Reading music files (MusicXML/MXL, MIDI, ABC, Humdrum) into melodies through music21: one
melody per part, one per voice of a part that has several, and for MIDI with several tracks a
skyline melody of the highest notes; each becomes a Document of kind "music"."""

from __future__ import annotations

import bisect
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wherefrom import kinds
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import BadInputError, require
from wherefrom.music.melody import NoteEvent, serialize
from wherefrom.records import Document, LicenseSource, Provenance

# Scores the registry names, and `.xml` for MusicXML saved under that name (the caller has
# decided it is a score: `kinds.media_kind` looks at the file's first bytes).
SCORE_EXTENSIONS = tuple(sorted(kinds.spec("music").extensions | {".xml"}))
MIDI_EXTENSIONS = (".mid", ".midi")
MIN_NOTES = 2
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Melody:
    """One line of notes taken from a score, with what the score says about it."""

    events: tuple[NoteEvent, ...]
    title: str
    part: str
    composer: str = ""
    copyright: str = ""
    fragment: str = ""  # which tune of a multi-tune file: "#3"

    @property
    def n_notes(self) -> int:
        return sum(1 for event in self.events if event.pitch is not None)

    @property
    def full_title(self) -> str:
        return f"{self.title}, {self.part}" if self.part else self.title

    @property
    def content(self) -> str:
        return serialize(self.events)


def read_music_file(path: Path, defaults: Provenance) -> Iterator[Document]:
    """Documents of kind "music", one per melody of the file.

    Title and composer come from the file (the file name when it names no title), license,
    version and collection from `defaults`; a copyright line of the file is kept as license
    evidence. Raises BadInputError when the file cannot be parsed or holds no melody.
    """
    path = Path(path)
    for melody in read_melodies(path):
        uri = path.as_posix() + melody.fragment
        authors = (melody.composer,) if melody.composer else defaults.authors
        provenance = replace(defaults, uri=uri, title=melody.full_title, authors=authors)
        if melody.copyright:
            # the score's own statement: a licence when it names one, else evidence only
            provenance = with_license(
                provenance, melody.copyright, LicenseSource.SPDX_LINE, f"score copyright: {melody.copyright}"
            )
        yield Document(content=melody.content, kind="music", provenance=provenance)


def read_melodies(source: Path | bytes, name: str = "") -> list[Melody]:
    """Every melody of a music file, given as a path or as bytes with the file `name`
    (whose extension says the format)."""
    if isinstance(source, bytes):
        suffix = Path(name).suffix.lower()
        if suffix not in SCORE_EXTENSIONS:
            raise BadInputError(
                f"{name}: unknown music format {suffix!r}; expected one of {SCORE_EXTENSIONS}"
            )
        handle, temporary = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(source)
            return _read_path(Path(temporary), name or temporary)
        finally:
            os.unlink(temporary)
    return _read_path(Path(source), str(source))


def _read_path(path: Path, where: str) -> list[Melody]:
    music21 = require("music21", "reading music files", "music")
    from music21 import stream

    try:
        parsed = music21.converter.parseFile(path, forceSource=True, storePickle=False)
    except Exception as error:  # music21 raises many unrelated types for a bad file
        message = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise BadInputError(f"{where}: not a readable music file ({message})") from None
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    is_midi = path.suffix.lower() in MIDI_EXTENSIONS
    melodies: list[Melody] = []
    for number, score in enumerate(scores, start=1):
        fragment = f"#{_tune_number(score, number)}" if len(scores) > 1 else ""
        melodies.extend(_score_melodies(score, Path(where), fragment, is_midi))
    if not melodies:
        raise BadInputError(f"{where}: no melody with at least {MIN_NOTES} notes")
    return melodies


def _tune_number(score: Any, fallback: int) -> str:
    number = getattr(score.metadata, "number", None) if score.metadata else None
    return str(number) if number not in (None, "") else str(fallback)


def _score_title(score: Any, path: Path) -> tuple[str, str, str]:
    meta = score.metadata
    if meta is None:
        return path.stem, "", ""
    title = meta.title or ""
    movement = meta.movementName or ""
    if not title and movement and movement != path.name:
        title = movement
    composer = meta.composer or ""
    copyright_line = str(meta.copyright) if meta.copyright else ""
    return title or path.stem, composer, copyright_line


def _score_melodies(score: Any, path: Path, fragment: str, is_midi: bool) -> list[Melody]:
    from music21 import stream

    title, composer, copyright_line = _score_title(score, path)
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    clock = _BarClock(parts[0])
    lines: list[tuple[str, list[NoteEvent]]] = []
    all_notes: list[tuple[float, int, float]] = []
    for index, part in enumerate(parts, start=1):
        part_name = (getattr(part, "partName", None) or "").strip() or f"part {index}"
        notes = _raw_notes(part)
        all_notes.extend(notes)
        lines.append((part_name, _skyline(notes, clock)))
        if isinstance(part, stream.Part) and part.hasVoices():
            voice_parts = list(part.voicesToParts().parts)
            for number, voice in enumerate(voice_parts, start=1):
                events = _skyline(_raw_notes(voice), clock)
                if events != lines[-1][1] and len(voice_parts) > 1:
                    lines.append((f"{part_name}, voice {number}", events))
    if is_midi and len(parts) > 1:
        lines.append(("skyline", _skyline(all_notes, clock)))
    melodies = []
    single = len(lines) == 1 and not (getattr(parts[0], "partName", None) or "").strip()
    for part_name, events in lines:
        melody = Melody(
            tuple(events), title, "" if single else part_name, composer, copyright_line, fragment
        )
        if melody.n_notes >= MIN_NOTES:
            melodies.append(melody)
    return melodies


def _raw_notes(part: Any) -> list[tuple[float, int, float]]:
    """(onset, highest pitch, duration) of every sounding note or chord, ties merged, grace
    notes dropped (an ornament must not break the line)."""
    notes = []
    for element in part.stripTies().flatten().notes:
        duration = float(element.quarterLength)
        if duration <= 0 or element.duration.isGrace:
            continue
        pitches = [p.midi for p in getattr(element, "pitches", ())]
        if pitches:
            notes.append((float(element.offset), max(pitches), duration))
    return notes


def _skyline(notes: list[tuple[float, int, float]], clock: _BarClock) -> list[NoteEvent]:
    """A monophonic line: at each onset the highest note, cut where the next one starts; a
    silence before the next onset becomes a rest."""
    by_onset: dict[float, tuple[int, float]] = {}
    for onset, pitch, duration in notes:
        kept = by_onset.get(onset)
        if kept is None or pitch > kept[0]:
            by_onset[onset] = (pitch, duration)
    onsets = sorted(by_onset)
    events: list[NoteEvent] = []
    for i, onset in enumerate(onsets):
        pitch, duration = by_onset[onset]
        following = onsets[i + 1] if i + 1 < len(onsets) else onset + duration
        end = min(onset + duration, following)
        events.append(NoteEvent(pitch, end - onset, *clock.locate(onset)))
        if following - end > _EPSILON:
            events.append(NoteEvent(None, following - end, *clock.locate(end)))
    return events


class _BarClock:
    """Turns an offset in quarter notes into (bar, beat) from a part's measures and time
    signatures; without measures it counts bars of 4/4."""

    def __init__(self, part: Any) -> None:
        from music21 import stream

        self.offsets: list[float] = []
        self.rows: list[tuple[int, float, float]] = []  # number, pickup padding, beat length
        beat_length = 1.0
        for measure in part.getElementsByClass(stream.Measure):
            signature = measure.timeSignature
            if signature is not None:
                beat_length = float(signature.beatDuration.quarterLength) or 1.0
            self.offsets.append(float(measure.offset))
            self.rows.append((int(measure.number), float(measure.paddingLeft or 0.0), beat_length))
        if self.rows and self.rows[0][0] == 0 and self.rows[0][1] == 0:
            # a full first bar numbered 0 (music21 numbers ABC tunes so): count from 1, as
            # printed music does; a real pickup keeps bar 0
            self.rows = [(number + 1, padding, beat) for number, padding, beat in self.rows]

    def locate(self, offset: float) -> tuple[int, float]:
        if not self.offsets:
            return int(offset // 4) + 1, round(offset % 4 + 1, 4)
        index = max(0, bisect.bisect_right(self.offsets, offset + _EPSILON) - 1)
        number, padding, beat_length = self.rows[index]
        return number, round((offset - self.offsets[index] + padding) / beat_length + 1, 4)
