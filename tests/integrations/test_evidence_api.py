"""`POST /v1/evidence`, the page's side-by-side view: a copied span against its source, at
most the service's snippet limit of source text, and errors that name the value."""

from __future__ import annotations

import pytest

from tests.extras import require_extra

require_extra("serve", "fastapi")
require_extra("serve", "httpx")

POEM = (
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: "
    "Rough winds do shake the darling buds of May, And summer's lease hath all too short a date: "
    "Sometime too hot the eye of heaven shines, And often is his gold complexion dimm'd."
)


@pytest.fixture
def served(make_index):
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app

    index = make_index(records=[{"text": "A preface line.\n" + POEM + "\nThe end.", "title": "Sonnet XVIII",
                                 "license": "CC0-1.0"}])
    with TestClient(create_app(index.path, snippet_chars=120)) as client:
        yield client, index


def test_a_match_comes_back_aligned_within_the_snippet_limit(served) -> None:
    client, _ = served
    text = "Mine: " + POEM.replace("darling", "lovely")
    report = client.post("/v1/check", json={"text": text}).json()
    (match,) = report["matches"]
    copied = text[match["input_span"][0] : match["input_span"][1]]
    answer = client.post("/v1/evidence", json={"uid": match["source"]["uid"], "source_span": match["source_span"],
                                               "input": copied})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    shown = len(body["before"]) + len(body["after"]) + sum(len(p["source"]) for p in body["pieces"])
    assert body["limit"] == 120 and shown <= 120 and body["truncated"]
    assert ("substituted", "lovely", "darling") in {(p["op"], p["input"], p["source"]) for p in body["pieces"]}


def test_errors_name_the_value(served) -> None:
    client, _ = served
    uid = client.post("/v1/check", json={"text": POEM}).json()["matches"][0]["source"]["uid"]
    unknown = client.post("/v1/evidence", json={"uid": "nope", "source_span": [0, 5], "input": "x"})
    assert unknown.status_code == 404 and "nope" in unknown.json()["error"]
    outside = client.post("/v1/evidence", json={"uid": uid, "source_span": [0, 10**6], "input": "x"})
    assert outside.status_code == 422 and "source_span" in outside.json()["error"]
    extra = client.post("/v1/evidence", json={"uid": uid, "source_span": [0, 5], "input": "x", "chars": 9999})
    assert extra.status_code == 422
