"""The size study's settings and results as records: what a study plans (StudyConfig), the
training set it builds, and what it measures per model (ModelResult, StudyRun). The study
(`audit.study`) writes them; the report (`audit.study_report`) reads them."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.audit.study_model import IGNORE, ModelShape, TrainingPlan
from wherefrom.errors import BadInputError

PASSAGE_TOKENS = 100  # Carlini et al. 2022: a 50-token prefix, then the 50-token suffix
CARLINI = (50, 50)
BIDERMAN = (32, 32)  # Biderman et al. 2023: the passage's first 32 tokens, then the next 32
BOS = 0  # the tokenizer's one special token, <|endoftext|>, opens every example
CANARY_NAME_TOKENS = 3  # the canary's random "name" prefix, different for every canary
SECRET_LENGTH = 3
SECRET_ALPHABET = 32  # |R| = 32**3 = 32,768 secrets: 15 bits per canary, ranked exactly
PLANTED_INDEX_MIN_TOKENS = 12  # a 50-token suffix is about 35 words; 12 keeps short ones findable
STUDY_FORMAT = 1

QUICK_SIZES = ("1x16", "1x32", "2x64")
FULL_SIZES = ("1x16", "1x32", "2x64", "3x96", "4x128", "4x192")


@dataclass(frozen=True, slots=True)
class StudyConfig:
    """What one study trains and measures. `duplicates` is the ladder of copies of a planted
    passage (or canary) in the training set; `passages` and `canaries` are how many are
    planted at each count (as many are held out, never trained on, as the count-0 floor)."""

    corpus: tuple[str, ...]
    sizes: tuple[ModelShape, ...]
    duplicates: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    passages: int = 12
    canaries: int = 4
    base_tokens: int = 150_000
    epochs: int = 8
    batch_size: int = 16
    learning_rate: float = 2e-3
    vocab_size: int = 2048
    seed: int = 0
    quick: bool = False

    def __post_init__(self) -> None:
        if not self.sizes:
            raise BadInputError("--sizes: give at least one LAYERSxWIDTH shape")
        if not self.duplicates or min(self.duplicates) < 1 or len(set(self.duplicates)) != len(self.duplicates):
            raise BadInputError(f"--duplicates must be distinct counts of at least 1, got {list(self.duplicates)}")
        for name, value in (("passages", self.passages), ("epochs", self.epochs), ("batch_size", self.batch_size)):
            if value < 1:
                raise BadInputError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        if self.canaries < 0:
            raise BadInputError(f"--canaries must be 0 or more, got {self.canaries}")
        if self.vocab_size < 300:
            raise BadInputError(f"vocab_size must be at least 300 (256 bytes + merges), got {self.vocab_size}")

    @classmethod
    def preset(cls, corpus: list[str], quick: bool, **overrides: Any) -> StudyConfig:
        """The full study, or with `quick` the few-minute one; `overrides` that are not None
        replace single settings."""
        if quick:
            base = cls(
                tuple(corpus),
                tuple(ModelShape.parse(s) for s in QUICK_SIZES),
                duplicates=(1, 4, 16),
                passages=8,
                canaries=2,
                base_tokens=20_000,
                epochs=20,
                vocab_size=1024,
                quick=True,
            )
        else:
            base = cls(tuple(corpus), tuple(ModelShape.parse(s) for s in FULL_SIZES))
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def reference_shape(self) -> ModelShape:
        """The reference has the largest shape: the best at predicting text it never saw, so
        the floor it sets is the highest a family member could reach without memorizing."""
        return max(self.sizes, key=lambda s: s.layers * s.width * s.width + s.width)

    def plan(self) -> TrainingPlan:
        return TrainingPlan(self.epochs, self.batch_size, self.learning_rate, 0.05, self.seed)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["corpus"] = [str(Path(c).resolve()) for c in self.corpus]
        out["sizes"] = [s.name for s in self.sizes]
        out["duplicates"] = list(self.duplicates)
        out["format"] = STUDY_FORMAT
        return out


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of PASSAGE_TOKENS tokens of one corpus document, planted `copies` times (0: held
    out, never trained on; the base passages are trained on once per epoch)."""

    number: int
    copies: int
    source_uid: str
    source_title: str
    source_uri: str
    token_span: tuple[int, int]
    tokens: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Canary:
    """A random-token canary (Carlini et al. 2019): a random name, then a secret of
    SECRET_LENGTH tokens of the alphabet, planted `copies` times (0: never trained on)."""

    number: int
    copies: int
    name: tuple[int, ...]
    secret: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TrainingSet:
    passages: tuple[Passage, ...]  # planted and held out: the measured ones
    base: tuple[Passage, ...]
    canaries: tuple[Canary, ...]
    alphabet: tuple[int, ...]

    def rows(self, planted: bool) -> np.ndarray:
        """The training examples: [BOS] + passage per base passage and per planted copy, and
        the canary copies packed [BOS] + canary after one another; `planted=False` gives the
        reference's rows (the base passages only)."""
        examples = [(BOS, *p.tokens) for p in self.base]
        if planted:
            examples += [(BOS, *p.tokens) for p in self.passages for _ in range(p.copies)]
            copies = [(BOS, *c.name, *c.secret) for c in self.canaries for _ in range(c.copies)]
            random.Random(len(copies)).shuffle(copies)
            row: list[int] = []
            for canary in copies:
                if len(row) + len(canary) > PASSAGE_TOKENS + 1:
                    examples.append(tuple(row))
                    row = []
                row += canary
            if row:
                examples.append(tuple(row))
        out = np.full((len(examples), PASSAGE_TOKENS + 1), IGNORE, dtype=np.int32)
        for i, example in enumerate(examples):
            out[i, : len(example)] = example
        return out


@dataclass(frozen=True, slots=True)
class SourceHit:
    """A document of the index that a checked sequence copies."""

    uid: str
    title: str
    uri: str
    tokens: int
    similarity: float
    documents_containing: int


@dataclass(frozen=True, slots=True)
class PassageOutcome:
    passage: int
    copies: int
    carlini_exact: bool
    carlini_edit_similarity: float
    carlini_bleu: float
    biderman_exact: bool
    biderman_score: float
    bits: float  # -log2 p(passage | BOS) under the model
    generated: str  # the greedy 50-token suffix, decoded
    sources: tuple[SourceHit, ...] = ()


@dataclass(frozen=True, slots=True)
class CanaryOutcome:
    canary: int
    copies: int
    rank: int
    exposure: float
    log2_probability: float
    memorized_bits: float  # Morris et al. 2025 on uniform data: H(secret) - code length, in [0, H]


@dataclass(frozen=True, slots=True)
class ModelResult:
    name: str
    shape: str
    reference: bool
    parameters: int
    non_embedding_parameters: int
    training: dict[str, Any]
    passages: tuple[PassageOutcome, ...]
    canaries: tuple[CanaryOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelResult:
        passages = tuple(
            PassageOutcome(**(p | {"sources": tuple(SourceHit(**s) for s in p["sources"])})) for p in data["passages"]
        )
        canaries = tuple(CanaryOutcome(**c) for c in data["canaries"])
        return cls(**(data | {"passages": passages, "canaries": canaries}))


@dataclass(slots=True)
class StudyRun:
    """What a call to run_study did: the results, and which models it trained now (a resumed
    run trains only the unfinished ones)."""

    config: StudyConfig
    folder: Path
    results: list[ModelResult]
    trained_now: list[str] = field(default_factory=list)
    measured_now: list[str] = field(default_factory=list)
