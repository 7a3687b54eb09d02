"""Verification of one candidate: is the query a copy of this source, and where?

Alignments are tried from the strongest evidence to the weakest (keypoints, whole-picture
frame, the whole picture drawn over, pixel search); the first under which the aligned
pictures agree is kept. Agreement is the grey-level correlation over the shared region, which
shrugs off brightness, contrast and colour shifts; an alignment backed by neither matched
keypoints nor a near hash must agree more closely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from wherefrom.image import align
from wherefrom.image import descriptors as D  # noqa: N812 - the descriptor namespace
from wherefrom.image.candidates import HASH_RADIUS
from wherefrom.image.descriptors import QueryFeatures
from wherefrom.image.segment import ImageSegment

MIN_INLIERS = 12
STRONG_INLIERS = 40  # accepted on geometry alone when no thumbnail is kept
MIN_CORRELATION = 0.45  # aligned grey levels; unrelated images stay near 0
# An alignment found by pixel search is the best of many placements, so chance agreement is
# higher: its grey levels must correlate more, its outlines must coincide (smooth shading
# alone correlates well), and the overlap must be a good part of the pictures.
PIXEL_MIN_CORRELATION = 0.8
PIXEL_MIN_EDGES = 0.7
PIXEL_MIN_SHARED = 0.3
# A flat graphic (an icon, a glyph, clip art: most of its pixels one background colour)
# correlates well with any other drawing on the same background, and its few corners find
# keypoint "inliers" in alike shapes: its outlines must coincide as well, whatever the
# alignment. Outlines do not depend on the background's colour, so a transparent drawing
# pasted onto a coloured picture still passes.
FLAT_SHARE = 0.5  # share of the thumbnail within FLAT_TOLERANCE of its commonest colour
FLAT_TOLERANCE = 12
FLAT_MIN_EDGES = 0.7
HASH_ACCEPT = 8  # whole-image hash distance accepted without keypoints or thumbnail
SHAPE_TOLERANCE = 0.03  # relative aspect difference of a view that may be the whole source

Method = Literal["keypoints", "frame", "pixels"]


@dataclass(frozen=True, slots=True)
class Verified:
    row: int
    affine: np.ndarray  # 2×3, query pixels -> source pixels
    method: Method  # how the alignment was found
    inliers: int
    hamming: int
    tiled_l2: float | None
    correlation: float | None
    input_box: align.Box
    source_box: align.Box


def verify(segment: ImageSegment, row: int, query: QueryFeatures, *, pixel_search: bool = False) -> Verified | None:
    """The verified copy of source `row` in the query, or None. `pixel_search` allows the
    costly last resort for a source whose keypoints do not explain the query."""
    width, height = (int(v) for v in segment.sizes[row])
    distances = [(D.hamming(h, segment.phash[row]), mirrored, box) for h, mirrored, box in query.hashes()]
    hamming, mirrored, box = min(distances, key=lambda d: d[0])
    source_xy, source_desc = segment.features(row)
    side = max(width, height)
    affine, inliers = max(
        align.keypoint_fit(query.xy, query.desc, source_xy, source_desc, side),
        align.keypoint_fit(query.xy_mirror, query.desc_mirror, source_xy, source_desc, side),
        key=lambda fit: fit[1],
    )
    hypotheses: list[tuple[Method, np.ndarray]] = []
    if affine is not None and inliers >= MIN_INLIERS:
        hypotheses.append(("keypoints", affine))
    if hamming <= HASH_RADIUS:
        hypotheses.append(("frame", align.frame(box, mirrored, width, height)))

    def verified(method: Method, to_source: np.ndarray, tiled: float | None, corr: float | None) -> Verified | None:
        source_box = align.box_of(align.apply(to_source, align.corners(query.width, query.height)), width, height)
        inverse = align.invert(to_source)
        input_box = align.box_of(align.apply(inverse, align.corners(width, height)), query.width, query.height)
        if source_box[2] <= source_box[0] or input_box[2] <= input_box[0]:
            return None
        return Verified(row, to_source, method, inliers, hamming, tiled, corr, input_box, source_box)

    thumb = segment.thumbnail(row)
    if thumb is None:  # an index without pixels: geometry and hash alone
        for method, to_source in hypotheses:
            if (method == "keypoints" and inliers >= STRONG_INLIERS) or hamming <= HASH_ACCEPT:
                return verified(method, to_source, None, None)
        return None
    to_thumb = np.diag([thumb.shape[1] / width, thumb.shape[0] / height])  # source -> thumbnail
    min_edges = FLAT_MIN_EDGES if is_flat(thumb) else -1.0
    for method, to_source in hypotheses:
        agreed = align.agreement(query.rgb, thumb, to_thumb @ to_source)
        if agreed.correlation >= MIN_CORRELATION and agreed.edges >= min_edges:
            return verified(method, to_source, agreed.tiled_l2, agreed.correlation)
    drawn_over = _drawn_over(distances, width, height)
    if drawn_over is not None:
        agreed = align.agreement(query.rgb, thumb, to_thumb @ drawn_over, overlay=True)
        if agreed.correlation >= PIXEL_MIN_CORRELATION and agreed.edges >= PIXEL_MIN_EDGES:
            return verified("frame", drawn_over, agreed.tiled_l2, agreed.correlation)
    if not pixel_search:
        return None
    flip = np.array([[-1.0, 0.0, query.width], [0.0, 1.0, 0.0]]) if mirrored else np.eye(2, 3)
    oriented = np.ascontiguousarray(query.gray[:, ::-1]) if mirrored else query.gray
    best: tuple[align.Agreement, np.ndarray] | None = None
    for placed in align.pixel_fits(oriented, D.gray(thumb)):
        placed = _compose(placed, flip)
        agreed = align.agreement(query.rgb, thumb, placed)
        if (agreed.correlation >= PIXEL_MIN_CORRELATION and agreed.edges >= PIXEL_MIN_EDGES
                and agreed.shared >= PIXEL_MIN_SHARED
                and (best is None or agreed.correlation > best[0].correlation)):
            best = agreed, placed
    if best is None:
        return None
    agreed, placed = best
    return verified("pixels", np.linalg.inv(to_thumb) @ placed, agreed.tiled_l2, agreed.correlation)


def is_flat(thumb: np.ndarray) -> bool:
    """Whether most of a picture is one colour (the background of a drawing or an icon)."""
    pixels = thumb.reshape(-1, thumb.shape[-1]).astype(np.int32)
    bins = (pixels[:, 0] >> 3) << 10 | (pixels[:, 1] >> 3) << 5 | (pixels[:, 2] >> 3)
    commonest = int(np.argmax(np.bincount(bins, minlength=1 << 15)))
    centre = np.array([(commonest >> 10) & 31, (commonest >> 5) & 31, commonest & 31]) * 8 + 4
    near = np.abs(pixels - centre).max(axis=1) <= FLAT_TOLERANCE
    return float(near.mean()) >= FLAT_SHARE


def _drawn_over(views: list[tuple[int, bool, align.Box]], width: int, height: int) -> np.ndarray | None:
    """The frame (query -> source) of the view, (hash distance, mirrored, box), nearest in
    hash among those with the source's proportions, or None: the hypothesis that the view
    is the whole source with a caption drawn over it. Such a caption moves the hash of a
    flat graphic far out of reach and leaves its few, alike corners no keypoint match, so
    only the frame is left; with neither behind it, the agreement is held to the
    pixel-search bar."""
    for _, mirrored, (x0, y0, x1, y1) in sorted(views, key=lambda view: view[0]):
        if abs((x1 - x0) * height / ((y1 - y0) * width) - 1) <= SHAPE_TOLERANCE:
            return align.frame((x0, y0, x1, y1), mirrored, width, height)
    return None


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The affine that applies `inner`, then `outer`."""
    return np.hstack([outer[:, :2] @ inner[:, :2], (outer[:, :2] @ inner[:, 2] + outer[:, 2])[:, None]])
