"""The license data wherefrom ships: reference texts, terms, aliases and compatibility rules,
read once from src/wherefrom/data/licenses/."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "wherefrom"
DATA_FOLDER = ("data", "licenses")


def _path(*parts: str):
    return resources.files(DATA_PACKAGE).joinpath(*DATA_FOLDER, *parts)


@cache
def load(name: str) -> dict[str, Any]:
    """One JSON data file, e.g. load("terms.json")."""
    return json.loads(_path(name).read_text(encoding="utf-8"))


@cache
def reference_texts() -> dict[str, str]:
    """SPDX id → the license's reference text shipped under data/licenses/texts/."""
    texts: dict[str, str] = {}
    for spdx, entry in load("terms.json")["licenses"].items():
        if entry.get("text"):
            texts[spdx] = _path("texts", entry["text"]).read_text(encoding="utf-8")
    return texts


def reference_text(spdx: str) -> str | None:
    """The shipped text of a license, or None when wherefrom ships none for it."""
    return reference_texts().get(spdx)
