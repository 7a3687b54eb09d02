"""The standard library of the running Python as a real code corpus (present on every machine)."""

import pytest
from bench.stdlib import STDLIB, pick_functions, planted_query, stdlib_corpus

from wherefrom.build import build_index
from wherefrom.check import CheckOptions, check_text
from wherefrom.index import Index


@pytest.mark.slow
def test_three_copied_stdlib_functions_are_reported_with_their_sources_and_spans(tmp_path):
    build_index([stdlib_corpus(tmp_path / "stdlib")], tmp_path / "idx", jobs=2)
    functions = pick_functions(3)
    query = planted_query(functions)
    with Index.open(tmp_path / "idx") as index:
        report = check_text(index, query, "planted.py", CheckOptions(kind="code", language="python"))
        assert sorted(m.source.title for m in report.matches) == sorted(str(p.relative_to(STDLIB)) for p, _, _ in functions)
        for path, source, start in functions:
            match = next(m for m in report.matches if m.source.title == str(path.relative_to(STDLIB)))
            copied = query[match.input_span[0] : match.input_span[1]]
            assert copied.strip() == source.strip()
            assert match.source_span == (start, start + len(source.rstrip()))
            assert match.kind == "verbatim"
