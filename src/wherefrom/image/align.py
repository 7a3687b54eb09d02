"""Geometry between a query and one source: the affine transform (query pixels -> source
pixels) that explains a copy, and the comparison of the two pictures once aligned.

Three ways to an alignment, from the strongest evidence to the weakest: a RANSAC fit of
matched ORB keypoints; a whole-picture frame (the query, or the content inside its border,
is the source); and, for pictures whose keypoints are too few or too alike to match (flat
graphics, repeated patterns), a search over scale and position by normalized
cross-correlation of the grey pixels, refined by ECC (Evangelidis & Psarakis 2008).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wherefrom.image import descriptors as D  # noqa: N812 - the descriptor namespace

RATIO = 0.8  # Lowe's ratio test on the two nearest descriptors of one source
SEARCH_SIDE = 128  # pixel search runs with the larger picture scaled to this side
SEARCH_SCALE_STEP = 0.97  # successive template sizes in the pixel search
MIN_SIDE_FRACTION = 0.55  # the contained picture spans at least this share of the other's side
MAX_PIXEL_ASPECT = 1.1  # a pixel-search alignment keeps the picture's proportions
OVERLAY_BAND = 0.25  # share of the height a caption band left out of an agreement may span
OVERLAY_STEP = 1 / 16  # of the height: where such a band may start

Box = tuple[int, int, int, int]


def keypoint_fit(query_xy: np.ndarray, query_desc: np.ndarray, source_xy: np.ndarray,
                 source_desc: np.ndarray, source_side: int) -> tuple[np.ndarray | None, int]:
    """(affine, inlier count) of the RANSAC fit between ratio-tested keypoint matches, or
    (None, 0) when no plausible fit exists."""
    cv2 = D.cv2_module()
    if len(query_desc) < 3 or len(source_desc) < 3:
        return None, 0
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(query_desc, source_desc, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < 6:
        return None, 0
    src = query_xy[[m.queryIdx for m in good]].astype(np.float32)
    dst = source_xy[[m.trainIdx for m in good]].astype(np.float32)
    threshold = max(3.0, 0.012 * source_side)
    affine, mask = cv2.estimateAffine2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=threshold, maxIters=4000, confidence=0.995
    )
    if affine is None or mask is None or not plausible(affine):
        return None, 0
    # Keypoints from one image location must not explain the fit alone.
    inlier_xy = src[mask.ravel() > 0]
    if len(inlier_xy) and np.ptp(inlier_xy, axis=0).min() < 8:
        return None, 0
    return affine, int(mask.sum())


def plausible(affine: np.ndarray, max_aspect: float = 3.0) -> bool:
    """A resize of at most 40× either way, and an aspect change of at most `max_aspect`."""
    singular = np.linalg.svd(affine[:, :2], compute_uv=False)
    return bool(singular.min() >= 1 / 40 and singular.max() <= 40 and singular.max() / singular.min() <= max_aspect)


def frame(box: Box, mirrored: bool, width: int, height: int) -> np.ndarray:
    """The affine that stretches `box` of the query onto the whole source (width × height),
    mirrored left to right if asked."""
    x0, y0, x1, y1 = box
    sx, sy = width / (x1 - x0), height / (y1 - y0)
    if mirrored:
        return np.array([[-sx, 0, x1 * sx], [0, sy, -y0 * sy]], dtype=np.float64)
    return np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy]], dtype=np.float64)


def pixel_fits(query_gray: np.ndarray, thumb_gray: np.ndarray) -> list[np.ndarray]:
    """Affines (query pixels -> thumbnail pixels) for the best placement of one picture
    inside the other over scale and position: the one found, then its ECC refinement when
    that converges. Empty when neither picture fits in the other."""
    cv2 = D.cv2_module()
    # The search needs no more detail than the thumbnail holds.
    shrink = min(1.0, D.THUMB_SIDE / max(query_gray.shape))
    small = query_gray
    if shrink < 1.0:
        small = cv2.resize(query_gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    to_small = np.diag([small.shape[1] / query_gray.shape[1], small.shape[0] / query_gray.shape[0]])
    best: tuple[float, np.ndarray] | None = None
    for inner, outer, inner_is_query in ((small, thumb_gray, True), (thumb_gray, small, False)):
        found = _place(inner, outer)
        if found is None:
            continue
        score, inner_to_outer = found
        affine = inner_to_outer if inner_is_query else invert(inner_to_outer)
        if best is None or score > best[0]:
            best = score, affine
    if best is None:
        return []
    placed = [best[1]]
    refined = _refine(small, thumb_gray, best[1])
    if refined is not None and plausible(refined, max_aspect=MAX_PIXEL_ASPECT):
        placed.append(refined)
    return [affine @ np.vstack([np.hstack([to_small, np.zeros((2, 1))]), [0, 0, 1]]) for affine in placed]


def _place(inner: np.ndarray, outer: np.ndarray) -> tuple[float, np.ndarray] | None:
    """(score, affine inner -> outer pixels) of the best normalized cross-correlation of
    `inner`, scaled to fit within `outer` at several sizes, over every position."""
    cv2 = D.cv2_module()
    factor = SEARCH_SIDE / max(outer.shape)
    base = cv2.resize(outer, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    base = base.astype(np.float32)
    fit = min(base.shape[1] / inner.shape[1], base.shape[0] / inner.shape[0])
    best: tuple[float, np.ndarray] | None = None
    size = 1.0
    while size >= MIN_SIDE_FRACTION:
        scale = fit * size
        size *= SEARCH_SCALE_STEP
        width, height = round(inner.shape[1] * scale), round(inner.shape[0] * scale)
        if min(width, height) < 8 or width > base.shape[1] or height > base.shape[0]:
            continue
        template = cv2.resize(inner, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)
        if template.std() < 1.0:
            return None  # a flat picture fits anywhere
        result = cv2.matchTemplate(base, template, cv2.TM_CCOEFF_NORMED)
        _, score, _, (x, y) = cv2.minMaxLoc(result)
        if np.isfinite(score) and (best is None or score > best[0]):
            sx, sy = width / inner.shape[1], height / inner.shape[0]
            best = float(score), np.array([[sx / factor, 0, x / factor], [0, sy / factor, y / factor]])
    return best


def _refine(query_gray: np.ndarray, thumb_gray: np.ndarray, affine: np.ndarray) -> np.ndarray | None:
    """ECC refinement of a query -> thumbnail affine, run at the search resolution; None
    when it does not converge."""
    cv2 = D.cv2_module()
    factor = min(1.0, SEARCH_SIDE / max(thumb_gray.shape))
    query = cv2.resize(query_gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    thumb = cv2.resize(thumb_gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    scaled = affine.copy()
    scaled[:, 2] *= factor  # the same map between the reduced pictures
    warp = invert(scaled).astype(np.float32)  # thumbnail -> query, as ECC wants it
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        _, warp = cv2.findTransformECC(
            thumb.astype(np.float32), query.astype(np.float32), warp, cv2.MOTION_AFFINE, criteria, None, 3,
        )
    except cv2.error:
        return None
    refined = invert(warp.astype(np.float64))
    refined[:, 2] /= factor
    return refined


def corners(width: int, height: int) -> np.ndarray:
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)


def apply(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ affine[:, :2].T + affine[:, 2]


def invert(affine: np.ndarray) -> np.ndarray:
    full = np.vstack([affine, [0, 0, 1]])
    return np.linalg.inv(full)[:2]


def box_of(points: np.ndarray, width: int, height: int) -> Box:
    x0, y0 = np.floor(points.min(axis=0))
    x1, y1 = np.ceil(points.max(axis=0))
    return (
        int(np.clip(x0, 0, width)), int(np.clip(y0, 0, height)),
        int(np.clip(x1, 0, width)), int(np.clip(y1, 0, height)),
    )


@dataclass(frozen=True, slots=True)
class Agreement:
    """How well a query, warped onto a source thumbnail, agrees with it where they overlap."""

    tiled_l2: float  # Carlini et al.'s distance, worst of 4×4 tiles, [0, 1] pixel scale
    correlation: float  # of grey levels: 1 for the same picture under any tone change
    edges: float  # of gradient magnitudes: the same outlines in the same places
    shared: float  # the overlap's share of the larger of the two pictures


def agreement(query_rgb: np.ndarray, thumb: np.ndarray, to_thumb: np.ndarray, *, overlay: bool = False) -> Agreement:
    """The agreement of the query warped onto the source thumbnail by `to_thumb` (query
    pixels -> thumbnail pixels).

    The two are compared at the coarser of their resolutions: a query shrunk onto the
    thumbnail is first reduced so that warping does not alias, and where the query holds
    fewer pixels than the thumbnail region it covers, the thumbnail is reduced instead, so
    that a small copy is not judged by detail it never had. With `overlay`, the horizontal
    band that disagrees most is left out (`_without_band`): a caption drawn across a flat
    graphic otherwise outweighs the few grey levels the copied picture has."""
    cv2 = D.cv2_module()
    factor = float(np.linalg.svd(to_thumb[:, :2], compute_uv=False).max())
    source = query_rgb
    if factor < 0.5:
        source = cv2.resize(query_rgb, None, fx=factor * 1.5, fy=factor * 1.5, interpolation=cv2.INTER_AREA)
        to_thumb = to_thumb.copy()
        to_thumb[:, :2] = to_thumb[:, :2] * (query_rgb.shape[1] / source.shape[1])
    elif factor > 1.5:
        height, width = thumb.shape[:2]
        size = (max(8, round(width / factor)), max(8, round(height / factor)))
        thumb = cv2.resize(thumb, size, interpolation=cv2.INTER_AREA)
        to_thumb = np.diag([size[0] / width, size[1] / height]) @ to_thumb
    size = (thumb.shape[1], thumb.shape[0])
    warped = cv2.warpAffine(source, to_thumb, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    ones = np.full(source.shape[:2], 255, np.uint8)
    mask = cv2.warpAffine(ones, to_thumb, size, flags=cv2.INTER_NEAREST, borderValue=0)
    valid = cv2.erode(mask, np.ones((3, 3), np.uint8)) > 0
    if valid.sum() < 64:
        return Agreement(1.0, 0.0, 0.0, 0.0)
    query_area = source.shape[0] * source.shape[1] * abs(np.linalg.det(to_thumb[:, :2]))
    shared = float(valid.sum() / max(query_area, valid.size))
    inner = cv2.erode(mask, np.ones((7, 7), np.uint8)) > 0  # outlines of the overlap itself left out
    if overlay:
        kept = _without_band(warped, thumb, valid)
        valid, inner = valid & kept, inner & kept
    edges = D.correlation(_edges(D.gray(warped)), _edges(D.gray(thumb)), inner, grey=True)
    return Agreement(D.tiled_l2(warped, thumb, valid), D.correlation(warped, thumb, valid), edges, min(1.0, shared))


def _without_band(warped: np.ndarray, thumb: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The pixels left once the horizontal band (at most OVERLAY_BAND of the height) whose
    removal most raises the grey-level correlation of `warped` and `thumb` over `valid` is
    cut out; all of them when no band raises it. A caption, subtitle or banner is such a
    band: it hides part of a copy, and the rest must still agree."""
    a, b = D.gray(warped), D.gray(thumb)
    height = valid.shape[0]
    depth = max(1, round(OVERLAY_BAND * height))
    rows = np.arange(height)[:, None]
    kept = np.ones_like(valid)
    best = D.correlation(a, b, valid, grey=True)
    for start in np.unique(np.round(np.arange(0, 1 - OVERLAY_BAND + 1e-9, OVERLAY_STEP) * height).astype(int)):
        outside = (rows < start) | (rows >= start + depth)
        score = D.correlation(a, b, valid & outside, grey=True)
        if score > best:
            best, kept = score, np.broadcast_to(outside, valid.shape)
    return kept


def _edges(gray_image: np.ndarray) -> np.ndarray:
    cv2 = D.cv2_module()
    smooth = cv2.GaussianBlur(gray_image.astype(np.float32), (0, 0), 1.0)
    return np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
