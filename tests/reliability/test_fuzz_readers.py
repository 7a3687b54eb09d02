"""Hypothesis over every reader and the index opener with corrupted bytes: a reader either
yields clean Documents or counts a skip, and opening and querying a damaged index either
answers or raises a WherefromError, never anything else."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.campaigns import PROSE, READER_KINDS, _hostile, run_main
from wherefrom import check
from wherefrom.corpus import SkipLog, read_sources
from wherefrom.errors import WherefromError
from wherefrom.index import Index
from wherefrom.records import Provenance

SUFFIXES = (".txt", ".py", ".jsonl", ".jsonl.gz", ".zip", ".whl", ".tar.gz", ".tgz", ".tar", ".parquet", ".md")


@st.composite
def damaged_files(draw) -> tuple[str, bytes]:
    if draw(st.booleans()):
        return draw(st.sampled_from(SUFFIXES)), draw(st.binary(max_size=4000))
    kind = draw(st.sampled_from([k for k in READER_KINDS if k != "parquet"] + ["parquet"]))
    if kind == "parquet":
        pytest.importorskip("pyarrow")
    name, data = _hostile(kind, random.Random(draw(st.integers(0, 2**32))))
    return name, data


@given(damaged_files())
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_reader_yields_clean_documents_or_counts_a_skip(tmp_path, named):
    name, data = named
    folder = tmp_path / f"f{random.getrandbits(40)}"
    folder.mkdir()
    path = folder / (name if "." in name[1:] else f"x{name}")
    path.write_bytes(data)
    skips = SkipLog()
    documents = list(read_sources([path], Provenance(), "auto", skips))
    for document in documents:
        document.content.encode("utf-8")
        document.provenance.uri.encode("utf-8")
        document.provenance.title.encode("utf-8")
    assert documents or skips.total >= 0
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def intact(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("intact")
    (work / "corpus").mkdir()
    (work / "corpus" / "work.txt").write_text(PROSE)
    (work / "corpus" / "code.py").write_text("def area(w, h):\n    return w * h\n" * 30)
    assert run_main("index", "build", work / "corpus", "--index", work / "idx", "--license", "MIT")[0] == 0
    return work / "idx"


@given(st.integers(0, 10**6), st.integers(0, 10**9), st.integers(1, 255), st.booleans(), st.booleans())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_damaged_index_opens_and_answers_or_raises_a_wherefrom_error(intact, tmp_path, which, at, flip, cut, verify):
    copy = tmp_path / f"copy{random.getrandbits(40)}"
    shutil.copytree(intact, copy)
    files = sorted(p for p in copy.rglob("*") if p.is_file() and p.name != ".lock")
    target = files[which % len(files)]
    raw = bytearray(target.read_bytes())
    if raw:
        raw[at % len(raw)] ^= flip
        if cut:
            del raw[at % len(raw):]
    target.write_bytes(bytes(raw))
    try:
        with Index.open(copy, verify=verify) as index:
            check(index, PROSE[100:900])
            check(index, "def area(w, h):\n    return w * h\n" * 5)
    except WherefromError:
        pass
    shutil.rmtree(copy)
