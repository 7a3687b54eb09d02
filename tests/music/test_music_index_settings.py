"""Melody fingerprint settings: their own window, saved with the index and checked on open;
indexes written before they existed keep the window their melodies were built with."""

from __future__ import annotations

import json

import pytest

from wherefrom.config import IndexConfig
from wherefrom.errors import BadInputError


def test_melodies_have_their_own_window() -> None:
    config = IndexConfig()
    assert config.window("music") == (4, 1)
    assert config.window("text") == (config.k, config.w)
    assert IndexConfig(melody_k=5, melody_w=2).window("music") == (5, 2)


def test_settings_round_trip_through_the_saved_json() -> None:
    config = IndexConfig(melody_min_tokens=20, melody_k=5)
    assert IndexConfig.from_json(config.to_json(), "idx") == config


def test_an_index_from_before_melody_settings_keeps_its_window() -> None:
    saved = json.loads(IndexConfig(min_tokens=16).to_json())
    for name in ("melody_min_tokens", "melody_k", "melody_w"):
        del saved[name]
    config = IndexConfig.from_json(json.dumps(saved), "old.idx")
    assert config.window("music") == (config.k, config.w)
    assert config.melody_min_tokens == 16


@pytest.mark.parametrize("settings", [{"melody_k": 1}, {"melody_k": 12}, {"melody_w": 0}])
def test_bad_melody_settings_name_the_value(settings: dict[str, int]) -> None:
    with pytest.raises(BadInputError, match="melody_"):
        IndexConfig(**settings)


def test_a_melody_index_reports_the_melody_settings(chorale_index) -> None:
    """`index stats` of a melody index shows the melody window, not only the text one."""
    stats = chorale_index.stats()
    settings = stats.to_dict()["config"]
    assert settings["melody_min_tokens"] == 12 and settings["melody_k"] == 4
    assert set(dict(stats.kinds)) == {"music"} and "min_tokens" not in settings
