"""Index parameters: the user states intent (the shortest copy that must always be found),
the code derives k-gram length and winnowing window, and both are saved with the index."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from wherefrom.errors import BadInputError, IncompatibleIndexError

FORMAT_VERSION = 4  # 4: documents record how their licence was decided (license_source)
NORMAL_FORM_VERSION = 2  # 2: structure fingerprints carry back-references (renamed code)


# Melodies: a note says far less than a word (a few hundred distinct tokens, and common
# figures everywhere), so melody fingerprints keep every k-gram of a few notes and the music
# check judges each candidate note by note (wherefrom.music.check). Indexes written before
# these settings existed keep the window they were built with (see `from_json`).
MELODY_MIN_TOKENS = 12
MELODY_K = 4


def derive_k(min_tokens: int) -> int:
    """k-gram length for a guarantee of `min_tokens`: short enough that an edited copy keeps
    intact k-grams (at one word edit in five, a 4-gram survives with probability 0.41, a
    5-gram with 0.33), long enough that a k-gram is rarely shared by chance."""
    return max(3, min(12, round(min_tokens / 6)))


def derive_code_k(min_tokens: int) -> int:
    """k-gram length of the code channels: code tokens are finer than words (a line holds
    about ten), and a 5-token k-gram such as `self . x = self` is shared by every file."""
    return min(max(3, round(min_tokens * 2 / 5)), min_tokens - 1)


@dataclass(frozen=True, slots=True)
class IndexConfig:
    """Parameters saved beside an index and checked when it is opened.

    Every shared run of at least `min_tokens` = k + w - 1 normal-form tokens shares a stored
    fingerprint (the winnowing guarantee); shorter copies are found with a probability that
    falls with their length.
    """

    min_tokens: int = 25
    k: int = 0
    w: int = 0
    code_abstract_k: int = 0
    common_threshold: int = 100
    # Code structure fingerprints in more documents than this are kept as counts only. Name
    # back-references make structure distinctive enough for the text threshold (at 10, 7 of 30
    # renamed 50-token copies of the stdlib kept no stored structural fingerprint).
    structure_common_threshold: int = 100
    max_postings: int = 2000
    hash_only: bool = False
    store_level: int = 10
    # Melody channel: copies of `melody_min_tokens` notes + 1 are reported; every k-gram of
    # `melody_k` tokens is stored (w = 1) so that a copy with a changed note every few notes
    # still shares fingerprints.
    melody_min_tokens: int = MELODY_MIN_TOKENS
    melody_k: int = MELODY_K
    melody_w: int = 1
    format_version: int = FORMAT_VERSION
    normal_form_version: int = NORMAL_FORM_VERSION

    def __post_init__(self) -> None:
        if self.min_tokens < 4:
            raise BadInputError(f"--min-tokens must be at least 4, got {self.min_tokens}")
        k = self.k or derive_k(self.min_tokens)
        if k >= self.min_tokens:
            raise BadInputError(
                f"k={k} must be smaller than --min-tokens={self.min_tokens}; lower k or raise min_tokens"
            )
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "w", self.w or self.min_tokens - k + 1)
        object.__setattr__(self, "code_abstract_k", self.code_abstract_k or derive_code_k(self.min_tokens))
        if not 2 <= self.melody_k < self.melody_min_tokens or self.melody_w < 1:
            raise BadInputError(
                f"melody_k={self.melody_k} must be at least 2 and below melody_min_tokens="
                f"{self.melody_min_tokens}, and melody_w={self.melody_w} at least 1"
            )
        if self.common_threshold < 2:
            raise BadInputError(f"common_threshold must be at least 2, got {self.common_threshold}")

    def window(self, channel: str) -> tuple[int, int]:
        """(k, w) of a fingerprint channel: code channels use longer k-grams for the same
        guarantee (see `derive_code_k`)."""
        if channel in ("code", "code-abstract"):
            return self.code_abstract_k, self.min_tokens - self.code_abstract_k + 1
        if channel == "music":
            return self.melody_k, self.melody_w
        return self.k, self.w

    @property
    def guaranteed_tokens(self) -> int:
        return self.k + self.w - 1

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str, where: str) -> IndexConfig:
        try:
            raw: dict[str, Any] = json.loads(text)
        except json.JSONDecodeError as error:
            raise IncompatibleIndexError(f"{where}: index configuration is not JSON ({error})") from None
        if "melody_k" not in raw:
            # written before melody settings existed: its melodies were fingerprinted and
            # reported with the text window
            k = raw.get("k") or derive_k(raw.get("min_tokens", 25))
            raw["melody_min_tokens"] = raw.get("min_tokens", 25)
            raw["melody_k"] = k
            raw["melody_w"] = raw.get("w") or raw.get("min_tokens", 25) - k + 1
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise IncompatibleIndexError(
                f"{where}: index was written by a newer wherefrom (unknown settings {sorted(unknown)})"
            )
        config = cls(**raw)
        if config.format_version != FORMAT_VERSION:
            raise IncompatibleIndexError(
                f"{where}: index format {config.format_version}, this wherefrom reads {FORMAT_VERSION}; rebuild the index"
            )
        if config.normal_form_version != NORMAL_FORM_VERSION:
            raise IncompatibleIndexError(
                f"{where}: index normal form {config.normal_form_version}, this wherefrom uses "
                f"{NORMAL_FORM_VERSION}; rebuild the index"
            )
        return config


CheckKind = Literal["auto", "text", "code", "image", "music"]
CHECK_KINDS: tuple[str, ...] = ("auto", "text", "code", "image", "music")


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to read an input and what counts as a copy. Validated on creation, so the
    library, the CLI and the service refuse the same values with the same message."""

    kind: CheckKind = "auto"
    language: str | None = None
    min_tokens: int | None = None  # default: the index's guarantee
    min_similarity: float = 0.6
    max_sources: int = 10
    snippet_chars: int = 300

    def __post_init__(self) -> None:
        if self.kind not in CHECK_KINDS:
            raise BadInputError(f"kind {self.kind!r}: expected one of {', '.join(CHECK_KINDS)}")
        if self.min_tokens is not None and self.min_tokens < 4:
            raise BadInputError(f"min_tokens {self.min_tokens}: must be at least 4 (or left out for the index's)")
        if not 0.0 <= self.min_similarity <= 1.0:
            raise BadInputError(f"min_similarity {self.min_similarity}: must be between 0 and 1")
        if self.max_sources < 1:
            raise BadInputError(f"max_sources {self.max_sources}: must be at least 1")
        if self.snippet_chars < 0:
            raise BadInputError(f"snippet_chars {self.snippet_chars}: must be 0 or more")
