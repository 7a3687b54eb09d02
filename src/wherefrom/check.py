"""check: the copied spans of one input, whose work each is, and what reuse requires.

Text and code inputs go through the sequence matcher; images and melodies are routed to
their modules and come back as the same Report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from wherefrom.corpus.files import IMAGE_EXTENSIONS, MUSIC_EXTENSIONS, decode_text
from wherefrom.errors import BadInputError
from wherefrom.index import Index
from wherefrom.licenses import attribution_line
from wherefrom.match import MatchOptions, find_copies
from wherefrom.match.finder import Common, Found
from wherefrom.normalize import NormalForm, get_normalizer
from wherefrom.normalize.code import language_for_filename
from wherefrom.records import InputInfo, Match, Report
from wherefrom.report import make_report

MAX_INPUT_BYTES = 32 << 20


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to read the input and what counts as a copy."""

    kind: str = "auto"  # auto | text | code | music | image
    language: str | None = None
    min_tokens: int | None = None
    min_similarity: float = 0.6
    max_sources: int = 10
    snippet_chars: int = 300

    def match_options(self) -> MatchOptions:
        return MatchOptions(self.min_tokens, self.min_similarity, self.max_sources)


def _channels(index: Index, options: CheckOptions) -> list[tuple[str, str]]:
    """(kind, language) pairs to normalize the input with."""
    kinds = index.stats_kinds()
    if options.kind == "text":
        return [("text", "")]
    if options.kind == "code":
        languages = [options.language] if options.language else (index.languages()[:3] or ["python"])
        return [("code", lang) for lang in languages]
    if options.kind == "music":
        return [("music", "")]
    channels = [("text", "")] if kinds.get("text") or not kinds.get("code") else []
    if options.language:
        return [*channels, ("code", options.language)]
    return channels + [("code", lang) for lang in index.languages()[:3]]


def check_text(index: Index, content: str, name: str = "-", options: CheckOptions | None = None) -> Report:
    """Check one text, code or serialized-melody input against the index."""
    options = options or CheckOptions()
    matches: list[Match] = []
    commons: list[tuple[tuple[int, int], Common]] = []
    input_tokens = None
    main_kind = "text"
    for kind, language in _channels(index, options):
        form = get_normalizer(kind, language).normalize(content)
        if input_tokens is None or kind == options.kind:
            input_tokens, main_kind = len(form), kind
        if len(form) == 0:
            continue
        found, common = find_copies(index, form, kind, options.match_options())
        matches += [_to_match(index, f, form, options) for f in found]
        commons += [(form.char_span(c.q0, c.q1), c) for c in common]
    matches = _group(_dedupe(matches), commons, options.max_sources)
    covered = covered_length([m.input_span for m in matches])
    coverage = covered / len(content) if content else 0.0
    return make_report(InputInfo(name, main_kind, input_tokens or 0), matches, coverage)  # type: ignore[arg-type]


def _to_match(index: Index, found: Found, form: NormalForm, options: CheckOptions) -> Match:
    row = index.document(found.doc_id)
    source = row.source_ref()
    snippet = ""
    if not found.approximate:
        text = index.text(found.doc_id) or ""
        snippet = snippet_text(text[found.source_chars[0] : found.source_chars[1]], options.snippet_chars)
    details = {"exact_similarity": round(found.exact_similarity, 4)} if found.kind == "renamed" else {}
    if found.approximate:
        details["approximate_source_span"] = True
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


def span_overlap(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """How many positions two [start, end) spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _dedupe(matches: list[Match]) -> list[Match]:
    """The same source found through two channels keeps the longer, more similar match."""
    matches.sort(key=lambda m: -(m.input_span[1] - m.input_span[0]) * m.similarity)
    kept: list[Match] = []
    for m in matches:
        if any(k.source and m.source and k.source.uid == m.source.uid and span_overlap(k.input_span, m.input_span) for k in kept):
            continue
        kept.append(m)
    return kept


def passage_groups(matches: list[Match]) -> list[list[Match]]:
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


def _group(matches: list[Match], commons: list[tuple[tuple[int, int], Common]], max_sources: int) -> list[Match]:
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


def covered_length(spans: list[tuple[int, ...]]) -> int:
    """Length of the union of [start, end) spans."""
    total, end = 0, -1
    for start, stop in sorted((s[0], s[1]) for s in spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def check_path(index: Index, path: str | Path, options: CheckOptions | None = None) -> Report:
    """Check a file (or '-' for standard input, read by the caller as bytes)."""
    options = options or CheckOptions()
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInputError(f"{path}: cannot read ({error.strerror or error})") from None
    return check_bytes(index, data, path.name, options, suffix)


def check_bytes(index: Index, data: bytes, name: str, options: CheckOptions, suffix: str = "") -> Report:
    if len(data) > MAX_INPUT_BYTES:
        raise BadInputError(f"{name}: {len(data)} bytes, more than the {MAX_INPUT_BYTES} a check reads")
    if options.kind == "image" or suffix in IMAGE_EXTENSIONS:
        from wherefrom.image.search import check_image

        return check_image(index, data, name, options)
    from wherefrom.music.audio import AUDIO_EXTENSIONS

    if options.kind == "music" or suffix in MUSIC_EXTENSIONS or suffix in AUDIO_EXTENSIONS:
        from wherefrom.music.check import check_music

        return check_music(index, data, name, options)
    content = decode_text(data, name)
    if options.kind == "auto" and suffix:
        language = language_for_filename(name)
        if language and language in index.languages():
            options = replace(options, kind="code", language=language)
    return check_text(index, content, name, options)
