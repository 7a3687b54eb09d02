"""The candidate stage: which rows of a segment are worth verifying for one query.

Two rankings, fused: rows whose whole-picture hash is near one of the query's views (the
picture, its mirror, and the content inside a border), and rows that the query's ORB
descriptors vote for, ranked by how far their votes exceed chance.
"""

from __future__ import annotations

import numpy as np

from wherefrom.image.descriptors import QueryFeatures
from wherefrom.image.segment import ImageSegment

HASH_RADIUS = 12  # of 64 bits: candidates from the global hash
VOTE_DISTANCE = 56  # of 256 bits: a descriptor votes for the image holding its nearest one
TIES = 8  # stored descriptors looked up per query descriptor
TIE_MARGIN = 2  # bits: descriptors this much farther than the nearest vote too
MIN_VOTES = 4
MIN_SURPRISE = 2.0  # votes at least this many standard deviations above chance
MAX_CANDIDATES = 12  # verified per segment
FUSION_OFFSET = 2  # reciprocal-rank fusion: a row scores 1 / (FUSION_OFFSET + rank) per ranking


def candidates(segment: ImageSegment, query: QueryFeatures) -> list[int]:
    """Rows worth verifying, most promising first.

    The two rankings (by hash distance, by vote surprise) are fused by reciprocal rank, so
    that neither can crowd the other out: a corpus holding several edits of one picture
    puts them all within hash reach of a query, and the row the descriptors single out must
    still be verified."""
    if len(segment) == 0:
        return []
    near = hash_neighbours(segment, query)
    surprise = vote_surprise(segment, query)
    scores: dict[int, float] = {}
    for ranking in (sorted(near, key=lambda r: near[r]), sorted(surprise, key=lambda r: -surprise[r])):
        for rank, row in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + 1.0 / (FUSION_OFFSET + rank)
    ranked = sorted(scores, key=lambda r: -scores[r])
    return ranked[:MAX_CANDIDATES]


def hash_neighbours(segment: ImageSegment, query: QueryFeatures) -> dict[int, int]:
    """Row -> the smallest hash distance from any of the query's views, within HASH_RADIUS."""
    views = np.stack([h for h, _, _ in query.hashes()])
    distances, labels = segment.hash_index().search(views, min(5, len(segment)))
    near: dict[int, int] = {}
    for distance, label in zip(distances.ravel(), labels.ravel(), strict=True):
        if label >= 0 and distance <= HASH_RADIUS:
            near[int(label)] = min(int(distance), near.get(int(label), 64))
    return near


def vote_surprise(segment: ImageSegment, query: QueryFeatures) -> dict[int, float]:
    """Row -> how many standard deviations its votes exceed chance.

    Each query descriptor (of the picture and of its mirror) votes for the row holding its
    nearest stored descriptor, if within VOTE_DISTANCE, and for every row holding one as
    near within TIE_MARGIN: a corpus that holds a picture twice must not split its votes.
    Under chance, votes fall on rows in proportion to how many descriptors each stores
    (the rate estimated from the votes the other rows drew); ranking raw counts would favour richly textured images over a copied flat graphic
    with a few dozen keypoints.
    """
    descriptors = np.concatenate([query.desc, query.desc_mirror])
    if not len(descriptors) or not len(segment.local_desc):
        return {}
    distances, labels = segment.local_index().search(descriptors, min(TIES, len(segment.local_desc)))
    close = (distances <= VOTE_DISTANCE) & (distances <= distances[:, :1] + TIE_MARGIN) & (labels >= 0)
    if not close.any():
        return {}
    voter = np.broadcast_to(np.arange(len(descriptors))[:, None], labels.shape)[close]
    owners = segment.local_owner[labels[close]]
    pairs = np.unique(voter.astype(np.int64) * len(segment) + owners)  # one vote per descriptor and row
    votes = np.bincount(pairs % len(segment), minlength=len(segment)).astype(np.float64)
    stored = np.diff(segment.offsets).astype(np.float64)
    # Chance is estimated from the votes the other rows drew: a row's own votes must not
    # raise its own bar (in a segment of one image they would set it to all of them).
    other_votes = votes.sum() - votes
    other_stored = np.maximum(1.0, stored.sum() - stored)
    expected = other_votes * stored / other_stored
    surprise = (votes - expected) / np.sqrt(expected + 1.0)
    keep = np.nonzero((votes >= MIN_VOTES) & (surprise >= MIN_SURPRISE))[0]
    return {int(row): float(surprise[row]) for row in keep}
