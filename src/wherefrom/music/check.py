"""check for melodies: every melody of a score, MIDI or audio input goes through the sequence
matcher in its melody normal form; the passages it proposes are judged note by note
(`wherefrom.music.judge`) and come back in notes and bars instead of characters.

Spans are [first, last) note indices of one melody (rests are not counted); each match says
which melody of the input it is (`input_part`), where it lies in bars (`input_bars` /
`source_bars`: ``["5:1", "12:4"]``, bar:beat of its first and last note), how the input sits
against the source (`transposition` in semitones, `tempo` as a ratio of note lengths) and the
evidence against chance (`evidence_bits`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from wherefrom.config import CheckOptions
from wherefrom.index import Index
from wherefrom.match import count_passages, dedupe, sequence_matches
from wherefrom.match.spans import covered_length, passage_groups, span_overlap
from wherefrom.music.compare import NoteLine
from wherefrom.music.judge import SourceMelodies, judge, required_evidence
from wherefrom.music.melody import ParsedMelody, parse
from wherefrom.music.reader import Melody, read_melodies
from wherefrom.normalize import get_normalizer
from wherefrom.records import InputInfo, Match, MusicDetails, Report
from wherefrom.report import make_report

# The sequence matcher proposes regions of this many tokens or more at this token similarity
# or more (one changed note in five leaves about 0.6 of the tokens); the note-by-note
# judgement widens, trims and decides.
PROPOSAL_TOKENS = 8
CANDIDATE_SIMILARITY = 0.5
MAX_CANDIDATES = 1000  # proposals per passage before judging (chance ones are many)


def input_melodies(source: str | Path | bytes, name: str = "") -> list[Melody]:
    """The melodies of an input file: every part and voice of a score or MIDI file, or the
    pitch-tracked line of an audio file (the `music-audio` extra)."""
    from wherefrom.music.audio import is_audio, melody_from_audio

    where = name or str(source)
    if is_audio(where):
        events = melody_from_audio(source if isinstance(source, bytes) else Path(source), where)
        return [Melody(tuple(events), Path(where).stem, "audio")]
    return read_melodies(source if isinstance(source, bytes) else Path(source), where)


def check_music_bytes(index: Index, data: bytes, name: str, options: CheckOptions) -> Report:
    """The registry's checker of melodies: a score, MIDI or audio file given as bytes."""
    return check_music(index, data, name, options)


def proposals(index: Index, content: str, options: CheckOptions) -> list[Match]:
    """The passages the sequence matcher proposes for one melody's text form, with the
    sources they were found in counted per passage (character spans of the text form)."""
    form = get_normalizer("music").normalize(content)
    if len(form) == 0:
        return []
    found, commons = sequence_matches(index, form, "music", options)
    return count_passages(dedupe(found), commons, options.max_sources)


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
    """Check already-read melodies (one input with several parts gives one report).

    The sequence matcher proposes passages (with a looser similarity, since a changed note
    costs it two tokens); each is then aligned note by note and kept when its notes agree
    well enough (`options.min_similarity`) and carry enough evidence against chance.
    """
    options = replace(options or CheckOptions(), kind="music")
    min_tokens = options.min_tokens or index.config.melody_min_tokens
    proposal_options = replace(
        options,
        min_tokens=min(min_tokens, PROPOSAL_TOKENS),
        min_similarity=min(options.min_similarity, CANDIDATE_SIMILARITY),
        max_sources=MAX_CANDIDATES,
    )
    melodies_indexed = max(index.stats_kinds().get("music", 0), 1)
    matches: list[Match] = []
    coverage = 0.0
    notes = 0
    sources = SourceMelodies(index)
    labels = part_labels(melodies) if len(melodies) > 1 else [""] * len(melodies)
    for melody, part in zip(melodies, labels, strict=True):
        content = melody.content
        parsed = parse(content, name)
        notes += parsed.n_notes
        line = NoteLine.of(parsed)
        required = required_evidence(parsed.n_notes, melodies_indexed)
        kept = []
        for candidate in proposals(index, content, proposal_options):
            if candidate.source is None:
                match: Match | None = _common_in_notes(candidate, parsed, part)
            else:
                match = judge(candidate, parsed, line, part, sources, options, required)
            if match is not None and (match.tokens or 0) > min_tokens:  # tokens + 1 notes
                kept.append(match)
        part_matches = _best_sources(kept, options.max_sources)
        covered = covered_length([m.input_span for m in part_matches])
        coverage = max(coverage, covered / parsed.n_notes if parsed.n_notes else 0.0)
        matches += part_matches
    return make_report(InputInfo(name, "music", notes), matches, coverage)


def part_labels(melodies: list[Melody]) -> list[str]:
    """What `input_part` calls each melody: its part name (or title), numbered where names
    repeat (the tunes of a multi-tune ABC file)."""
    names = [melody.part or melody.title for melody in melodies]
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(f"{name} #{seen[name]}" if names.count(name) > 1 else name)
    return labels


def _common_in_notes(match: Match, parsed: ParsedMelody, part: str) -> Match:
    """A stretch of figures common to many indexed melodies, in notes."""
    first, last = parsed.note_span(*match.input_span)
    details = MusicDetails(input_bars=tuple(parsed.bars(first, last)), input_part=part or None)
    return replace(match, input_span=(first, last), tokens=last - first, details=details)


def _best_sources(matches: list[Match], max_sources: int) -> list[Match]:
    """Matches of overlapping input passages form one group: every source in it is counted,
    the `max_sources` with the most evidence are reported. A common stretch stays only where
    no source was found."""
    groups = passage_groups(sorted((m for m in matches if m.source is not None), key=lambda m: m.input_span))
    out: list[Match] = []
    for group in groups:
        best: dict[str, Match] = {}
        for match in group:
            uid = match.source.uid if match.source is not None else ""
            kept = best.get(uid)
            if kept is None or _strength(match) > _strength(kept):
                best[uid] = match
        ranked = sorted(best.values(), key=_strength, reverse=True)[:max_sources]
        out += [replace(m, documents_containing=len(best)) for m in ranked]
    out += [
        m for m in matches
        if m.source is None and not any(span_overlap(m.input_span, f.input_span) for f in out)
    ]
    return out


def _strength(match: Match) -> float:
    details = match.details
    return float(details.evidence_bits or 0.0) if isinstance(details, MusicDetails) else 0.0
