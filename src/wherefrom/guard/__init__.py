"""Decode-time guard: stop (or cite) a model's output when it would extend a copy of a source
beyond N normal-form tokens. `CopyGuard` is stack-independent; `make_processor` wraps it as a
transformers LogitsProcessor (needs the `audit` extra)."""

from wherefrom.guard.base import Citation, CopyGuard, CopyHit, GuardMode
from wherefrom.guard.ngrams import NgramTable

__all__ = ["Citation", "CopyGuard", "CopyHit", "GuardMode", "NgramTable", "make_processor"]


def make_processor(guard: CopyGuard, tokenizer: object, top_k: int = 64) -> object:
    from wherefrom.guard.hf import make_processor as _make

    return _make(guard, tokenizer, top_k)
