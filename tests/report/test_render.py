"""Renderers take one RenderItem per input; kind details extend a match's JSON and can never
overwrite the contract's keys."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from wherefrom.records import InputInfo, Match, MatchDetails, SequenceDetails, SourceRef
from wherefrom.report import make_report
from wherefrom.report.render import RenderItem, render_html, render_json, render_text

SOURCE = SourceRef("u1", "https://example.org/a", "A work", ("Ann",), "MIT", "1.0")


def report(name: str, details: MatchDetails | None = None):
    match = Match((0, 11), SOURCE, (5, 16), 30, "verbatim", 1.0, 1, "hello world", "credit", details)
    return make_report(InputInfo(name, "text", 30), [match], 1.0)


def test_json_is_one_object_for_one_input_and_a_list_for_several() -> None:
    one = json.loads(render_json([RenderItem(report("a.txt"))]))
    assert one["input"]["name"] == "a.txt" and one["matches"][0]["source"]["license"] == "MIT"
    several = json.loads(render_json([RenderItem(report("a.txt")), RenderItem(report("b.txt"))]))
    assert [r["input"]["name"] for r in several] == ["a.txt", "b.txt"]


def test_each_item_carries_its_own_content_and_figures() -> None:
    items = [RenderItem(report("a.txt"), "hello world and more", {1: "<figure id='fa'></figure>"}),
             RenderItem(report("b.txt"), "hello world again", {})]
    page = render_html(items)
    assert page.index("fa") < page.index("b.txt")
    assert "<mark" in page and "hello world" in page
    text = render_text(items)
    assert "[[hello world]] and more" in text and "[[hello world]] again" in text


def test_details_add_keys_and_leave_the_contract_alone() -> None:
    out = report("a.txt", SequenceDetails(exact_similarity=0.5)).to_dict()["matches"][0]
    assert out["exact_similarity"] == 0.5 and out["kind"] == "verbatim" and out["similarity"] == 1.0
    assert "approximate_source_span" not in out


def test_a_details_record_cannot_shadow_a_contract_key() -> None:
    with pytest.raises(TypeError, match="similarity"):

        @dataclass(frozen=True)
        class Sneaky(MatchDetails):
            similarity: float = 0.0


def test_html_report_colours_spans_as_the_page_does() -> None:
    """The page (serve/static/app.js) and the HTML report class a span by the same terms."""
    import re
    from pathlib import Path

    from wherefrom.licenses import DEFAULT_POLICY
    from wherefrom.report.render import license_class

    script = (Path(__file__).resolve().parents[2] / "src" / "wherefrom" / "serve" / "static" / "app.js").read_text()
    page_terms = set(re.findall(r'"([a-z-]+)"', re.search(r"const RESTRICTIVE = \[(.*?)\]", script).group(1)))
    assert page_terms == set(DEFAULT_POLICY.restrictive)
    def match(license: str) -> Match:
        return Match((0, 5), SourceRef("u", "", "t", (), license, ""), (0, 5), 25, "verbatim", 1.0, 1)

    assert [license_class(match(x)) for x in ("MIT", "GPL-3.0-only", "CC0-1.0", "NOASSERTION")] == [
        "attribution", "restricted", "none", "restricted"]
    page = render_html([RenderItem(make_report(InputInfo("a", "text", 2), [match("MIT")], 1.0), "hello world")])
    assert "<mark class='attribution'>" in page and "reuse requires attribution" in page
