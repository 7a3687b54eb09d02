"""The decode-time copy guard over a wherefrom index, independent of any model stack: fed the
text a model generates, piece by piece, it says when the output has grown a copy of an
indexed source past `max_copy_tokens` normal-form tokens, whose work it is and what the
policy does about it.

The guard keeps no corpus of its own. Each new normal-form token adds one k-gram hash, looked
up among the index's winnowed fingerprints (the ones `wherefrom check` uses); seeds of one
source on one diagonal are verified against the stored tokens with the check's exact runs and
gapped extension, or, in a hash-only index, judged from the fingerprints alone. Text is
compared in the text normal form (NFKC, case folded, punctuation and spacing ignored), so
upper-casing, re-spacing or look-alike letters do not get a copy past it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from wherefrom.errors import BadInputError
from wherefrom.guard.incremental import WordForms, kgram_hash, lookup
from wherefrom.guard.policy import Action, GuardPolicy, licence_class
from wherefrom.index.fingerprint import CHANNEL_SALT
from wherefrom.licenses.obligations import attribution_line
from wherefrom.match.align import chain, exact_runs
from wherefrom.match.finder import LONE_SEED_PLACES
from wherefrom.normalize import NormalForm, get_normalizer
from wherefrom.records import NOASSERTION

if TYPE_CHECKING:
    from wherefrom.index import Index

WITHDRAWN_LABEL = "withdrawn source"  # what a hit of a withdrawn source is called: never its provenance
# Share of a region's tokens that must agree with the source for an edited copy to count: the
# check's default (MatchOptions.min_similarity).
MIN_SIMILARITY = 0.6


@dataclass(frozen=True, slots=True)
class CopyHit:
    """A copy of one source in the output, as long as it had grown when it was flagged.

    `output_chars` are [start, end) offsets into the generated text, `cut` the offset of the
    token that took the copy past the limit (the text before it is what may be kept);
    `source_chars` are offsets into the
    source document (None in a hash-only index, which keeps no offsets inside a document
    finer than its checkpoints: `source_tokens` is then the estimate)."""

    uid: str
    title: str
    license: str
    licence_class: str
    action: Action
    attribution: str
    output_chars: tuple[int, int]
    cut: int
    source_tokens: tuple[int, int]
    source_chars: tuple[int, int] | None
    tokens: int
    similarity: float
    approximate: bool
    documents: int = 1  # documents holding a copy this long at once (duplicates of the work)

    @property
    def source(self) -> str:
        return self.title

    def to_dict(self) -> dict[str, object]:
        return {
            "source": {"uid": self.uid, "title": self.title, "license": self.license},
            "licence_class": self.licence_class,
            "action": self.action,
            "attribution": self.attribution,
            "span": list(self.output_chars),
            "cut": self.cut,
            "source_span": list(self.source_chars) if self.source_chars else None,
            "source_tokens": list(self.source_tokens),
            "tokens": self.tokens,
            "similarity": round(self.similarity, 3),
            "approximate": self.approximate,
            "documents_containing": self.documents,
        }


_LAST_WORD = re.compile(r"\S+$")
_WORD_GAP = re.compile(r"\s{2,}")
_SETTLED = re.compile(r"\s{2,}|(?<=\S\S)\s")  # ends a spaced word, or follows a real one



_STRICTNESS = {"block": 0, "cite": 1, "allow": 2}

# Kept under its former name: a citation is a hit that the policy let through.
Citation = CopyHit


@dataclass(slots=True)
class _Window:
    """Normal-form tokens of one source around the seeds being verified."""

    form: NormalForm
    offset: int

    def covers(self, first: int, last: int) -> bool:
        return self.offset <= max(first, 0) and last <= self.offset + len(self.form)


class CopyGuard:
    """Flags any output that extends a copy of an indexed source beyond `max_copy_tokens`
    normal-form tokens, and says what `policy` does about it (block, cite or allow).

    `max_copy_tokens` must be at least the index's guarantee (`--min-tokens` of its build):
    below it a copy could run past the limit without sharing a stored fingerprint."""

    def __init__(self, index: Index, max_copy_tokens: int | None = None, policy: GuardPolicy | None = None) -> None:
        config = index.config
        self.index = index
        self.policy = policy or GuardPolicy()
        limit = max_copy_tokens if max_copy_tokens is not None else self.policy.max_copy_tokens
        if limit is None:
            limit = max(50, config.min_tokens)
        if limit < config.min_tokens:
            raise BadInputError(
                f"max_copy_tokens={limit} is below the index's guarantee of {config.min_tokens} tokens: "
                f"raise it to at least {config.min_tokens}, or rebuild the index with --min-tokens {limit}"
            )
        self.max_copy_tokens = limit
        self.k, self.w = config.window("text")
        self.salt = CHANNEL_SALT["text"]
        self.hash_only = config.hash_only
        self.gap = max(8, self.k + 3)  # as the check chains runs
        self.max_gap = 2 * (self.w + self.k) + self.gap  # a seed this far back can still grow a copy
        self.keep = limit + self.max_gap + 2 * self.k  # tokens of output a state holds
        self.normalizer = get_normalizer("text")
        self.forms = WordForms(self.normalizer)
        # A verbatim copy past the limit holds a stored fingerprint in each of its disjoint
        # windows of w k-grams: with two or more such windows, a lone seed is chance.
        self.pair_needed = limit + 2 - self.k >= 2 * self.w
        self._windows: dict[int, _Window] = {}
        self._hits: dict[int, tuple[str, str, str, str, Action, str]] = {}

    @classmethod
    def from_index(
        cls, index: Index, max_copy_tokens: int | None = None, policy: GuardPolicy | str | None = None
    ) -> CopyGuard:
        """A guard over `index`; `policy` may be the name of a whole-guard action ("block",
        "cite") for the common case of one action for every source."""
        if isinstance(policy, str):
            policy = GuardPolicy.everything(policy)
        return cls(index, max_copy_tokens, policy)

    @property
    def mode(self) -> str:
        """"cite" when the policy blocks nothing, otherwise "block"."""
        return "block" if self.policy.blocks_anything else "cite"

    def start(self) -> GuardState:
        """A fresh state for one generation."""
        return GuardState(self)

    # --- stack-independent conveniences ------------------------------------------------
    def allowed(self, context: str, candidates: Sequence[str]) -> list[bool]:
        """Which candidate continuations of `context` the policy lets through."""
        state = self.start()
        state.feed(context)
        return [(hit := state.peek(c)) is None or hit.action != "block" for c in candidates]

    def copies_in(self, text: str) -> list[CopyHit]:
        """Every copy longer than the limit in a finished text, one per source run, at the
        length it had reached when the text ended."""
        state = self.start()
        for piece in _pieces(text):
            state.feed(piece)
        state.finish()
        return state.hits

    # --- the work of one step -----------------------------------------------------------
    def _source(self, doc_id: int) -> tuple[str, str, str, str, Action, str]:
        row = self.index.document(doc_id)  # withdrawals apply on every read, at once
        if row.withdrawn:
            # never named, and never let through: the source asked to be taken down
            return ("", WITHDRAWN_LABEL, NOASSERTION, "unknown", "block", "")
        cached = self._hits.get(doc_id)
        if cached is None:
            ref = row.source_ref()
            kind = licence_class(ref.license)
            action = self.policy.action_for(ref.uid, ref.license, kind)
            cached = (ref.uid, ref.title or ref.uri or ref.uid, ref.license, kind, action, attribution_line(ref))
            self._hits[doc_id] = cached
        return cached

    def _window(self, doc_id: int, first: int, last: int) -> _Window | None:
        window = self._windows.get(doc_id)
        if window is None or not window.covers(first, last):
            got = self.index.tokens(doc_id, max(0, first - self.keep), last + 2 * self.keep)
            if got is None:
                return None
            window = _Window(*got)
            if len(self._windows) > 64:
                self._windows.pop(next(iter(self._windows)))
            self._windows[doc_id] = window
        return window

    def _regions(self, ids: np.ndarray, seeds: list[tuple[int, int, int]], rare: set[int]) -> list[_Region]:
        """The copies `seeds` (positions relative to `ids`) lie in, at any length: verified
        against the stored tokens, or estimated from the fingerprints in a hash-only index.
        A document's lone seed is verified only when its k-gram is `rare` (in at most the
        check's LONE_SEED_PLACES places): an edited copy may keep just one stored k-gram."""
        by_doc: dict[int, list[tuple[int, int]]] = {}
        for q, doc, p in seeds:
            by_doc.setdefault(doc, []).append((q, p))
        out: list[_Region] = []
        end = len(ids)
        for doc, pairs in by_doc.items():
            pairs.sort()
            if self.pair_needed and not self._paired(pairs) and not any(q in rare for q, _ in pairs):
                continue
            window = None
            if not self.hash_only:
                p_low = min(p for _, p in pairs)
                p_high = max(p for _, p in pairs) + (end - pairs[0][0])
                window = self._window(doc, p_low - end, p_high)
            if window is None:
                out.extend(self._estimate(doc, pairs, end))
                continue
            source = window.form.ids
            qs = np.array([q for q, _ in pairs], dtype=np.int64)
            ps = np.array([p for _, p in pairs], dtype=np.int64) - window.offset
            for region in chain(exact_runs(ids, source, qs, ps, self.k), ids, source, gap=self.gap):
                chars = (int(window.form.starts[region.p0]), int(window.form.ends[region.p1 - 1]))
                out.append(_Region(doc, region.q0, region.q1, region.p0 + window.offset,
                                   region.p1 + window.offset, region.similarity, False, chars))
        return out

    def _paired(self, pairs: list[tuple[int, int]]) -> bool:
        """Whether two seeds lie within the check's band of one diagonal and close enough
        to be one copy."""
        for number, (q, p) in enumerate(pairs):
            for q2, p2 in pairs[number + 1 :]:
                if q2 - q > self.max_gap:
                    break
                if q2 > q and abs((p2 - q2) - (p - q)) <= self.gap:
                    return True
        return False

    def _estimate(self, doc: int, pairs: list[tuple[int, int]], end: int) -> list[_Region]:
        """A hash-only index: seeds of one document along one diagonal (within the check's
        band) are one copy. Its start is known only to within w - 1 tokens before the first
        seed: the guard takes the earliest, so it stops a copy early rather than late. The
        copy is taken to run on while its last seed is within a winnowing window of the end;
        a lone seed is a k-gram shared by chance until a second one confirms it."""
        out = []
        group: list[tuple[int, int]] = []
        for q, p in [*pairs, (1 << 60, 0)]:
            if group and (
                q - group[-1][0] > self.w + self.k
                or abs((p - q) - (group[0][1] - group[0][0])) > self.gap
            ):
                q0, p0 = group[0]
                q_last, p_last = group[-1]
                live_end = end if end - (q_last + self.k) <= self.w else q_last + self.k
                start = max(0, q0 - (self.w - 1))
                similarity = 1.0 if len(group) >= 2 else 0.0
                out.append(_Region(doc, start, live_end, max(0, p0 - (q0 - start)), p_last + self.k,
                                   similarity, True, None))
                group = []
            group.append((q, p))
        return out


