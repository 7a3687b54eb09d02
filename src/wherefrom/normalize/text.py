"""Text normal form: words, NFKC, case folded, punctuation and whitespace ignored,
look-alike letters folded, one token per CJK character.

The hot path is vectorized over code points: a per-code-point class and fold table (filled
lazily) gives word boundaries and folded characters in NumPy; only tokens holding a
character whose fold is not one code point (ß, ligatures, combining marks) take the slow,
per-token path. Both paths produce the same ids for the same normalized string.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from wherefrom.normalize.base import NormalForm, Normalizer, TokenIds, hash_runs

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
    unknown = np.unique(codepoints[_cls[codepoints] == _UNKNOWN])
    for cp in unknown.tolist():
        _cls[cp], _fold[cp] = _classify(cp)


_fill(np.arange(128, dtype=np.uint32))


class TextNormalizer(Normalizer):
    kind = "text"
    restartable = True

    def __init__(self, language: str = "") -> None:
        self._slow_ids = TokenIds()

    def normalize(self, content: str) -> NormalForm:
        if not content:
            return NormalForm.empty()
        if content.isascii():
            cps = np.frombuffer(content.encode("ascii"), dtype=np.uint8)
        else:
            raw = content.encode("utf-32-le", "surrogatepass")
            cps = np.frombuffer(raw, dtype="<u4")
            _fill(cps)
        classes = _cls[cps]
        origin = None
        if (classes == IGNORABLE).any():
            keep = classes != IGNORABLE
            origin = np.flatnonzero(keep)
            cps, classes = cps[keep], classes[keep]
            if len(cps) == 0:
                return NormalForm.empty()
        wordish = (classes == WORD) | (classes == COMPLEX)
        before = np.empty_like(wordish)
        before[0] = False
        before[1:] = wordish[:-1]
        after = np.empty_like(wordish)
        after[-1] = False
        after[:-1] = wordish[1:]
        word_starts = np.flatnonzero(wordish & ~before)
        word_ends = np.flatnonzero(wordish & ~after) + 1
        cjk = np.flatnonzero(classes == CJK)
        if len(cjk):
            starts = np.concatenate([word_starts, cjk])
            ends = np.concatenate([word_ends, cjk + 1])
            order = np.argsort(starts, kind="stable")
            starts, ends = starts[order], ends[order]
        else:
            starts, ends = word_starts, word_ends
        ids = hash_runs(_fold[cps], starts, ends)
        if (classes == COMPLEX).any():
            complex_prefix = np.zeros(len(cps) + 1, dtype=np.int64)
            np.cumsum(classes == COMPLEX, out=complex_prefix[1:])
            slow = np.flatnonzero(complex_prefix[ends] > complex_prefix[starts])
            char_starts = starts if origin is None else origin[starts]
            char_ends = ends if origin is None else origin[ends - 1] + 1
            for i in slow.tolist():
                token = content[int(char_starts[i]) : int(char_ends[i])]
                ids[i] = self._slow_ids(fold_string(token))
        if origin is not None and len(starts):
            starts, ends = origin[starts], origin[ends - 1] + 1
        return NormalForm(ids, starts.astype(np.int64), ends.astype(np.int64))


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

