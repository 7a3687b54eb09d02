"""Hugging Face datasets saved to disk (`Dataset.save_to_disk`, `DatasetDict.save_to_disk`):
Arrow files memory-mapped by `datasets.load_from_disk`, one Document per row through the
column map. The dataset's own `license` (its `dataset_info.json`) is the default licence of
rows that state none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from wherefrom.corpus.base import SkipLog
from wherefrom.corpus.fields import FieldMap, detect
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import BadInputError, require
from wherefrom.records import Document, LicenseSource, Provenance


def is_saved_dataset(folder: Path) -> bool:
    """A folder written by `save_to_disk`: a Dataset (state.json, dataset_info.json) or a
    DatasetDict (dataset_dict.json with one such folder per split)."""
    return (folder / "dataset_dict.json").is_file() or (
        (folder / "state.json").is_file() and (folder / "dataset_info.json").is_file()
    )


def _info(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _splits(folder: Path) -> list[tuple[str, Path]]:
    if not (folder / "dataset_dict.json").is_file():
        return [("", folder)]
    try:
        names = json.loads((folder / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BadInputError(f"{folder}/dataset_dict.json: unreadable ({error}); save the dataset again") from None
    return [(str(name), folder / str(name)) for name in names]


def read_saved_dataset(
    folder: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: FieldMap | None = None
) -> Iterator[Document]:
    datasets = require("datasets", "reading Hugging Face datasets", "corpora")
    for split, split_folder in _splits(folder):
        try:
            dataset = datasets.load_from_disk(str(split_folder))
        except (OSError, ValueError, FileNotFoundError) as error:
            raise BadInputError(f"{split_folder}: not a dataset saved with save_to_disk ({error})") from None
        info = _info(split_folder)
        base = replace(defaults, collection=defaults.collection or info.get("dataset_name") or folder.name)
        if info.get("license"):
            base = with_license(base, str(info["license"]), LicenseSource.PACKAGE_METADATA,
                                f"'license' of {split_folder}/dataset_info.json")
        column_map = detect(dataset.column_names, fields)
        label = f"{folder}/{split}" if split else str(folder)
        for row, record in enumerate(dataset, start=1):
            document = column_map.document(record, f"{label}:row {row}", label, base, kind, skips)
            if document is not None:
                yield document
