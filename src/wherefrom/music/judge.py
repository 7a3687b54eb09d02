"""Judging a melody passage the sequence matcher proposes: it is aligned note by note with
the source (`wherefrom.music.compare`) and kept when its notes agree well enough and carry
enough evidence that they agree by copying, not by sharing common figures.

The evidence needed grows with the places a chance agreement could start: EVIDENCE_MARGIN bits
more than log2(input notes x indexed melodies).
"""

from __future__ import annotations

import math
from dataclasses import replace

from wherefrom.config import CheckOptions
from wherefrom.index import Index
from wherefrom.match.spans import snippet_text
from wherefrom.music.compare import NoteLine, align_passages, fits
from wherefrom.music.melody import ParsedMelody, parse
from wherefrom.records import Match, MusicDetails, SequenceDetails

# Against 1,294 indexed melodies (the melody benchmark), chance agreements of 750 held-out
# excerpts of folk tunes reached 24 bits beyond log2(input notes x melodies), while copies
# with one note in ten changed carried 32 or more.
EVIDENCE_MARGIN = 28.0
# Notes added on each side of a proposed passage (at most its own length) before the note
# alignment: the matcher's region may stop short of a copy's ends when edits lie near them.
WINDOW_PAD = 32


def required_evidence(input_notes: int, melodies: int) -> float:
    """Bits a match must carry: EVIDENCE_MARGIN more than log2 of the places a chance agreement
    could start (input notes x indexed melodies), so larger indexes ask for more."""
    return EVIDENCE_MARGIN + math.log2(max(input_notes, 2) * max(melodies, 1))


class SourceMelodies:
    """The indexed melodies a check or report needs, read back from the index by uid and kept
    while it runs: parsed (None in a hash-only index, which keeps no text) and as a NoteLine."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._parsed: dict[str, ParsedMelody | None] = {}
        self._lines: dict[str, NoteLine] = {}

    def parsed(self, uid: str) -> ParsedMelody | None:
        if uid not in self._parsed:
            row = self.index.document_by_uid(uid)
            text = self.index.text(row.doc_id)
            self._parsed[uid] = None if text is None else parse(text, row.provenance.uri or uid)
        return self._parsed[uid]

    def line(self, uid: str) -> NoteLine | None:
        parsed = self.parsed(uid)
        if parsed is None:
            return None
        if uid not in self._lines:
            self._lines[uid] = NoteLine.of(parsed)
        return self._lines[uid]


def judge(
    candidate: Match,
    parsed: ParsedMelody,
    line: NoteLine,
    part: str,
    sources: SourceMelodies,
    options: CheckOptions,
    required: float,
) -> Match | None:
    """A proposed match (character spans of the text forms) aligned note by note and told in
    notes and bars; None when its notes agree less than `options.min_similarity` or carry
    fewer than `required` bits."""
    if candidate.source is None:
        return None
    uid = candidate.source.uid
    passage = parsed.note_span(*candidate.input_span)
    proposed = candidate.details
    details = MusicDetails(
        input_part=part or None,
        approximate_source_span=isinstance(proposed, SequenceDetails) and proposed.approximate_source_span,
    )
    source, source_line = sources.parsed(uid), sources.line(uid)
    if source is None or source_line is None:
        return _judged_without_notes(candidate, parsed, line, passage, sources, options, required, details)
    window = _widened(source.note_span(*candidate.source_span), source.n_notes)
    wide = _widened(passage, len(line))
    if not fits(wide, window):
        return _judged_without_notes(candidate, parsed, line, passage, sources, options, required, details)
    alignment = align_passages(source_line, window, line, wide)
    if alignment is None or alignment.similarity < options.min_similarity or alignment.evidence < required:
        return None
    first, last = alignment.input_span
    s_first, s_last = alignment.source_span
    details = replace(
        details,
        input_bars=tuple(parsed.bars(first, last)),
        source_bars=tuple(source.bars(s_first, s_last)),
        transposition=alignment.transposition,
        tempo=round(alignment.tempo, 3),
        evidence_bits=round(alignment.evidence, 1),
    )
    return replace(
        candidate,
        input_span=(first, last),
        source_span=(s_first, s_last),
        tokens=last - first,
        kind="verbatim" if alignment.verbatim else "near-verbatim",
        similarity=alignment.similarity,
        snippet=snippet_text(source.text_of_notes(s_first, s_last), options.snippet_chars),
        details=details,
    )


def _judged_without_notes(
    candidate: Match,
    parsed: ParsedMelody,
    line: NoteLine,
    passage: tuple[int, int],
    sources: SourceMelodies,
    options: CheckOptions,
    required: float,
    details: MusicDetails,
) -> Match | None:
    """Judgement when the source's notes cannot be aligned (a hash-only index keeps none, or
    the passages are too long): the evidence is the input passage's own information in the
    share of it the matcher found, and the matcher's spans and similarity stand."""
    if candidate.source is None:
        return None
    evidence = float(line.bits[passage[0] : passage[1] - 1].sum()) * candidate.similarity
    if candidate.similarity < options.min_similarity or evidence < required:
        return None
    source = sources.parsed(candidate.source.uid)
    if source is None:
        source_span = _estimated_notes(sources.index, candidate.source.uid, candidate.source_span)
    else:
        source_span = source.note_span(*candidate.source_span)
        details = replace(details, source_bars=tuple(source.bars(*source_span)))
    details = replace(details, input_bars=tuple(parsed.bars(*passage)), evidence_bits=round(evidence, 1))
    return replace(
        candidate,
        input_span=passage,
        source_span=source_span,
        tokens=passage[1] - passage[0],
        snippet=snippet_text(parsed.text_of_notes(*passage), options.snippet_chars),
        details=details,
    )


def _widened(span: tuple[int, int], notes: int) -> tuple[int, int]:
    """The span and as many notes again on each side, within the melody: the matcher's region
    may stop short of the copy's ends (edits near them) and the note alignment trims it."""
    pad = min(span[1] - span[0], WINDOW_PAD)
    return max(0, span[0] - pad), min(notes, span[1] + pad)


def _estimated_notes(index: Index, uid: str, chars: tuple[int, ...]) -> tuple[int, int]:
    """Note indices from character offsets when the source text is not kept (a hash-only
    index): lines of a melody are of nearly equal length."""
    row = index.document_by_uid(uid)
    per_note = row.n_chars / max(row.n_tokens + 1, 1)
    return int(chars[0] / per_note), max(int(chars[0] / per_note) + 1, round(chars[1] / per_note))
