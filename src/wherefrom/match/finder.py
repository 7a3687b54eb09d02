"""find_copies: the regions of a query normal form that copy indexed sources.

Query side hashes *all* its k-grams, so every stored fingerprint inside a copied region is
hit; seeds are grouped by document and diagonal, verified and extended against the stored
tokens (or, in a hash-only index, estimated from the fingerprints alone).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from wherefrom import progress
from wherefrom.config import CheckOptions
from wherefrom.errors import CheckCancelledError
from wherefrom.index import Index
from wherefrom.index.fingerprint import CHANNEL_SALT, kgram_hashes, structure_hashes, winnow
from wherefrom.index.segment import CHECKPOINT_EVERY
from wherefrom.match.align import Region, Run, exact_runs_array, verify_runs
from wherefrom.match.regions import NEAR_VERBATIM, RENAMED, VERBATIM, Found, Regions, merge_near
from wherefrom.match.seeds import Candidate, group_seeds
from wherefrom.normalize import NormalForm

SLACK = 32
# An edited copy may keep a single stored k-gram that the query's own winnowing does not
# select; such lone seeds are verified only when their k-gram occurs in this few places,
# since a k-gram found all over the corpus is shared by chance (and never in a hash-only
# index, which has no tokens to verify them against).
LONE_SEED_PLACES = 4


_limits = threading.local()


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Checks run in this thread inside the block stop with CheckCancelledError once
    `time.monotonic()` passes `at`: the service gives up on a check at its budget, and the
    work must stop too, not hold a thread that later checks wait for."""
    saved = getattr(_limits, "at", None)
    _limits.at = at
    try:
        yield
    finally:
        _limits.at = saved


def _stop_if_late() -> None:
    at = getattr(_limits, "at", None)
    if at is not None and time.monotonic() > at:
        raise CheckCancelledError("the check was stopped at its time budget")


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """What counts as a copy. `min_tokens` defaults to the index's guarantee."""

    min_tokens: int | None = None
    min_similarity: float = 0.6
    max_sources: int = 10
    # Code that agrees only in structure (other names and literals) is common by chance at
    # short lengths: renamed copies must be this long (default: twice min_tokens).
    min_renamed_tokens: int | None = None

    @classmethod
    def of(cls, options: CheckOptions) -> MatchOptions:
        return cls(options.min_tokens, options.min_similarity, options.max_sources)


MIN_VARIETY = 0.5  # share of distinct structural k-grams a renamed match must have


@dataclass(frozen=True, slots=True)
class Common:
    """Query tokens [q0, q1) covered by fingerprints common to `documents` documents."""

    q0: int
    q1: int
    documents: int


