"""Options the index cannot answer truthfully are refused with one line and exit code 2,
instead of a report that says "original"."""

from __future__ import annotations

import pytest
from tests.reliability.campaigns import PROSE, run_main


@pytest.fixture
def built(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "work.txt").write_text(PROSE)
    index = tmp_path / "idx"
    assert run_main("index", "build", corpus, "--index", index, "--min-tokens", "50")[0] == 0
    query = tmp_path / "copy.txt"
    query.write_text(PROSE)
    return index, query


@pytest.mark.parametrize(("flags", "says"), [
    (["--max-sources", "0"], "max_sources 0: must be at least 1"),
    (["--min-tokens", "0"], "min_tokens 0: must be at least 4"),
    (["--min-tokens", "5"], "--min-tokens 5: this index hashes runs of k=8 tokens"),
    (["--language", "nosuch"], "--language 'nosuch': not a known code language; this index holds no code ('wherefrom index stats' lists them)"),
])
def test_flags_the_index_cannot_answer_are_refused(built, flags, says):
    index, query = built
    code, out, err = run_main("check", "--index", index, *flags, query)
    assert code == 2 and out == "" and says in err and err.count("\n") == 1


def test_min_tokens_from_k_up_is_answered(built):
    index, query = built
    code, out, _ = run_main("check", "--index", index, "--min-tokens", "8", query)
    assert code == 0 and "100% copied" in out
