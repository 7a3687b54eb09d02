"""Membership-inference scores of texts under a model, each oriented so that higher means
"more likely a training member":

- loss: minus the mean token negative log-likelihood (Yeom et al. 2018);
- zlib: minus the ratio of the log-perplexity to the zlib-compressed length in bits
  (Carlini et al. 2021, "Extracting Training Data from Large Language Models");
- min_k: mean log-probability of the k % least likely tokens (Shi et al. 2024);
- min_k_plus_plus: the same over tokens standardized by the mean and standard deviation of
  the log-probability over the vocabulary at that position (Zhang et al. 2024);
- reference: minus the ratio of the target's to a reference model's log-perplexity
  (Carlini et al. 2021).
AUROC and TPR at 1 % FPR summarize how well a score separates given members from non-members.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from wherefrom.audit.metrics import auroc, min_k_percent, min_k_plus_plus_tokens, tpr_at_fpr
from wherefrom.errors import BadInputError

SCORES = ("loss", "zlib", "min_k", "min_k_plus_plus", "reference")


@dataclass(frozen=True, slots=True)
class MembershipScores:
    text: str
    tokens: int
    scores: dict[str, float]


def score_text(
    model: Any, text: str, k: float = 0.2, reference: Any | None = None, max_tokens: int = 512
) -> MembershipScores:
    ids, _ = model.encode(text)
    ids = ids[:max_tokens]
    if len(ids) < 2:
        raise BadInputError(f"text {text[:40]!r}: needs at least 2 model tokens to score")
    stats = model.token_statistics(ids)
    nll = float(-stats["logp"].mean())
    zlib_bits = 8 * len(zlib.compress(text.encode("utf-8")))
    scores = {
        "loss": -nll,
        "zlib": -nll / zlib_bits,
        "min_k": min_k_percent(stats["logp"], k),
        "min_k_plus_plus": min_k_percent(
            min_k_plus_plus_tokens(stats["logp"], stats["mean"], stats["var"]), k
        ),
    }
    if reference is not None:
        ref_ids, _ = reference.encode(text)
        ref_nll = float(-reference.token_statistics(ref_ids[:max_tokens])["logp"].mean())
        scores["reference"] = -nll / ref_nll if ref_nll > 0 else float("nan")
    return MembershipScores(text, len(ids), scores)


def evaluate(
    members: list[MembershipScores], nonmembers: list[MembershipScores]
) -> dict[str, dict[str, float]]:
    """AUROC and TPR at 1 % FPR of each score."""
    out: dict[str, dict[str, float]] = {}
    for name in SCORES:
        pos = [m.scores[name] for m in members if name in m.scores]
        neg = [m.scores[name] for m in nonmembers if name in m.scores]
        if pos and neg:
            out[name] = {"auroc": auroc(pos, neg), "tpr_at_1pct_fpr": tpr_at_fpr(pos, neg, 0.01)}
    return out


def summarize(scored: list[MembershipScores]) -> dict[str, float]:
    names = {name for s in scored for name in s.scores}
    return {
        name: float(np.mean([s.scores[name] for s in scored if name in s.scores]))
        for name in sorted(names)
    }
