"""The words of a licence text under the normalization of the SPDX Matching Guidelines
(§2-§11): case folded; punctuation, quotes, dashes, comment markers and list numbering
dropped; copyright lines and "All rights reserved" blanked; © and (c) read as "copyright";
varietal spellings read as one word. Both the reference texts and the texts searched for
licences are reduced to these words."""

from __future__ import annotations

import re
from dataclasses import dataclass

_COPYRIGHT_LINE = re.compile(
    r"^[^\S\n]*(?:[#*/;!%>\-]+[^\S\n]*|rem\s+|dnl\s+)?(?:"
    r"(?:spdx-filecopyrighttext:|copyright(?!\s+(?:notice|holder|owner|law|and\b|or\b|"
    r"license|statement|protection|in\b|of\b|to\b|,))|\(c\)|©).*"
    r"|(?:all|some)\s+rights\s+reserved\.?[^\S\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
# "1.", "1.2.", "(a)", "a)", "(iv)" at the start of a line (after any comment marker), and
# "(a)"-style markers anywhere: list numbering is not part of a licence's words (§7).
_BULLET = re.compile(
    r"(?:^[^\S\n]*(?:[#*/;!%>\-]+[^\S\n]*)?\d{1,3}(?:\.\d{1,3})*\.(?=\s))"
    r"|(?:(?<![\w)])\(?(?:\d{1,2}|[a-z]|[ivx]{2,4})\)(?=\s))",
    re.IGNORECASE | re.MULTILINE,
)
_WORD = re.compile(r"[^\W_]+|©")
# SPDX Matching Guidelines, equivalent words list (§11), folded to the first spelling.
EQUIVALENT_WORDS = {
    "licence": "license", "licences": "licenses", "licenced": "licensed",
    "licencing": "licensing", "licensor": "licensor", "acknowledgement": "acknowledgment",
    "analogue": "analog", "analyse": "analyze", "artefact": "artifact",
    "authorisation": "authorization", "authorised": "authorized", "calibre": "caliber",
    "cancelled": "canceled", "capitalisations": "capitalizations", "catalogue": "catalog",
    "categorise": "categorize", "centre": "center", "emphasised": "emphasized",
    "favour": "favor", "favourite": "favorite", "fulfil": "fulfill",
    "fulfilment": "fulfillment", "initialise": "initialize", "judgement": "judgment",
    "labelling": "labeling", "labour": "labor", "maximise": "maximize",
    "modelled": "modeled", "modelling": "modeling", "offence": "offense",
    "optimise": "optimize", "organisation": "organization", "organise": "organize",
    "practise": "practice", "programme": "program", "realise": "realize",
    "recognise": "recognize", "signalling": "signaling", "utilisation": "utilization",
    "whilst": "while", "wilful": "willful", "wilfull": "willful", "https": "http",
    "©": "copyright",
}
# Two words read as one (§11: "per cent", "sub-license", "non-commercial").
JOINED_WORDS = {
    ("per", "cent"): "percent",
    ("sub", "license"): "sublicense",
    ("sub", "licence"): "sublicense",
    ("non", "commercial"): "noncommercial",
}

@dataclass(frozen=True, slots=True)
class Tokens:
    """The normalized words of a text and the character span of each in the original."""

    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def tokenize(text: str) -> Tokens:
    """The words of `text` under the SPDX matching normalization, with their char spans."""
    text = _COPYRIGHT_LINE.sub(_blank, text)
    text = _BULLET.sub(_blank, text)
    text = re.sub(r"\(c\)", "©  ", text, flags=re.IGNORECASE)
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for found in _WORD.finditer(text):
        word = found.group(0).casefold()
        word = EQUIVALENT_WORDS.get(word, word)
        if word == "owner" and words and words[-1] == "copyright":
            word = "holder"  # §11: "copyright owner" and "copyright holder" are one
        if words and (words[-1], word) in JOINED_WORDS:
            words[-1] = JOINED_WORDS[(words[-1], word)]
            ends[-1] = found.end()
            continue
        words.append(word)
        starts.append(found.start())
        ends.append(found.end())
    return Tokens(tuple(words), tuple(starts), tuple(ends))


