"""Helpers over [start, end) spans and the matches that carry them, shared by every
sequence kind: overlap, union length, passage grouping, snippets."""

from __future__ import annotations

from collections.abc import Sequence

from wherefrom.records import Match


def span_overlap(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """How many positions two [start, end) spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def covered_length(spans: Sequence[tuple[int, ...]]) -> int:
    """Length of the union of [start, end) spans."""
    total, end = 0, -1
    for start, stop in sorted((s[0], s[1]) for s in spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def passage_groups(matches: Sequence[Match]) -> list[list[Match]]:
    """Matches (in input order) grouped by passage: a match joins the first group whose first
    match overlaps it by at least half of the shorter of the two."""
    groups: list[list[Match]] = []
    for m in matches:
        for group in groups:
            anchor = group[0].input_span
            shorter = min(anchor[1] - anchor[0], m.input_span[1] - m.input_span[0])
            if span_overlap(anchor, m.input_span) >= shorter / 2:
                group.append(m)
                break
        else:
            groups.append([m])
    return groups


def snippet_text(text: str, limit: int) -> str:
    """`text` with whitespace folded, at most `limit` characters: its two ends around an
    ellipsis when it is longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit < 5:
        return text[:limit]
    head = (limit - 3) // 2
    tail = limit - 3 - head
    return text[:head] + " … " + text[-tail:]


def position(text: str, offset: int) -> tuple[int, int]:
    """(line, column) of the character at `offset`, 1-based as editors count."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def line_span(text: str, span: tuple[int, ...]) -> tuple[int, int]:
    """First and last line (1-based) of the [start, end) span of `text`."""
    first = text.count("\n", 0, span[0]) + 1
    return first, first + text.count("\n", span[0], max(span[0], span[1] - 1))
