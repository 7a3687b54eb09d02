"""The Report: verdict policy applied to matches, and renderers (terminal, JSON, SARIF, HTML)."""

from __future__ import annotations

from collections.abc import Sequence

from wherefrom.licenses import obligations_for, verdict_for
from wherefrom.records import InputInfo, Match, Report


def make_report(input: InputInfo, matches: Sequence[Match], coverage: float) -> Report:
    """A Report for any kind: obligations and verdict follow from the matches' licenses."""
    ordered = tuple(sorted(matches, key=lambda m: (m.input_span[0], -m.similarity)))
    obligations = tuple(obligations_for(ordered))
    return Report(
        input=input,
        verdict=verdict_for(ordered, obligations),
        coverage=max(0.0, min(1.0, coverage)),
        matches=ordered,
        obligations=obligations,
        total_sources=len({m.source.uid for m in ordered if m.source}),
    )


__all__ = ["make_report"]
