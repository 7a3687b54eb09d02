"""Image descriptors as pure functions of pixels: a 64-bit DCT perceptual hash (global,
for candidates), ORB keypoints with binary descriptors (local, for crops, flips and pasted
copies), the content box inside a uniform border, a verification thumbnail, the tiled ℓ2
distance of Carlini et al. 2023, and `QueryFeatures`, everything a query computes once.

Arrays in, arrays out; nothing here knows about the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from wherefrom.errors import require

HASH_BYTES = 8  # 64-bit perceptual hash
ORB_BYTES = 32  # 256-bit ORB descriptor
FEATURE_SIDE = 512  # images are scaled so that their longer side is this before ORB
THUMB_SIDE = 256  # verification thumbnail, longer side
TILES = 4  # tiled ℓ2: a 4×4 grid, the distance is the worst tile
TILED_L2_THRESHOLD = 0.15  # Carlini et al. 2023, on a [0, 1] pixel scale
QUERY_FEATURES = 1000
SPREAD_GRID = 8  # query keypoints are spread over this many cells a side
SPREAD_POOL = 4  # candidates detected per keypoint kept
BORDER_TOLERANCE = 12  # grey levels a uniform border may vary by (JPEG noise, antialiasing)
BORDER_SHARE = 0.6  # of a line's pixels in the border colour: it is still border


def cv2_module() -> Any:
    return require("cv2", "image descriptors", "image")


@dataclass(frozen=True, slots=True)
class ImageFeatures:
    """Everything stored for one image, in its own pixel coordinates."""

    width: int
    height: int
    phash: np.ndarray  # uint8[8]
    xy: np.ndarray  # float32[m, 2], keypoint positions in original pixels
    descriptors: np.ndarray  # uint8[m, 32]


def to_array(image: Any) -> np.ndarray:
    """A PIL RGB image as a contiguous uint8 H×W×3 array."""
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def gray(rgb: np.ndarray) -> np.ndarray:
    return cv2_module().cvtColor(rgb, cv2_module().COLOR_RGB2GRAY)


def phash(gray_image: np.ndarray) -> np.ndarray:
    """The DCT perceptual hash of imagehash.phash (32×32 → lowest 8×8 frequencies, bit =
    above the median), as 8 bytes."""
    cv2 = cv2_module()
    small = cv2.resize(gray_image, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8]
    bits = (low > np.median(low)).reshape(-1)
    return np.packbits(bits)


def hamming(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.unpackbits(np.bitwise_xor(a, b)).sum())


def orb_features(gray_image: np.ndarray, n_features: int, *, spread: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """ORB keypoints and descriptors, computed at FEATURE_SIDE and returned in the image's
    own pixel coordinates: (xy float32[m, 2], descriptors uint8[m, 32]).

    `spread` picks the keypoints round-robin over a SPREAD_GRID × SPREAD_GRID grid, the
    strongest of each cell first, from a pool SPREAD_POOL times larger: overlaid text or a
    busy background around a pasted copy otherwise takes the whole budget, as ORB keeps
    the strongest corners wherever they are."""
    cv2 = cv2_module()
    height, width = gray_image.shape[:2]
    scale = FEATURE_SIDE / max(height, width)
    work = gray_image
    if abs(scale - 1.0) > 1e-3:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        work = cv2.resize(gray_image, size, interpolation=interpolation)
    orb = cv2.ORB_create(
        nfeatures=n_features * (SPREAD_POOL if spread else 1), scaleFactor=1.2, nlevels=8,
        edgeThreshold=15, patchSize=31, fastThreshold=7,
    )
    if spread:
        keypoints = _round_robin(orb.detect(work, None), work.shape, n_features)
        keypoints, descriptors = orb.compute(work, keypoints)
    else:
        keypoints, descriptors = orb.detectAndCompute(work, None)
    if descriptors is None or not keypoints:
        return np.zeros((0, 2), np.float32), np.zeros((0, ORB_BYTES), np.uint8)
    xy = np.array([k.pt for k in keypoints], dtype=np.float32) / np.float32(scale)
    return xy, np.ascontiguousarray(descriptors, dtype=np.uint8)


def _round_robin(keypoints: Any, shape: tuple[int, ...], n: int) -> list[Any]:
    if len(keypoints) <= n:
        return list(keypoints)
    xy = np.array([k.pt for k in keypoints], dtype=np.float64)
    response = np.array([k.response for k in keypoints])
    cell = (np.minimum(xy[:, 1] * SPREAD_GRID // shape[0], SPREAD_GRID - 1) * SPREAD_GRID
            + np.minimum(xy[:, 0] * SPREAD_GRID // shape[1], SPREAD_GRID - 1)).astype(np.int64)
    order = np.lexsort((-response, cell))  # by cell, strongest first within each
    first = np.searchsorted(cell[order], cell[order], side="left")
    rank_in_cell = np.empty(len(order), np.int64)
    rank_in_cell[order] = np.arange(len(order)) - first
    chosen = np.lexsort((-response, rank_in_cell))[:n]
    return [keypoints[i] for i in chosen]


def content_box(rgb: np.ndarray, tolerance: int = BORDER_TOLERANCE) -> tuple[int, int, int, int]:
    """The box [x0, y0, x1, y1) left once border lines are cut from each side: a frame or
    mat added around a picture. A border line is one whose pixels mostly (BORDER_SHARE) keep
    the colour of that side's outermost line, so that a caption written across the border
    does not hide it. The whole image when no border is found, or when what remains would
    be under a quarter of either side (a plain picture, not a frame)."""
    height, width = rgb.shape[:2]
    signed = rgb.astype(np.int16)

    def border_depth(lines: np.ndarray) -> int:
        # lines[i] is the i-th row (or column) counted from one side, each [pixels, 3]
        colour = np.median(lines[0], axis=0)
        share = (np.abs(lines - colour).max(axis=2) <= tolerance).mean(axis=1)
        inside = np.nonzero(share < BORDER_SHARE)[0]
        return int(inside[0]) if len(inside) else len(lines)

    columns = signed.transpose(1, 0, 2)
    top, left = border_depth(signed), border_depth(columns)
    bottom, right = height - border_depth(signed[::-1]), width - border_depth(columns[::-1])
    if bottom - top < height / 4 or right - left < width / 4:
        return 0, 0, width, height
    return left, top, right, bottom


@dataclass(frozen=True, slots=True)
class QueryFeatures:
    """A checked picture's descriptors, computed once and compared with every segment."""

    rgb: np.ndarray
    gray: np.ndarray
    width: int
    height: int
    phash: np.ndarray
    phash_mirror: np.ndarray
    xy: np.ndarray  # original orientation
    desc: np.ndarray
    xy_mirror: np.ndarray  # keypoints of the mirrored image, in original coordinates
    desc_mirror: np.ndarray
    box: tuple[int, int, int, int]  # content_box; the whole image when it has no border
    box_phash: np.ndarray  # hash of the content box (and of its mirror)
    box_phash_mirror: np.ndarray

    def hashes(self) -> list[tuple[np.ndarray, bool, tuple[int, int, int, int]]]:
        """(hash, mirrored, the box it describes) for each whole-picture view."""
        views = [(self.phash, False, (0, 0, self.width, self.height)),
                 (self.phash_mirror, True, (0, 0, self.width, self.height))]
        if self.box != (0, 0, self.width, self.height):
            views += [(self.box_phash, False, self.box), (self.box_phash_mirror, True, self.box)]
        return views


