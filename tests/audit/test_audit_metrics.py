"""The metrics on values computed by hand."""

import math

import numpy as np
import pytest

from wherefrom.audit.metrics import (
    auroc,
    bleu,
    edit_similarity,
    exposure_extrapolated,
    exposure_from_rank,
    memorization_score,
    min_k_percent,
    min_k_plus_plus_tokens,
    tpr_at_fpr,
)


def test_edit_similarity_kitten_sitting():
    # lev = 3 (k->s, e->i, +g), max length 7
    assert edit_similarity(list("kitten"), list("sitting")) == pytest.approx(1 - 3 / 7)
    assert edit_similarity([1, 2, 3], [1, 2, 3]) == 1.0
    assert edit_similarity([], []) == 1.0


def test_bleu_by_hand():
    assert bleu(["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e"]) == pytest.approx(1.0)
    # candidate of 5, reference of 6 (one word dropped at the end)
    cand, ref = ["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e", "f"]
    assert bleu(cand, ref) == pytest.approx(math.exp(1 - 6 / 5))
    # the last of 8 tokens substituted: precisions 7/8, 6/7, 5/6, 4/5
    cand, ref = ["a", "b", "c", "d", "e", "f", "g", "x"], ["a", "b", "c", "d", "e", "f", "g", "h"]
    expected = (7 / 8 * 6 / 7 * 5 / 6 * 4 / 5) ** 0.25
    assert bleu(cand, ref) == pytest.approx(expected)
    assert bleu(["a", "b"], ["c", "d"]) == 0.0


def test_memorization_score_counts_positions():
    assert memorization_score([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
    assert memorization_score([1, 2], [1, 2]) == 1.0


def test_min_k_and_min_k_plus_plus():
    scores = np.array([-1.0, -5.0, -2.0, -0.5, -3.0])
    assert min_k_percent(scores, 0.2) == -5.0  # ceil(0.2 * 5) = 1 token
    assert min_k_percent(scores, 0.4) == -4.0  # mean of -5, -3
    # a 2-token vocabulary with p = (0.5, 0.5): mu = log 0.5, sigma = 0 -> guarded; with
    # p = (0.8, 0.2): mu = 0.8 log .8 + 0.2 log .2, var = E[log^2] - mu^2
    p = np.array([0.8, 0.2])
    mu = float((p * np.log(p)).sum())
    var = float((p * np.log(p) ** 2).sum() - mu**2)
    z = min_k_plus_plus_tokens(np.array([math.log(0.8)]), np.array([mu]), np.array([var]))
    assert z[0] == pytest.approx((math.log(0.8) - mu) / math.sqrt(var))
    assert z[0] == pytest.approx(0.5)  # (log .8 - mu) / sigma = 0.2 log 4 / (0.4 log 4)


def test_auroc_and_tpr_at_fpr():
    # pairs (member > non-member): 3>1, 3>2, 2>1, 2=2 (half) -> 3.5 / 4
    assert auroc([3, 2], [1, 2]) == pytest.approx(0.875)
    assert auroc([5, 6], [1, 2]) == 1.0
    members = list(range(100, 200))
    nonmembers = [*range(100), 150]  # one non-member scores like a member
    # threshold above 150 keeps FPR 0 and catches members 151..199
    assert tpr_at_fpr(members, nonmembers, 0.0) == pytest.approx(49 / 100)
    # FPR 1 / 101 <= 1 % allows the threshold 100: every member, one false positive
    assert tpr_at_fpr(members, nonmembers, 0.01) == 1.0
    assert tpr_at_fpr(members, [*nonmembers, 160], 0.01) == pytest.approx(49 / 100)


def test_exposure():
    assert exposure_from_rank(1, 1024) == 10.0
    assert exposure_from_rank(512, 1024) == 1.0
    rng = np.random.default_rng(0)
    candidates = rng.normal(50.0, 5.0, 20000)
    # a canary 3 standard deviations below the mean: P = 0.00135, exposure ~ 9.5 bits
    assert exposure_extrapolated(35.0, candidates) == pytest.approx(-math.log2(0.0013499), abs=0.4)
