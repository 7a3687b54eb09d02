"""Text normal form: words, NFKC, case folded, punctuation and whitespace ignored,
look-alike letters folded, one token per CJK character.

A per-code-point class and fold table (filled lazily, in Python, from unicodedata) drives
the compiled tokenizer, which finds word boundaries and hashes folded characters in one pass;
only tokens holding a character whose fold is not one code point (ß, ligatures, combining
marks) are hashed from their folded string. Both give the same id for the same normalized
string; `reference_tokens` is the slow tokenizer the tests pin the compiled one to.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from wherefrom._core import lexers
from wherefrom.normalize.base import NormalForm, Normalizer, TokenIds

SEP, WORD, CJK, COMPLEX, IGNORABLE = 0, 1, 2, 3, 4
_UNKNOWN = 255
_TABLE_SIZE = 0x110000

# Latin look-alikes from Cyrillic and Greek, the letters used to slip a copy past a filter.
CONFUSABLES = {
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
}

_CJK_RANGES = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),  # half-width katakana
    (0x20000, 0x3134F),
)

_cls = np.full(_TABLE_SIZE, _UNKNOWN, dtype=np.uint8)
_fold = np.zeros(_TABLE_SIZE, dtype=np.uint32)


def fold_string(token: str) -> str:
    """The normalized form of one token: format characters dropped, NFKC, case folded,
    look-alikes mapped to Latin."""
    kept = "".join(ch for ch in token if _classify(ord(ch))[0] != IGNORABLE)
    folded = unicodedata.normalize("NFKC", kept).casefold()
    return "".join(CONFUSABLES.get(ch, ch) for ch in folded)


def _classify(cp: int) -> tuple[int, int]:
    ch = chr(cp)
    category = unicodedata.category(ch)
    if category == "Cf" or cp == 0x00AD:
        return IGNORABLE, 0
    if any(lo <= cp <= hi for lo, hi in _CJK_RANGES):
        folded = unicodedata.normalize("NFKC", ch)
        return (CJK, ord(folded)) if len(folded) == 1 else (COMPLEX, 0)
    if ch.isalnum() or ch == "_" or category.startswith("M"):
        if category.startswith("M") or 0xD800 <= cp <= 0xDFFF:
            return COMPLEX, 0
        folded = unicodedata.normalize("NFKC", ch).casefold()
        folded = "".join(CONFUSABLES.get(c, c) for c in folded)
        if len(folded) == 1 and unicodedata.normalize("NFKC", folded) == folded:
            return WORD, ord(folded)
        return COMPLEX, 0
    return SEP, 0


def _fill(codepoints: np.ndarray) -> None:
    for cp in np.unique(codepoints).tolist():
        kind, folded = _classify(cp)
        # The fold first: a thread that sees the class known must see its fold too.
        _fold[cp] = folded
        _cls[cp] = kind


# One-byte strings are tokenized without a look for unknown code points.
_fill(np.arange(256, dtype=np.uint32))


class TextNormalizer(Normalizer):
    kind = "text"
    restartable = True
    compiled = True

    def __init__(self, language: str = "") -> None:
        self._slow_ids = TokenIds()

    def normalize(self, content: str) -> NormalForm:
        if not content:
            return NormalForm.empty()
        if not content.isascii():
            unknown = lexers.unknown_codepoints(content, _cls)
            if len(unknown):
                _fill(unknown)
        starts, ends, ids, complex_at = lexers.text_tokens(content, _cls, _fold)
        for i in complex_at.tolist():
            ids[i] = self._slow_ids(fold_string(content[int(starts[i]) : int(ends[i])]))
        return NormalForm(ids, starts, ends)


def reference_tokens(content: str) -> list[tuple[int, int, str]]:
    """Slow, obviously correct tokenizer the fast path is tested against."""
    out: list[tuple[int, int, str]] = []
    i, n = 0, len(content)
    while i < n:
        kind = _classify(ord(content[i]))[0]
        if kind == CJK:
            out.append((i, i + 1, fold_string(content[i])))
            i += 1
        elif kind in (WORD, COMPLEX):
            j = i + 1
            while j < n and _classify(ord(content[j]))[0] in (WORD, COMPLEX, IGNORABLE):
                j += 1
            while _classify(ord(content[j - 1]))[0] == IGNORABLE:
                j -= 1
            out.append((i, j, fold_string(content[i:j])))
            i = j
        else:
            i += 1
    return out

