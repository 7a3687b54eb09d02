"""Canaries (Carlini et al. 2019, "The Secret Sharer"): a template with a random slot, filled
with a secret drawn uniformly from the randomness space R, planted in training data; after
training, exposure = log2 |R| - log2 rank of the secret among all of R by log-perplexity, or
its skew-normal extrapolation from a sample of R when R is too large to enumerate."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

from wherefrom.audit.metrics import exposure_extrapolated, exposure_from_rank
from wherefrom.errors import BadInputError

SLOT = "{secret}"


@dataclass(frozen=True, slots=True)
class CanarySpec:
    """`template` holds one `{secret}` slot; the secret is `length` symbols of `alphabet`,
    joined by `separator`."""

    template: str = "my secret number is {secret}"
    alphabet: tuple[str, ...] = tuple("0123456789")
    length: int = 6
    separator: str = " "

    def __post_init__(self) -> None:
        if self.template.count(SLOT) != 1:
            raise BadInputError(f"canary template {self.template!r} needs exactly one {SLOT} slot")

    @property
    def space_size(self) -> int:
        return len(self.alphabet) ** self.length

    def fill(self, symbols: tuple[str, ...]) -> str:
        return self.template.replace(SLOT, self.separator.join(symbols))

    def draw(self, rng: random.Random) -> tuple[str, ...]:
        return tuple(rng.choice(self.alphabet) for _ in range(self.length))


def make_canaries(spec: CanarySpec, count: int, seed: int = 0) -> list[str]:
    """`count` canary strings with independent random secrets, to insert into training data."""
    rng = random.Random(seed)
    return [spec.fill(spec.draw(rng)) for _ in range(count)]


def log_perplexity(model: Any, text: str) -> float:
    """Sum of -log2 p(token) over the text's tokens after the first (Carlini et al. 2019)."""
    ids, _ = model.encode(text)
    stats = model.token_statistics(ids)
    return float(-stats["logp"].sum() / 0.6931471805599453)


def exposure(
    model: Any,
    spec: CanarySpec,
    canary: str,
    *,
    samples: int = 0,
    seed: int = 0,
    max_enumerate: int = 100_000,
) -> dict[str, float | str]:
    """Exposure of `canary` by exact rank when |R| <= max_enumerate and `samples` is 0, else by
    the skew-normal extrapolation over `samples` (default 10,000) random candidates."""
    canary_score = log_perplexity(model, canary)
    if samples == 0 and spec.space_size <= max_enumerate:
        scores = [
            log_perplexity(model, spec.fill(symbols))
            for symbols in itertools.product(spec.alphabet, repeat=spec.length)
        ]
        rank = 1 + sum(s < canary_score for s in scores)
        return {
            "method": "rank",
            "rank": rank,
            "space": spec.space_size,
            "exposure": exposure_from_rank(rank, spec.space_size),
            "log_perplexity": canary_score,
        }
    rng = random.Random(seed)
    scores = [log_perplexity(model, spec.fill(spec.draw(rng))) for _ in range(samples or 10_000)]
    return {
        "method": "skew-normal",
        "samples": len(scores),
        "space": spec.space_size,
        "exposure": exposure_extrapolated(canary_score, scores),
        "log_perplexity": canary_score,
    }
