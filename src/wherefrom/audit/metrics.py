"""The published memorization and membership metrics as pure functions of token lists and
scores: no model, no torch. Each function names the paper whose definition it follows."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance between two token sequences (unit insert, delete, substitute)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def edit_similarity(generated: Sequence, reference: Sequence) -> float:
    """Normalized edit similarity 1 - lev(g, r) / max(|g|, |r|) (Lee et al. 2022)."""
    longest = max(len(generated), len(reference))
    if longest == 0:
        return 1.0
    return 1.0 - edit_distance(generated, reference) / longest


def bleu(generated: Sequence, reference: Sequence, max_order: int = 4) -> float:
    """Sentence BLEU (Papineni et al. 2002): geometric mean of clipped n-gram precisions for
    n = 1..max_order with uniform weights, times the brevity penalty; no smoothing."""
    if not generated or not reference:
        return 0.0
    log_precision = 0.0
    for n in range(1, max_order + 1):
        cand = Counter(tuple(generated[i : i + n]) for i in range(len(generated) - n + 1))
        ref = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
        total = sum(cand.values())
        clipped = sum(min(count, ref[gram]) for gram, count in cand.items())
        if total == 0 or clipped == 0:
            return 0.0
        log_precision += math.log(clipped / total) / max_order
    c, r = len(generated), len(reference)
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    return brevity * math.exp(log_precision)


def memorization_score(generated: Sequence, reference: Sequence) -> float:
    """Biderman et al. 2023: the fraction of suffix positions where the greedy token equals
    the true token, (1/N) * sum_i 1[g_i == s_i]; memorized iff it is 1."""
    if not reference:
        return 0.0
    hits = sum(1 for g, s in zip(generated, reference, strict=False) if g == s)
    return hits / len(reference)


def min_k_percent(token_scores: np.ndarray, k: float = 0.2) -> float:
    """Mean of the lowest ceil(k * n) per-token scores (Shi et al. 2024 on log-probs; Zhang
    et al. 2024 on standardized log-probs). Higher means more likely a member."""
    scores = np.sort(np.asarray(token_scores, dtype=np.float64))
    if len(scores) == 0:
        return float("nan")
    count = max(1, math.ceil(k * len(scores)))
    return float(scores[:count].mean())


def min_k_plus_plus_tokens(
    token_logprob: np.ndarray, mean_logprob: np.ndarray, var_logprob: np.ndarray
) -> np.ndarray:
    """Per-token Min-K%++ score (Zhang et al. 2024): (log p(x_t|x<t) - mu) / sigma, with mu and
    sigma^2 the mean and variance of log p(z|x<t) for z drawn from p(.|x<t) over the vocabulary."""
    sigma = np.sqrt(np.maximum(np.asarray(var_logprob, dtype=np.float64), 1e-12))
    return (np.asarray(token_logprob, dtype=np.float64) - np.asarray(mean_logprob)) / sigma


def auroc(member_scores: Sequence[float], nonmember_scores: Sequence[float]) -> float:
    """Area under the ROC curve where a higher score means member: the probability that a
    random member outscores a random non-member, ties counted one half (Mann-Whitney U)."""
    pos = np.asarray(member_scores, dtype=np.float64)
    neg = np.asarray(nonmember_scores, dtype=np.float64)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    both = np.concatenate([pos, neg])
    order = np.argsort(both, kind="mergesort")
    ranks = np.empty(len(both), dtype=np.float64)
    sorted_values = both[order]
    i = 0
    while i < len(both):
        j = i
        while j + 1 < len(both) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def tpr_at_fpr(
    member_scores: Sequence[float], nonmember_scores: Sequence[float], fpr: float = 0.01
) -> float:
    """The highest true-positive rate of a threshold rule `score >= t` whose false-positive
    rate is at most `fpr` (Carlini et al. 2022, "Membership inference from first principles")."""
    pos = np.asarray(member_scores, dtype=np.float64)
    neg = np.asarray(nonmember_scores, dtype=np.float64)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    best = 0.0
    for threshold in np.unique(np.concatenate([pos, neg, [np.inf]])):
        if (neg >= threshold).mean() <= fpr:
            best = max(best, float((pos >= threshold).mean()))
    return best


def exposure_from_rank(rank: int, space_size: int) -> float:
    """Carlini et al. 2019: exposure = log2 |R| - log2 rank, rank 1 being the candidate with
    the lowest log-perplexity."""
    return math.log2(space_size) - math.log2(rank)


def fit_skew_normal(samples: Sequence[float]) -> tuple[float, float, float]:
    """Location, scale and shape (xi, omega, alpha) of a skew-normal fitted by the method of
    moments; the sample skewness is clipped to the skew-normal's range (|gamma| < 0.995)."""
    x = np.asarray(samples, dtype=np.float64)
    mean, std = float(x.mean()), float(x.std())
    if std == 0:
        return mean, 1e-12, 0.0
    gamma = float(((x - mean) ** 3).mean() / std**3)
    gamma = max(-0.99, min(0.99, gamma))
    g = abs(gamma) ** (2 / 3)
    c = ((4 - math.pi) / 2) ** (2 / 3)
    delta = math.copysign(math.sqrt(math.pi / 2 * g / (g + c)), gamma)
    delta = max(-0.9999, min(0.9999, delta))
    alpha = delta / math.sqrt(1 - delta**2)
    omega = std / math.sqrt(1 - 2 * delta**2 / math.pi)
    xi = mean - omega * delta * math.sqrt(2 / math.pi)
    return xi, omega, alpha


def _log_norm_cdf(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    for i, value in enumerate(z.tolist()):
        tail = 0.5 * math.erfc(-value / math.sqrt(2))
        if tail > 0:
            out[i] = math.log(tail)
        else:  # Mills-ratio asymptote far in the left tail
            out[i] = -value * value / 2 - math.log(-value) - 0.5 * math.log(2 * math.pi)
    return out


def skew_normal_log2_cdf(x: float, xi: float, omega: float, alpha: float) -> float:
    """log2 P(X <= x) for X ~ SkewNormal(xi, omega, alpha), integrated in log space so that
    far-tail probabilities do not underflow."""
    upper = (x - xi) / omega
    grid = np.linspace(min(upper, -40.0) - 40.0, upper, 20001)
    step = grid[1] - grid[0]
    log_pdf = math.log(2) - grid**2 / 2 - 0.5 * math.log(2 * math.pi) + _log_norm_cdf(alpha * grid)
    peak = log_pdf.max()
    weights = np.exp(log_pdf - peak)
    area = (weights.sum() - 0.5 * (weights[0] + weights[-1])) * step
    return (peak + math.log(area)) / math.log(2) if area > 0 else float("-inf")


def exposure_extrapolated(canary_score: float, candidate_scores: Sequence[float]) -> float:
    """Carlini et al. 2019, section 4.3: fit a skew-normal to the log-perplexities of sampled
    candidates; exposure = -log2 of the fitted probability of a log-perplexity at or below
    the canary's."""
    xi, omega, alpha = fit_skew_normal(candidate_scores)
    return -skew_normal_log2_cdf(canary_score, xi, omega, alpha)
