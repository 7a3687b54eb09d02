"""Renderers of Reports: terminal text (copied spans highlighted), JSON, SARIF 2.1.0, HTML.
Each takes one RenderItem per checked input."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wherefrom.records import ImageDetails, Match, Report


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


def _match_line(number: int, match: Match) -> str:
    span = "-".join(str(v) for v in match.input_span[:2]) if len(match.input_span) == 2 else str(list(match.input_span))
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


def render_sarif(items: Sequence[RenderItem]) -> str:
    """SARIF 2.1.0: one result per match, so code scanning tools can show copies inline."""
    from wherefrom import __version__

    results = []
    for report in (item.report for item in items):
        for match in report.matches:
            if match.source is None:
                continue
            level = "error" if report.verdict == "restricted" else "warning"
            results.append({
                "ruleId": f"wherefrom/{match.kind}",
                "level": level,
                "message": {"text": f"Copies {match.source.title or match.source.uid} "
                                    f"({match.source.license}), similarity {match.similarity:.2f}. "
                                    f"{match.attribution}"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": report.input.name},
                    "region": {"charOffset": match.input_span[0],
                               "charLength": match.input_span[1] - match.input_span[0]},
                }}],
                "relatedLocations": [{"id": 1, "physicalLocation": {"artifactLocation": {"uri": match.source.uri}},
                                      "message": {"text": match.snippet[:200]}}],
                "properties": {"license": match.source.license, "similarity": round(match.similarity, 4),
                               "documents_containing": match.documents_containing},
            })
    rules = [{"id": f"wherefrom/{kind}", "shortDescription": {"text": f"{kind} copy of an indexed source"}}
             for kind in ("verbatim", "near-verbatim", "renamed", "near-duplicate")]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "wherefrom", "version": __version__, "rules": rules}},
                  "results": results}],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


_LICENSE_CLASS = {"original": "", "common-only": "common", "attribution-required": "permissive", "restricted": "restricted"}


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
                f"<blockquote>{html.escape(match.snippet)}</blockquote>"
                f"<small>{html.escape(match.attribution)}</small>{figure.get(number, '')}</li>")
        body.append("</ol></section>")
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
             "pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}mark.permissive{background:#ffe08a}"
             "mark.restricted{background:#ffb3b3}mark.common{background:#cde}.verdict{font-weight:bold}"
             "li figure{margin:.5rem 0}li figure img{max-width:100%;height:auto;border:1px solid #ccc}"
             "figure.pair{display:flex;flex-wrap:wrap;gap:1rem}figure.pair figcaption{flex-basis:100%}"
             "figcaption{font-size:.8rem;color:#555}")
    return (f"<!doctype html><html lang='en'><meta charset='utf-8'><title>wherefrom report</title>"
            f"<style>{style}</style><body><h1>wherefrom report</h1>{''.join(body)}</body></html>")


def _highlight(content: str, report: Report) -> str:
    cls = _LICENSE_CLASS[report.verdict]
    spans = sorted((m.input_span[0], m.input_span[1], i) for i, m in enumerate(report.matches, start=1))
    out, at = [], 0
    for start, end, number in spans:
        if start < at:
            continue
        out.append(html.escape(content[at:start]))
        kind = "common" if report.matches[number - 1].source is None else cls
        out.append(f"<mark class='{kind}'><a href='#m{number}'>{html.escape(content[start:end])}</a></mark>")
        at = end
    out.append(html.escape(content[at:]))
    return "".join(out)
