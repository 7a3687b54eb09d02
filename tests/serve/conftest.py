"""A tiny index with a public-domain poem, an MIT function and a GPL file, served in-process."""

from __future__ import annotations

import hashlib

import pytest
from tests.extras import require_extra

require_extra("serve", "fastapi")
require_extra("serve", "httpx")

POEM = (
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: "
    "Rough winds do shake the darling buds of May, And summer's lease hath all too short a date: "
    "Sometime too hot the eye of heaven shines, And often is his gold complexion dimm'd, "
    "And every fair from fair sometime declines, By chance, or nature's changing course untrimm'd. "
    "But thy eternal summer shall not fade, Nor lose possession of that fair thou ow'st."
)
GPL_TEXT = (
    "The quick survey of river otters in the northern valley counted forty seven animals across "
    "nine stretches of water, most of them near the old mill where the current slows and the "
    "banks are thick with willow roots that shelter their dens from the winter floods each year."
)
KEY = "test-key-0123456789"


def records() -> list[dict]:
    return [
        {
            "text": POEM,
            "title": "Sonnet XVIII",
            "authors": ["William Shakespeare"],
            "uri": "https://www.gutenberg.org/ebooks/1041",
            "license": "CC0-1.0",
            "version": "1609",
        },
        {
            "text": GPL_TEXT,
            "title": "Otter survey",
            "authors": ["A. Field"],
            "uri": "https://example.org/otters",
            "license": "GPL-3.0-or-later",
        },
    ]


@pytest.fixture
def served_index(make_index):
    return make_index(records=records())


@pytest.fixture
def client(served_index):
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app

    with TestClient(create_app(served_index.path)) as test_client:
        yield test_client


@pytest.fixture
def keyed_client(served_index, tmp_path):
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app
    from wherefrom.serve.auth import load_api_keys

    keys = tmp_path / "keys.txt"
    keys.write_text(
        f"# service keys\nplain-key\nsha256:{hashlib.sha256(KEY.encode()).hexdigest()}\n"
    )
    with TestClient(create_app(served_index.path, load_api_keys(keys))) as test_client:
        yield test_client
