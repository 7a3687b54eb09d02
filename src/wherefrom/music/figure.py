"""Piano rolls for the HTML report: the copied notes of the input above the source notes they
copy, on one time axis and one pitch range with the transposition and tempo applied, the
notes that agree in dark and the others in orange. Drawn with
Pillow, which the `music` extra brings in (through matplotlib)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

from wherefrom.errors import require
from wherefrom.index import Index
from wherefrom.music.check import input_melodies, part_labels
from wherefrom.music.compare import NoteLine, align_passages
from wherefrom.music.judge import SourceMelodies
from wherefrom.music.melody import NoteEvent, ParsedMelody, parse, pitch_name
from wherefrom.records import Match, MusicDetails, Report, SourceRef

WIDTH = 720
LEFT = 56  # room for the panel label and pitch names
ROW = 5  # pixels per semitone
GAP = 14  # between the two panels
AGREE = (31, 78, 140)
DIFFER = (230, 126, 34)
GRID = (225, 225, 225)
BAR = (180, 180, 180)
INK = (60, 60, 60)


def _notes_with_onsets(events: Sequence[NoteEvent]) -> list[tuple[float, NoteEvent]]:
    """(onset from the first event, note) of every note; rests only move time on."""
    out, onset = [], 0.0
    for event in events:
        if event.pitch is not None:
            out.append((onset, event))
        onset += event.duration
    return out


def piano_roll_png(
    input_notes: Sequence[NoteEvent],
    source_notes: Sequence[NoteEvent],
    *,
    input_agree: frozenset[int] = frozenset(),
    source_agree: frozenset[int] = frozenset(),
    input_stretch: float = 1.0,
    input_shift: int = 0,
) -> bytes:
    """The input passage above the source passage as a PNG piano roll (pitch up, time right).

    Both are event lists (rests move time on); `input_stretch` multiplies the input's
    durations and `input_shift` (semitones) moves its pitches, so that a copy at another
    tempo and in another key lines up with its source, note under note, on one pitch range
    for both panels; notes whose index (in
    note order, rests not counted) is in `*_agree` are drawn dark, the others orange. Without
    any agreeing index every note is drawn dark.
    """
    image_module = require("PIL.Image", "piano-roll pictures", "music")
    draw_module = require("PIL.ImageDraw", "piano-roll pictures", "music")
    shifted = [(onset, NoteEvent(None if n.pitch is None else n.pitch + input_shift, n.duration, n.bar, n.beat))
               for onset, n in _notes_with_onsets(input_notes)]
    panels = [
        ("input", shifted, input_stretch, input_agree),
        ("source", _notes_with_onsets(source_notes), 1.0, source_agree),
    ]
    every_pitch = [note.pitch or 0 for _, notes, _, _ in panels for _, note in notes] or [60]
    low, high = min(every_pitch), max(every_pitch)
    span = max(
        [(onset + note.duration) * stretch for _, notes, stretch, _ in panels for onset, note in notes] or [1.0]
    )
    scale = (WIDTH - LEFT - 8) / max(span, 1e-6)
    heights = [(high - low + 3) * ROW for _ in panels]
    image = image_module.new("RGB", (WIDTH, sum(heights) + GAP + 4), "white")
    draw = draw_module.Draw(image)
    top = 2
    for (label, notes, stretch, agree), height in zip(panels, heights, strict=True):
        highest = high + 1
        draw.rectangle([LEFT, top, WIDTH - 4, top + height - 1], outline=BAR)
        for pitch in range(low - 1, highest + 1):
            if pitch % 12 == 0:  # a line at every C, named
                y = top + (highest - pitch) * ROW + ROW // 2
                draw.line([LEFT, y, WIDTH - 4, y], fill=GRID)
                draw.text((LEFT - 26, y - 5), pitch_name(pitch), fill=INK)
        draw.text((4, top + 2), label, fill=INK)
        for number, (onset, note) in enumerate(notes):
            x0 = LEFT + onset * stretch * scale
            x1 = max(x0 + 1, LEFT + (onset + note.duration) * stretch * scale - 1)
            y0 = top + (highest - (note.pitch or 0)) * ROW
            colour = AGREE if not agree or number in agree else DIFFER
            draw.rectangle([x0, y0, x1, y0 + ROW - 1], fill=colour)
        top += height + GAP
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _passage_events(parsed: ParsedMelody, first: int, last: int) -> list[NoteEvent]:
    """Events from note `first` up to (not including) note `last`, the rests between them kept."""
    if last <= first:
        return []
    begin = int(parsed.note_events[first])
    end = int(parsed.note_events[last - 1]) + 1
    return list(parsed.events[begin:end])


def _details(match: Match) -> MusicDetails:
    return match.details if isinstance(match.details, MusicDetails) else MusicDetails()


def _input_melody(melodies: dict[str, ParsedMelody], match: Match) -> ParsedMelody | None:
    return melodies.get(_details(match).input_part or "")


def _transposition(semitones: int) -> str:
    """How the input sits against the source: `semitones` carry an input note to its source note."""
    if semitones == 0:
        return "The input is in the source's key"
    direction = "lower" if semitones > 0 else "higher"
    return f"The input is {abs(semitones)} semitone{'s' if abs(semitones) > 1 else ''} {direction}"


def _figure(match: Match, source_ref: SourceRef, number: int, played: ParsedMelody, sources: SourceMelodies) -> str:
    first, last = match.input_span[0], match.input_span[1]
    input_events = _passage_events(played, first, last)
    source = sources.parsed(source_ref.uid)
    details = _details(match)
    title = source_ref.title or source_ref.uri
    where = f"notes {first + 1}-{last}"
    if details.input_bars:
        where += f" (bars {details.input_bars[0]} to {details.input_bars[1]})"
    if details.input_part:
        where += f" of {details.input_part}"
    if source is None or len(match.source_span) != 2:
        png = piano_roll_png(input_events, [])
        caption = f"Input {where} above; the index keeps no notes of {title}."
    else:
        s_first, s_last = match.source_span[0], match.source_span[1]
        line, source_line = NoteLine.of(played), sources.line(source_ref.uid)
        alignment = None if source_line is None else align_passages(
            source_line, (s_first, s_last), line, (first, last)
        )
        input_agree = frozenset(i - first for i, _ in alignment.pairs) if alignment else frozenset()
        source_agree = frozenset(j - s_first for _, j in alignment.pairs) if alignment else frozenset()
        stretch = alignment.tempo if alignment else 1.0
        png = piano_roll_png(
            input_events,
            _passage_events(source, s_first, s_last),
            input_agree=input_agree,
            source_agree=source_agree,
            input_stretch=stretch,
            input_shift=alignment.transposition if alignment else 0,
        )
        caption = f"Input {where} above; {title}, notes {s_first + 1}-{s_last}"
        if details.source_bars:
            caption += f" (bars {details.source_bars[0]} to {details.source_bars[1]})"
        caption += " below."
        if alignment is not None:
            caption += (f" {_transposition(alignment.transposition)}; it is drawn in the source's key and at its"
                        f" tempo (note lengths × {alignment.tempo:.3g}), so copied notes line up;")
            caption += f" {len(alignment.pairs)} of {max(last - first, s_last - s_first)} notes agree (dark)."
    data = base64.b64encode(png).decode("ascii")
    alt = f"piano roll of match {number}"
    return (
        f"<figure><img src='data:image/png;base64,{data}' alt='{html.escape(alt)}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def html_figures(index: Index, report: Report, data: bytes) -> dict[int, str]:
    """HTML piano rolls of every match with a source, by match number (1-based over
    `report.matches`); `data` is the checked file, read again for its notes."""
    if not any(match.source is not None for match in report.matches):
        return {}
    read = input_melodies(data, report.input.name)
    labels = part_labels(read) if len(read) > 1 else [""] * len(read)
    melodies = {label: parse(melody.content, report.input.name) for melody, label in zip(read, labels, strict=True)}
    sources = SourceMelodies(index)
    figures: dict[int, str] = {}
    for number, match in enumerate(report.matches, start=1):
        played = _input_melody(melodies, match)
        if match.source is not None and played is not None:
            figures[number] = _figure(match, match.source, number, played, sources)
    return figures
