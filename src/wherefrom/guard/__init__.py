"""Decode-time guard over a wherefrom index: stop, cite or allow a model's output when it would
extend a copy of a source beyond N normal-form tokens, by the source's licence. `CopyGuard` is
stack-independent; `make_processor` wraps it as a transformers LogitsProcessor (the `audit`
extra); `wherefrom.guard.proxy` guards any OpenAI-compatible server (the `serve` extra)."""

from wherefrom.guard.base import Citation, CopyGuard, CopyHit, GuardState
from wherefrom.guard.policy import GuardPolicy, licence_class

__all__ = ["Citation", "CopyGuard", "CopyHit", "GuardPolicy", "GuardState", "licence_class", "make_processor"]


def make_processor(guard: CopyGuard, tokenizer: object, top_k: int = 64) -> object:
    from wherefrom.guard.hf import make_processor as _make

    return _make(guard, tokenizer, top_k)
