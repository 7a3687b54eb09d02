"""Two melodic passages compared note by note: the transposition and tempo that carry one onto
the other, the notes that agree, and the evidence (in bits) that they agree by copying rather
than by chance.

The sequence matcher finds candidate passages through interval tokens, where one changed note
costs two tokens; here a changed note costs one, and the passage is trimmed to its best local
alignment (+1 per agreeing note, -1 per other note, insertion or deletion).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wherefrom.music.background import token_bits
from wherefrom.music.melody import ParsedMelody
from wherefrom.music.normalize import intervals_and_ratios, onsets_and_iois

# Two notes agree when their inter-onset intervals, once the tempo is undone, differ by less
# than this in log2 (23 % either way: a performed or pitch-tracked rhythm is inexact).
RHYTHM_TOLERANCE = 0.3
VOTE_BAND = 24  # diagonals either side of the passages' main one that vote for a transposition
MAX_CELLS = 25_000_000  # note pairs one alignment may weigh (a byte each); see `fits`
_STOP, _DIAGONAL, _UP, _LEFT = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class NoteLine:
    """A melody as arrays over its notes: MIDI pitch and log2 inter-onset interval; and over its
    tokens (token j joins notes j and j + 1): interval, duration ratio class and information."""

    pitches: np.ndarray
    log_iois: np.ndarray
    intervals: np.ndarray
    ratios: np.ndarray
    bits: np.ndarray

    @classmethod
    def of(cls, parsed: ParsedMelody) -> NoteLine:
        pitches = np.asarray([event.pitch for event in parsed.notes], dtype=np.int64)
        _, iois = onsets_and_iois(parsed)
        intervals, ratios = intervals_and_ratios(parsed)
        return cls(pitches, np.log2(iois), intervals, ratios, token_bits(intervals, ratios))

    def __len__(self) -> int:
        return len(self.pitches)

    def codes(self, first: int, last: int) -> np.ndarray:
        """One integer per token of notes [first, last): equal codes, equal tokens."""
        return self.intervals[first : last - 1] * 16 + self.ratios[first : last - 1]


@dataclass(frozen=True, slots=True)
class NoteAlignment:
    """Input notes [input_span) against source notes [source_span); `pairs` are the agreeing
    (input note, source note) indices, both counted from the start of their melody."""

    input_span: tuple[int, int]
    source_span: tuple[int, int]
    pairs: tuple[tuple[int, int], ...]
    transposition: int  # semitones to add to an input note to reach its source note
    tempo: float  # source inter-onset interval / input inter-onset interval
    evidence: float  # bits carried by the agreeing consecutive notes

    @property
    def similarity(self) -> float:
        length = max(self.input_span[1] - self.input_span[0], self.source_span[1] - self.source_span[0], 1)
        return len(self.pairs) / length

    @property
    def verbatim(self) -> bool:
        n = len(self.pairs)
        return n == self.input_span[1] - self.input_span[0] == self.source_span[1] - self.source_span[0]


def _votes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) where tokens a[u] == b[v] and a[u + 1] == b[v + 1], on diagonals near the line
    joining the two passages' corners; single agreeing tokens when no two in a row agree."""
    n, m = len(a), len(b)
    equal = a[:, None] == b[None, :]
    u = np.arange(n)[:, None]
    v = np.arange(m)[None, :]
    equal &= np.abs(v - u * (m / max(n, 1))) <= VOTE_BAND
    twice = equal[:-1, :-1] & equal[1:, 1:]
    rows, columns = np.nonzero(twice if twice.any() else equal)
    return rows, columns


