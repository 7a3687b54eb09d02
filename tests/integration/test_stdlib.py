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


def test_the_standard_library_indexes_as_psf_with_its_exceptions(tmp_path):
    """One build, no flags: the PSF licence stack of LICENSE.txt for the library, and the
    files that state another licence in their own header keep it."""
    import shutil

    from wherefrom.corpus.provenance import build_defaults

    licence = STDLIB / "LICENSE.txt"
    if not licence.is_file():
        pytest.skip(f"{licence}: this Python ships no LICENSE.txt")
    lib = tmp_path / "python3"
    for relative in ("LICENSE.txt", "os.py", "json/__init__.py", "tomllib/_parser.py", "sqlite3/__init__.py",
                     "tarfile.py", "profile.py", "optparse.py"):
        (lib / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(STDLIB / relative, lib / relative)
    build_index([lib], tmp_path / "idx", defaults=build_defaults())
    with Index.open(tmp_path / "idx") as index:
        found = {r.provenance.title: r.provenance.license for r in index.documents()}
    assert found["os.py"] == found["json/__init__.py"] == "PSF-2.0"
    assert found["tomllib/_parser.py"] == "MIT" and found["tarfile.py"] == "MIT"
    assert found["sqlite3/__init__.py"] == "Zlib" and found["profile.py"] == "Apache-2.0"
    assert found["optparse.py"] == "BSD-3-Clause"
