"""Two passages compared note by note: transposition and tempo found, a changed note costs one
note, the alignment trims to the copy, and stock figures carry little evidence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.music.background import INTERVAL_AFTER, RATIO_AFTER, count_tables, token_bits
from wherefrom.music.compare import NoteLine, align_passages, passage_evidence
from wherefrom.music.melody import NoteEvent, parse, serialize

# "Ode to Joy", first phrase: (MIDI pitch, quarter notes)
ODE = [(64, 1), (64, 1), (65, 1), (67, 1), (67, 1), (65, 1), (64, 1), (62, 1), (60, 1), (60, 1),
       (62, 1), (64, 1), (64, 1.5), (62, 0.5), (62, 2)]
# a hornpipe-like line: leaps and dotted rhythms
LEAPS = [(67, 0.75), (71, 0.25), (74, 1), (79, 0.5), (76, 0.5), (72, 0.75), (71, 0.25), (69, 1),
         (71, 0.5), (67, 0.5), (76, 0.75), (72, 0.25), (69, 1.5), (66, 0.5), (74, 0.75), (73, 0.25)]
SCALE = [(62 + step, 0.5) for step in (0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0, -1)]


def line(notes: list[tuple[int, float]]) -> NoteLine:
    events, offset = [], 0.0
    for pitch, duration in notes:
        events.append(NoteEvent(pitch, duration, int(offset // 4) + 1, offset % 4 + 1))
        offset += duration
    return NoteLine.of(parse(serialize(events)))


def align(played: list[tuple[int, float]], source: list[tuple[int, float]]):
    return align_passages(line(source), (0, len(source)), line(played), (0, len(played)))


def test_transposition_tempo_and_a_changed_note() -> None:
    played = [(p + 5, d * 2) for p, d in ODE]
    played[6] = (played[6][0] + 2, played[6][1])
    found = align(played, ODE)
    assert found is not None
    assert found.transposition == -5 and found.tempo == 0.5
    assert len(found.pairs) == len(ODE) - 1 and not found.verbatim
    assert found.similarity == (len(ODE) - 1) / len(ODE)


def test_alignment_trims_to_the_copy() -> None:
    before = [(50, 1), (57, 0.5), (48, 3), (53, 0.25)]
    after = [(70, 2), (45, 0.5), (58, 1)]
    found = align(before + LEAPS + after, LEAPS)
    assert found is not None and found.verbatim
    assert found.input_span == (len(before), len(before) + len(LEAPS))
    assert found.source_span == (0, len(LEAPS))


def test_unrelated_passages_share_little() -> None:
    found = align(LEAPS, ODE)
    assert found is None or found.similarity < 0.4


def test_stock_figures_carry_less_evidence() -> None:
    def evidence(notes: list[tuple[int, float]]) -> float:
        return passage_evidence(line(notes), list(range(len(notes) - 1)))

    repeated = [(60, 1.0)] * len(SCALE)
    assert evidence(repeated) < 15 < evidence(SCALE) < 40
    assert evidence(LEAPS) > 60


def test_a_step_is_likelier_than_a_leap_into_a_dotted_rhythm() -> None:
    bits = token_bits(np.array([2, 2, 9, -8]), np.array([0, 0, 1, -3]))
    assert bits[1] < 3
    assert bits[2] > 6
    assert bits[3] > bits[1]


def test_tables_are_per_mille_and_count_tables_makes_them() -> None:
    assert np.all(np.abs(INTERVAL_AFTER.sum(axis=1) - 1000) <= 5)
    assert np.all(np.abs(RATIO_AFTER.sum(axis=1) - 1000) <= 5)
    intervals, ratios = count_tables([(np.array([2, 2, -1]), np.array([0, 0, 1]))])
    # after the start (a repeat): +2; after a step up: +2 then -1
    assert intervals[2, 12 + 2] == 1000
    assert intervals[3, 12 + 2] == 500 and intervals[3, 12 - 1] == 500
    assert ratios[3, 3] == 667 and ratios[3, 4] == 333


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(50, 80), st.sampled_from([0.25, 0.5, 1, 1.5, 2])), min_size=4, max_size=40),
    st.integers(-12, 12),
    st.sampled_from([0.5, 0.75, 1.0, 2.0]),
)
def test_a_transposed_copy_at_another_tempo_agrees_note_for_note(
    notes: list[tuple[int, float]], shift: int, factor: float
) -> None:
    found = align([(p + shift, d * factor) for p, d in notes], notes)
    assert found is not None and found.verbatim
    assert found.transposition == -shift
    assert found.tempo == pytest.approx(1 / factor)
