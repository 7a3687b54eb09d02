"""The copy guard as a transformers LogitsProcessor: at each step it checks the highest-scoring
candidates of every row and, in block mode, masks those that would extend a copy beyond the
limit; tokens outside the checked top-k are masked too, so no unchecked token can be chosen."""

from __future__ import annotations

from typing import Any

from wherefrom.errors import require
from wherefrom.guard.base import Citation, CopyGuard, record


def make_processor(guard: CopyGuard, tokenizer: Any, top_k: int = 64) -> Any:
    """A `LogitsProcessor` for `model.generate(..., logits_processor=[...])`.

    `top_k` candidates per row are checked in score order; in block mode every other token is
    set to -inf. In cite mode nothing is masked; after generation call
    `processor.finish(sequences)`, then read `processor.citations[row]`.
    """
    transformers = require("transformers", "the generation guard", "audit")
    torch = require("torch", "the generation guard", "audit")

    class CopyGuardProcessor(transformers.LogitsProcessor):  # type: ignore[name-defined]
        def __init__(self) -> None:
            self.guard = guard
            self.top_k = top_k
            self.tail_tokens = 6 * (guard.max_copy_tokens + 2)
            self.prompt_length: int | None = None
            self.citations: list[list[Citation]] = []
            self.blocked = 0

        def _context(self, ids: list[int]) -> tuple[str, bool, list[int]]:
            tail = ids[-self.tail_tokens :]
            return tokenizer.decode(tail, skip_special_tokens=True), len(tail) == len(ids), tail

        def _addition(self, context: str, tail: list[int], token: int) -> str:
            text = tokenizer.decode([*tail, token], skip_special_tokens=True)
            return text[len(context) :] if text.startswith(context) else text

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            if self.prompt_length is None:
                self.prompt_length = input_ids.shape[1]
                self.citations = [[] for _ in range(input_ids.shape[0])]
            if guard.mode == "cite":
                if input_ids.shape[1] > self.prompt_length:
                    self._cite_last(input_ids)
                return scores
            k = min(self.top_k, scores.shape[-1])
            top = torch.topk(scores, k, dim=-1).indices.tolist()
            masked = torch.full_like(scores, float("-inf"))
            for row, candidates in enumerate(top):
                context, whole, tail = self._context(input_ids[row].tolist())
                prepared = guard.prepare(context, whole=whole)
                keep = [
                    c
                    for c in candidates
                    if guard.check(prepared, self._addition(context, tail, c)) is None
                ]
                self.blocked += len(candidates) - len(keep)
                if not keep:  # every checked candidate copies: end the text here
                    keep = (
                        [tokenizer.eos_token_id]
                        if tokenizer.eos_token_id is not None
                        else candidates[:1]
                    )
                index = torch.tensor(keep, device=scores.device)
                masked[row, index] = scores[row, index]
            return masked

        def _cite_last(self, input_ids: Any) -> None:
            step = input_ids.shape[1] - 1 - (self.prompt_length or 0)
            for row in range(input_ids.shape[0]):
                ids = input_ids[row].tolist()
                context, whole, tail = self._context(ids[:-1])
                hit = guard.check(
                    guard.prepare(context, whole=whole), self._addition(context, tail, ids[-1])
                )
                if hit is not None:
                    record(self.citations[row], hit, step, guard.table.n)

        def finish(self, sequences: Any) -> list[list[Citation]]:
            """Check the last generated token of each row (cite mode) and return the citations."""
            if (
                guard.mode == "cite"
                and self.prompt_length is not None
                and sequences.shape[1] > self.prompt_length
            ):
                self._cite_last(sequences)
            return self.citations

    return CopyGuardProcessor()
