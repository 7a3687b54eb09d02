"""Side-by-side thumbnails for the HTML report: the checked picture and the indexed source,
each with the matched box drawn on it, and the difference of the two boxes laid over the
source's. The source side is the thumbnail the index keeps; a hash-only index keeps none,
and the figure then shows the input alone."""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from wherefrom.image import descriptors as D  # noqa: N812 - the descriptor namespace
from wherefrom.image.reader import open_image
from wherefrom.image.search import locate
from wherefrom.index import Index
from wherefrom.records import ImageDetails, Match, Report

SIDE = 320  # longer side of each thumbnail in the report
BOX = (220, 40, 40)
DIFFER = (214, 0, 110)
# Mean absolute difference over the colour channels (0-255) past which a pixel of the two
# aligned boxes is marked: above JPEG and resampling noise, below a real edit.
DIFFERENCE_THRESHOLD = 40


def boxed_png(rgb: np.ndarray, box: tuple[int, int, int, int] | None, width: int, height: int) -> bytes:
    """`rgb` scaled to at most SIDE pixels, with `box` (in a `width`×`height` frame) outlined."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(D.thumbnail(rgb, SIDE))
    if box is not None:
        sx, sy = image.width / max(1, width), image.height / max(1, height)
        x0, y0, x1, y1 = box
        outline = [x0 * sx, y0 * sy, max(x0 * sx, x1 * sx - 1), max(y0 * sy, y1 * sy - 1)]
        ImageDraw.Draw(image).rectangle(outline, outline=BOX, width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def difference_png(query: np.ndarray, query_box: tuple[int, ...], source: np.ndarray,
                   source_box: tuple[int, ...]) -> bytes:
    """The source's box, lightened, with the pixels where the input's box differs from it
    marked; both boxes (each in its own picture's pixels) scaled to one size of at most
    SIDE pixels, so a crop or a resize still lines up."""
    from PIL import Image

    cv2 = D.cv2_module()

    def crop(rgb: np.ndarray, box: tuple[int, ...]) -> np.ndarray:
        height, width = rgb.shape[:2]
        x0, y0 = max(0, min(width - 1, int(box[0]))), max(0, min(height - 1, int(box[1])))
        x1, y1 = max(x0 + 1, min(width, int(box[2]))), max(y0 + 1, min(height, int(box[3])))
        return rgb[y0:y1, x0:x1]

    base = D.thumbnail(crop(source, source_box), SIDE)
    size = (base.shape[1], base.shape[0])
    other = cv2.resize(np.ascontiguousarray(crop(query, query_box)), size, interpolation=cv2.INTER_AREA)
    differs = np.abs(base.astype(np.int16) - other.astype(np.int16)).mean(axis=2) > DIFFERENCE_THRESHOLD
    grey = base.mean(axis=2, keepdims=True)
    out = np.repeat(grey * 0.45 + 140, 3, axis=2).astype(np.uint8)
    out[differs] = DIFFER
    buffer = io.BytesIO()
    Image.fromarray(out).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt)}'>"


def _box(span: tuple[int, ...]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = span
    return x0, y0, x1, y1


def _figure(index: Index, query: np.ndarray, match: Match, number: int) -> str:
    height, width = query.shape[:2]
    parts = [_img(boxed_png(query, _box(match.input_span), width, height), f"input of match {number}")]
    source = match.source
    title = (source.title or source.uri) if source is not None else "the source"
    caption = f"Input (left), box {list(match.input_span)}"
    found = None
    if source is not None:
        found = locate(index, index.document_by_uid(source.uid).doc_id)
    thumb = None if found is None else found[0].thumbnail(found[1])
    if thumb is not None and found is not None:
        segment, row = found
        source_width, source_height = (int(v) for v in segment.sizes[row])
        parts.append(_img(boxed_png(thumb, _box(match.source_span), source_width, source_height),
                          f"source of match {number}"))
        sx, sy = thumb.shape[1] / max(1, source_width), thumb.shape[0] / max(1, source_height)
        x0, y0, x1, y1 = match.source_span
        parts.append(_img(difference_png(query, match.input_span, thumb, (x0 * sx, y0 * sy, x1 * sx, y1 * sy)),
                          f"difference of the boxes of match {number}"))
        caption += (f"; {title} (middle), box {list(match.source_span)}; the source's box with the pixels where "
                    f"the input's differs marked in magenta (right).")
    else:
        caption += f"; the index keeps no pixels of {title}."
    if isinstance(match.details, ImageDetails) and match.details.distances.tiled_l2 is not None:
        caption += f" Tiled ℓ2 {match.details.distances.tiled_l2:.3f}."
    return f"<figure class='pair'>{''.join(parts)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def html_figures(index: Index, report: Report, data: bytes) -> dict[int, str]:
    """HTML side-by-side views of every match, by match number (1-based over
    `report.matches`); `data` is the checked picture, decoded again for its thumbnail."""
    if not report.matches:
        return {}
    image, _ = open_image(data, report.input.name)
    query = D.to_array(image)
    return {number: _figure(index, query, match, number) for number, match in enumerate(report.matches, start=1)}
