"""The melody text form and normal form: what a transposed, slower or lightly edited copy keeps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.errors import BadInputError
from wherefrom.music.melody import NoteEvent, parse, parse_pitch, pitch_name, serialize
from wherefrom.music.normalize import MusicNormalizer, melody_tokens
from wherefrom.normalize import get_normalizer

# "Ode to Joy", first phrase: (MIDI pitch, quarter notes)
ODE = [
    (64, 1),
    (64, 1),
    (65, 1),
    (67, 1),
    (67, 1),
    (65, 1),
    (64, 1),
    (62, 1),
    (60, 1),
    (60, 1),
    (62, 1),
    (64, 1),
    (64, 1.5),
    (62, 0.5),
    (62, 2),
]


def events(notes: list[tuple[int | None, float]]) -> list[NoteEvent]:
    out, offset = [], 0.0
    for pitch, duration in notes:
        out.append(NoteEvent(pitch, duration, int(offset // 4) + 1, offset % 4 + 1))
        offset += duration
    return out


def ids(notes: list[tuple[int | None, float]]) -> list[int]:
    return get_normalizer("music").normalize(serialize(events(notes))).ids.tolist()


def test_pitch_names_round_trip() -> None:
    assert pitch_name(60) == "C4" and pitch_name(61) == "C#4" and pitch_name(21) == "A0"
    assert parse_pitch("Bb3") == 58 and parse_pitch("E-1") == 4
    assert all(parse_pitch(pitch_name(p)) == p for p in range(0, 128))


def test_text_form_round_trips() -> None:
    melody = events([*ODE[:4], (None, 1), *ODE[4:]])
    text = serialize(melody)
    assert text.splitlines()[0] == "E4 1 1:1"
    assert text.splitlines()[4] == "r 1 2:1"
    parsed = parse(text)
    assert list(parsed.events) == melody
    assert parsed.n_notes == len(ODE)


def test_transposed_copy_has_identical_tokens() -> None:
    assert ids([(p + 5, d) for p, d in ODE]) == ids(ODE)
    assert ids([(p - 12, d) for p, d in ODE]) == ids(ODE)


def test_tempo_change_keeps_tokens() -> None:
    assert ids([(p, d * 2) for p, d in ODE]) == ids(ODE)
    assert ids([(p, d / 3) for p, d in ODE]) == ids(ODE)


def test_rest_counts_with_the_note_before() -> None:
    """A staccato performance (note shortened, rest after) reads as the legato score."""
    staccato = []
    for pitch, duration in ODE:
        staccato += [(pitch, duration * 0.75), (None, duration * 0.25)]
    assert ids(staccato) == ids(ODE)


def test_one_token_per_note_after_the_first() -> None:
    assert len(ids(ODE)) == len(ODE) - 1
    assert ids(ODE[:1]) == []
    assert melody_tokens(parse(serialize(events(ODE[:3])))) == ["+0/+0", "+1/+0"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(40, 90), st.sampled_from([0.25, 0.5, 1, 1.5, 2, 3])),
        min_size=3,
        max_size=40,
    ),
    st.data(),
)
def test_one_changed_note_changes_at_most_two_tokens(
    notes: list[tuple[int, float]], data: st.DataObject
) -> None:
    where = data.draw(st.integers(0, len(notes) - 1))
    pitch = data.draw(st.integers(40, 90))
    duration = data.draw(st.sampled_from([0.25, 0.5, 1, 1.5, 2, 3]))
    changed = list(notes)
    changed[where] = (pitch, duration)
    before, after = ids(notes), ids(changed)
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after, strict=True)) <= 2


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(30, 100)), st.sampled_from([0.25, 0.5, 1, 2])),
        max_size=30,
    )
)
def test_token_offsets_point_at_note_lines(notes: list[tuple[int | None, float]]) -> None:
    text = serialize(events(notes))
    parsed = parse(text)
    form = MusicNormalizer().normalize(text)
    for j in range(len(form)):
        start, end = form.char_span(j, j + 1)
        assert parsed.note_span(start, end) == (j, j + 2)
        assert text[start:end].splitlines()[0].split()[0] != "r"


def test_malformed_line_names_the_line() -> None:
    with pytest.raises(BadInputError, match="line 2"):
        parse("C4 1 1:1\nhello\n", "tune.txt")


def test_comments_and_blank_lines_are_ignored() -> None:
    text = "# a header\n\nC4 1 1:1\n  D4 1 1:2\n"
    parsed = parse(text)
    assert parsed.n_notes == 2
    assert text[int(parsed.note_starts[1]) : int(parsed.note_ends[1])] == "D4 1 1:2"
