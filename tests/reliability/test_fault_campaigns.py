"""The fault campaigns of docs/reliability.md, at a size the suite can afford: damaged
indexes are refused with one line (never a traceback or a silent other answer), and damaged
files of every reader's format never end a build."""

from __future__ import annotations

import pytest

from tests.reliability.campaigns import FAILED, FAILURES, READER_KINDS, damaged_index, hostile_readers


def test_a_damaged_index_is_refused_with_one_line_or_answers_the_same(tmp_path):
    outcomes = damaged_index(tmp_path, cases=120, seed=16)
    assert not any(outcomes[f] or outcomes["verify " + f] for f in FAILURES), (outcomes, FAILED)
    assert outcomes["refused"] > 60


def test_damaged_files_of_every_reader_never_end_a_build(tmp_path):
    pytest.importorskip("pyarrow", reason="the Parquet cases need pyarrow: pip install 'wherefrom[parquet]'")
    outcomes = hostile_readers(tmp_path, cases=7 * 12, seed=16, kinds=READER_KINDS)
    assert not any(outcomes[f] for f in FAILURES), outcomes


def test_hostile_requests_get_small_json_answers_below_500(tmp_path):
    pytest.importorskip("fastapi", reason="needs the service: pip install 'wherefrom[serve]'")
    from tests.reliability.campaigns import service_fuzz

    outcomes = service_fuzz(tmp_path, cases=300, seed=16)
    assert not any(outcomes[f] for f in FAILURES), outcomes
