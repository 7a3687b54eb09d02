"""The sequence checker: a text or code input against the index's text and code channels
(and a serialized melody against its own channel, for the music slice's proposals)."""

from __future__ import annotations

from dataclasses import replace

from wherefrom.config import CheckOptions
from wherefrom.corpus.files import decode_text
from wherefrom.errors import BadInputError
from wherefrom.index import Index
from wherefrom.match import count_passages, dedupe, sequence_matches
from wherefrom.match.matches import CommonSpan, with_input_lines
from wherefrom.match.spans import covered_length
from wherefrom.normalize import get_normalizer
from wherefrom.normalize.code import language_for_filename
from wherefrom.records import InputInfo, Match, Report
from wherefrom.report import make_report


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


def refuse_unanswerable(index: Index, options: CheckOptions) -> None:
    """Options this index cannot answer truthfully are refused, not answered "original".

    `min_tokens` below the index's k: no k-gram of a shorter copy exists, so no such copy
    can ever be found (between k and the index's guarantee a copy is found when it holds a
    stored fingerprint, so that range stays allowed). A `language` no lexer knows would read
    the input as one token."""
    if options.min_tokens is not None:
        channel = "music" if options.kind == "music" else "text"
        k, w = index.config.window(channel)
        if options.min_tokens < k:
            raise BadInputError(
                f"--min-tokens {options.min_tokens}: this index hashes runs of k={k} tokens, so a copy "
                f"shorter than {k} tokens can never be found; use {k} or more (copies of "
                f"{k + w - 1} tokens or more are always found), or rebuild "
                f"the index with a smaller --min-tokens"
            )
    if options.language:
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound

        try:
            get_lexer_by_name(options.language)
        except ClassNotFound:
            indexed = ", ".join(index.languages()[:8]) or "no code"
            raise BadInputError(
                f"--language {options.language!r}: not a known code language; this index holds {indexed} "
                f"('wherefrom index stats' lists them); any Pygments lexer name works ('pygmentize -L lexers')"
            ) from None


def check_text(index: Index, content: str, name: str = "-", options: CheckOptions | None = None) -> Report:
    """Check one text or code input against the index."""
    with index.one_view():
        return _check_text(index, content, name, options or CheckOptions())


def _check_text(index: Index, content: str, name: str, options: CheckOptions) -> Report:
    if options.kind in ("image", "music"):
        raise BadInputError(f"{name}: a {options.kind} input is checked from its file, not from text")
    refuse_unanswerable(index, options)
    matches: list[Match] = []
    commons: list[CommonSpan] = []
    input_tokens = None
    main_kind = "text"
    for kind, language in _channels(index, options):
        form = get_normalizer(kind, language).normalize(content)
        if input_tokens is None or kind == options.kind:
            input_tokens, main_kind = len(form), kind
        if len(form) == 0:
            continue
        found, common = sequence_matches(index, form, kind, options, content)
        matches += found
        commons += common
    matches = with_input_lines(count_passages(dedupe(matches), commons, options.max_sources), content)
    covered = covered_length([m.input_span for m in matches])
    coverage = covered / len(content) if content else 0.0
    return make_report(InputInfo(name, main_kind, input_tokens or 0), matches, coverage)  # type: ignore[arg-type]


def check_sequence_bytes(index: Index, data: bytes, name: str, options: CheckOptions) -> Report:
    """The registry's checker of text and code: decode, and read a file named like code of
    an indexed language as that code."""
    content = decode_text(data, name)
    if options.kind == "auto":
        language = options.language or language_for_filename(name)
        if language and (options.language or language in index.languages()):
            options = replace(options, kind="code", language=language)
    return check_text(index, content, name, options)
