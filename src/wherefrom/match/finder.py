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
class Found:
    """A copied region: query tokens [q0, q1) copy document tokens [p0, p1)."""

    doc_id: int
    q0: int
    q1: int
    p0: int
    p1: int
    kind: str
    similarity: float
    exact_similarity: float
    source_chars: tuple[int, int]
    approximate: bool = False


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
    found: list[Found] = []
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
            found.extend(_estimate(index, candidate, hashes, form, k, w, min_tokens, options))
            continue
        verified = _verify(index, candidate, form, k, options, use_abstract)
        found.extend(verified)
        for f in verified:
            if f.kind != "renamed" and f.q1 - f.q0 >= min_tokens and f.similarity >= options.min_similarity:
                explained[f.q0 : f.q1] = True
    found = [f for f in _merge_near(found, gap, options.min_similarity) if _reportable(f, min_tokens, options)]
    if use_abstract:
        found = [f for f in found if f.kind != "renamed" or _varied(structure, ka, f, min_tokens - ka + 1)]
    return _best_per_region(found), _common_stretches(index, hashes, k, w, min_tokens)


def _two_on_one_diagonal(candidate: Candidate) -> bool:
    """Whether two seeds share a diagonal. A renamed copy has the same structure token for
    token, so the fingerprints it keeps lie on one diagonal; same-shaped code scatters them
    (on the standard library, no renamed copy was found from a candidate without such a pair,
    and half the structure-only candidates of original code lacked one)."""
    diagonals = candidate.p - candidate.q
    return len(np.unique(diagonals)) < len(diagonals)


def _varied(structure: np.ndarray, k: int, found: Found, needed: int) -> bool:
    """Whether the structure of a renamed match varies like code: at least `needed`
    distinct k-grams (as many as a copy of the shortest reported length holds) and at least
    MIN_VARIETY of its k-grams distinct. A table of literals or a run of alike calls repeats
    a few structural k-grams however long it runs: its shape is common, not copied."""
    window = structure[found.q0 : max(found.q0, found.q1 - k + 1)]
    distinct = len(np.unique(window))
    return distinct >= needed and distinct >= MIN_VARIETY * len(window)


def _reportable(found: Found, min_tokens: int, options: MatchOptions) -> bool:
    length = found.q1 - found.q0
    if found.approximate:
        return True  # estimated regions were measured against the guarantee already
    if length < min_tokens or found.similarity < options.min_similarity:
        return False
    return found.kind != "renamed" or length >= (options.min_renamed_tokens or 2 * min_tokens)


def _verify(
    index: Index, candidate: Candidate, form: NormalForm, k: int, options: MatchOptions, use_abstract: bool,
) -> list[Found]:
    """Regions of the candidate's document around its seeds, unfiltered: pieces of one
    edited copy reached from separate seed groups are merged before lengths are judged."""
    query_ids = form.abstract_ids if use_abstract and form.abstract_ids is not None else form.ids
    seed_k = k
    low, high = int(candidate.p.min()), int(candidate.p.max()) + seed_k
    margin = 64
    while True:
        # Read a window around the seeds, and a wider one only when a run reaches its edge.
        first = max(0, low - margin)
        window = index.tokens(candidate.doc_id, first, high + margin)
        if window is None:
            return []
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
    out = []
    starts, ends = source_form.starts, source_form.ends
    for q0, q1, p0, p1, aligned, agree in rows.tolist():
        length = max(q1 - q0, p1 - p0, 1)
        similarity, exact = aligned / length, agree / length
        out.append(Found(
            doc_id=candidate.doc_id, q0=q0, q1=q1, p0=p0 + offset, p1=p1 + offset,
            kind=_kind(similarity, exact, use_abstract), similarity=similarity, exact_similarity=exact,
            source_chars=(int(starts[p0]), int(ends[p1 - 1])),
        ))
    return out


def _kind(similarity: float, exact: float, use_abstract: bool) -> str:
    if exact >= 0.999 and similarity >= 0.999:
        return "verbatim"
    if use_abstract and exact < 0.9:
        return "renamed"
    return "near-verbatim"


