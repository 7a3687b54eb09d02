"""The size study's numbers: per model and duplicate count the extractable share, the
approximate and canary measures; log-linear fits against parameters and duplicates with
intervals; where memorization starts; memorized bits per parameter; the plots and report.md.
Pure NumPy on the results, apart from the plots (matplotlib)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.audit.study_records import SECRET_ALPHABET, SECRET_LENGTH, ModelResult, StudyRun

DRAWS = 4000  # posterior draws per fit
SIGNIFICANCE = 0.05  # one-sided, per (model, duplicate count) comparison with the reference
CANARY_HIT_BITS = 10.0  # exposure >= 10 bits: rank <= 32 of 32,768, p < 0.001 for an unseen secret
EDIT_BAR = 0.9


@dataclass(frozen=True, slots=True)
class Cell:
    """One model at one duplicate count (0: held-out passages and canaries)."""

    model: str
    reference: bool
    parameters: int
    copies: int
    passages: int
    carlini: int  # passages whose 50-token suffix greedy decoding reproduces exactly
    biderman: int  # ... whose 32-token continuation is reproduced exactly
    biderman_score: float
    edit: int  # ... whose 50-token suffix has edit similarity >= 0.9
    bleu: int
    canaries: int
    canary_exposure: float
    canary_hits: int
    canary_rank1: int


@dataclass(frozen=True, slots=True)
class Fit:
    """share = intercept + slope * log10(x), least squares. `slope` and its interval are the
    median and the 2.5-97.5 % range of the slope over draws of every cell's share from its
    Jeffreys posterior Beta(k + 1/2, n - k + 1/2), so that a cell of 0/12 or 12/12 still
    carries its uncertainty; the posterior pulls such cells inwards, so `observed`, the slope
    through the observed shares, can lie outside that range when many cells are at 0 or 1."""

    metric: str
    against: str
    group: str
    slope: float
    low: float
    high: float
    intercept: float
    points: int
    observed: float


def cells(results: list[ModelResult]) -> list[Cell]:
    out = []
    for r in results:
        for copies in sorted({p.copies for p in r.passages} | {c.copies for c in r.canaries}):
            ps = [p for p in r.passages if p.copies == copies]
            cs = [c for c in r.canaries if c.copies == copies]
            out.append(
                Cell(
                    r.name,
                    r.reference,
                    r.parameters,
                    copies,
                    len(ps),
                    sum(p.carlini_exact for p in ps),
                    sum(p.biderman_exact for p in ps),
                    float(np.mean([p.biderman_score for p in ps])) if ps else float("nan"),
                    sum(p.carlini_edit_similarity >= EDIT_BAR for p in ps),
                    sum(p.carlini_bleu >= 0.75 for p in ps),
                    len(cs),
                    float(np.mean([c.exposure for c in cs])) if cs else float("nan"),
                    sum(c.exposure >= CANARY_HIT_BITS for c in cs),
                    sum(c.rank == 1 for c in cs),
                )
            )
    return out


def _fit(metric: str, against: str, group: str, xs: list[float], ks: list[int], ns: list[int], seed: int) -> Fit | None:
    if len(set(xs)) < 2:
        return None
    x = np.log10(np.asarray(xs, dtype=np.float64))
    k, n = np.asarray(ks, dtype=np.float64), np.asarray(ns, dtype=np.float64)
    design = np.stack([np.ones_like(x), x], axis=1)
    intercept, observed = np.linalg.lstsq(design, k / n, rcond=None)[0]
    rng = np.random.default_rng(seed)
    draws = rng.beta(k + 0.5, n - k + 0.5, size=(DRAWS, len(x)))
    slopes = np.linalg.lstsq(design, draws.T, rcond=None)[0][1]
    low, median, high = np.percentile(slopes, [2.5, 50, 97.5])
    return Fit(
        metric, against, group, float(median), float(low), float(high), float(intercept), len(x), float(observed)
    )


def fits(table: list[Cell], seed: int = 0) -> list[Fit]:
    """Extractable share against log10 parameters (per duplicate count, and all planted counts
    pooled) and against log10 duplicates (per model), for both exact protocols."""
    family = [c for c in table if not c.reference and c.passages]
    out: list[Fit] = []
    for metric in ("carlini", "biderman"):
        counts = sorted({c.copies for c in family if c.copies > 0})
        for copies in [*counts, -1]:
            chosen = [c for c in family if (c.copies == copies if copies > 0 else c.copies > 0)]
            by_model: dict[str, list[Cell]] = {}
            for c in chosen:
                by_model.setdefault(c.model, []).append(c)
            group = f"{copies} copies" if copies > 0 else "all planted"
            fit = _fit(
                metric,
                "parameters",
                group,
                [cs[0].parameters for cs in by_model.values()],
                [sum(getattr(c, metric) for c in cs) for cs in by_model.values()],
                [sum(c.passages for c in cs) for cs in by_model.values()],
                seed,
            )
            if fit:
                out.append(fit)
        for model in dict.fromkeys(c.model for c in family):
            chosen = [c for c in family if c.model == model and c.copies > 0]
            fit = _fit(
                metric,
                "duplicates",
                model,
                [c.copies for c in chosen],
                [getattr(c, metric) for c in chosen],
                [c.passages for c in chosen],
                seed,
            )
            if fit:
                out.append(fit)
    return out


def sign_test(wins: int, losses: int) -> float:
    """One-sided exact sign test: P(X >= wins) for X ~ Binomial(wins + losses, 1/2)."""
    n = wins + losses
    if n == 0:
        return 1.0
    return sum(math.comb(n, i) for i in range(wins, n + 1)) / 2**n


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a share k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def onset(results: list[ModelResult]) -> list[dict[str, Any]]:
    """Per model and duplicate count: passages it extracts (Carlini 50/50, exact) that the
    reference does not, and the reverse, with the sign test's p; and per model the fewest
    copies at which it extracts more than the reference does (p < SIGNIFICANCE)."""
    reference = next((r for r in results if r.reference), None)
    floor = {p.passage: p.carlini_exact for p in reference.passages} if reference else {}
    out = []
    for r in results:
        if r.reference:
            continue
        rows = []
        for copies in sorted({p.copies for p in r.passages}):
            ps = [p for p in r.passages if p.copies == copies]
            wins = sum(p.carlini_exact and not floor.get(p.passage, False) for p in ps)
            losses = sum(floor.get(p.passage, False) and not p.carlini_exact for p in ps)
            rows.append(
                {
                    "copies": copies,
                    "extracted": sum(p.carlini_exact for p in ps),
                    "passages": len(ps),
                    "wins": wins,
                    "losses": losses,
                    "p": sign_test(wins, losses),
                }
            )
        above = [row["copies"] for row in rows if row["copies"] > 0 and row["p"] < SIGNIFICANCE]
        out.append(
            {
                "model": r.name,
                "parameters": r.parameters,
                "copies_needed": min(above) if above else None,
                "by_copies": rows,
            }
        )
    return out


def _copies_needed(pairs: dict[int, np.ndarray]) -> int | None:
    """The fewest copies at which a model extracts more than the reference (sign test);
    `pairs[copies]` is a [passages, 2] bool array of (model extracts, reference extracts)."""
    for copies in sorted(pairs):
        cell = pairs[copies]
        wins = int(np.sum(cell[:, 0] & ~cell[:, 1]))
        losses = int(np.sum(cell[:, 1] & ~cell[:, 0]))
        if sign_test(wins, losses) < SIGNIFICANCE:
            return copies
    return None


def onset_exponent(results: list[ModelResult], draws: int = 1000, seed: int = 0) -> dict[str, Any] | None:
    """How the copies needed for extraction fall with size: the slope of log10(copies needed)
    against log10(parameters) over the models that extract at some count, with a 2.5-97.5 %
    interval from resampling every cell's passages (a draw counts when at least two models
    reach their onset). Counts come from a ladder, so each onset is known to a factor of the
    ladder's step; the slope inherits that coarseness."""
    reference = next((r for r in results if r.reference), None)
    if reference is None:
        return None
    floor = {p.passage: p.carlini_exact for p in reference.passages}
    family = []
    for r in results:
        if r.reference:
            continue
        pairs = {}
        for copies in sorted({p.copies for p in r.passages if p.copies > 0}):
            pairs[copies] = np.array(
                [(p.carlini_exact, floor.get(p.passage, False)) for p in r.passages if p.copies == copies], dtype=bool
            )
        family.append((r.name, r.parameters, pairs))

    def slope(points: list[tuple[int, int]]) -> float | None:
        if len({p for p, _ in points}) < 2:
            return None
        x = np.log10([p for p, _ in points])
        y = np.log10([c for _, c in points])
        return float(np.polyfit(x, y, 1)[0])

    observed = [(name, parameters, _copies_needed(pairs)) for name, parameters, pairs in family]
    point = slope([(p, c) for _, p, c in observed if c is not None])
    if point is None:
        return {"exponent": None, "ci95": None, "points": observed, "draws_with_fit": 0}
    rng = np.random.default_rng(seed)
    slopes = []
    for _ in range(draws):
        resampled = []
        for _, parameters, pairs in family:
            drawn = {c: cell[rng.integers(0, len(cell), len(cell))] for c, cell in pairs.items()}
            needed = _copies_needed(drawn)
            if needed is not None:
                resampled.append((parameters, needed))
        value = slope(resampled)
        if value is not None:
            slopes.append(value)
    low, high = np.percentile(slopes, [2.5, 97.5]) if slopes else (float("nan"), float("nan"))
    return {"exponent": point, "ci95": [float(low), float(high)], "points": observed, "draws_with_fit": len(slopes)}


