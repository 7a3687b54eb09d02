"""An index of four Bach chorales (every part a melody) and two folk tunes, built once with
default settings: one tune runs a scale up and down an octave in even eighths, a stock figure;
the other leaps through dotted rhythms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.extras import require_extra

from wherefrom.build import build_index
from wherefrom.config import IndexConfig
from wherefrom.index import Index
from wherefrom.records import Provenance

CHORALES = ["bach/bwv269", "bach/bwv267", "bach/bwv266", "bach/bwv26.6"]
TUNES = """X:1
T:Scale Tune
M:4/4
L:1/8
K:D
A,2 D2 F2 A2|B3 A G2 F2|defg abc'd'|c'bag fedc|B2 G2 E2 C2|D6 z2|]

X:2
T:Leaping Tune
M:6/8
L:1/8
K:G
G3 B>cd|g2e c>BA|B<dG e>cA|F3 d^cd|a>fd B2e|g3 G3|]
"""


@pytest.fixture(scope="session")
def chorale_index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    music21 = require_extra("music", "music21")
    folder = tmp_path_factory.mktemp("corpus")
    for work in CHORALES:
        source = Path(music21.corpus.getWork(work))
        shutil.copy(source, folder / source.name)
    (folder / "tunes.abc").write_text(TUNES)
    path = tmp_path_factory.mktemp("index")
    build_index(
        [folder],
        path,
        config=IndexConfig(),
        defaults=Provenance(license="CC-BY-4.0", license_evidence="--license"),
        kind="auto",
    )
    return path


@pytest.fixture(scope="session")
def chorale_index(chorale_index_path: Path) -> Index:
    return Index.open(chorale_index_path)
