"""Images as they really are: transparency composited on white on both sides, palettes with
a transparent colour, EXIF orientation, CMYK, 16-bit and greyscale samples, animations (the
first frame). Each variant of one drawing is found as that drawing."""

from __future__ import annotations

import io

import numpy as np
import pytest
from tests.extras import require_extra

Image = require_extra("image", "PIL.Image")
require_extra("image", "cv2")
require_extra("image", "faiss")

from PIL import ImageDraw  # noqa: E402
from tests.image.test_image_copies import tiny_index  # noqa: E402

from wherefrom.image.reader import open_image  # noqa: E402
from wherefrom.image.search import check_image  # noqa: E402


def drawing(side: int = 256) -> Image.Image:
    """A line drawing on a transparent background, as icons and clip art are stored: the
    hidden colour under the transparent pixels is black, as many editors leave it."""
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 30, 226, 226), outline=(20, 60, 160, 255), width=10)
    draw.polygon([(128, 50), (200, 190), (56, 190)], fill=(230, 120, 20, 255))
    draw.rectangle((100, 120, 156, 176), fill=(40, 160, 70, 255))
    draw.line((40, 220, 220, 40), fill=(120, 20, 120, 255), width=6)
    for i in range(8):
        draw.ellipse((20 + 28 * i, 236, 32 + 28 * i, 248), fill=(200, 30, 30, 255))
    return image


def on_white(image: Image.Image) -> Image.Image:
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")


def saved(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def palette_with_transparency() -> bytes:
    art = drawing()
    palette = art.convert("RGB").quantize(colors=15)
    colours = (palette.getpalette() or [])[: 15 * 3]
    colours += [0, 0, 0] * (16 - len(colours) // 3)  # index 15: black, the transparent one
    alpha = np.asarray(art)[..., 3]
    indexes = np.asarray(palette).copy()
    indexes[alpha == 0] = 15
    out = Image.fromarray(indexes, "P")
    out.putpalette(colours)
    return saved(out, transparency=15)


def rotated_with_exif() -> bytes:
    upright = on_white(drawing())
    stored = upright.rotate(90, expand=True)  # orientation 6: the viewer turns it back 90° right
    exif = Image.Exif()
    exif[0x0112] = 6
    return saved(stored, "JPEG", quality=95, exif=exif)


def sixteen_bit_grey() -> bytes:
    grey = np.asarray(on_white(drawing()).convert("L"), dtype=np.uint16) * 257
    return saved(Image.fromarray(grey))


def cmyk() -> bytes:
    return saved(on_white(drawing()).convert("CMYK"), "JPEG", quality=95)


def animated() -> bytes:
    first = on_white(drawing()).convert("P")
    second = Image.new("RGB", first.size, (10, 200, 10)).convert("P")
    buffer = io.BytesIO()
    first.save(buffer, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    return buffer.getvalue()


VARIANTS = {
    "transparent png": lambda: saved(drawing()),
    "same drawing on white": lambda: saved(on_white(drawing())),
    "palette with a transparent colour": palette_with_transparency,
    "exif orientation": rotated_with_exif,
    "16-bit greyscale": sixteen_bit_grey,
    "cmyk jpeg": cmyk,
    "animated gif (first frame)": animated,
}


def test_transparent_pixels_are_white_whatever_colour_the_file_stores():
    seen, _ = open_image(saved(drawing()), "icon.png")
    assert seen.getpixel((2, 2)) == (255, 255, 255)
    seen, _ = open_image(palette_with_transparency(), "icon.png")
    assert seen.getpixel((2, 2)) == (255, 255, 255)
    seen, _ = open_image(sixteen_bit_grey(), "grey.png")
    assert seen.getpixel((2, 2)) == (255, 255, 255) and seen.getpixel((128, 150))[0] < 200
    seen, _ = open_image(rotated_with_exif(), "turned.jpg")
    assert seen.size == (256, 256)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_of_an_indexed_transparent_drawing_is_found(tmp_path, variant):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "segment").mkdir()
    index = tiny_index(tmp_path / "corpus", tmp_path / "segment", {"icon": drawing()})
    report = check_image(index, VARIANTS[variant](), f"{variant}.png")
    assert report.verdict != "original", variant
    assert report.matches and report.matches[0].source.title == "icon"


def glyph(kind: str, side: int = 96) -> Image.Image:
    """A one-colour symbolic icon on a transparent background."""
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ink = (46, 52, 54, 255)
    if kind == "document":
        draw.rectangle((22, 10, 74, 86), outline=ink, width=6)
        for y in (30, 44, 58):
            draw.line((32, y, 64, y), fill=ink, width=4)
    elif kind == "speaker":
        draw.polygon([(14, 38), (30, 38), (50, 18), (50, 78), (30, 58), (14, 58)], fill=ink)
        draw.arc((40, 28, 80, 68), -60, 60, fill=ink, width=6)
    else:
        draw.ellipse((14, 14, 82, 82), outline=ink, width=6)
        draw.line((48, 28, 48, 52), fill=ink, width=6)
        draw.line((48, 52, 66, 62), fill=ink, width=6)
    return image


def test_flat_glyphs_are_found_as_themselves_and_not_as_each_other(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "segment").mkdir()
    index = tiny_index(tmp_path / "corpus", tmp_path / "segment", {"document": glyph("document"), "speaker": glyph("speaker")})
    assert check_image(index, saved(glyph("clock")), "clock.png").verdict == "original"
    pasted = Image.new("RGBA", (150, 150), (200, 120, 40, 255))
    pasted.alpha_composite(glyph("speaker"), (30, 24))
    report = check_image(index, saved(pasted), "pasted.png")
    assert report.matches and report.matches[0].source.title == "speaker"