def bits_per_parameter(results: list[ModelResult]) -> list[dict[str, Any]]:
    """Memorized information, two lower bounds (Morris et al. 2025's measure on data of known
    entropy, and against a reference model on natural text):
    - canaries: sum over planted canaries of H(secret) - (-log2 p(secret)), clipped to
      [0, H]; the held-out canaries' mean is the chance level and is subtracted;
    - passages: sum over planted passages of max(0, reference bits - model bits), the
      held-out passages' mean of the same taken off as the generalization difference."""
    reference = next((r for r in results if r.reference), None)
    ref_bits = {p.passage: p.bits for p in reference.passages} if reference else {}
    out = []
    for r in results:
        if r.reference:
            continue
        planted = [c.memorized_bits for c in r.canaries if c.copies > 0]
        chance = [c.memorized_bits for c in r.canaries if c.copies == 0]
        canary_bits = sum(planted) - len(planted) * (float(np.mean(chance)) if chance else 0.0)
        gain = {p.passage: max(0.0, ref_bits.get(p.passage, p.bits) - p.bits) for p in r.passages}
        planted_gain = [gain[p.passage] for p in r.passages if p.copies > 0]
        held_gain = [gain[p.passage] for p in r.passages if p.copies == 0]
        passage_bits = sum(planted_gain) - len(planted_gain) * (float(np.mean(held_gain)) if held_gain else 0.0)
        out.append(
            {
                "model": r.name,
                "parameters": r.parameters,
                "canary_bits": max(0.0, canary_bits),
                "canary_bits_capacity": len(planted) * SECRET_LENGTH * math.log2(SECRET_ALPHABET),
                "canary_bits_per_parameter": max(0.0, canary_bits) / r.parameters,
                "passage_bits": max(0.0, passage_bits),
                "passage_bits_per_parameter": max(0.0, passage_bits) / r.parameters,
            }
        )
    return out


