"""Renderers of Reports: terminal text (copied spans highlighted), JSON, SARIF 2.1.0, HTML.
Each takes one RenderItem per checked input."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wherefrom.licenses import DEFAULT_POLICY, obligations_for, terms_of, verdict_for
from wherefrom.match.spans import position
from wherefrom.records import ImageDetails, Match, Report, SequenceDetails, SourceRef
from wherefrom.report.evidence import EVIDENCE_FIGURE, EVIDENCE_STYLE


@dataclass(frozen=True, slots=True)
class RenderItem:
    """One checked input as the renderers need it: its Report, its text (text and code, to
    show the copied spans in place) and ready HTML views per match number (images, melodies)."""

    report: Report
    content: str | None = None
    figures: Mapping[int, str] = field(default_factory=dict)

_VERDICT_COLOUR = {"original": "32", "common-only": "36", "attribution-required": "33", "restricted": "31"}
_CONTEXT = 60


def render_json(items: Sequence[RenderItem]) -> str:
    payload = items[0].report.to_dict() if len(items) == 1 else [item.report.to_dict() for item in items]
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _excerpt(content: str, match: Match, colour: bool) -> str:
    start, end = match.input_span[0], match.input_span[1]
    before = content[max(0, start - _CONTEXT) : start]
    copied = content[start:end]
    if len(copied) > 400:
        copied = copied[:190] + " … " + copied[-190:]
    after = content[end : end + _CONTEXT]
    marked = _paint(copied, "1;4", colour) if colour else f"[[{copied}]]"
    return " ".join(("…" + before + marked + after + "…").split())


def render_text(items: Sequence[RenderItem], colour: bool = False) -> str:
    lines: list[str] = []
    for item in items:
        report, content = item.report, item.content
        verdict = _paint(report.verdict.upper(), _VERDICT_COLOUR[report.verdict], colour)
        tokens = f", {report.input.tokens} tokens" if report.input.tokens is not None else ""
        lines.append(f"{report.input.name} ({report.input.kind}{tokens}): {verdict}, "
                     f"{report.coverage:.0%} copied, {len(report.matches)} match(es)")
        for number, match in enumerate(report.matches, start=1):
            lines.append(_match_line(number, match))
            if content is not None and report.input.kind in ("text", "code") and len(match.input_span) == 2:
                lines.append("      " + _excerpt(content, match, colour))
            if report.input.kind == "image" and match.source_span:
                lines.append("      " + _image_line(match))
            if match.source is not None:
                lines.append(f"      credit: {match.attribution}")
        for obligation in report.obligations:
            needs = ", ".join(obligation.requires) or "nothing"
            lines.append(f"  {obligation.license}: {len(obligation.sources)} source(s); reuse requires {needs}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _image_line(match: Match) -> str:
    """Where the copy sits in the source picture and the distances behind the verdict."""
    distances = match.details.distances.to_dict() if isinstance(match.details, ImageDetails) else {}
    shown = [f"{name} {value}" for name, value in distances.items() if value is not None]
    return f"source box {list(match.source_span)}" + (f"; {', '.join(shown)}" if shown else "")


def _lines(match: Match) -> str:
    lines = match.details.input_lines if isinstance(match.details, SequenceDetails) else None
    if lines is None:
        return ""
    return f" (line {lines[0]})" if lines[0] == lines[1] else f" (lines {lines[0]}-{lines[1]})"


def _match_line(number: int, match: Match) -> str:
    span = "-".join(str(v) for v in match.input_span[:2]) if len(match.input_span) == 2 else str(list(match.input_span))
    span += _lines(match)
    size = f"{match.tokens} tokens, " if match.tokens is not None else ""
    if match.source is None:
        return (f"  [{number}] chars {span}: {size}a passage common to {match.documents_containing} "
                f"documents (no single source)")
    source = match.source
    who = ", ".join(source.authors) or "unknown author"
    where = f" <{source.uri}>" if source.uri else ""
    version = f" {source.version}" if source.version else ""
    also = f", in {match.documents_containing} documents" if match.documents_containing > 1 else ""
    return (f"  [{number}] {span}: {size}{match.kind}, similarity {match.similarity:.2f}{also}\n"
            f"      from \"{source.title or source.uid}\"{version} by {who} [{source.license}]{where}")


# Rules of SARIF results: one per verdict a match can reach and kind of copy, so a code
# scanning dashboard can filter (and a team dismiss) "attribution-required renamed" apart
# from "restricted verbatim".
_SARIF_VERDICTS = ("restricted", "attribution-required")
_SARIF_KINDS = ("verbatim", "near-verbatim", "renamed", "near-duplicate")
_KIND_WORDS = {
    "verbatim": "copied word for word (up to case, spacing and punctuation)",
    "near-verbatim": "copied with small edits (typos, words inserted, deleted or substituted)",
    "renamed": "copied code with its identifiers or literals renamed",
    "near-duplicate": "a near duplicate of an indexed picture or melody",
}
_VERDICT_HELP = {
    "restricted": ("Reuse of the source is restricted: its licence has a share-alike, non-commercial or "
                   "no-derivatives term, or its terms are unknown. Remove the copied passage, rewrite it, or "
                   "make sure the project may and does meet the source's licence."),
    "attribution-required": ("Reuse of the source requires credit: keep the attribution line (and the licence "
                             "text where the licence asks for it) with the copied passage, or rewrite it."),
}
FINGERPRINT_KEY = "wherefromCopy/v1"


def sarif_rule_id(verdict: str, kind: str) -> str:
    return f"wherefrom/{verdict}/{kind}"


def _sarif_rules() -> list[dict[str, Any]]:
    rules = []
    for verdict in _SARIF_VERDICTS:
        for kind in _SARIF_KINDS:
            words = _KIND_WORDS[kind]
            help_text = f"The input contains a passage {words} of an indexed source. {_VERDICT_HELP[verdict]}"
            rules.append({
                "id": sarif_rule_id(verdict, kind),
                "name": "".join(part.title() for part in f"{verdict}-{kind}".split("-")),
                "shortDescription": {"text": f"{verdict}: {kind} copy of an indexed source"},
                "fullDescription": {"text": f"A passage {words} of an indexed source whose reuse is {verdict}."},
                "help": {"text": help_text,
                         "markdown": f"**{verdict}**, {kind}: {help_text} The result names the source, its "
                                     "URI and licence; `wherefrom check --format html` shows the evidence "
                                     "side by side."},
                "defaultConfiguration": {"level": "error" if verdict == "restricted" else "warning"},
                "properties": {"tags": ["provenance", "licence", verdict, kind]},
            })
    return rules


def copy_fingerprint(source: SourceRef, match: Match, content: str | None) -> str:
    """A finding's identity across commits: the source's uid and the copied text with case and
    whitespace folded (a span without text, an image's or melody's, by its source span), not
    its lines, so the copy keeps its identity when code moves around it."""
    if content is not None and len(match.input_span) == 2:
        copied = " ".join(content[match.input_span[0] : match.input_span[1]].split()).casefold()
    else:
        copied = ",".join(str(v) for v in match.source_span)
    return hashlib.sha256(f"{source.uid}\0{copied}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _sarif_result(item: RenderItem, match: Match, source: SourceRef, rule_index: dict[str, int]) -> dict[str, Any]:
    report = item.report
    verdict = verdict_for([match], obligations_for([match]))
    kind = match.kind if match.kind in _SARIF_KINDS else "verbatim"
    rule = sarif_rule_id(verdict, kind)
    location: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(report.input.name)}}
    if item.content is not None and report.input.kind in ("text", "code"):
        location["region"] = _region(item.content, match.input_span)
    where = f" <{source.uri}>" if source.uri else ""
    lines = match.details.source_lines if isinstance(match.details, SequenceDetails) else None
    at = f", lines {lines[0]}-{lines[1]}" if lines else ""
    related: dict[str, Any] = {"artifactLocation": {"uri": source.uri or source.uid}}
    if lines:
        related["region"] = {"startLine": lines[0], "endLine": lines[1]}
    properties: dict[str, Any] = {
        "verdict": verdict, "kind": match.kind, "license": source.license, "source_uri": source.uri,
        "source_uid": source.uid, "source_title": source.title, "source_authors": list(source.authors),
        "similarity": round(match.similarity, 4), "documents_containing": match.documents_containing,
        "attribution": match.attribution,
    }
    if match.tokens is not None:
        properties["tokens"] = match.tokens
    return {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "level": "error" if verdict == "restricted" else "warning",
        "message": {"text": f"{verdict}: {match.kind} copy of \"{source.title or source.uid}\"{where}{at}, "
                            f"licensed under {source.license}; similarity {match.similarity:.2f}. "
                            f"{match.attribution}"},
        "locations": [{"physicalLocation": location}],
        "relatedLocations": [{"id": 1, "physicalLocation": related,
                              "message": {"text": match.snippet[:200] or source.uri or source.uid}}],
        "partialFingerprints": {FINGERPRINT_KEY: copy_fingerprint(source, match, item.content)},
        "properties": properties,
    }


def render_sarif(items: Sequence[RenderItem]) -> str:
    """SARIF 2.1.0: one result per match with a source, under a rule per verdict and kind
    (with its help text), the region in lines and columns of the input, the source's URI and
    licence in the message and properties, and a partial fingerprint that stays the same
    while the copy does (code scanning keeps one alert across commits)."""
    from wherefrom import __version__

    rules = _sarif_rules()
    rule_index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [_sarif_result(item, match, match.source, rule_index)
               for item in items for match in item.report.matches if match.source is not None]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "wherefrom", "version": __version__,
                                      "rules": rules}},
                  "results": results}],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def _artifact_uri(name: str) -> str:
    """The input as a URI reference relative to the working directory where it lies there
    (code scanning resolves it against the repository root)."""
    path = Path(name)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return quote(path.as_posix())


def _region(content: str, span: tuple[int, ...]) -> dict[str, int]:
    """A SARIF region: 1-based lines and columns (the end column is that of the character
    after the span) and the character offset and length."""
    start, end = span[0], span[1]
    start_line, start_column = position(content, start)
    end_line, end_column = position(content, end)
    return {"startLine": start_line, "startColumn": start_column, "endLine": end_line,
            "endColumn": end_column, "charOffset": start, "charLength": end - start}


def license_class(match: Match) -> str:
    """How a span is coloured, by its own source's licence (as the web page does): `common`
    (no single source), `restricted` (a restrictive term), `attribution` (credit or licence
    text required) or `none` (reuse requires nothing)."""
    if match.source is None:
        return "common"
    requires = set(terms_of(match.source.license).requires)
    if requires & DEFAULT_POLICY.restrictive:
        return "restricted"
    return "attribution" if requires else "none"


def render_html(items: Sequence[RenderItem]) -> str:
    """A self-contained page: the input with copied spans highlighted, sources listed, and
    each item's figures (image or music side-by-side views) under their matches."""
    body = []
    for item in items:
        report, content, figure = item.report, item.content, item.figures
        body.append(f"<section><h2>{html.escape(report.input.name)}</h2>"
                    f"<p class='verdict {report.verdict}'>{report.verdict} · {report.coverage:.0%} copied</p>")
        if content is not None and report.input.kind in ("text", "code"):
            body.append(f"<pre>{_highlight(content, report)}</pre>")
        body.append("<ol>")
        for number, match in enumerate(report.matches, start=1):
            if match.source is None:
                body.append(f"<li id='m{number}'>a passage common to {match.documents_containing} documents</li>")
                continue
            s = match.source
            body.append(
                f"<li id='m{number}'><b>{html.escape(s.title or s.uid)}</b> {html.escape(s.version)} — "
                f"{html.escape(', '.join(s.authors) or 'unknown author')} — <code>{html.escape(s.license)}</code><br>"
                f"{match.kind}, similarity {match.similarity:.2f}, in {match.documents_containing} document(s)"
                # a side-by-side view carries the source text itself, within the snippet limit
                + ("" if figure.get(number, "").startswith(EVIDENCE_FIGURE) else
                   f"<blockquote>{html.escape(match.snippet)}</blockquote>")
                + f"<small>{html.escape(match.attribution)}</small>{figure.get(number, '')}</li>")
        body.append("</ol>")
        if report.obligations:
            body.append("<h3>What reuse requires</h3><ul class='obligations'>")
            for obligation in report.obligations:
                needs = ", ".join(obligation.requires) or "nothing"
                body.append(f"<li><code>{html.escape(obligation.license)}</code>: {len(obligation.sources)} "
                            f"source(s); reuse requires {html.escape(needs)}</li>")
            body.append("</ul>")
        body.append("</section>")
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;overflow-wrap:anywhere}"
             "pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}mark.attribution{background:#ffe08a}"
             "mark.none{background:#cfe8ff}mark.restricted{background:#ffb3b3}mark.common{background:#e3e3e3}"
             ".verdict{font-weight:bold}"
             "li figure{margin:.5rem 0}li figure img{max-width:100%;height:auto;border:1px solid #ccc}"
             "figure.pair{display:flex;flex-wrap:wrap;gap:1rem}figure.pair figcaption{flex-basis:100%}"
             "figcaption{font-size:.8rem;color:#555}figure.evidence:focus-visible{outline:3px solid #1a5fd0}"
             "@media (max-width:480px){body{padding:.4rem}pre{padding:.5rem}}" + EVIDENCE_STYLE)
    return (f"<!doctype html><html lang='en'><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>wherefrom report</title>"
            f"<style>{style}</style><body><h1>wherefrom report</h1>{''.join(body)}</body></html>")


def _highlight(content: str, report: Report) -> str:
    spans = sorted((m.input_span[0], m.input_span[1], i) for i, m in enumerate(report.matches, start=1))
    out, at = [], 0
    for start, end, number in spans:
        if start < at:
            continue
        out.append(html.escape(content[at:start]))
        kind = license_class(report.matches[number - 1])
        out.append(f"<mark class='{kind}'><a href='#m{number}'>{html.escape(content[start:end])}</a></mark>")
        at = end
    out.append(html.escape(content[at:]))
    return "".join(out)
