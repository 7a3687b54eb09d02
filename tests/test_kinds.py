"""The kind registry: one entry per kind, one extension list, parts found by dotted path."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from wherefrom import kinds
from wherefrom.build import build_index
from wherefrom.index import Index
from wherefrom.records import KINDS

MUSICXML_HEAD = b'<?xml version="1.0"?>\n<!DOCTYPE score-partwise>\n<score-partwise version="3.1">'


def test_every_kind_has_an_entry_and_its_parts_resolve() -> None:
    assert set(kinds.REGISTRY) == set(KINDS)
    for entry in kinds.specs():
        for role in ("reader", "normalizer", "index_part", "checker", "figures", "metadata"):
            path = getattr(entry, role)
            if path:
                module, _, attribute = path.partition(":")
                try:
                    loaded = importlib.import_module(module)
                except ImportError as error:  # an extra that is not installed
                    pytest.skip(f"{path}: {error}")
                assert hasattr(loaded, attribute), path


def test_one_extension_list() -> None:
    from wherefrom.image.reader import IMAGE_EXTENSIONS
    from wherefrom.music.audio import AUDIO_EXTENSIONS
    from wherefrom.music.reader import SCORE_EXTENSIONS

    assert kinds.spec("image").extensions == IMAGE_EXTENSIONS
    assert set(SCORE_EXTENSIONS) == kinds.spec("music").extensions | {".xml"}
    assert set(AUDIO_EXTENSIONS) == kinds.spec("music").query_extensions


def test_media_kind_by_name_and_content() -> None:
    assert kinds.media_kind("photo.JPG") == "image"
    assert kinds.media_kind("tune.abc") == "music"
    assert kinds.media_kind("notes.txt") is None and kinds.media_kind("code.py") is None
    assert kinds.media_kind("clip.wav") is None and kinds.media_kind("clip.wav", query=True) == "music"
    assert kinds.media_kind("feed.xml", b"<?xml version='1.0'?><rss>") is None
    assert kinds.media_kind("score.xml", MUSICXML_HEAD) == "music"


def test_xml_is_text_unless_it_is_a_score_for_build_and_check_alike(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "feed.xml").write_text("<rss><item>the quick brown fox jumps over the lazy dog</item></rss>\n")
    build_index([corpus], tmp_path / "idx")
    with Index.open(tmp_path / "idx") as index:
        assert [row.kind for row in index.documents()] == ["text"]


def test_unknown_kind_is_a_clear_error() -> None:
    from wherefrom.errors import BadInputError

    with pytest.raises(BadInputError, match="kind 'video': unknown"):
        kinds.spec("video")
