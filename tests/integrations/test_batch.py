"""The batch API for data pipelines: `check_many` gives, per text, the Report `check` gives;
the `datasets.Dataset.map` recipe of docs/integrations.md flags the generated rows that copy
the corpus. The index comes from $WHEREFROM_INDEX wherever the command line takes --index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wherefrom
from tests.extras import require_extra
from wherefrom.errors import BadInputError

ROOT = Path(__file__).resolve().parents[2]

POEM = (
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: "
    "Rough winds do shake the darling buds of May, And summer's lease hath all too short a date: "
    "Sometime too hot the eye of heaven shines, And often is his gold complexion dimm'd."
)
OTTERS = (
    "The quick survey of river otters in the northern valley counted forty seven animals across "
    "nine stretches of water, most of them near the old mill where the current slows and the "
    "banks are thick with willow roots that shelter their dens from the winter floods each year."
)
GENERATED = [
    "A summer poem: " + POEM.upper(),
    "Nothing here was copied; it is a fresh sentence about trains, timetables and the rain in Leeds.",
    "Field notes. " + OTTERS.replace("forty seven", "forty-eight"),
    "",
    "Another original line on a quiet Sunday, about bread, tea and a long walk by the canal.",
]


@pytest.fixture
def index(make_index):
    return make_index(records=[
        {"text": POEM, "title": "Sonnet XVIII", "uri": "https://www.gutenberg.org/ebooks/1041", "license": "CC0-1.0"},
        {"text": OTTERS, "title": "Otter survey", "uri": "https://example.org/otters", "license": "GPL-3.0-only"},
    ])


@pytest.mark.parametrize("threads", [1, 2, None])
def test_check_many_gives_what_check_gives_for_each_text(index, threads) -> None:
    options = wherefrom.CheckOptions(min_tokens=12)
    reports = wherefrom.check_many(index, GENERATED, options=options, threads=threads)
    expected = [wherefrom.check(index, text, name=str(i), options=options) for i, text in enumerate(GENERATED)]
    assert [r.to_dict() for r in reports] == [r.to_dict() for r in expected]
    assert [r.verdict for r in reports] == ["attribution-required", "original", "restricted", "original", "original"]


def test_check_many_names_the_inputs_and_refuses_bad_calls(index) -> None:
    reports = wherefrom.check_many(index, GENERATED[:2], names=["row-a", "row-b"])
    assert [r.input.name for r in reports] == ["row-a", "row-b"]
    with pytest.raises(BadInputError, match="1 names for 2 texts"):
        wherefrom.check_many(index, GENERATED[:2], names=["only-one"])
    with pytest.raises(BadInputError, match="text 1 is bytes"):
        wherefrom.check_many(index, ["fine", b"raw"])  # type: ignore[list-item]
    with pytest.raises(BadInputError, match="threads=0"):
        wherefrom.check_many(index, GENERATED, threads=0)


def test_the_datasets_recipe_flags_the_rows_that_copy_the_corpus(index) -> None:
    datasets = require_extra("dev", "datasets")

    # the recipe of docs/integrations.md, as written there
    def flag(batch: dict[str, list]) -> dict[str, list]:
        reports = wherefrom.check_many(index, batch["text"], options=wherefrom.CheckOptions(min_tokens=12), threads=2)
        return {
            "verdict": [r.verdict for r in reports],
            "coverage": [r.coverage for r in reports],
            "sources": [sorted({m.source.uri for m in r.matches if m.source}) for r in reports],
        }

    generated = datasets.Dataset.from_dict({"id": list(range(len(GENERATED))), "text": GENERATED})
    flagged = generated.map(flag, batched=True, batch_size=2, new_fingerprint="wherefrom-flag")
    copies = flagged.filter(lambda row: row["verdict"] in ("attribution-required", "restricted"))
    assert copies["id"] == [0, 2]
    assert copies["sources"] == [["https://www.gutenberg.org/ebooks/1041"], ["https://example.org/otters"]]
    assert flagged["coverage"][1] == 0.0


def test_every_index_option_takes_its_default_from_the_environment(index, tmp_path) -> None:
    path = tmp_path / "answer.txt"
    path.write_text(GENERATED[2], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "WHEREFROM_INDEX": str(index.path)}
    cli = [sys.executable, "-m", "wherefrom.cli"]
    checked = subprocess.run([*cli, "check", str(path), "--format", "json", "--fail-on", "restricted"],
                             env=env, capture_output=True, text=True, check=False)
    assert checked.returncode == 1, checked.stderr
    assert json.loads(checked.stdout)["verdict"] == "restricted"
    stats = subprocess.run([*cli, "index", "stats", "--json"], env=env, capture_output=True, text=True, check=False)
    assert stats.returncode == 0 and json.loads(stats.stdout)["documents"] == 2
    licences = subprocess.run([*cli, "licenses", "--target", "MIT"], env=env, capture_output=True, text=True, check=False)
    assert "GPL-3.0-only" in licences.stdout, licences.stderr
    # an explicit --index wins over the environment; without either, a usage error naming both
    missing = subprocess.run([*cli, "check", str(path), "--index", str(tmp_path / "none")],
                             env=env, capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "none" in missing.stderr
    bare = {k: v for k, v in env.items() if k != "WHEREFROM_INDEX"}
    usage = subprocess.run([*cli, "check", str(path)], env=bare, capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "--index" in usage.stderr


def test_threads_share_one_index_safely(make_index, monkeypatch) -> None:
    """Many small blocks in the text store, read by several threads at once: each thread gets
    its own decompressor and the block cache stays consistent (a shared zstd decompressor
    reports corrupted data under concurrent use)."""
    import random

    from wherefrom.index import store

    monkeypatch.setattr(store, "BLOCK_BYTES", 512)
    rng = random.Random(5)
    vocabulary = "ash birch cedar elm fir hazel larch maple oak pine rowan spruce willow yew".split()
    works = [" ".join(rng.choice(vocabulary) + str(rng.randrange(999)) for _ in range(120)) for _ in range(80)]
    index = make_index(records=[{"text": w, "title": f"work {i}", "license": "MIT"} for i, w in enumerate(works)])
    texts = ["Intro words here. " + " ".join(w.split()[10:70]) + " and an ending." for w in works] * 2
    options = wherefrom.CheckOptions(min_tokens=12)
    sequential = [r.to_dict() for r in wherefrom.check_many(index, texts, options=options, threads=1)]
    assert all(r["verdict"] == "attribution-required" for r in sequential)
    for _ in range(3):
        threaded = wherefrom.check_many(index, texts, options=options, threads=4)
        assert [r.to_dict() for r in threaded] == sequential
