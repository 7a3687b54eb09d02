"""The Report: verdict policy applied to matches, and renderers (terminal, JSON, SARIF, HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from wherefrom.licenses import obligations_for, verdict_for
from wherefrom.records import InputInfo, Match, Report, SequenceDetails, Verdict


def withdrawn_match(match: Match) -> Match:
    """A copy of a withdrawn source as every report shows it: where the input copies, how
    much and how closely, but neither the source, its span nor a snippet."""
    details = replace(match.details, source_lines=None) if isinstance(match.details, SequenceDetails) else None
    return replace(match, source=None, source_span=(), snippet="", attribution="", details=details, withdrawn=True)


def make_report(input: InputInfo, matches: Sequence[Match], coverage: float) -> Report:
    """A Report for any kind: obligations and verdict follow from the matches' licenses. A
    match of a withdrawn source (every kind's rows come flagged from the Index) is stripped
    of its source here, once for all kinds, and makes the input `restricted`: its rights
    holder took the work down, so no licence clears its reuse."""
    matches = [withdrawn_match(m) if m.source is not None and m.source.withdrawn else m for m in matches]
    ordered = tuple(sorted(matches, key=lambda m: (m.input_span[0], -m.similarity)))
    obligations = tuple(obligations_for(ordered))
    verdict: Verdict = "restricted" if any(m.withdrawn for m in ordered) else verdict_for(ordered, obligations)
    return Report(
        input=input,
        verdict=verdict,
        coverage=max(0.0, min(1.0, coverage)),
        matches=ordered,
        obligations=obligations,
        total_sources=len({m.source.uid for m in ordered if m.source}),
    )


__all__ = ["make_report"]
