"""Per-kind tokenizers that keep character offsets: text words, code tokens (melody
intervals live in the music slice, found through the kind registry)."""

from wherefrom.normalize.base import NormalForm, Normalizer, get_normalizer

__all__ = ["NormalForm", "Normalizer", "get_normalizer"]
