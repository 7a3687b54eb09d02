"""Shared fixtures: tiny inline corpora built into temporary indexes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from wherefrom.build import build_index
from wherefrom.config import IndexConfig
from wherefrom.index import Index
from wherefrom.records import Provenance

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="needs ../shared/corpora beside the clone (present in CI, absent in a user's clone)"
)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def make_index(tmp_path: Path) -> Callable[..., Index]:
    """Build an index from {relative path: content} files (or JSONL records) and open it."""
    opened: list[Index] = []

    def make(files: dict[str, str] | None = None, records: list[dict] | None = None, *,
             license: str = "MIT", **config: object) -> Index:
        corpus = tmp_path / f"corpus{len(opened)}"
        corpus.mkdir()
        for name, content in (files or {}).items():
            target = corpus / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        if records:
            write_jsonl(corpus / "records.jsonl", records)
        index_dir = tmp_path / f"index{len(opened)}"
        build_index([corpus], index_dir, config=IndexConfig(**config),
                    defaults=Provenance(license=license, license_evidence="explicit --license default"))
        index = Index.open(index_dir)
        opened.append(index)
        return index

    yield make
    for index in opened:
        index.close()
