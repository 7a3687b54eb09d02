"""`check_image`: is this picture a near-copy of an indexed image, which one, whose?

For each image segment: the candidate stage (`candidates`) proposes rows, `verify` aligns
the query with each and compares the aligned pictures, and every verified copy becomes a
Match naming the source, the matched box in both pictures and the distances behind it.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np

from wherefrom.config import CheckOptions
from wherefrom.image import descriptors as D  # noqa: N812 - the descriptor namespace
from wherefrom.image.candidates import candidates
from wherefrom.image.reader import open_image
from wherefrom.image.segment import ImageSegment
from wherefrom.image.verify import Verified, verify
from wherefrom.index import Index
from wherefrom.licenses import attribution_line
from wherefrom.records import ImageDetails, ImageDistances, InputInfo, Match, Report
from wherefrom.report import make_report

PIXEL_SEARCH_CANDIDATES = 3  # the best candidates of a segment may be aligned by pixel search
MAX_MATCHES = 20


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


def image_segments(index: Index) -> list[ImageSegment]:
    return [load_segment(d / "images") for d in index.segment_dirs() if (d / "images" / "images.json").is_file()]


def find_image_copies(index: Index, rgb: np.ndarray) -> list[tuple[ImageSegment, Verified]]:
    """Every indexed image the picture `rgb` near-copies, best first."""
    query = D.query_features(rgb)
    found: list[tuple[ImageSegment, Verified]] = []
    for segment in image_segments(index):
        for rank, row in enumerate(candidates(segment, query)):
            verified = verify(segment, row, query, pixel_search=rank < PIXEL_SEARCH_CANDIDATES)
            if verified is not None:
                found.append((segment, verified))
    found.sort(key=lambda item: (-(item[1].correlation or 0.0), -item[1].inliers))
    return found


def locate(index: Index, doc_id: int) -> tuple[ImageSegment, int] | None:
    """The image segment and row that hold document `doc_id`, or None."""
    for segment in image_segments(index):
        rows = np.nonzero(segment.doc_ids == doc_id)[0]
        if len(rows):
            return segment, int(rows[0])
    return None


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


def check_image(index: Index, data: bytes, name: str, options: CheckOptions | None = None) -> Report:
    """The Report for one image: a near-duplicate Match per indexed image it copies."""
    image, _ = open_image(data, name)
    rgb = D.to_array(image)
    found = find_image_copies(index, rgb)
    limit = options.max_sources if options is not None else MAX_MATCHES
    found = found[:limit]
    boxes = [v.input_box for _, v in found]
    matches: list[Match] = []
    for segment, verified in found:
        source = index.document(int(segment.doc_ids[verified.row])).source_ref()
        containing = sum(1 for b in boxes if _overlap(b, verified.input_box) >= 0.5)
        distances = ImageDistances(
            tiled_l2=None if verified.tiled_l2 is None else round(verified.tiled_l2, 4),
            hamming=verified.hamming,
            inliers=verified.inliers,
            correlation=None if verified.correlation is None else round(verified.correlation, 4),
        )
        matches.append(
            Match(
                input_span=verified.input_box,
                source=source,
                attribution=attribution_line(source),
                source_span=verified.source_box,
                tokens=None,
                kind="near-duplicate",
                similarity=_similarity(verified),
                documents_containing=containing,
                details=ImageDetails(
                    distances=distances,
                    alignment=verified.method,
                    near_copy=verified.tiled_l2 is not None and verified.tiled_l2 <= D.TILED_L2_THRESHOLD,
                ),
            )
        )
    coverage = _coverage(boxes, rgb.shape[1], rgb.shape[0])
    return make_report(InputInfo(name, "image", None), matches, coverage)


def _coverage(boxes: list[tuple[int, int, int, int]], width: int, height: int) -> float:
    if not boxes:
        return 0.0
    covered = np.zeros((height, width), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        covered[y0:y1, x0:x1] = True
    return float(covered.mean())
