"""A melody as plain text: one note or rest a line, written by the readers and read back by
the normalizer, so the sequence engine stores, verifies and quotes melodies like text.

A line is ``PITCH DURATION BAR:BEAT``: ``C#4 0.5 12:2.5`` is a C sharp above middle C lasting
an eighth (durations in quarter notes), starting on the second half of beat 2 of bar 12;
``r 1 12:3`` is a rest. Lines starting with ``#`` and blank lines are ignored. Notes (not
rests) are numbered from 0 in order: those numbers are the note indices of report spans.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from wherefrom.errors import BadInputError

_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_PITCH = re.compile(r"([A-Ga-g])([#b]*)(-?\d+)")
_BAR = re.compile(r"-?\d+")


@dataclass(frozen=True, slots=True)
class NoteEvent:
    """One note (`pitch` a MIDI number, 60 = C4) or rest (`pitch` None); `duration` in quarter
    notes; `bar` and `beat` (1-based, fractional within the beat) say where it starts."""

    pitch: int | None
    duration: float
    bar: int
    beat: float

    @property
    def is_rest(self) -> bool:
        return self.pitch is None

    @property
    def position(self) -> str:
        """``bar:beat`` as reports print it."""
        return f"{self.bar}:{_number(self.beat)}"


def pitch_name(midi: int) -> str:
    """Scientific pitch name with sharps: 60 -> C4, 61 -> C#4, 21 -> A0."""
    return f"{_NAMES[midi % 12]}{midi // 12 - 1}"


def parse_pitch(text: str) -> int:
    """A MIDI number from a pitch name (``C#4``, ``Bb3``, ``E-1``) or a plain number."""
    if text.isdigit():
        return int(text)
    found = _PITCH.fullmatch(text)
    if found is None:
        raise ValueError(text)
    letter, accidentals, octave = found.groups()
    shift = accidentals.count("#") - accidentals.count("b")
    return _STEPS[letter.upper()] + shift + 12 * (int(octave) + 1)


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def serialize(events: list[NoteEvent] | tuple[NoteEvent, ...]) -> str:
    """The text form of a melody, one event a line."""
    lines = []
    for event in events:
        pitch = "r" if event.pitch is None else pitch_name(event.pitch)
        lines.append(f"{pitch} {_number(event.duration)} {event.position}\n")
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class ParsedMelody:
    """A serialized melody read back, with where each event's line sits in the text.

    `note_events[j]` is the event index of note j (rests skipped); `note_starts[j]` and
    `note_ends[j]` are the [start, end) character offsets of its line (without the newline).
    """

    events: tuple[NoteEvent, ...]
    line_starts: np.ndarray
    line_ends: np.ndarray
    note_events: np.ndarray

    @property
    def notes(self) -> list[NoteEvent]:
        return [self.events[i] for i in self.note_events.tolist()]

    @property
    def n_notes(self) -> int:
        return len(self.note_events)

    @property
    def note_starts(self) -> np.ndarray:
        return self.line_starts[self.note_events]

    @property
    def note_ends(self) -> np.ndarray:
        return self.line_ends[self.note_events]

    def note_span(self, start: int, end: int) -> tuple[int, int]:
        """The [first, last) notes whose lines the character span [start, end) touches; a rest
        line counts with the note before it."""
        starts = self.note_starts
        first = max(0, int(np.searchsorted(starts, start, side="right")) - 1)
        last = max(first + 1, int(np.searchsorted(starts, max(start, end - 1), side="right")))
        return first, min(last, self.n_notes)

    def bars(self, first: int, last: int) -> list[str]:
        """``[bar:beat of note first, bar:beat of note last - 1]``."""
        if self.n_notes == 0 or last <= first:
            return []
        notes = self.note_events
        return [self.events[int(notes[first])].position, self.events[int(notes[last - 1])].position]

    def text_of_notes(self, first: int, last: int, limit: int = 24) -> str:
        """Pitch names of notes [first, last), at most `limit` of them, for snippets."""
        names = [
            pitch_name(int(self.events[int(i)].pitch or 0)) for i in self.note_events[first:last]
        ]
        return " ".join(names[:limit]) + (" …" if len(names) > limit else "")


def parse(content: str, where: str = "melody") -> ParsedMelody:
    """Read the text form back; a malformed line raises BadInputError naming it."""
    events: list[NoteEvent] = []
    starts: list[int] = []
    ends: list[int] = []
    notes: list[int] = []
    position = 0
    for number, line in enumerate(content.splitlines(keepends=True), start=1):
        begin = position
        position += len(line)
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            event = _event(stripped)
        except ValueError:
            raise BadInputError(
                f"{where}: line {number} is not 'PITCH DURATION BAR:BEAT' (got {stripped[:40]!r})"
            ) from None
        if event.pitch is not None:
            notes.append(len(events))
        events.append(event)
        lead = len(body) - len(body.lstrip())
        starts.append(begin + lead)
        ends.append(begin + lead + len(stripped))
    return ParsedMelody(
        tuple(events),
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
        np.asarray(notes, dtype=np.int64),
    )


def _event(text: str) -> NoteEvent:
    """One stripped line: ``PITCH DURATION BAR:BEAT``; ValueError when it is not one."""
    fields = text.split()
    if len(fields) != 3:
        raise ValueError(text)
    pitch_text, duration_text, position = fields
    bar_text, colon, beat_text = position.partition(":")
    if not colon or not _BAR.fullmatch(bar_text):
        raise ValueError(text)
    pitch = None if pitch_text in ("r", "R") else _pitch_of(pitch_text)
    return NoteEvent(pitch, float(duration_text), int(bar_text), float(beat_text))


@functools.lru_cache(maxsize=1024)
def _pitch_of(text: str) -> int:
    return parse_pitch(text)