def query_features(rgb: np.ndarray) -> QueryFeatures:
    g = gray(rgb)
    mirror = np.ascontiguousarray(g[:, ::-1])
    xy, desc = orb_features(g, QUERY_FEATURES, spread=True)
    xy_m, desc_m = orb_features(mirror, QUERY_FEATURES, spread=True)
    xy_m = xy_m.copy()
    xy_m[:, 0] = (g.shape[1] - 1) - xy_m[:, 0]
    x0, y0, x1, y1 = box = content_box(rgb)
    inside = np.ascontiguousarray(g[y0:y1, x0:x1])
    return QueryFeatures(
        rgb, g, rgb.shape[1], rgb.shape[0], phash(g), phash(mirror), xy, desc, xy_m, desc_m,
        box, phash(inside), phash(np.ascontiguousarray(inside[:, ::-1])),
    )


def describe(rgb: np.ndarray, n_features: int = 500) -> ImageFeatures:
    g = gray(rgb)
    xy, descriptors = orb_features(g, n_features)
    return ImageFeatures(rgb.shape[1], rgb.shape[0], phash(g), xy, descriptors)


def thumbnail(rgb: np.ndarray, side: int = THUMB_SIDE) -> np.ndarray:
    """The image scaled so that its longer side is at most `side`."""
    cv2 = cv2_module()
    height, width = rgb.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale >= 1.0:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def tiled_l2(a: np.ndarray, b: np.ndarray, valid: np.ndarray, tiles: int = TILES) -> float:
    """Carlini et al.'s tiled ℓ2 between two aligned RGB images on a [0, 1] scale: the region
    where `valid` holds is cut into tiles×tiles, each tile's root-mean-square pixel
    difference is taken, and the worst tile is the distance. Tiles less than a quarter
    valid are left out; with none left the distance is 1."""
    ys, xs = np.nonzero(valid)
    if len(ys) == 0:
        return 1.0
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    diff = (a.astype(np.float32) - b.astype(np.float32)) / 255.0
    squared = (diff * diff).mean(axis=2) if diff.ndim == 3 else diff * diff
    rows = np.linspace(y0, y1, tiles + 1).round().astype(int)
    cols = np.linspace(x0, x1, tiles + 1).round().astype(int)
    worst = -1.0
    for i in range(tiles):
        for j in range(tiles):
            cell = valid[rows[i] : rows[i + 1], cols[j] : cols[j + 1]]
            if cell.size == 0 or cell.mean() < 0.25:
                continue
            values = squared[rows[i] : rows[i + 1], cols[j] : cols[j + 1]][cell]
            worst = max(worst, float(np.sqrt(values.mean())))
    return 1.0 if worst < 0 else worst


def correlation(a: np.ndarray, b: np.ndarray, valid: np.ndarray, *, grey: bool = False) -> float:
    """Normalized cross-correlation of two aligned images over `valid`, on grey levels (RGB
    images are converted unless `grey`): 1 for the same picture under any brightness or
    contrast change, near 0 for unrelated ones."""
    if valid.sum() < 64:
        return 0.0
    ga = (a if grey else gray(a)).astype(np.float32)[valid]
    gb = (b if grey else gray(b)).astype(np.float32)[valid]
    ga -= ga.mean()
    gb -= gb.mean()
    denominator = float(np.sqrt((ga * ga).sum() * (gb * gb).sum()))
    return 0.0 if denominator < 1e-6 else float((ga * gb).sum() / denominator)