def _seeds(
    index: Index, hashes: np.ndarray, w: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lookups of every query k-gram hash, and whether each seed's query position is one the
    query's own winnowing selects (true for some seed of every copy of k + w - 1 tokens)."""
    q, docs, p = index.lookup(hashes)
    selected = np.zeros(len(hashes), dtype=bool)
    selected[winnow(hashes, w)] = True
    return hashes, q, docs, p, selected[q]


def find_copies(
    index: Index, form: NormalForm, channel: str, options: MatchOptions
) -> tuple[list[Found], list[Common]]:
    """Copies of indexed sources in `form` (normalized as `channel`), and the stretches made
    only of common fingerprints."""
    config = index.config
    min_tokens = options.min_tokens or config.min_tokens
    k, w = config.window(channel)
    hashes, q, docs, p, anchors = _seeds(index, kgram_hashes(form.ids, k, CHANNEL_SALT[channel]), w)
    places = np.bincount(q, minlength=len(hashes))  # where in the corpus each query k-gram occurs
    use_abstract = form.abstract_ids is not None and channel == "code"
    structure = np.zeros(0, dtype=np.uint64)
    if form.abstract_ids is not None and use_abstract:
        ka, wa = config.window("code-abstract")
        n_exact = len(q)
        structure = structure_hashes(form.ids, form.abstract_ids, ka, CHANNEL_SALT["code-abstract"])
        _, qa, da, pa, aa = _seeds(index, structure, wa)
        q, docs, p = np.concatenate([q, qa]), np.concatenate([docs, da]), np.concatenate([p, pa])
        anchors = np.concatenate([anchors, aa])
        exact = np.arange(len(q)) < n_exact
    else:
        exact = np.ones(len(q), dtype=bool)
    gap = max(8, k + 3)
    candidates = group_seeds(q, docs, p, band=gap, max_gap=2 * (w + k) + gap, anchors=anchors, exact=exact)
    estimated: list[Regions] = []  # hash-only index
    verified: list[np.ndarray] = []  # full index: _verify's rows, made columns once at the end
    # Input already explained by copies that agree token for token needs no search for renamed
    # ones: structure-only groups come last and are skipped there.
    explained = np.zeros(len(form), dtype=bool)
    ordered = sorted(candidates, key=lambda c: c.exact_seeds == 0)
    for candidate in progress.steps(ordered, "verifying", len(ordered), " regions", least=200):
        _stop_if_late()
        if len(candidate.q) == 1 and not candidate.anchored and (config.hash_only or places[candidate.q[0]] > LONE_SEED_PLACES):
            continue  # a lone seed that no verbatim copy would produce, of a k-gram found all over
        if candidate.exact_seeds == 0 and (
            not _two_on_one_diagonal(candidate) or explained[candidate.q.min() : candidate.q.max() + k].all()
        ):
            continue  # structure alone: a renamed copy of 2 x min_tokens keeps two seeds in line
        if config.hash_only:
            region = _estimate(index, candidate, hashes, form, k, w, min_tokens, options)
            if region is not None:
                estimated.append(region)
            continue
        rows = _verify(index, candidate, form, k, use_abstract)
        verified.append(rows)
        long = rows[rows[:, 2] - rows[:, 1] >= min_tokens]
        if len(long):
            similarity, _, kind = _measure(long, use_abstract)
            for q0, q1 in long[(kind != RENAMED) & (similarity >= options.min_similarity)][:, 1:3].tolist():
                explained[q0:q1] = True
    found = Regions.concat(estimated) if config.hash_only else _as_regions(verified, use_abstract)
    merged = merge_near(found, gap, options.min_similarity)
    merged = merged.take(_reportable(merged, min_tokens, options))
    if use_abstract:
        renamed = np.flatnonzero(merged.kind == RENAMED)
        plain = np.ones(len(merged), dtype=bool)
        plain[renamed] = [_varied(structure, ka, q0, q1, min_tokens - ka + 1)
                          for q0, q1 in zip(merged.q0[renamed].tolist(), merged.q1[renamed].tolist(), strict=True)]
        merged = merged.take(plain)
    return _best_per_region(merged.found()), _common_stretches(index, hashes, k, w, min_tokens)


def _two_on_one_diagonal(candidate: Candidate) -> bool:
    """Whether two seeds share a diagonal. A renamed copy has the same structure token for
    token, so the fingerprints it keeps lie on one diagonal; same-shaped code scatters them
    (on the standard library, no renamed copy was found from a candidate without such a pair,
    and half the structure-only candidates of original code lacked one)."""
    diagonals = candidate.p - candidate.q
    return len(np.unique(diagonals)) < len(diagonals)


def _varied(structure: np.ndarray, k: int, q0: int, q1: int, needed: int) -> bool:
    """Whether the structure of a renamed match varies like code: at least `needed`
    distinct k-grams (as many as a copy of the shortest reported length holds) and at least
    MIN_VARIETY of its k-grams distinct. A table of literals or a run of alike calls repeats
    a few structural k-grams however long it runs: its shape is common, not copied."""
    window = structure[q0 : max(q0, q1 - k + 1)]
    distinct = len(np.unique(window))
    return distinct >= needed and distinct >= MIN_VARIETY * len(window)


def _reportable(regions: Regions, min_tokens: int, options: MatchOptions) -> np.ndarray:
    """Which regions are long and similar enough to report (estimated regions of a hash-only
    index were measured against the guarantee already)."""
    length = regions.q1 - regions.q0
    long_enough = (length >= min_tokens) & (regions.similarity >= options.min_similarity) & (
        (regions.kind != RENAMED) | (length >= (options.min_renamed_tokens or 2 * min_tokens)))
    return regions.approximate.astype(bool) | long_enough


def _verify(index: Index, candidate: Candidate, form: NormalForm, k: int, use_abstract: bool) -> np.ndarray:
    """Regions of the candidate's document around its seeds, unfiltered: pieces of one
    edited copy reached from separate seed groups are merged before lengths are judged.
    Rows of (document, q0, q1, p0, p1, aligned, aligned exactly, first char, end char)."""
    query_ids = form.abstract_ids if use_abstract and form.abstract_ids is not None else form.ids
    seed_k = k
    low, high = int(candidate.p.min()), int(candidate.p.max()) + seed_k
    margin = 64
    while True:
        # Read a window around the seeds, and a wider one only when a run reaches its edge.
        first = max(0, low - margin)
        window = index.tokens(candidate.doc_id, first, high + margin)
        if window is None:
            return np.zeros((0, 9), dtype=np.int64)
        source_form, offset = window
        source_ids = source_form.abstract_ids if use_abstract and source_form.abstract_ids is not None else source_form.ids
        runs = exact_runs_array(query_ids, source_ids, candidate.q, candidate.p - offset, seed_k)
        at_edge = bool(len(runs)) and bool(((runs[:, 2] == 0) & (offset > 0)).any() or (runs[:, 3] == len(source_ids)).any())
        if not at_edge or margin >= len(form) + SLACK or (offset == 0 and len(source_ids) < high + margin):
            break
        margin *= 4
    # Placeholders agree too easily for a gapped extension: renamed code relies on its runs.
    rows = verify_runs(
        query_ids, source_ids, form.ids, source_form.ids, runs, gap=max(8, k + 3), extend=not use_abstract,
        trim=use_abstract, k=k,
    )
    out = np.empty((len(rows), 9), dtype=np.int64)
    out[:, 0] = candidate.doc_id
    out[:, 1:7] = rows
    out[:, 3:5] += offset
    out[:, 7] = source_form.starts[rows[:, 2]]
    out[:, 8] = source_form.ends[rows[:, 3] - 1]
    return out


def _measure(rows: np.ndarray, use_abstract: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similarity, exact similarity and kind of `_verify`'s rows."""
    length = np.maximum(np.maximum(rows[:, 2] - rows[:, 1], rows[:, 4] - rows[:, 3]), 1)
    similarity, exact = rows[:, 5] / length, rows[:, 6] / length
    kind = np.where((exact >= 0.999) & (similarity >= 0.999), VERBATIM,
                    np.where(use_abstract & (exact < 0.9), RENAMED, NEAR_VERBATIM))
    return similarity, exact, kind


def _as_regions(verified: list[np.ndarray], use_abstract: bool) -> Regions:
    """`_verify`'s rows of every candidate as one set of columns, with similarity and kind."""
    rows = np.concatenate(verified) if verified else np.zeros((0, 9), dtype=np.int64)
    similarity, exact, kind = _measure(rows, use_abstract)
    return Regions(
        rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy(), rows[:, 3].copy(), rows[:, 4].copy(), similarity, exact,
        kind.astype(np.int8), np.zeros(len(rows), dtype=np.uint8), rows[:, 7].copy(), rows[:, 8].copy(),
    )


def _estimate(
    index: Index, candidate: Candidate, hashes: np.ndarray, form: NormalForm, k: int, w: int,
    min_tokens: int, options: MatchOptions,
) -> Regions | None:
    """Hash-only index: the region spans the seeds; similarity is the share of the query's
    own winnowed fingerprints in the region that this document holds (every one for a
    verbatim copy, by the winnowing property)."""
    q0 = int(candidate.q.min())
    q1 = int(candidate.q.max()) + k
    if q1 - q0 < min_tokens - w:
        return None
    p0 = int(candidate.p.min())
    p1 = int(candidate.p.max()) + k
    region_hashes = hashes[q0 : q1 - k + 1]
    own = winnow(region_hashes, w) + q0
    hit = np.isin(own, candidate.q)
    similarity = float(hit.mean()) if len(own) else 0.0
    if similarity < options.min_similarity:
        return None
    diagonals = np.unique(candidate.p - candidate.q)
    checkpoints = index.checkpoints(candidate.doc_id)
    c0 = min(p0 // CHECKPOINT_EVERY, len(checkpoints) - 1)
    c1 = p1 // CHECKPOINT_EVERY + 1
    row = index.document(candidate.doc_id)
    end = int(checkpoints[c1]) if c1 < len(checkpoints) else row.n_chars
    kind = VERBATIM if len(diagonals) == 1 and similarity >= 0.999 else NEAR_VERBATIM
    return Regions.of(
        candidate.doc_id, np.array([[q0, q1, p0, p1]]), [similarity], [similarity], [kind],
        ([int(checkpoints[c0])], [end]), approximate=True,
    )


def _best_per_region(found: list[Found]) -> list[Found]:
    """One match per (input span, source): of overlapping regions of one document, the
    longest, most similar one. Kept regions of one document never overlap, so a region is
    compared with its two neighbours among them: linear in a query that repeats a copied
    phrase thousands of times."""
    merged = sorted(found, key=lambda f: (f.doc_id, -(f.q1 - f.q0) * f.similarity))
    kept: list[Found] = []
    spans: dict[int, list[tuple[int, int]]] = {}
    for f in merged:
        taken = spans.setdefault(f.doc_id, [])
        at = bisect.bisect_left(taken, (f.q0, f.q1))
        if any(taken[i][0] < f.q1 and f.q0 < taken[i][1] for i in (at - 1, at) if 0 <= i < len(taken)):
            continue
        taken.insert(at, (f.q0, f.q1))
        kept.append(f)
    return kept


def _common_stretches(index: Index, hashes: np.ndarray, k: int, w: int, min_tokens: int) -> list[Common]:
    counts = index.common_counts(hashes)
    hit = np.flatnonzero(counts)
    if len(hit) == 0:
        return []
    stretches = []
    start = previous = int(hit[0])
    for position in hit[1:].tolist() + [None]:
        if position is not None and position - previous <= w + k:
            previous = position
            continue
        q1 = previous + k
        if q1 - start >= min_tokens:
            stretches.append(Common(start, q1, int(counts[start:previous + 1].max())))
        if position is not None:
            start = previous = position
    return stretches


__all__ = ["Common", "Found", "MatchOptions", "Region", "Run", "find_copies"]
