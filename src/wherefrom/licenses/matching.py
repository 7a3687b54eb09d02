"""Finding SPDX licence texts inside a text, with the normalization of the SPDX Matching
Guidelines: each licence found, with where it is and how closely it matches.

Both sides are reduced to the same word tokens (guidelines §2-§11): case folded; whitespace,
punctuation, quotes, dashes and comment markers dropped; list bullets and numbering dropped;
copyright lines and "All rights reserved" (the replaceable copyright notice, §8) blanked; ©
and (c) read as "copyright"; varietal spellings read as one word (licence/license, ...);
http and https alike. A template field such as `<copyright holders>` or the organisation
named in BSD clause 3 is a short run where the texts differ, and text after "END OF TERMS AND
CONDITIONS" (Apache's appendix) is optional (§12).

Candidates come from word 3-grams shared with each reference (NumPy lookups over a sorted
array, built once per process); each candidate is then aligned word by word (difflib) with
the text, and the best explained region is taken out before the next licence is sought, so
a file stacking several licences yields each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache

import numpy as np

from wherefrom.licenses.reference import Reference, ReferenceSet, references
from wherefrom.licenses.words import Tokens, tokenize

# A candidate must have at least this share of its word 3-grams in the text.
CANDIDATE_MIN_SHARED = 0.5
CANDIDATES_PER_ROUND = 16
# A match must cover this share of the reference's required words ...
MIN_COVERAGE = 0.9
# ... and explain this share of the words in its region (matched / matched+inserted+missing).
MIN_SCORE = 0.85
# Runs where the texts differ: longer ones are a different licence, not a template field.
MAX_MISSING_RUN = 15
MAX_INSERTED_RUN = 20
# Aligned runs shorter than this are coincidences inside other text.
MIN_BLOCK = 3
# 3-gram hits further apart than this belong to different regions of a text.
WINDOW_GAP = 40
MAX_LICENSES_PER_TEXT = 24
# BSD-3-Clause-HP, MIT-CMU, OFL-1.1-no-RFN ... differ from their base licence in a few words;
# where a text sits between the two, the common licence is the likelier reading.
COMMON_LICENSE_BONUS = 1.06

END_OF_TERMS = ("end", "of", "terms", "and", "conditions")
# Words that name a licence or its version: where the texts differ in one of them, the text
# is another licence (GNU Lesser vs GNU General, version 2 vs 3), not a filled template field.
NAMING_WORDS = frozenset({
    "gnu", "general", "lesser", "library", "affero", "free", "documentation", "mozilla",
    "apache", "eclipse", "creative", "commons", "attribution", "noncommercial",
    "sharealike", "noderivatives", "noderivs", "later", "only", "version",
    "1", "2", "3", "4", "5", "0",
})


@dataclass(frozen=True, slots=True)
class LicenseMatch:
    """One licence text or notice found in a text: its SPDX id (a notice may grant an
    expression), the character span it covers, the share of the reference's words found
    (coverage) and of the region's words explained (score)."""

    spdx: str
    name: str
    is_exception: bool
    is_notice: bool
    start: int
    end: int
    coverage: float
    score: float
    matched_words: int


@dataclass(frozen=True, slots=True)
class _Index:
    """Word 3-gram keys of every reference, sorted, with the reference each belongs to."""

    keys: np.ndarray
    owners: np.ndarray
    keys_per_reference: tuple[np.ndarray, ...]
    required_words: tuple[int, ...]
    vocabulary_size: int
    reference_sizes: np.ndarray  # distinct 3-grams of each reference (at least 1)


def _trigram_keys(ids: np.ndarray, size: int) -> np.ndarray:
    """One int64 key per 3 consecutive ids; -1 where a word is unknown or masked."""
    if len(ids) < 3:
        return np.empty(0, dtype=np.int64)
    a, b, c = (ids[i : len(ids) - 2 + i].astype(np.int64) for i in range(3))
    keys = (a * size + b) * size + c
    keys[(a < 0) | (b < 0) | (c < 0)] = -1
    return keys


def _required_words(tokens: np.ndarray, vocabulary: dict[str, int]) -> int:
    """Words of a reference a text must contain: all, or those up to END OF TERMS (§12)."""
    end_ids = [vocabulary.get(w, -1) for w in END_OF_TERMS]
    if -1 in end_ids:
        return len(tokens)
    seq = tokens.tolist()
    for i in range(len(seq) - len(end_ids) + 1):
        if seq[i : i + len(end_ids)] == end_ids:
            return i + len(end_ids)
    return len(seq)