@dataclass(frozen=True, slots=True)
class _Region:
    """Output tokens [q0, q1) copy tokens [p0, p1) of document `doc`."""

    doc: int
    q0: int
    q1: int
    p0: int
    p1: int
    similarity: float
    approximate: bool
    source_chars: tuple[int, int] | None


def _pieces(text: str, size: int = 6) -> Iterable[str]:
    """A finished text cut into small pieces, as a model would stream it."""
    for start in range(0, len(text), size):
        yield text[start : start + size]


@dataclass(slots=True)
class GuardState:
    """One generation as the guard follows it: the last few hundred normal-form tokens, the
    seeds among them, the word still being written, and the hits so far.

    `feed(piece)` adds generated text and returns the first hit it causes (or None);
    `peek(piece)` says the same without adding it (to choose among candidate tokens);
    `finish()` checks the last word. The word being written is checked as if it ended with
    the piece, so a copy is flagged on the piece that completes its limit."""

    guard: CopyGuard
    ids: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    base: int = 0  # absolute token number of ids[0]
    seeds: list[tuple[int, int, int]] = field(default_factory=list)  # (absolute q, doc, p)
    reach: dict[tuple[int, int, int], int] = field(default_factory=dict)  # where its copy ended
    rare: set[int] = field(default_factory=set)  # seeds' positions whose k-gram is in few places
    pending: str = ""
    pending_start: int = 0
    length: int = 0  # characters fed so far
    hits: list[CopyHit] = field(default_factory=list)
    stopped: CopyHit | None = None
    spaced: GuardState | None = None  # the output's letters-spaced-out stretches, joined up
    raw_tail: str = ""  # text not yet judged for spaced-out letters

    def feed(self, piece: str) -> CopyHit | None:
        """Add generated text; the first new hit it causes (already recorded in `hits`)."""
        before = self.length
        hit = self._step(piece, commit=True)
        spaced = self._spaced_out(piece, before)
        if hit is None and spaced is not None:
            hit = spaced
            self._record(hit)
        if hit is not None and hit.action == "block" and self.stopped is None:
            self.stopped = hit
        return hit

    def _spaced_out(self, piece: str, before: int, final: bool = False) -> CopyHit | None:
        """Letters spaced out one by one ("S h a l l   I   c o m p a r e") are single-letter
        words in the normal form: stretches of them are joined into words (two or more
        spaces part the words) and followed by a second state. Its hits hold back the whole
        piece that completed them (`cut` is where the piece began), since their offsets
        are in the joined text."""
        self.raw_tail += piece
        text = self.raw_tail
        points = [m.end() for m in _SETTLED.finditer(text)]
        if final and (not points or points[-1] < len(text)):
            points.append(len(text))
        found = None
        if points:
            self.raw_tail = text[points[-1] :]
            for start, end in zip([0, *points[:-1]], points, strict=True):
                hit = self._spaced_segment(text[start:end])
                found = found or hit
        tail = self.raw_tail.split()
        if found is None and self.spaced is not None and tail and all(len(c) == 1 for c in tail):
            found = self.spaced.peek(" " + "".join(tail))  # the spaced word still being written
        if found is None:
            return None
        return replace(found, output_chars=(before, before + len(piece)), cut=before)

    def _spaced_segment(self, segment: str) -> CopyHit | None:
        chunks = segment.split()
        if not chunks or any(len(c) > 1 for c in chunks) or (len(chunks) < 2 and self.spaced is None):
            self.spaced = None if chunks else self.spaced  # ordinary words end a spaced stretch
            return None
        if self.spaced is None:
            self.spaced = GuardState(self.guard)
        joined = " ".join(w.replace(" ", "") for w in _WORD_GAP.split(segment.strip()))
        return self.spaced._step((" " if self.spaced.length else "") + joined, commit=True, final=True)

    def peek(self, piece: str) -> CopyHit | None:
        """The hit `piece` would cause, without adding it."""
        return self._step(piece, commit=False)

    def finish(self) -> CopyHit | None:
        """The text has ended: the word being written is complete."""
        hit = self._step("", commit=True, final=True)
        spaced = self._spaced_out("", self.length, final=True)
        if hit is None and spaced is not None:
            hit = spaced
            self._record(hit)
        return hit

    @property
    def tokens(self) -> int:
        return self.base + len(self.ids)

    def _step(self, piece: str, commit: bool, final: bool = False) -> CopyHit | None:
        guard = self.guard
        text = self.pending + piece
        if not text:
            return None
        new_ids, new_starts, new_ends = guard.forms(text)
        n = len(new_ids)
        complete = n
        pending_from = len(text)
        if not final and not text[-1].isspace():  # the word still being written
            pending_from = len(text) - len(_LAST_WORD.search(text).group())  # type: ignore[union-attr]
            complete = sum(1 for start in new_starts if start < pending_from)
        old = len(self.ids)
        every = self.ids + new_ids
        # Only the k-grams that end at a new token are new: hash from k - 1 tokens back.
        k = guard.k
        first = max(0, old - k + 1)
        hashes = [kgram_hash(every[q : q + k], guard.salt) for q in range(first, len(every) - k + 1)]
        found = lookup(guard.index, hashes) if hashes else None
        fresh = [] if found is None else [
            (q + first, d, p) for q, d, p in zip(found[0].tolist(), found[1].tolist(), found[2].tolist(), strict=True)
        ]
        rare = set()
        if found is not None:
            places = np.bincount(found[0])
            rare = {int(q) + first for q in np.flatnonzero((places > 0) & (places <= LONE_SEED_PLACES))}
        base = self.base
        hot_docs = {d for _, d, _ in fresh}
        hot_docs.update(d for q, d, p in self.seeds if self.reach.get((q, d, p), old + base) >= old + base - guard.gap)
        hit = None
        regions: list[_Region] = []
        if hot_docs:
            judged = [(q - base, d, p) for q, d, p in self.seeds if d in hot_docs] + fresh
            regions = guard._regions(
                np.array(every, dtype=np.uint64), judged, rare | {q - base for q in self.rare}
            )
            long = [
                r for r in regions
                if r.q1 - r.q0 > guard.max_copy_tokens and r.similarity >= MIN_SIMILARITY and r.q1 > old
            ]
            if long:
                shift = self.pending_start
                hit = self._hit(long, self.starts + [s + shift for s in new_starts],
                                self.ends + [e + shift for e in new_ends])
        if commit:
            shift = self.pending_start
            self.length += len(piece)
            self.ids.extend(new_ids[:complete])
            self.starts.extend(s + shift for s in new_starts[:complete])
            self.ends.extend(e + shift for e in new_ends[:complete])
            # A seed of the word still being written is looked up again once it is complete.
            self.seeds.extend((q + base, d, p) for q, d, p in fresh if q + k <= old + complete)
            self.rare.update(q + base for q in rare if q + k <= old + complete)
            for q, d, p in self.seeds:
                if d in hot_docs:
                    inside = [r.q1 for r in regions if r.doc == d and r.q0 <= q - base < r.q1]
                    self.reach[(q, d, p)] = base + max(inside) if inside else -1
            if pending_from < len(text):
                self.pending = text[pending_from:]
                self.pending_start += pending_from
            else:
                self.pending = ""
                self.pending_start = self.length
            self._trim()
            if hit is not None:
                self._record(hit)
        return hit

    def _hit(self, regions: list[_Region], starts: list[int], ends: list[int]) -> CopyHit:
        """The hit that decides: the one the policy treats most strictly, then the longest."""
        hits = []
        for r in regions:
            uid, title, license, kind, action, attribution = self.guard._source(r.doc)
            hits.append(CopyHit(
                uid, title, license, kind, action, attribution, (starts[r.q0], ends[r.q1 - 1]),
                starts[r.q0 + self.guard.max_copy_tokens], (r.p0, r.p1), r.source_chars, r.q1 - r.q0, r.similarity, r.approximate,
            ))
        best = min(hits, key=lambda h: (_STRICTNESS[h.action], -h.tokens, h.uid))
        return replace(best, documents=len({h.uid for h in hits}))

    def _record(self, hit: CopyHit) -> None:
        """Keep one hit per source run: a hit that grows the last one of its source
        replaces it."""
        for number, earlier in enumerate(self.hits):
            if earlier.uid == hit.uid and earlier.output_chars[0] <= hit.output_chars[1] and (
                hit.output_chars[0] <= earlier.output_chars[1]
            ):
                start = min(earlier.output_chars[0], hit.output_chars[0])
                self.hits[number] = replace(hit, output_chars=(start, hit.output_chars[1]))
                return
        self.hits.append(hit)

    def _trim(self) -> None:
        extra = len(self.ids) - self.guard.keep
        if extra > 0:
            del self.ids[:extra], self.starts[:extra], self.ends[:extra]
            self.base += extra
            self.seeds = [s for s in self.seeds if s[0] >= self.base]
            self.rare = {q for q in self.rare if q >= self.base}
            self.reach = {s: r for s, r in self.reach.items() if s[0] >= self.base}
