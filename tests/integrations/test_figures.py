"""The picture and melody side-by-side views: a difference overlay of the matched boxes of two
pictures; piano rolls with the input drawn in the source's key and tempo, note under note."""

from __future__ import annotations

import io

import numpy as np

from tests.extras import require_extra

Image = require_extra("image", "PIL.Image")


def test_a_transposed_slower_copy_is_drawn_note_under_note() -> None:
    from wherefrom.music.figure import AGREE, GAP, LEFT, ROW, piano_roll_png
    from wherefrom.music.melody import NoteEvent

    source = [NoteEvent(67 + step, 1.0, 1, 1 + i) for i, step in enumerate((0, 2, 4, 5))]
    copy = [NoteEvent(note.pitch - 5, 2.0, 1, 1 + i) for i, note in enumerate(source)]  # a fourth lower, half speed
    png = piano_roll_png(copy, source, input_stretch=0.5, input_shift=5)
    image = Image.open(io.BytesIO(png))
    panel = (72 - 67 + 3) * ROW  # one pitch range, 67 to 72, that the shifted copy shares
    notes = (np.asarray(image.convert("RGB")) == AGREE).all(axis=2)
    top, bottom = notes[2 : 2 + panel], notes[2 + panel + GAP : 2 + 2 * panel + GAP]
    assert top.sum() > 0 and bottom.sum() > 0
    # the same pitches on the same rows, the same onsets once the tempo is undone
    assert (top != bottom).sum() <= 0.02 * top.sum()
    assert np.flatnonzero(top.any(axis=0)).min() == LEFT


def test_the_difference_overlay_marks_what_changed_inside_the_boxes() -> None:
    require_extra("image", "cv2")
    from wherefrom.image.figure import DIFFER, difference_png

    rng = np.random.default_rng(0)
    source = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    edited = source.copy()
    edited[20:40, 30:60] = 255  # a white patch painted over part of the picture
    png = difference_png(edited, (0, 0, 160, 120), source, (0, 0, 160, 120))
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    marked = (image == DIFFER).all(axis=2)
    assert marked[25:35, 35:55].mean() > 0.9  # the patch is marked
    assert marked[70:110, 90:150].mean() < 0.05  # the rest is not
