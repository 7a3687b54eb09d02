"""`check_image`: is this picture a near-copy of an indexed image, which one, whose?

Candidates come from two faiss binary indexes per segment: the 64-bit perceptual hash of the
whole image (and of its mirror), and votes of the query's ORB descriptors (and its mirror's)
among the stored ones. Each candidate is verified by a RANSAC affine fit between matched
keypoints (crops, rotations, flips, resizes, pasted partial copies), then the query is warped
onto the source thumbnail to measure the aligned region: grey-level correlation (robust to
colour shifts, the similarity) and Carlini et al.'s tiled ℓ2 (reported as a distance).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.image import descriptors as D  # noqa: N812 - the descriptor namespace
from wherefrom.image.reader import open_image
from wherefrom.image.segment import ImageSegment
from wherefrom.records import InputInfo, Match, Report

QUERY_FEATURES = 1000
HASH_RADIUS = 12  # of 64 bits: candidates from the global hash
VOTE_DISTANCE = 64  # of 256 bits: an ORB descriptor votes for images this close
MIN_VOTES = 6
MAX_CANDIDATES = 12  # verified per segment
RATIO = 0.8  # Lowe's ratio test on the two nearest descriptors of one source
MIN_INLIERS = 12
STRONG_INLIERS = 40  # accepted on geometry alone when no thumbnail is kept
MIN_CORRELATION = 0.45  # aligned grey levels; unrelated images stay near 0
HASH_ACCEPT = 8  # whole-image hash distance accepted without keypoints


@dataclass(frozen=True, slots=True)
class QueryFeatures:
    rgb: np.ndarray
    width: int
    height: int
    phash: np.ndarray
    phash_mirror: np.ndarray
    xy: np.ndarray  # original orientation
    desc: np.ndarray
    xy_mirror: np.ndarray  # keypoints of the mirrored image, in original coordinates
    desc_mirror: np.ndarray


@dataclass(frozen=True, slots=True)
class Verified:
    row: int
    affine: np.ndarray  # 2×3, query pixels -> source pixels
    inliers: int
    hamming: int
    tiled_l2: float | None
    correlation: float | None
    input_box: tuple[int, int, int, int]
    source_box: tuple[int, int, int, int]


def query_features(rgb: np.ndarray) -> QueryFeatures:
    g = D.gray(rgb)
    mirror = np.ascontiguousarray(g[:, ::-1])
    xy, desc = D.orb_features(g, QUERY_FEATURES)
    xy_m, desc_m = D.orb_features(mirror, QUERY_FEATURES)
    xy_m = xy_m.copy()
    xy_m[:, 0] = (g.shape[1] - 1) - xy_m[:, 0]
    return QueryFeatures(
        rgb, rgb.shape[1], rgb.shape[0], D.phash(g), D.phash(mirror), xy, desc, xy_m, desc_m
    )


_SEGMENTS: OrderedDict[str, ImageSegment] = OrderedDict()
_CACHE_SIZE = 64


def load_segment(folder: Path) -> ImageSegment:
    """Published segments never change, so each is read (and checksummed) once per process."""
    key = str(Path(folder).resolve())
    segment = _SEGMENTS.get(key)
    if segment is None:
        segment = ImageSegment.open(folder)
        _SEGMENTS[key] = segment
        while len(_SEGMENTS) > _CACHE_SIZE:
            _SEGMENTS.popitem(last=False)
    else:
        _SEGMENTS.move_to_end(key)
    return segment


def image_segments(index: Any) -> list[ImageSegment]:
    return [load_segment(d / "images") for d in index.segment_dirs() if (d / "images" / "images.json").is_file()]


def candidates(segment: ImageSegment, query: QueryFeatures) -> list[int]:
    """Rows worth verifying: near in whole-image hash, or voted for by many descriptors."""
    rows: dict[int, float] = {}
    if len(segment) == 0:
        return []
    distances, labels = segment.hash_index().search(
        np.stack([query.phash, query.phash_mirror]), min(5, len(segment))
    )
    for distance, label in zip(distances.ravel(), labels.ravel(), strict=True):
        if label >= 0 and distance <= HASH_RADIUS:
            rows[int(label)] = rows.get(int(label), 0) + 1e6 - float(distance)
    descriptors = np.concatenate([query.desc, query.desc_mirror])
    if len(descriptors) and len(segment.local_desc):
        k = min(4, len(segment.local_desc))
        distances, labels = segment.local_index().search(descriptors, k)
        close = (distances <= VOTE_DISTANCE) & (labels >= 0)
        owners = np.where(close, segment.local_owner[np.clip(labels, 0, None)], -1)
        pairs = {(q, o) for q, row in enumerate(owners.tolist()) for o in row if o >= 0}
        votes = np.bincount([o for _, o in pairs], minlength=len(segment)) if pairs else []
        for row, count in enumerate(votes):
            if count >= MIN_VOTES:
                rows[row] = rows.get(row, 0) + float(count)
    ranked = sorted(rows, key=lambda r: -rows[r])
    return ranked[:MAX_CANDIDATES]


def _fit(query_xy: np.ndarray, query_desc: np.ndarray, source_xy: np.ndarray,
         source_desc: np.ndarray, source_side: int) -> tuple[np.ndarray | None, int]:
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
    if affine is None or mask is None:
        return None, 0
    singular = np.linalg.svd(affine[:, :2], compute_uv=False)
    if singular.min() < 1 / 40 or singular.max() > 40 or singular.max() / singular.min() > 3:
        return None, 0
    # Keypoints from one image location must not explain the fit alone.
    inlier_xy = src[mask.ravel() > 0]
    if len(inlier_xy) and np.ptp(inlier_xy, axis=0).min() < 8:
        return None, 0
    return affine, int(mask.sum())


def _full_frame(query: QueryFeatures, width: int, height: int, mirrored: bool) -> np.ndarray:
    sx, sy = width / query.width, height / query.height
    if mirrored:
        return np.array([[-sx, 0, (query.width - 1) * sx], [0, sy, 0]], dtype=np.float64)
    return np.array([[sx, 0, 0], [0, sy, 0]], dtype=np.float64)


def _box(points: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0 = np.floor(points.min(axis=0))
    x1, y1 = np.ceil(points.max(axis=0))
    return (
        int(np.clip(x0, 0, width)), int(np.clip(y0, 0, height)),
        int(np.clip(x1, 0, width)), int(np.clip(y1, 0, height)),
    )


def _corners(width: int, height: int) -> np.ndarray:
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)


def _apply(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ affine[:, :2].T + affine[:, 2]


def _invert(affine: np.ndarray) -> np.ndarray:
    full = np.vstack([affine, [0, 0, 1]])
    return np.linalg.inv(full)[:2]


def verify(segment: ImageSegment, row: int, query: QueryFeatures) -> Verified | None:
    width, height = (int(v) for v in segment.sizes[row])
    source_hash = segment.phash[row]
    hamming_plain = D.hamming(query.phash, source_hash)
    hamming_mirror = D.hamming(query.phash_mirror, source_hash)
    hamming = min(hamming_plain, hamming_mirror)
    source_xy, source_desc = segment.features(row)
    side = max(width, height)
    fits = [
        _fit(query.xy, query.desc, source_xy, source_desc, side),
        _fit(query.xy_mirror, query.desc_mirror, source_xy, source_desc, side),
    ]
    affine, inliers = max(fits, key=lambda f: f[1])
    if affine is None or inliers < MIN_INLIERS:
        if hamming > HASH_RADIUS:
            return None
        affine = _full_frame(query, width, height, mirrored=hamming_mirror < hamming_plain)
        inliers = max(inliers, 0)
    tiled, corr = aligned_scores(segment, row, query, affine)
    geometric = inliers >= MIN_INLIERS
    if corr is None:
        accepted = inliers >= STRONG_INLIERS or hamming <= HASH_ACCEPT
    else:
        accepted = corr >= MIN_CORRELATION and (geometric or hamming <= HASH_RADIUS)
    if not accepted:
        return None
    source_box = _box(_apply(affine, _corners(query.width, query.height)), width, height)
    input_box = _box(_apply(_invert(affine), _corners(width, height)), query.width, query.height)
    if source_box[2] <= source_box[0] or input_box[2] <= input_box[0]:
        return None
    return Verified(row, affine, inliers, hamming, tiled, corr, input_box, source_box)


def aligned_scores(segment: ImageSegment, row: int, query: QueryFeatures,
                   affine: np.ndarray) -> tuple[float | None, float | None]:
    """(tiled ℓ2, grey-level correlation) of the query warped onto the source thumbnail over
    the region they share; (None, None) when the index keeps no thumbnails."""
    thumb = segment.thumbnail(row)
    if thumb is None:
        return None, None
    cv2 = D.cv2_module()
    width = int(segment.sizes[row][0])
    scale = thumb.shape[1] / width
    to_thumb = affine * scale
    # Shrink the query first so that warping it down does not alias.
    factor = float(np.linalg.svd(to_thumb[:, :2], compute_uv=False).max())
    source = query.rgb
    if factor < 0.5:
        source = cv2.resize(query.rgb, None, fx=factor * 1.5, fy=factor * 1.5, interpolation=cv2.INTER_AREA)
        to_thumb = to_thumb.copy()
        to_thumb[:, :2] = to_thumb[:, :2] * (query.width / source.shape[1])
    size = (thumb.shape[1], thumb.shape[0])
    warped = cv2.warpAffine(source, to_thumb, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    ones = np.full(source.shape[:2], 255, np.uint8)
    mask = cv2.warpAffine(ones, to_thumb, size, flags=cv2.INTER_NEAREST, borderValue=0)
    valid = cv2.erode(mask, np.ones((3, 3), np.uint8)) > 0
    if valid.sum() < 64:
        return 1.0, 0.0
    return D.tiled_l2(warped, thumb, valid), D.correlation(warped, thumb, valid)


def find_copies(index: Any, rgb: np.ndarray) -> list[tuple[ImageSegment, Verified]]:
    """Every indexed image the picture `rgb` near-copies, best first."""
    query = query_features(rgb)
    found: list[tuple[ImageSegment, Verified]] = []
    for segment in image_segments(index):
        for row in candidates(segment, query):
            verified = verify(segment, row, query)
            if verified is not None:
                found.append((segment, verified))
    found.sort(key=lambda item: (-(item[1].correlation or 0.0), -item[1].inliers))
    return found


def _similarity(v: Verified) -> float:
    if v.correlation is not None:
        return float(np.clip(v.correlation, 0.0, 1.0))
    return float(np.clip(1 - v.hamming / 32, 0.0, 1.0))


def _area(box: tuple[int, int, int, int]) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    inter = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    union = _area(a) + _area(b) - _area(inter)
    return _area(inter) / union if union else 0.0


def check_image(index: Any, data: bytes, name: str, options: Any = None) -> Report:
    """The Report for one image: a near-duplicate Match per indexed image it copies."""
    image, _ = open_image(data, name)
    rgb = D.to_array(image)
    found = find_copies(index, rgb)
    limit = getattr(options, "max_matches", None) or 20
    found = found[:limit]
    boxes = [v.input_box for _, v in found]
    matches: list[Match] = []
    for segment, verified in found:
        row = index.document(int(segment.doc_ids[verified.row]))
        containing = sum(1 for b in boxes if _overlap(b, verified.input_box) >= 0.5)
        distances: dict[str, Any] = {
            "tiled_l2": None if verified.tiled_l2 is None else round(verified.tiled_l2, 4),
            "hamming": verified.hamming,
            "inliers": verified.inliers,
        }
        if verified.correlation is not None:
            distances["correlation"] = round(verified.correlation, 4)
        matches.append(
            Match(
                input_span=verified.input_box,
                source=row.source_ref(),
                source_span=verified.source_box,
                tokens=None,
                kind="near-duplicate",
                similarity=_similarity(verified),
                documents_containing=containing,
                details={
                    "distances": distances,
                    "near_copy": verified.tiled_l2 is not None
                    and verified.tiled_l2 <= D.TILED_L2_THRESHOLD,
                },
            )
        )
    coverage = _coverage(boxes, rgb.shape[1], rgb.shape[0])
    return _report(InputInfo(name, "image", None), matches, coverage)


def _coverage(boxes: list[tuple[int, int, int, int]], width: int, height: int) -> float:
    if not boxes:
        return 0.0
    covered = np.zeros((height, width), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        covered[y0:y1, x0:x1] = True
    return float(covered.mean())


def _report(info: InputInfo, matches: list[Match], coverage: float) -> Report:
    try:
        from wherefrom.report import make_report  # type: ignore[attr-defined]
    except ImportError:
        from wherefrom.licenses import obligations_for, verdict_for

        obligations = obligations_for(matches)
        return Report(
            input=info, verdict=verdict_for(matches, obligations), coverage=coverage,
            matches=tuple(matches), obligations=tuple(obligations),
        )
    return make_report(info, matches, coverage)