def _estimate(
    index: Index, candidate: Candidate, hashes: np.ndarray, form: NormalForm, k: int, w: int,
    min_tokens: int, options: MatchOptions,
) -> list[Found]:
    """Hash-only index: the region spans the seeds; similarity is the share of the query's
    own winnowed fingerprints in the region that this document holds (every one for a
    verbatim copy, by the winnowing property)."""
    q0 = int(candidate.q.min())
    q1 = int(candidate.q.max()) + k
    if q1 - q0 < min_tokens - w:
        return []
    p0 = int(candidate.p.min())
    p1 = int(candidate.p.max()) + k
    region_hashes = hashes[q0 : q1 - k + 1]
    own = winnow(region_hashes, w) + q0
    hit = np.isin(own, candidate.q)
    similarity = float(hit.mean()) if len(own) else 0.0
    if similarity < options.min_similarity:
        return []
    diagonals = np.unique(candidate.p - candidate.q)
    checkpoints = index.checkpoints(candidate.doc_id)
    c0 = min(p0 // CHECKPOINT_EVERY, len(checkpoints) - 1)
    c1 = p1 // CHECKPOINT_EVERY + 1
    row = index.document(candidate.doc_id)
    end = int(checkpoints[c1]) if c1 < len(checkpoints) else row.n_chars
    kind = "verbatim" if len(diagonals) == 1 and similarity >= 0.999 else "near-verbatim"
    return [Found(
        doc_id=candidate.doc_id, q0=q0, q1=q1, p0=p0, p1=p1, kind=kind, similarity=similarity,
        exact_similarity=similarity, source_chars=(int(checkpoints[c0]), end), approximate=True,
    )]


def _merge_near(found: list[Found], gap: int, min_similarity: float) -> list[Found]:
    """Regions of one document that overlap, or follow each other within `gap` input tokens
    (twice that in the source, where deletions widen it) along nearly the same diagonal are
    one copy reached from two seed groups (edits drift the diagonal apart, or stopped an
    extension short of the next piece): they merge, the aligned count of an overlap taken
    once at the lower similarity, unless the union would fall below `min_similarity`."""
    found = sorted((f for f in found if f.similarity >= min_similarity), key=lambda f: (f.doc_id, f.q0))
    merged: list[Found] = []
    for f in found:
        last = merged[-1] if merged else None
        if (
            last is not None and last.doc_id == f.doc_id and not f.approximate and not last.approximate
            and f.q0 <= last.q1 + gap and last.p0 <= f.p0 <= last.p1 + 2 * gap
            and abs((f.p0 - f.q0) - (last.p0 - last.q0)) <= 16
        ):
            union = _merge(last, f)
            if union.similarity >= min_similarity:
                merged[-1] = union
                continue
        merged.append(f)
    return merged


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


def _merge(a: Found, b: Found) -> Found:
    q0, q1, p0, p1 = min(a.q0, b.q0), max(a.q1, b.q1), min(a.p0, b.p0), max(a.p1, b.p1)
    overlap = max(0, min(a.q1, b.q1) - max(a.q0, b.q0))
    length = max(q1 - q0, p1 - p0)

    def aligned(x: Found, attribute: str) -> float:
        return getattr(x, attribute) * max(x.q1 - x.q0, x.p1 - x.p0)

    def combined(attribute: str) -> float:
        shared = overlap * min(getattr(a, attribute), getattr(b, attribute))
        return min(1.0, (aligned(a, attribute) + aligned(b, attribute) - shared) / length)

    similarity = combined("similarity")
    kind = a.kind if a.kind == b.kind and a.kind != "verbatim" else "near-verbatim"
    if a.kind == b.kind == "verbatim" and similarity >= 0.999:
        kind = "verbatim"
    return Found(
        doc_id=a.doc_id, q0=q0, q1=q1, p0=p0, p1=p1, kind=kind, similarity=similarity,
        exact_similarity=combined("exact_similarity"),
        source_chars=(min(a.source_chars[0], b.source_chars[0]), max(a.source_chars[1], b.source_chars[1])),
    )


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
