"""The decode-time copy guard, independent of any model stack: given the text generated so
far and a candidate continuation, say whether the continuation would make the output share
more than N consecutive normal-form tokens with a source, and with which source.

Text is compared in the text normal form (NFKC, case folded, punctuation and spacing
ignored), so upper-casing or re-spacing a copy does not slip it past the guard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from wherefrom.errors import BadInputError
from wherefrom.guard.ngrams import NgramTable, index_texts
from wherefrom.normalize import get_normalizer

if TYPE_CHECKING:
    from wherefrom.index import Index

GuardMode = Literal["block", "cite"]


@dataclass(frozen=True, slots=True)
class CopyHit:
    """A window of N+1 output tokens found in a source."""

    source: str
    uid: str
    source_span: tuple[int, int]
    source_token: int


@dataclass(slots=True)
class Citation:
    """A copy let through in cite mode: which source, where, and how long it grew."""

    source: str
    uid: str
    source_span: tuple[int, int]
    tokens: int
    first_step: int
    last_step: int

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "uid": self.uid,
            "source_span": list(self.source_span),
            "tokens": self.tokens,
            "steps": [self.first_step, self.last_step],
        }


class CopyGuard:
    """Forbids (mode "block") or records (mode "cite") any continuation that extends a copy of
    a source beyond `max_copy_tokens` normal-form tokens."""

    def __init__(self, table: NgramTable, max_copy_tokens: int, mode: GuardMode = "block") -> None:
        if mode not in ("block", "cite"):
            raise BadInputError(f"guard mode must be 'block' or 'cite', got {mode!r}")
        if table.n != max_copy_tokens + 1:
            raise BadInputError(
                f"n-gram table has n={table.n}; a guard of {max_copy_tokens} tokens needs "
                f"n={max_copy_tokens + 1}"
            )
        self.table = table
        self.max_copy_tokens = max_copy_tokens
        self.mode: GuardMode = mode
        self._normalizer = get_normalizer("text")
        self.tail_chars = 48 * (max_copy_tokens + 2)

    @classmethod
    def from_index(
        cls, index: Index, max_copy_tokens: int = 50, mode: GuardMode = "block"
    ) -> CopyGuard:
        return cls(
            NgramTable.from_texts(index_texts(index), max_copy_tokens + 1), max_copy_tokens, mode
        )

    @classmethod
    def from_texts(
        cls,
        texts: Iterable[tuple[str, str, str]],
        max_copy_tokens: int = 50,
        mode: GuardMode = "block",
    ) -> CopyGuard:
        """`texts` are (label, uid, content) triples."""
        return cls(NgramTable.from_texts(texts, max_copy_tokens + 1), max_copy_tokens, mode)

    def prepare(self, context: str, whole: bool = False) -> PreparedContext:
        """Tokenize the end of `context` once, so that many candidates can be checked cheaply.
        `whole` says `context` is the entire output (its first word is not cut)."""
        tail = context[-self.tail_chars :]
        cut = not whole and len(tail) < len(context)
        form = self._normalizer.normalize(tail)
        ids, ends = form.ids, form.ends
        if cut and len(ids):
            ids, ends, starts = ids[1:], ends[1:], form.starts[1:]
        else:
            starts = form.starts
        pending = ""
        if len(ids) and int(ends[-1]) == len(tail):
            pending = tail[int(starts[-1]) :]
            ids = ids[:-1]
        return PreparedContext(ids[-self.max_copy_tokens :], pending)

    def check(self, prepared: PreparedContext, addition: str) -> CopyHit | None:
        """The copy `addition` would extend beyond the limit, or None when it is safe."""
        if not addition:
            return None
        form = self._normalizer.normalize(prepared.pending + addition)
        if len(form) == 0:
            return None
        n = self.table.n
        ids = np.concatenate([prepared.ids, form.ids])
        offset = len(prepared.ids)
        keep = len(prepared.pending)
        for j in range(len(form)):
            if int(form.ends[j]) <= keep:
                continue  # the pending word unchanged: already checked when it was written
            end = offset + j + 1
            if end < n:
                continue
            found = self.table.find(ids[end - n : end], limit=1)
            if found:
                owner, pos = found[0]
                source = self.table.sources[owner]
                span = (int(source.starts[pos]), int(source.ends[pos + n - 1]))
                return CopyHit(source.label, source.uid, span, pos)
        return None

    def allowed(self, context: str, candidates: Sequence[str]) -> list[bool]:
        """For stacks other than transformers: which candidate continuations of `context` are
        allowed (in cite mode all are)."""
        prepared = self.prepare(context)
        if self.mode == "cite":
            return [True] * len(candidates)
        return [self.check(prepared, c) is None for c in candidates]

    def copies_in(self, text: str) -> list[Citation]:
        """Every copy longer than the limit in a finished text, merged per source run."""
        form = self._normalizer.normalize(text)
        n = self.table.n
        citations: list[Citation] = []
        for end in range(n, len(form) + 1):
            found = self.table.find(form.ids[end - n : end], limit=1)
            if found:
                record(citations, self._hit(found[0]), end - 1, n)
        return citations

    def _hit(self, found: tuple[int, int]) -> CopyHit:
        owner, pos = found
        source = self.table.sources[owner]
        n = self.table.n
        return CopyHit(
            source.label, source.uid, (int(source.starts[pos]), int(source.ends[pos + n - 1])), pos
        )


@dataclass(frozen=True, slots=True)
class PreparedContext:
    ids: np.ndarray
    pending: str


def record(citations: list[Citation], hit: CopyHit, step: int, n: int) -> None:
    """Add a hit, growing the last citation when it continues the same source run."""
    if citations:
        last = citations[-1]
        if (
            last.uid == hit.uid
            and last.source_span[0] <= hit.source_span[0] <= last.source_span[1]
            and (step - last.last_step <= 2)
        ):
            last.source_span = (last.source_span[0], max(last.source_span[1], hit.source_span[1]))
            last.tokens += max(0, step - last.last_step)
            last.last_step = step
            return
    citations.append(Citation(hit.source, hit.uid, hit.source_span, n, step, step))
