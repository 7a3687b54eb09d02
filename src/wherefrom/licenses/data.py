"""The license data wherefrom ships: terms, aliases, licence stacks and compatibility rules,
read once from src/wherefrom/data/licenses/; the SPDX licence texts come from
`wherefrom.licenses.reference`."""

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


def reference_text(spdx: str) -> str | None:
    """The standard text of an SPDX licence or exception (from the SPDX licence list as
    packaged by ScanCode), or None when the id is not on the list."""
    from wherefrom.licenses.reference import references

    found = references().by_id(spdx)
    return found.text if found is not None else None
