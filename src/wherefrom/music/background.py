"""How likely a melodic figure is by chance: a first-order model of the normal form's tokens,
so that a match made of common figures (a scale in even eighths) needs more notes than one
made of rare ones (a leap into a dotted rhythm) before it counts as a copy.

A token's probability is P(interval | kind of the previous interval) x P(duration ratio class |
previous ratio class). The tables were counted with `count_tables` over 2,826 melodies
(197,662 tokens) of the music21 corpus that the melody benchmark does not use: 250 tunes of
Ryan's Mammoth Collection, four Essen files (han1, erk5, kinder0, zuccal0), three books of
Aird's Airs and every part of the Bach chorales 201-320 (by file name).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MAX_INTERVAL = 12  # larger leaps share the probability of a twelve-semitone one
# Kinds of the previous interval: leap down (3+ semitones), step down, repeat, step up, leap up.
_KIND_EDGES = np.array([-2, 0, 1, 3])

# Per mille: row = kind of the previous interval, column = interval -12 .. +12.
INTERVAL_AFTER = np.array([
    [0, 0, 0, 1, 0, 5, 0, 14, 62, 55, 155, 23, 142, 53, 120, 116, 51, 99, 1, 36, 19, 14, 12, 1, 20],
    [2, 0, 0, 1, 2, 7, 1, 16, 26, 88, 292, 127, 108, 74, 141, 29, 22, 32, 0, 13, 4, 5, 4, 0, 8],
    [2, 0, 3, 2, 4, 11, 1, 30, 15, 68, 159, 55, 261, 30, 150, 51, 37, 68, 0, 20, 5, 9, 6, 1, 12],
    [7, 0, 2, 3, 3, 23, 2, 35, 54, 66, 177, 60, 91, 118, 247, 60, 15, 22, 0, 4, 3, 2, 1, 0, 2],
    [11, 1, 12, 7, 21, 38, 2, 69, 37, 142, 149, 75, 160, 35, 116, 54, 27, 34, 1, 4, 1, 2, 0, 0, 1],
])
# Per mille: row = previous duration ratio class, column = ratio class -3 .. +3.
RATIO_AFTER = np.array([
    [22, 31, 1, 427, 18, 264, 237],
    [4, 59, 1, 762, 16, 122, 36],
    [622, 262, 7, 90, 5, 7, 6],
    [6, 62, 4, 697, 18, 148, 65],
    [929, 4, 18, 47, 1, 1, 0],
    [44, 473, 15, 390, 18, 41, 19],
    [625, 158, 104, 93, 11, 7, 2],
])


def _log_table(per_mille: np.ndarray) -> np.ndarray:
    """-log2 of each row's probabilities, one count added to every cell (nothing is impossible)."""
    counts = per_mille.astype(np.float64) + 1.0
    return -np.log2(counts / counts.sum(axis=1, keepdims=True))


_INTERVAL_BITS = _log_table(INTERVAL_AFTER)
_RATIO_BITS = _log_table(RATIO_AFTER)


def interval_kind(intervals: np.ndarray) -> np.ndarray:
    """0 leap down, 1 step down, 2 repeat, 3 step up, 4 leap up."""
    return np.searchsorted(_KIND_EDGES, intervals, side="right")


def token_bits(intervals: np.ndarray, ratios: np.ndarray) -> np.ndarray:
    """Information of every token of a melody in bits, -log2 P(token | previous token); the
    first token follows a repeated note of the same length."""
    intervals = np.asarray(intervals, dtype=np.int64)
    ratios = np.asarray(ratios, dtype=np.int64)
    previous_kind = interval_kind(np.concatenate([[0], intervals[:-1]]))
    previous_ratio = np.concatenate([[0], ratios[:-1]])
    columns = np.clip(intervals, -MAX_INTERVAL, MAX_INTERVAL) + MAX_INTERVAL
    return _INTERVAL_BITS[previous_kind, columns] + _RATIO_BITS[previous_ratio + 3, ratios + 3]


def count_tables(melodies: Iterable[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The per-mille tables of this module from (intervals, ratio classes) of many melodies:
    how INTERVAL_AFTER and RATIO_AFTER were made."""
    intervals_after = np.zeros((5, 2 * MAX_INTERVAL + 1))
    ratios_after = np.zeros((7, 7))
    for intervals, ratios in melodies:
        intervals = np.asarray(intervals, dtype=np.int64)
        ratios = np.asarray(ratios, dtype=np.int64)
        previous_kind = interval_kind(np.concatenate([[0], intervals[:-1]]))
        previous_ratio = np.concatenate([[0], ratios[:-1]])
        columns = np.clip(intervals, -MAX_INTERVAL, MAX_INTERVAL) + MAX_INTERVAL
        np.add.at(intervals_after, (previous_kind, columns), 1)
        np.add.at(ratios_after, (previous_ratio + 3, ratios + 3), 1)

    def per_mille(table: np.ndarray) -> np.ndarray:
        totals = np.maximum(table.sum(axis=1, keepdims=True), 1)
        return np.rint(1000 * table / totals).astype(np.int64)

    return per_mille(intervals_after), per_mille(ratios_after)
