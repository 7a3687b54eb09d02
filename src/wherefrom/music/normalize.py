"""Melody normal form: one token per note after the first, made of the pitch interval from
the previous note (so a transposed copy has the same tokens) and the coarse ratio of the two
notes' inter-onset intervals (so a faster or slower copy has the same tokens).

A note's inter-onset interval runs from its start to the next note's start, so a rest counts
with the note before it and staccato or legato playing changes nothing. Changing one note's
pitch or length changes exactly the two tokens that involve it. Token j spans the lines of
notes j - 1 and j of the text form (see `wherefrom.music.melody`).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from wherefrom.music.melody import ParsedMelody, parse
from wherefrom.normalize.base import NormalForm, Normalizer, TokenIds

MAX_INTERVAL = 24  # larger leaps (rare, mostly octave slips of a transcription) share a token
# Duration ratios fall in 7 classes by |log2 ratio|: same, a little (4:3, 3:2), double, more
# (3:1 and beyond), each way. The edges sit halfway between the ratios scores use, so a
# performed or pitch-tracked rhythm a little off the written one keeps its class.
RATIO_EDGES = np.array([0.2075, 0.79, 1.29])
_MIN_IOI = 1e-6
FORM_CACHE = 4096  # normal forms of recently read melodies kept by each normalizer


def onsets_and_iois(parsed: ParsedMelody) -> tuple[np.ndarray, np.ndarray]:
    """Start of every note (quarter notes from the first event) and its inter-onset interval;
    the last note's interval runs to the end of the melody, trailing rests included."""
    durations = np.asarray([event.duration for event in parsed.events], dtype=np.float64)
    event_onsets = np.concatenate([[0.0], np.cumsum(durations)])
    onsets = event_onsets[parsed.note_events]
    following = np.append(onsets[1:], event_onsets[-1])
    return onsets, np.maximum(following - onsets, _MIN_IOI)


def intervals_and_ratios(parsed: ParsedMelody) -> tuple[np.ndarray, np.ndarray]:
    """Per token (one per note after the first): the interval from the previous note in
    semitones, clipped to MAX_INTERVAL, and the duration ratio class, -3 .. +3."""
    if parsed.n_notes < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pitches = np.asarray([event.pitch for event in parsed.notes], dtype=np.int64)
    _, iois = onsets_and_iois(parsed)
    intervals = np.clip(np.diff(pitches), -MAX_INTERVAL, MAX_INTERVAL)
    logs = np.log2(iois[1:] / iois[:-1])
    ratios = np.sign(logs) * np.searchsorted(RATIO_EDGES, np.abs(logs))
    return intervals, ratios.astype(np.int64)


def melody_tokens(parsed: ParsedMelody) -> list[str]:
    """The token strings of a parsed melody: ``"+2/-1"`` is up a whole tone, a little shorter."""
    intervals, ratios = intervals_and_ratios(parsed)
    return [f"{i:+d}/{r:+d}" for i, r in zip(intervals.tolist(), ratios.tolist(), strict=True)]


class MusicNormalizer(Normalizer):
    """Reads the text form of a melody and gives one token per note after the first."""

    kind = "music"

    def __init__(self, language: str = "") -> None:
        self.language = language
        ids = TokenIds()
        # every possible token's id, at (interval + MAX_INTERVAL) * 7 + ratio class + 3
        self._table = np.asarray(
            [ids(f"{i:+d}/{r:+d}") for i in range(-MAX_INTERVAL, MAX_INTERVAL + 1) for r in range(-3, 4)],
            dtype=np.uint64,
        )
        self._forms: OrderedDict[str, NormalForm] = OrderedDict()

    def normalize(self, content: str) -> NormalForm:
        # The matcher re-reads the same indexed melodies for many queries; melodies are short,
        # so their normal forms are kept (a normal form is a pure function of the content).
        form = self._forms.get(content)
        if form is None:
            form = self.normalize_parsed(parse(content))
            if len(self._forms) >= FORM_CACHE:
                self._forms.popitem(last=False)
            self._forms[content] = form
        else:
            self._forms.move_to_end(content)
        return form

    def normalize_parsed(self, parsed: ParsedMelody) -> NormalForm:
        intervals, ratios = intervals_and_ratios(parsed)
        if len(intervals) == 0:
            return NormalForm.empty()
        ids = self._table[(intervals + MAX_INTERVAL) * 7 + ratios + 3]
        starts = parsed.note_starts[:-1].astype(np.int64)
        ends = parsed.note_ends[1:].astype(np.int64)
        return NormalForm(ids, starts, ends)

