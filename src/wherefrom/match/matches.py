"""From found regions to Matches: the source's provenance and snippet attached, one match per
source and passage, passages found in several documents counted, stretches of common
fingerprints reported without a source."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from wherefrom.config import CheckOptions
from wherefrom.index import Index
from wherefrom.licenses import attribution_line
from wherefrom.match.finder import Common, Found, MatchOptions, find_copies
from wherefrom.match.spans import line_span, passage_groups, snippet_text, span_overlap
from wherefrom.normalize import NormalForm
from wherefrom.records import Match, SequenceDetails

CommonSpan = tuple[tuple[int, int], Common]


def sequence_matches(
    index: Index, form: NormalForm, channel: str, options: CheckOptions, content: str | None = None
) -> tuple[list[Match], list[CommonSpan]]:
    """The Matches of one normal form (in character spans of its content) and the character
    spans of its stretches of common fingerprints. With the `content` of a code input,
    renamed copies end at whole lines."""
    found, common = find_copies(index, form, channel, MatchOptions.of(options))
    if content is not None and channel == "code":
        min_tokens = 2 * (options.min_tokens or index.config.min_tokens)
        found = [trim_to_lines(index, f, form, content, min_tokens) if f.kind == "renamed" else f for f in found]
    matches = [to_match(index, f, form, options) for f in found]
    return matches, [(form.char_span(c.q0, c.q1), c) for c in common]


def trim_to_lines(index: Index, found: Found, form: NormalForm, content: str, min_tokens: int) -> Found:
    """A renamed copy without the partial lines at its edges: a copy agrees with its source
    only as structure, so where it meets the user's own code it runs on through tokens of the
    same shape (`def other(` after the copied function) up to the first clash. A first or last
    line it covers only in part is the user's; both sides lose the same number of tokens."""
    newlines = np.flatnonzero(np.frombuffer(content.encode("utf-32-le"), dtype="<u4") == 10)
    line = np.searchsorted(newlines, form.starts)  # line of each input token, from 0
    q0, q1 = found.q0, found.q1
    if q1 < len(form) and line[q1] == line[q1 - 1]:
        while q1 > q0 and line[q1 - 1] == line[found.q1]:
            q1 -= 1
    if q0 > 0 and line[q0 - 1] == line[q0]:
        while q0 < q1 and line[q0] == line[found.q0 - 1]:
            q0 += 1
    if (q0, q1) == (found.q0, found.q1) or q1 - q0 < min_tokens:
        return found
    head, tail = q0 - found.q0, found.q1 - q1
    p0, p1 = found.p0 + head, found.p1 - tail
    chars = found.source_chars
    window = index.tokens(found.doc_id, p0, p1)
    if window is not None:
        source_form, offset = window
        if p0 >= offset and p1 - offset <= len(source_form):
            chars = (int(source_form.starts[p0 - offset]), int(source_form.ends[p1 - offset - 1]))
    return replace(found, q0=q0, q1=q1, p0=p0, p1=p1, source_chars=chars)


def to_match(index: Index, found: Found, form: NormalForm, options: CheckOptions) -> Match:
    row = index.document(found.doc_id)
    source = row.source_ref()
    snippet = ""
    source_lines = None
    text = None if found.approximate else index.text(found.doc_id)
    if text is not None:
        snippet = snippet_text(text[found.source_chars[0] : found.source_chars[1]], options.snippet_chars)
        source_lines = line_span(text, found.source_chars) if row.kind != "music" else None
    details = SequenceDetails(
        exact_similarity=round(found.exact_similarity, 4) if found.kind == "renamed" else None,
        approximate_source_span=found.approximate,
        source_lines=source_lines,
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
        details=details,
    )


def with_input_lines(matches: list[Match], content: str) -> list[Match]:
    """The matches with the lines (1-based) their input spans cover in `content`."""
    out = []
    for m in matches:
        details = m.details if isinstance(m.details, SequenceDetails) else SequenceDetails()
        out.append(replace(m, details=replace(details, input_lines=line_span(content, m.input_span))))
    return out


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
