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