def _local_alignment(agree: np.ndarray) -> tuple[list[tuple[int, int]], int, int]:
    """Best-scoring local alignment of a note agreement matrix (Smith-Waterman, +1 / -1):
    the agreeing pairs, and the end of the alignment on both sides. Rows are scored with
    array operations; only the moves are kept for the way back (a byte per cell)."""
    n, m = agree.shape
    steps = np.arange(m + 1, dtype=np.int32)
    previous = np.zeros(m + 1, dtype=np.int32)
    moves = np.zeros((n + 1, m + 1), dtype=np.uint8)
    best, best_at = 0, (0, 0)
    for i in range(1, n + 1):
        diagonal = previous[:-1] + np.where(agree[i - 1], 1, -1).astype(np.int32)
        up = previous[1:] - 1
        row = np.zeros(m + 1, dtype=np.int32)
        row[1:] = np.maximum(np.maximum(diagonal, up), 0)
        move = np.zeros(m + 1, dtype=np.uint8)
        move[1:] = np.where(row[1:] == 0, _STOP, np.where(diagonal >= up, _DIAGONAL, _UP))
        # a run of deletions along the row: best of row[k] - (j - k) for k <= j
        reach = np.maximum.accumulate(row + steps) - steps
        move[reach > row] = _LEFT
        moves[i] = move
        top = int(np.argmax(reach))
        if reach[top] > best:
            best, best_at = int(reach[top]), (i, top)
        previous = reach
    i, j = best_at
    pairs: list[tuple[int, int]] = []
    while i > 0 and j > 0 and moves[i, j] != _STOP:
        if moves[i, j] == _DIAGONAL:
            if agree[i - 1, j - 1]:
                pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif moves[i, j] == _UP:
            i -= 1
        else:
            j -= 1
    return pairs[::-1], best_at[0], best_at[1]


def passage_evidence(line: NoteLine, tokens: list[int]) -> float:
    """Bits carried by the agreeing tokens `tokens` of `line`: each costs what the background
    model says, or less when it repeats a token of the passage (then at most -log2 of its share
    so far, 0.5 added to its count): a scale or a repeated note is mostly one token and says
    little however long it runs."""
    if not tokens:
        return 0.0
    bits = line.bits[tokens]
    codes = line.intervals[tokens] * 16 + line.ratios[tokens]
    seen: dict[int, int] = {}
    total = 0.0
    for number, (code, cost) in enumerate(zip(codes.tolist(), bits.tolist(), strict=True)):
        count = seen.get(code, 0)
        total += min(cost, -math.log2((count + 0.5) / (number + 1))) if count else cost
        seen[code] = count + 1
    return total


def fits(passage: tuple[int, int], source: tuple[int, int]) -> bool:
    """Whether two passages are short enough to align note by note (5,000 notes each)."""
    return (passage[1] - passage[0]) * (source[1] - source[0]) <= MAX_CELLS


def align_passages(
    source_line: NoteLine, source: tuple[int, int], input_line: NoteLine, passage: tuple[int, int]
) -> NoteAlignment | None:
    """Align input notes [passage) with source notes [source); None when no two tokens agree."""
    i0, i1 = passage
    j0, j1 = source
    if i1 - i0 < 2 or j1 - j0 < 2 or not fits(passage, source):
        return None
    u, v = _votes(input_line.codes(i0, i1), source_line.codes(j0, j1))
    if len(u) == 0:
        return None
    shifts = source_line.pitches[j0 + v] - input_line.pitches[i0 + u]
    values, counts = np.unique(shifts, return_counts=True)
    transposition = int(values[np.argmax(counts)])
    chosen = shifts == transposition
    log_tempo = float(np.median(source_line.log_iois[j0 + v[chosen]] - input_line.log_iois[i0 + u[chosen]]))
    pitch_a, pitch_b = input_line.pitches[i0:i1], source_line.pitches[j0:j1]
    time_a, time_b = input_line.log_iois[i0:i1], source_line.log_iois[j0:j1]
    agree = (pitch_b[None, :] - pitch_a[:, None] == transposition) & (
        np.abs(time_b[None, :] - time_a[:, None] - log_tempo) < RHYTHM_TOLERANCE
    )
    local, i_end, j_end = _local_alignment(agree)
    if not local:
        return None
    pairs = tuple((i0 + i, j0 + j) for i, j in local)
    joined = {pair for pair in pairs}
    # a token counts when both its notes agree with consecutive notes of the source
    tokens = [i for i, j in pairs if (i + 1, j + 1) in joined]
    evidence = passage_evidence(input_line, tokens)
    return NoteAlignment(
        input_span=(pairs[0][0], i0 + i_end),
        source_span=(pairs[0][1], j0 + j_end),
        pairs=pairs,
        transposition=transposition,
        tempo=float(2.0**log_tempo),
        evidence=evidence,
    )
