"""The copy guard as a transformers LogitsProcessor: each row of the batch keeps a
`GuardState` fed with the tokens chosen so far (prompt included); at each step the
highest-scoring candidates are peeked and, where the policy blocks their source, masked.
Tokens outside the checked top-k are masked too, so no unchecked token can be chosen. A
source the policy cites or allows is let through and its hit recorded."""

from __future__ import annotations

from typing import Any

from wherefrom.errors import require
from wherefrom.guard.base import CopyGuard, CopyHit


def make_processor(guard: CopyGuard, tokenizer: Any, top_k: int = 64) -> Any:
    """A `LogitsProcessor` for `model.generate(..., logits_processor=[...])`.

    `top_k` candidates per row are checked in score order when the policy blocks anything;
    every other token is then set to -inf. With the policy's `on_block = "stop"` a row whose
    best candidate would be blocked ends there (end-of-sequence); with "resample" the best
    allowed candidate is chosen instead. After generation call
    `processor.finish(sequences)`, then read `processor.citations[row]` (the copies let
    through, with source, licence and attribution line)."""
    transformers = require("transformers", "the generation guard", "audit")
    torch = require("torch", "the generation guard", "audit")

    class CopyGuardProcessor(transformers.LogitsProcessor):  # type: ignore[name-defined]
        def __init__(self) -> None:
            self.guard = guard
            self.top_k = top_k
            self.states: list[Any] = []
            self.texts: list[str] = []
            self.blocked = 0

        def _text(self, ids: list[int]) -> str:
            return tokenizer.decode(ids, skip_special_tokens=True)

        def _advance(self, input_ids: Any) -> None:
            """Feed each row's state the text its newest tokens added."""
            if not self.states:
                self.states = [guard.start() for _ in range(input_ids.shape[0])]
                self.texts = [""] * input_ids.shape[0]
            for row, state in enumerate(self.states):
                text = self._text(input_ids[row].tolist())
                piece = text[len(self.texts[row]) :] if text.startswith(self.texts[row]) else text
                self.texts[row] = text
                if piece:
                    state.feed(piece)

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            self._advance(input_ids)
            if not guard.policy.blocks_anything:
                return scores
            stop = guard.policy.on_block == "stop"
            k = min(self.top_k, scores.shape[-1])
            top = torch.topk(scores, k, dim=-1).indices.tolist()
            masked = torch.full_like(scores, float("-inf"))
            for row, candidates in enumerate(top):
                state, text = self.states[row], self.texts[row]
                ids = input_ids[row].tolist()
                keep = []
                for c in candidates:
                    with_c = self._text([*ids, c])
                    hit = state.peek(with_c[len(text) :] if with_c.startswith(text) else with_c)
                    if hit is None or hit.action != "block":
                        keep.append(c)
                    elif stop and c == candidates[0]:
                        keep = []  # the policy ends the output rather than pick another token
                        break
                self.blocked += len(candidates) - len(keep) if keep else 1
                if not keep:  # every checked candidate copies: end the text here
                    keep = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else candidates[:1]
                index = torch.tensor(keep, device=scores.device)
                masked[row, index] = scores[row, index]
            return masked

        @property
        def citations(self) -> list[list[CopyHit]]:
            return [[h for h in s.hits if h.action != "block"] for s in self.states]

        def finish(self, sequences: Any) -> list[list[CopyHit]]:
            """Feed the last generated token of each row and return the copies let through."""
            self._advance(sequences)
            for state in self.states:
                state.finish()
            return self.citations

    return CopyGuardProcessor()
