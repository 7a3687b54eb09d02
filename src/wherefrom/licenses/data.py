"""The license data wherefrom ships: terms, aliases, licence stacks and compatibility rules,
read once from src/wherefrom/data/licenses/; the SPDX licence texts are
`wherefrom.licenses.reference`'s."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "wherefrom"
DATA_FOLDER = ("data", "licenses")


@cache
def load(name: str) -> dict[str, Any]:
    """One JSON data file, e.g. load("terms.json")."""
    path = resources.files(DATA_PACKAGE).joinpath(*DATA_FOLDER, name)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