@cache
def _index() -> _Index:
    refs = references()
    size = len(refs.vocabulary) + 1
    per_ref = []
    owners = []
    for i, ref in enumerate(refs.references):
        keys = np.unique(_trigram_keys(ref.tokens, size))
        keys = keys[keys >= 0]
        per_ref.append(keys)
        owners.append(np.full(len(keys), i, dtype=np.int32))
    all_keys = np.concatenate(per_ref)
    all_owners = np.concatenate(owners)
    order = np.argsort(all_keys, kind="stable")
    return _Index(
        keys=all_keys[order],
        owners=all_owners[order],
        keys_per_reference=tuple(per_ref),
        # a notice that goes on after END OF TERMS grants more than the licence: all required
        required_words=tuple(
            len(r.tokens) if r.is_notice else _required_words(r.tokens, refs.vocabulary)
            for r in refs.references
        ),
        vocabulary_size=size,
        reference_sizes=np.array([max(len(k), 1) for k in per_ref]),
    )


def _candidates(query_keys: np.ndarray, index: _Index) -> list[int]:
    """References sharing at least CANDIDATE_MIN_SHARED of their 3-grams, most shared first."""
    unique = np.unique(query_keys[query_keys >= 0])
    if not len(unique):
        return []
    lo = np.searchsorted(index.keys, unique, "left")
    hi = np.searchsorted(index.keys, unique, "right")
    lengths = hi - lo
    total = int(lengths.sum())
    if not total:
        return []
    firsts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    owners = index.owners[firsts + np.arange(total)]
    shared = np.bincount(owners, minlength=len(index.keys_per_reference))
    share = shared / index.reference_sizes
    picked = np.nonzero(share >= CANDIDATE_MIN_SHARED)[0]
    # by share, so that a short licence inside a long stack is not crowded out by the
    # long licences that merely share its common phrases
    ranked = picked[np.argsort(-share[picked], kind="stable")]
    return [int(i) for i in ranked[:CANDIDATES_PER_ROUND]]


@dataclass(frozen=True, slots=True)
class _Alignment:
    first: int  # query word positions [first, last)
    last: int
    matched: int
    coverage: float
    score: float

    @property
    def net(self) -> float:
        """Words explained, less those that disagree: ranks candidates for one region."""
        return self.matched * self.score


def _window(query_keys: np.ndarray, ref_keys: np.ndarray, ref_len: int) -> tuple[int, int]:
    """The stretch of the query to align with a reference: the run of its 3-gram hits (hits
    less than WINDOW_GAP apart) holding most of them, at most one reference long, so that two
    copies of one licence are aligned one at a time."""
    hits = np.nonzero(np.isin(query_keys, ref_keys))[0]
    if not len(hits):
        return 0, 0
    breaks = np.nonzero(np.diff(hits) > WINDOW_GAP)[0]
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks + 1, [len(hits)]))
    run = int(np.argmax(ends - starts))
    first, last = int(hits[starts[run]]), int(hits[ends[run] - 1])
    span = int(1.1 * ref_len) + 20
    return max(first - 10, 0), min(last, first + span) + 13


@cache
def _naming_ids() -> frozenset[int]:
    vocabulary = references().vocabulary
    return frozenset(vocabulary[w] for w in NAMING_WORDS if w in vocabulary)


