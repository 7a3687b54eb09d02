"""From found regions to Matches: the source's provenance and snippet attached, one match per
source and passage, passages found in several documents counted, stretches of common
fingerprints reported without a source."""

from __future__ import annotations

from dataclasses import replace

from wherefrom.config import CheckOptions
from wherefrom.index import Index
from wherefrom.licenses import attribution_line
from wherefrom.match.finder import Common, Found, MatchOptions, find_copies
from wherefrom.match.spans import passage_groups, snippet_text, span_overlap
from wherefrom.normalize import NormalForm
from wherefrom.records import Match, SequenceDetails

CommonSpan = tuple[tuple[int, int], Common]


def sequence_matches(
    index: Index, form: NormalForm, channel: str, options: CheckOptions
) -> tuple[list[Match], list[CommonSpan]]:
    """The Matches of one normal form (in character spans of its content) and the character
    spans of its stretches of common fingerprints."""
    found, common = find_copies(index, form, channel, MatchOptions.of(options))
    matches = [to_match(index, f, form, options) for f in found]
    return matches, [(form.char_span(c.q0, c.q1), c) for c in common]


def to_match(index: Index, found: Found, form: NormalForm, options: CheckOptions) -> Match:
    row = index.document(found.doc_id)
    source = row.source_ref()
    snippet = ""
    if not found.approximate:
        text = index.text(found.doc_id) or ""
        snippet = snippet_text(text[found.source_chars[0] : found.source_chars[1]], options.snippet_chars)
    details = SequenceDetails(
        exact_similarity=round(found.exact_similarity, 4) if found.kind == "renamed" else None,
        approximate_source_span=found.approximate,
    )
    return Match(
        input_span=form.char_span(found.q0, found.q1),
        source=source,
        source_span=found.source_chars,
        tokens=found.q1 - found.q0,
        kind=found.kind,  # type: ignore[arg-type]
        similarity=found.similarity,
        documents_containing=1,
        snippet=snippet,
        attribution=attribution_line(source),
        details=details if details.to_dict() else None,
    )


def dedupe(matches: list[Match]) -> list[Match]:
    """The same source found through two channels keeps the longer, more similar match."""
    matches = sorted(matches, key=lambda m: -(m.input_span[1] - m.input_span[0]) * m.similarity)
    kept: list[Match] = []
    for m in matches:
        if any(k.source and m.source and k.source.uid == m.source.uid and span_overlap(k.input_span, m.input_span) for k in kept):
            continue
        kept.append(m)
    return kept


def count_passages(matches: list[Match], commons: list[CommonSpan], max_sources: int) -> list[Match]:
    """Matches of the same input passage in several documents: count them all, report the
    best `max_sources`; stretches of common fingerprints become source-less matches."""
    groups = passage_groups(sorted(matches, key=lambda m: (m.input_span[0], -m.input_span[1])))
    out: list[Match] = []
    for group in groups:
        span = group[0].input_span
        common_docs = max((c.documents for s, c in commons if span_overlap(s, span)), default=0)
        total = max(len({m.source.uid for m in group if m.source}), common_docs)
        best = sorted(group, key=lambda m: -(m.tokens or 0) * m.similarity)[:max_sources]
        out += [replace(m, documents_containing=total) for m in best]
    for span, common in commons:
        if not any(span_overlap(span, m.input_span) for m in out):
            out.append(Match(
                input_span=span, source=None, source_span=(), tokens=common.q1 - common.q0, kind="common",
                similarity=1.0, documents_containing=common.documents,
            ))
    return out
