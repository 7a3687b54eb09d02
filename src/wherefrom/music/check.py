"""check for melodies: every melody of a score, MIDI or audio input goes through the sequence
matcher as its text form, and the matches come back in notes and bars instead of characters.

Spans are [first, last) note indices of one melody (rests are not counted); each match says
which melody of the input it is (`input_part`) and where it lies in bars
(`input_bars`/`source_bars`: ``["5:1", "12:4"]``, bar:beat of its first and last note).
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from wherefrom.check import CheckOptions, check_text, covered_length, snippet_text
from wherefrom.errors import require
from wherefrom.index import Index
from wherefrom.music.melody import NoteEvent, ParsedMelody, parse
from wherefrom.music.reader import Melody, read_melodies
from wherefrom.records import InputInfo, Match, Report
from wherefrom.report import make_report


def input_melodies(source: str | Path | bytes, name: str = "") -> list[Melody]:
    """The melodies of an input file: every part and voice of a score or MIDI file, or the
    pitch-tracked line of an audio file (the `music-audio` extra)."""
    from wherefrom.music.audio import is_audio, melody_from_audio

    where = name or str(source)
    if is_audio(where):
        events = melody_from_audio(source if isinstance(source, bytes) else Path(source), where)
        return [Melody(tuple(events), Path(where).stem, "audio")]
    return read_melodies(source if isinstance(source, bytes) else Path(source), where)


def check_music(
    index: Index,
    path_or_bytes: str | Path | bytes,
    name: str = "",
    options: CheckOptions | None = None,
) -> Report:
    """Check a music or audio file against the melodies of an index."""
    options = replace(options or CheckOptions(), kind="music")
    name = name or (str(path_or_bytes) if not isinstance(path_or_bytes, bytes) else "-")
    melodies = input_melodies(path_or_bytes, name)
    return check_melodies(index, melodies, name, options)


def check_melodies(
    index: Index, melodies: list[Melody], name: str, options: CheckOptions | None = None
) -> Report:
    """Check already-read melodies (one input with several parts gives one report)."""
    options = replace(options or CheckOptions(), kind="music")
    matches: list[Match] = []
    coverage = 0.0
    notes = 0
    sources: dict[str, ParsedMelody | None] = {}
    for melody in melodies:
        content = melody.content
        parsed = parse(content, name)
        notes += parsed.n_notes
        report = check_text(index, content, name, options)
        part_matches = [
            _in_notes(index, m, parsed, melody.part if len(melodies) > 1 else "", sources, options.snippet_chars)
            for m in report.matches
        ]
        covered = covered_length([m.input_span for m in part_matches])
        coverage = max(coverage, covered / parsed.n_notes if parsed.n_notes else 0.0)
        matches += part_matches
    return make_report(InputInfo(name, "music", notes), matches, coverage)


def _in_notes(
    index: Index,
    match: Match,
    parsed: ParsedMelody,
    part: str,
    sources: dict[str, ParsedMelody | None],
    snippet_chars: int,
) -> Match:
    """A match of the text form, re-expressed in notes and bars."""
    first, last = parsed.note_span(*match.input_span)
    details: dict[str, Any] = dict(match.details)
    if part:
        details["input_part"] = part
    details["input_bars"] = parsed.bars(first, last)
    source_span: tuple[int, ...] = ()
    snippet = ""
    if match.source is not None and len(match.source_span) == 2:
        source = _source_melody(index, match.source.uid, sources)
        if source is not None and not details.get("approximate_source_span"):
            s_first, s_last = source.note_span(*match.source_span)
            source_span = (s_first, s_last)
            details["source_bars"] = source.bars(s_first, s_last)
            snippet = source.text_of_notes(s_first, s_last)
        else:
            source_span = _estimated_notes(index, match.source.uid, match.source_span)
    return replace(
        match,
        input_span=(first, last),
        source_span=source_span,
        tokens=last - first,
        snippet=snippet_text(snippet or parsed.text_of_notes(first, last), snippet_chars),
        details=details,
    )


def _source_melody(
    index: Index, uid: str, cache: dict[str, ParsedMelody | None]
) -> ParsedMelody | None:
    if uid not in cache:
        row = index.document_by_uid(uid)
        text = index.text(row.doc_id)
        cache[uid] = None if text is None else parse(text, row.provenance.uri or uid)
    return cache[uid]


def _estimated_notes(index: Index, uid: str, chars: tuple[int, ...]) -> tuple[int, int]:
    """Note indices from character offsets when the source text is not kept (a hash-only
    index): lines of a melody are of nearly equal length."""
    row = index.document_by_uid(uid)
    per_note = row.n_chars / max(row.n_tokens + 1, 1)
    return int(chars[0] / per_note), max(int(chars[0] / per_note) + 1, round(chars[1] / per_note))


def piano_roll_png(input_notes: list[NoteEvent], source_notes: list[NoteEvent]) -> bytes:
    """The copied passage of the input above the passage it copies, as a PNG piano roll (for
    the HTML report). Needs matplotlib."""
    matplotlib = require("matplotlib", "piano-roll pictures", "music")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(2, 1, figsize=(8, 4), sharex=False)
    for ax, notes, label in ((axes[0], input_notes, "input"), (axes[1], source_notes, "source")):
        onset = 0.0
        for note in notes:
            if note.pitch is not None:
                ax.broken_barh([(onset, max(note.duration, 0.05))], (note.pitch - 0.4, 0.8))
            onset += note.duration
        ax.set_ylabel(f"{label}\nMIDI pitch")
    axes[1].set_xlabel("quarter notes")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    pyplot.close(figure)
    return buffer.getvalue()