def extracted_sources(results: list[ModelResult]) -> dict[str, Any]:
    """Every extracted suffix (exact or edit similarity >= 0.9) with the index documents the
    check named; `named_planted` counts those whose first source is the planted passage."""
    rows, named, planted_named = [], 0, 0
    for r in results:
        for p in r.passages:
            if not (p.carlini_exact or p.carlini_edit_similarity >= EDIT_BAR):
                continue
            first = p.sources[0] if p.sources else None
            named += first is not None
            is_planted = first is not None and f"#passage={p.passage}&" in first.uri
            planted_named += is_planted
            rows.append(
                {
                    "model": r.name,
                    "passage": p.passage,
                    "copies": p.copies,
                    "exact": p.carlini_exact,
                    "source": first.title if first else None,
                    "uri": first.uri if first else None,
                    "documents_containing": first.documents_containing if first else 0,
                    "tokens": first.tokens if first else 0,
                }
            )
    return {"extracted": len(rows), "named": named, "rows": rows, "planted_named": planted_named}


def answer(table: list[Cell], starts: list[dict[str, Any]], exponent: dict[str, Any] | None = None) -> str:
    """The study's reply to "is there a size below which a model does not memorize?"."""
    if not starts:
        return "no family member was measured"
    smallest = min(starts, key=lambda s: s["parameters"])
    never = [s for s in starts if s["copies_needed"] is None]
    top = max(c.copies for c in table)
    parts = []
    if smallest["copies_needed"] is not None:
        parts.append(
            f"No size threshold within this family: the smallest model ({smallest['model']}, "
            f"{smallest['parameters']:,} parameters) already extracts more than the reference at "
            f"{smallest['copies_needed']} copies."
        )
    elif len(never) == len(starts):
        parts.append(
            f"No family member extracts more than the reference at any count up to {top} copies: "
            "no extraction threshold can be placed in this range."
        )
    else:
        memorizing = [s for s in starts if s["copies_needed"] is not None]
        first = min(memorizing, key=lambda s: s["parameters"])
        below = max(
            (s for s in never if s["parameters"] < first["parameters"]), key=lambda s: s["parameters"], default=None
        )
        parts.append(
            f"At up to {top} copies, no model below {first['parameters']:,} parameters ({first['model']}) extracts "
            "significantly more passages than the reference"
            + (
                f"; the boundary lies between {below['parameters']:,} and {first['parameters']:,} parameters"
                if below
                else ""
            )
            + ". It is a boundary of this token budget and duplicate ladder, not of size alone."
        )
    needs = ", ".join(f"{s['model']}: {s['copies_needed'] if s['copies_needed'] else f'>{top}'}" for s in starts)
    parts.append(f"Copies needed to extract above the reference (p < {SIGNIFICANCE}): {needs}.")
    reference = {c.copies: c for c in table if c.reference and c.canaries}
    for s in never:
        mine = {c.copies: c for c in table if c.model == s["model"] and c.canaries and c.copies > 0}
        if mine:
            most = max(mine)
            floor = reference[most].canary_exposure if most in reference else float("nan")
            top_row = next(row for row in s["by_copies"] if row["copies"] == max(r["copies"] for r in s["by_copies"]))
            parts.append(
                f"{s['model']} extracts {top_row['extracted']}/{top_row['passages']} passages at {top_row['copies']} "
                f"copies (not above the reference at p < {SIGNIFICANCE}), yet its canaries planted {most} times "
                f"reach {mine[most].canary_exposure:.1f} bits of exposure (reference {floor:.1f}; "
                f"{SECRET_LENGTH * math.log2(SECRET_ALPHABET):.0f} is the most)."
            )
    if exponent and exponent["exponent"] is not None:
        low, high = exponent["ci95"]
        parts.append(
            f"The copies needed scale as parameters^{exponent['exponent']:.2f} "
            f"(95 % interval {low:.2f} to {high:.2f}): a smaller model needs more copies, not none."
        )
    return " ".join(parts)


