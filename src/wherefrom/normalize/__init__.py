"""Per-kind tokenizers that keep character offsets: text words, code tokens, melody intervals."""

from wherefrom.normalize.base import NormalForm, Normalizer, get_normalizer, register_normalizer

__all__ = ["NormalForm", "Normalizer", "get_normalizer", "register_normalizer"]