def _align(
    query: list[int], start: int, reference: Reference, required: int
) -> _Alignment | None:
    ref = reference.tokens.tolist()
    matcher = SequenceMatcher(None, query, ref, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size >= MIN_BLOCK]
    if not blocks:
        return None
    if len(reference.required):
        matched_positions = np.zeros(len(ref), dtype=bool)
        for b in blocks:
            matched_positions[b.b : b.b + b.size] = True
        if not matched_positions[reference.required].all():
            return None
    naming = _naming_ids()
    # a licence text's head may be missing whole: a title is omittable (§12); a notice's
    # head is the sentence that names its licence
    differing = ref[blocks[-1].b + blocks[-1].size : required]
    if reference.is_notice:
        differing += ref[: blocks[0].b]
    for before, after in zip(blocks, blocks[1:], strict=False):
        differing += query[before.a + before.size : after.a] + ref[before.b + before.size : after.b]
    if naming.intersection(differing):
        return None
    matched = sum(b.size for b in blocks)
    matched_required = sum(max(0, min(b.b + b.size, required) - b.b) for b in blocks)
    inserted = missing = 0
    for before, after in zip(blocks, blocks[1:], strict=False):
        gap_query = after.a - (before.a + before.size)
        gap_ref = after.b - (before.b + before.size)
        if gap_query > MAX_INSERTED_RUN or (gap_ref > MAX_MISSING_RUN and after.b < required):
            return None
        inserted += gap_query
    head_missing = blocks[0].b
    tail_missing = max(required - (blocks[-1].b + blocks[-1].size), 0)
    if head_missing > MAX_MISSING_RUN or tail_missing > MAX_MISSING_RUN:
        return None
    missing = max(required - matched_required, 0)
    coverage = matched_required / max(required, 1)
    score = matched / (matched + inserted + missing)
    if coverage < MIN_COVERAGE or score < MIN_SCORE:
        return None
    return _Alignment(
        first=start + blocks[0].a,
        last=start + blocks[-1].a + blocks[-1].size,
        matched=matched,
        coverage=coverage,
        score=score,
    )


def _query_ids(tokens: Tokens, refs: ReferenceSet) -> np.ndarray:
    return np.fromiter(
        (refs.vocabulary.get(w, -1) for w in tokens.words), dtype=np.int32, count=len(tokens.words)
    )


def _rank(alignment: _Alignment, ref: Reference) -> tuple[float, bool, int]:
    """Most words explained first, the licences terms.json knows (the common ones) counting
    COMMON_LICENSE_BONUS more: a variant must explain clearly more to beat its base licence.
    On a tie, a licence text before a notice quoting it, and the shorter reference (it
    claims no words the text lacks)."""
    bonus = COMMON_LICENSE_BONUS if ref.spdx in _common_licenses() else 1.0
    return (alignment.net * bonus, not ref.is_notice, -len(ref.tokens))


@cache
def _common_licenses() -> frozenset[str]:
    from wherefrom.licenses.data import load

    return frozenset(load("terms.json")["licenses"])


def find_licenses(text: str, tokens: Tokens | None = None) -> tuple[LicenseMatch, ...]:
    """Every SPDX licence or exception text in `text`, in the order they appear (`tokens`:
    its words, when the caller has them already).

    A region is credited to the reference that explains most of its words; it is then taken
    out and the rest of the text searched again, so stacked licences each come out once.
    """
    tokens = tokens if tokens is not None else tokenize(text)
    refs = references()
    index = _index()
    ids = _query_ids(tokens, refs)
    found: list[tuple[_Alignment, Reference]] = []
    # an alignment stays valid while no masking touched its window: (candidate, lo, hi) → it
    aligned: dict[tuple[int, int, int], _Alignment | None] = {}
    while len(found) < MAX_LICENSES_PER_TEXT:
        keys = _trigram_keys(ids, index.vocabulary_size)
        best: tuple[_Alignment, Reference] | None = None
        for candidate in _candidates(keys, index):
            ref = refs.references[candidate]
            lo, hi = _window(keys, index.keys_per_reference[candidate], len(ref.tokens))
            if (candidate, lo, hi) not in aligned:
                aligned[(candidate, lo, hi)] = _align(
                    ids[lo:hi].tolist(), lo, ref, index.required_words[candidate]
                )
            alignment = aligned[(candidate, lo, hi)]
            if alignment is not None and (best is None or _rank(alignment, ref) > _rank(*best)):
                best = (alignment, ref)
        if best is None:
            break
        found.append(best)
        first, last = best[0].first, best[0].last
        # masked words match nothing: -2 is no vocabulary id
        ids[first:last] = -2
        aligned = {k: v for k, v in aligned.items() if k[2] <= first or k[1] >= last}
    found.sort(key=lambda pair: pair[0].first)
    return tuple(
        LicenseMatch(
            spdx=ref.spdx,
            name=ref.name,
            is_exception=ref.is_exception,
            is_notice=ref.is_notice,
            start=tokens.starts[a.first],
            end=tokens.ends[a.last - 1],
            coverage=round(a.coverage, 3),
            score=round(a.score, 3),
            matched_words=a.matched,
        )
        for a, ref in found
    )