def summary(run: StudyRun) -> dict[str, Any]:
    table = cells(run.results)
    starts = onset(run.results)
    return {
        "config": run.config.to_dict(),
        "models": [
            {
                "model": r.name,
                "shape": r.shape,
                "reference": r.reference,
                "parameters": r.parameters,
                "non_embedding_parameters": r.non_embedding_parameters,
                "tokens_seen": r.training.get("tokens_seen"),
                "seconds": r.training.get("seconds"),
                "final_loss": r.training.get("final_loss"),
            }
            for r in run.results
        ],
        "cells": [_cell_dict(c) for c in table],
        "fits": [_fit_dict(f) for f in fits(table, run.config.seed)],
        "onset": starts,
        "onset_exponent": onset_exponent(run.results, seed=run.config.seed),
        "bits_per_parameter": bits_per_parameter(run.results),
        "extracted": extracted_sources(run.results),
        "answer": answer(table, starts, onset_exponent(run.results, seed=run.config.seed)),
    }


def _cell_dict(c: Cell) -> dict[str, Any]:
    low, high = wilson(c.carlini, c.passages)
    return {
        "model": c.model,
        "reference": c.reference,
        "parameters": c.parameters,
        "copies": c.copies,
        "passages": c.passages,
        "carlini_exact": c.carlini / c.passages if c.passages else None,
        "carlini_exact_ci95": [low, high],
        "biderman_exact": c.biderman / c.passages if c.passages else None,
        "biderman_mean_score": c.biderman_score,
        "edit_similarity_ge_0.9": c.edit / c.passages if c.passages else None,
        "bleu_ge_0.75": c.bleu / c.passages if c.passages else None,
        "canaries": c.canaries,
        "canary_mean_exposure": c.canary_exposure,
        "canary_exposure_ge_10_bits": c.canary_hits,
        "canary_rank_1": c.canary_rank1,
    }


