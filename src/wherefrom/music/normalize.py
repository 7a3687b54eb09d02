"""Melody normal form: one token per note after the first, made of the pitch interval from
the previous note (so a transposed copy has the same tokens) and the coarse ratio of the two
notes' inter-onset intervals (so a faster or slower copy has the same tokens).

A note's inter-onset interval runs from its start to the next note's start, so a rest counts
with the note before it and staccato or legato playing changes nothing. Changing one note's
pitch or length changes exactly the two tokens that involve it. Token j spans the lines of
notes j - 1 and j of the text form (see `wherefrom.music.melody`).
"""

from __future__ import annotations

import numpy as np

from wherefrom.music.melody import ParsedMelody, parse
from wherefrom.normalize.base import NormalForm, Normalizer, TokenIds, register_normalizer

MAX_INTERVAL = 24  # larger leaps (rare, mostly octave slips of a transcription) share a token
# Duration ratios fall in 7 classes by |log2 ratio|: same, a little (4:3, 3:2), double, more
# (3:1 and beyond), each way. The edges sit halfway between the ratios scores use, so a
# performed or pitch-tracked rhythm a little off the written one keeps its class.
RATIO_EDGES = np.array([0.2075, 0.79, 1.29])
_MIN_IOI = 1e-6


def onsets_and_iois(parsed: ParsedMelody) -> tuple[np.ndarray, np.ndarray]:
    """Start of every note (quarter notes from the first event) and its inter-onset interval;
    the last note's interval runs to the end of the melody, trailing rests included."""
    durations = np.asarray([event.duration for event in parsed.events], dtype=np.float64)
    event_onsets = np.concatenate([[0.0], np.cumsum(durations)])
    onsets = event_onsets[parsed.note_events]
    following = np.append(onsets[1:], event_onsets[-1])
    return onsets, np.maximum(following - onsets, _MIN_IOI)


def melody_tokens(parsed: ParsedMelody) -> list[str]:
    """The token strings of a parsed melody: ``"+2/-1"`` is up a whole tone, half as long."""
    if parsed.n_notes < 2:
        return []
    pitches = np.asarray([event.pitch for event in parsed.notes], dtype=np.int64)
    _, iois = onsets_and_iois(parsed)
    intervals = np.clip(np.diff(pitches), -MAX_INTERVAL, MAX_INTERVAL)
    logs = np.log2(iois[1:] / iois[:-1])
    ratios = np.sign(logs) * np.searchsorted(RATIO_EDGES, np.abs(logs))
    return [
        f"{int(i):+d}/{int(r):+d}" for i, r in zip(intervals.tolist(), ratios.tolist(), strict=True)
    ]


class MusicNormalizer(Normalizer):
    """Reads the text form of a melody and gives one token per note after the first."""

    kind = "music"

    def __init__(self, language: str = "") -> None:
        self.language = language
        self._ids = TokenIds()

    def normalize(self, content: str) -> NormalForm:
        return self.normalize_parsed(parse(content))

    def normalize_parsed(self, parsed: ParsedMelody) -> NormalForm:
        tokens = melody_tokens(parsed)
        if not tokens:
            return NormalForm.empty()
        ids = np.fromiter(
            (self._ids(token) for token in tokens), dtype=np.uint64, count=len(tokens)
        )
        starts = parsed.note_starts[:-1].astype(np.int64)
        ends = parsed.note_ends[1:].astype(np.int64)
        return NormalForm(ids, starts, ends)


register_normalizer("music", MusicNormalizer)