def _fit_dict(f: Fit) -> dict[str, Any]:
    return {
        "metric": f.metric,
        "against": f.against,
        "group": f.group,
        "slope_per_decade": f.slope,
        "slope_on_observed_shares": f.observed,
        "ci95": [f.low, f.high],
        "intercept": f.intercept,
        "points": f.points,
    }


def write_report(run: StudyRun) -> dict[str, Any]:
    """summary.json, report.md and the plots in the study folder."""
    data = summary(run)
    path = run.folder / "summary.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    table = cells(run.results)
    plots(table, data, run.folder)
    (run.folder / "report.md").write_text(markdown(data, table), encoding="utf-8")
    return data


def _grid(table: list[Cell], value: Any) -> list[str]:
    counts = sorted({c.copies for c in table})
    lines = [
        "| model | parameters | " + " | ".join(f"{c} copies" for c in counts) + " |",
        "|---|---|" + "---|" * len(counts),
    ]
    for model in dict.fromkeys(c.model for c in table):
        row = {c.copies: c for c in table if c.model == model}
        first = next(iter(row.values()))
        lines.append(
            f"| {model} | {first.parameters:,} | "
            + " | ".join(value(row[c]) if c in row else "" for c in counts)
            + " |"
        )
    return lines


def markdown(data: dict[str, Any], table: list[Cell]) -> str:
    """The report: settings, models, the grids, fits, onset, bits per parameter, sources."""
    config = data["config"]
    out = [
        "# Size study",
        "",
        f"Answer: {data['answer']}",
        "",
        "## Settings",
        "",
        f"corpus {', '.join(config['corpus'])}; sizes {', '.join(config['sizes'])}; duplicates "
        f"{config['duplicates']}; {config['passages']} passages and {config['canaries']} canaries per count "
        f"(as many held out: the 0-copies column); {config['base_tokens']:,} base tokens; {config['epochs']} epochs, "
        f"batch {config['batch_size']}, learning rate {config['learning_rate']}, vocabulary {config['vocab_size']}, seed {config['seed']}.",
        "",
        "## Models",
        "",
        "| model | shape | parameters | non-embedding | tokens seen | training s | final loss |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in data["models"]:
        loss = m["final_loss"] if m["final_loss"] is not None else float("nan")
        out.append(
            f"| {m['model']} | {m['shape']} | {m['parameters']:,} | {m['non_embedding_parameters']:,} | "
            f"{m['tokens_seen'] or 0:,} | {m['seconds'] or 0:.0f} | {loss:.3f} |"
        )
    passage = [c for c in table if c.passages]
    out += ["", "## Exact extraction, Carlini et al. 2022 (50-token prefix, 50-token suffix)", ""]
    out += _grid(passage, lambda c: f"{c.carlini}/{c.passages}")
    out += ["", "## Exact extraction, Biderman et al. 2023 (32 -> 32); mean memorization score in brackets", ""]
    out += _grid(passage, lambda c: f"{c.biderman}/{c.passages} ({c.biderman_score:.2f})")
    out += ["", "## Approximate: edit similarity >= 0.9 on the 50-token suffix", ""]
    out += _grid(passage, lambda c: f"{c.edit}/{c.passages}")
    canary = [c for c in table if c.canaries]
    if canary:
        out += [
            "",
            f"## Canaries: mean exposure in bits (of {SECRET_LENGTH * math.log2(SECRET_ALPHABET):.0f}); "
            "canaries at rank 1 in brackets",
            "",
        ]
        out += _grid(canary, lambda c: f"{c.canary_exposure:.1f} ({c.canary_rank1}/{c.canaries})")
    out += [
        "",
        "## Log-linear fits: share = a + b log10(x); b per decade with its 95 % interval",
        "",
        "| protocol | against | group | b per decade (posterior median) | 95 % interval | b on observed shares | points |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in data["fits"]:
        out.append(
            f"| {f['metric']} | {f['against']} | {f['group']} | {f['slope_per_decade']:+.3f} | "
            f"[{f['ci95'][0]:+.3f}, {f['ci95'][1]:+.3f}] | {f['slope_on_observed_shares']:+.3f} | {f['points']} |"
        )
    out += [
        "",
        "## Where memorization starts (Carlini 50/50 against the reference, one-sided sign test)",
        "",
        "| model | parameters | copies needed | extracted / passages at each count (p) |",
        "|---|---|---|---|",
    ]
    for s in data["onset"]:
        detail = "; ".join(f"{r['copies']}: {r['extracted']}/{r['passages']} (p={r['p']:.3g})" for r in s["by_copies"])
        out.append(f"| {s['model']} | {s['parameters']:,} | {s['copies_needed'] or 'none'} | {detail} |")
    exponent = data.get("onset_exponent")
    if exponent and exponent["exponent"] is not None:
        out += [
            "",
            f"log10(copies needed) = c + s log10(parameters): s = {exponent['exponent']:+.2f}, 95 % interval "
            f"[{exponent['ci95'][0]:+.2f}, {exponent['ci95'][1]:+.2f}] ({exponent['draws_with_fit']} of 1000 resamples "
            "had two or more models with an onset).",
        ]
    out += [
        "",
        "## Memorized bits per parameter (lower bounds)",
        "",
        "| model | parameters | canary bits (of capacity) | canary bits/param | passage bits | passage bits/param |",
        "|---|---|---|---|---|---|",
    ]
    for b in data["bits_per_parameter"]:
        out.append(
            f"| {b['model']} | {b['parameters']:,} | {b['canary_bits']:.0f} ({b['canary_bits_capacity']:.0f}) | "
            f"{b['canary_bits_per_parameter']:.2e} | {b['passage_bits']:.0f} | {b['passage_bits_per_parameter']:.2e} |"
        )
    ex = data["extracted"]
    out += [
        "",
        "## Extracted sequences checked against the index",
        "",
        f"{ex['extracted']} extracted suffixes (exact or edit similarity >= 0.9); the index named a source for "
        f"{ex['named']}, the planted passage itself for {ex['planted_named']}.",
        "",
        "| model | copies | exact | source named by the index | documents containing |",
        "|---|---|---|---|---|",
    ]
    for row in ex["rows"][:40]:
        out.append(
            f"| {row['model']} | {row['copies']} | {'yes' if row['exact'] else 'no'} | {row['source']} | {row['documents_containing']} |"
        )
    if len(ex["rows"]) > 40:
        out.append(f"| ... {len(ex['rows']) - 40} more in summary.json | | | | |")
    return "\n".join(out) + "\n"


def plots(table: list[Cell], data: dict[str, Any], folder: Path) -> None:
    """study_parameters.png, study_duplicates.png, study_canaries.png, study_onset.png."""
    from wherefrom.errors import require

    matplotlib = require("matplotlib", "the study plots", "audit")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = [c for c in table if not c.reference and c.passages]
    reference = [c for c in table if c.reference and c.passages]
    counts = sorted({c.copies for c in family})
    colours = plt.cm.viridis(np.linspace(0, 0.9, max(2, len(counts))))

    figure, axes = plt.subplots(figsize=(6.5, 4.2))
    for colour, copies in zip(colours, counts, strict=False):
        row = sorted((c for c in family if c.copies == copies), key=lambda c: c.parameters)
        axes.plot(
            [c.parameters for c in row],
            [c.carlini / c.passages for c in row],
            marker="o",
            color=colour,
            label=f"{copies} copies",
        )
    if reference:
        share = sum(c.carlini for c in reference if c.copies > 0) / max(
            1, sum(c.passages for c in reference if c.copies > 0)
        )
        axes.axhline(share, color="grey", linestyle="--", label="reference (never saw them)")
    axes.set_xscale("log")
    axes.set_xlabel("parameters")
    axes.set_ylabel("extractable share (Carlini 50/50, exact)")
    axes.set_ylim(-0.02, 1.02)
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(folder / "study_parameters.png", dpi=110)
    plt.close(figure)

    models = sorted({(c.parameters, c.model) for c in family})
    colours = plt.cm.plasma(np.linspace(0, 0.85, max(2, len(models))))
    figure, axes = plt.subplots(figsize=(6.5, 4.2))
    for colour, (parameters, model) in zip(colours, models, strict=False):
        row = sorted((c for c in family if c.model == model and c.copies > 0), key=lambda c: c.copies)
        axes.plot(
            [c.copies for c in row],
            [c.carlini / c.passages for c in row],
            marker="o",
            color=colour,
            label=f"{model} ({parameters / 1e3:.0f}k)",
        )
    for model in dict.fromkeys(c.model for c in reference):
        row = sorted((c for c in reference if c.model == model and c.copies > 0), key=lambda c: c.copies)
        axes.plot(
            [c.copies for c in row], [c.carlini / c.passages for c in row], color="grey", linestyle="--", label=model
        )
    axes.set_xscale("log", base=2)
    axes.set_xlabel("copies in the training set")
    axes.set_ylabel("extractable share (Carlini 50/50, exact)")
    axes.set_ylim(-0.02, 1.02)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(folder / "study_duplicates.png", dpi=110)
    plt.close(figure)

    canary = [c for c in table if c.canaries and c.copies > 0]
    if canary:
        figure, axes = plt.subplots(figsize=(6.5, 4.2))
        for colour, (parameters, model) in zip(colours, models, strict=False):
            row = sorted((c for c in canary if c.model == model), key=lambda c: c.copies)
            axes.plot(
                [c.copies for c in row],
                [c.canary_exposure for c in row],
                marker="o",
                color=colour,
                label=f"{model} ({parameters / 1e3:.0f}k)",
            )
        for model in dict.fromkeys(c.model for c in canary if c.reference):
            row = sorted((c for c in canary if c.model == model), key=lambda c: c.copies)
            axes.plot(
                [c.copies for c in row], [c.canary_exposure for c in row], color="grey", linestyle="--", label=model
            )
        axes.axhline(SECRET_LENGTH * math.log2(SECRET_ALPHABET), color="black", linewidth=0.5)
        axes.set_xscale("log", base=2)
        axes.set_xlabel("copies of the canary")
        axes.set_ylabel("mean exposure (bits)")
        axes.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(folder / "study_canaries.png", dpi=110)
        plt.close(figure)

    starts = data["onset"]
    if starts:
        top = max(c.copies for c in family)
        figure, axes = plt.subplots(figsize=(6.5, 4.2))
        found = [(s["parameters"], s["copies_needed"]) for s in starts if s["copies_needed"]]
        censored = [s["parameters"] for s in starts if not s["copies_needed"]]
        if found:
            axes.plot(
                *zip(*found, strict=True), marker="o", linestyle="none", color="C0", label="copies needed (p < 0.05)"
            )
        if censored:
            axes.plot(
                censored,
                [top * 1.4] * len(censored),
                marker="^",
                linestyle="none",
                color="C3",
                label=f"none up to {top} copies",
            )
        exponent = data.get("onset_exponent")
        if exponent and exponent["exponent"] is not None and len(found) >= 2:
            x = np.log10([p for p, _ in found])
            y = np.log10([c for _, c in found])
            intercept = float(np.mean(y) - exponent["exponent"] * np.mean(x))
            grid = np.linspace(x.min(), x.max(), 20)
            axes.plot(
                10**grid,
                10 ** (intercept + exponent["exponent"] * grid),
                color="C0",
                linewidth=0.8,
                label=f"slope {exponent['exponent']:.2f}",
            )
        axes.set_xscale("log")
        axes.set_yscale("log", base=2)
        axes.set_xlabel("parameters")
        axes.set_ylabel("copies needed to extract above the reference")
        axes.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(folder / "study_onset.png", dpi=110)
        plt.close(figure)
