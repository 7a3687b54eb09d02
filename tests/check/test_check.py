"""check on tiny real texts and code: the right source, the right spans, the right kind."""

import random
from pathlib import Path

import pytest
from tests.conftest import ROOT

from wherefrom.check import CheckOptions, check_text

SONNET = (ROOT / "examples" / "corpus" / "poems" / "sonnets.jsonl").read_text(encoding="utf-8")
HAMLET = (
    "To be, or not to be, that is the question: Whether 'tis nobler in the mind to suffer "
    "the slings and arrows of outrageous fortune, or to take arms against a sea of troubles "
    "and by opposing end them. To die: to sleep; no more; and by a sleep to say we end the "
    "heart-ache and the thousand natural shocks that flesh is heir to."
)
LEAR = (
    "Blow, winds, and crack your cheeks! rage! blow! You cataracts and hurricanoes, spout "
    "till you have drench'd our steeples, drown'd the cocks! You sulphurous and thought-executing "
    "fires, vaunt-couriers to oak-cleaving thunderbolts, singe my white head!"
)
OWN = "My cat sat on the warm windowsill all afternoon and watched the pigeons argue about bread crumbs. "


@pytest.fixture
def plays(make_index):
    return make_index(records=[
        {"id": "hamlet", "title": "Hamlet", "authors": ["William Shakespeare"], "license": "LicenseRef-public-domain", "text": HAMLET},
        {"id": "lear", "title": "King Lear", "authors": ["William Shakespeare"], "license": "CC-BY-SA-4.0", "text": LEAR},
    ])


def test_planted_copy_is_found_with_exact_input_and_source_spans(plays):
    copied = HAMLET[HAMLET.index("Whether") : HAMLET.index("them.") + 4]
    query = OWN + copied + " " + OWN
    report = check_text(plays, query)
    (match,) = report.matches
    assert match.source.title == "Hamlet" and match.kind == "verbatim"
    assert query[match.input_span[0] : match.input_span[1]] == copied
    assert HAMLET[match.source_span[0] : match.source_span[1]] == copied
    assert match.documents_containing == 1
    assert report.verdict == "attribution-required"


def test_text_sharing_nothing_reports_nothing(plays):
    report = check_text(plays, OWN * 5)
    assert report.matches == () and report.verdict == "original" and report.coverage == 0


def test_case_punctuation_and_whitespace_changes_do_not_hide_a_copy(plays):
    disguised = ("BLOW WINDS AND CRACK YOUR CHEEKS -- RAGE. blow;   you cataracts and hurricanoes\n"
                 "spout till you have DRENCH'D our steeples... drown'd the cocks; you sulphurous AND thought executing fires")
    report = check_text(plays, OWN + disguised)
    assert [m.source.title for m in report.matches] == ["King Lear"]
    assert report.verdict == "restricted"  # CC-BY-SA share-alike


def test_a_copy_does_not_leak_across_documents(plays):
    end_of_hamlet = HAMLET[-150:]
    start_of_lear = LEAR[:150]
    report = check_text(plays, end_of_hamlet + " " + start_of_lear)
    titles = sorted(m.source.title for m in report.matches)
    assert titles == ["Hamlet", "King Lear"]
    for match in report.matches:
        assert match.source_span[1] <= len(HAMLET if match.source.title == "Hamlet" else LEAR)


def test_near_verbatim_copy_with_word_edits_is_one_match(plays):
    edited = HAMLET.replace("nobler", "better").replace("outrageous", "terrible").replace("sleep; no", "sleep, and no")
    report = check_text(plays, OWN + edited)
    (match,) = report.matches
    assert match.kind == "near-verbatim" and 0.8 < match.similarity < 1.0
    assert match.tokens >= 50


def test_japanese_copy_is_found(make_index):
    source = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。"
    index = make_index(records=[{"id": "neko", "title": "吾輩は猫である", "text": source}])
    query = "今日は晴れです。" + source[9:60] + "と彼は言った。"
    (match,) = check_text(index, query).matches
    assert query[match.input_span[0] : match.input_span[1]] == source[9:60]


def test_a_copy_in_several_documents_reports_them_all(make_index):
    shared = HAMLET
    index = make_index(records=[{"id": f"d{i}", "title": f"anthology {i}", "text": OWN * (i + 1) + shared} for i in range(4)])
    report = check_text(index, shared, options=CheckOptions(max_sources=2))
    assert len(report.matches) == 2
    assert all(m.documents_containing == 4 for m in report.matches)


def test_passages_common_to_many_documents_are_counted_not_attributed(make_index):
    boilerplate = ("Licensed under the Apache License, Version 2.0 (the License); you may not use this file except in compliance with the License. You may obtain a copy of the License at the usual address. "
                   "Unless required by applicable law or agreed to in writing, software distributed under the License is "
                   "distributed on an AS IS BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.")
    index = make_index(records=[{"id": f"f{i}", "text": f"module {i} " + OWN * (i % 3 + 1) + boilerplate} for i in range(12)],
                       common_threshold=5)
    report = check_text(index, boilerplate)
    assert report.verdict == "common-only"
    assert report.matches[0].source is None and report.matches[0].documents_containing == 12


def test_copy_shorter_than_min_tokens_is_not_reported(plays):
    assert check_text(plays, OWN + "To be, or not to be, that is the question" + OWN).matches == ()


RUNNING_MEDIAN = (ROOT / "examples" / "corpus" / "statkit" / "stats.py").read_text(encoding="utf-8")


def test_code_copy_reformatted_is_verbatim_and_renamed_copy_is_renamed(make_index):
    index = make_index({"stats.py": RUNNING_MEDIAN}, license="MIT")
    function = RUNNING_MEDIAN[RUNNING_MEDIAN.index("def running_median") : RUNNING_MEDIAN.index("def weighted")]
    reformatted = function.replace("    ", "\t").replace(" = ", "=")
    (match,) = check_text(index, reformatted, options=CheckOptions(kind="code", language="python")).matches
    assert match.kind == "verbatim"
    renamed = function.replace("values", "xs").replace("medians", "out").replace("chunk", "part").replace("window", "size")
    (match,) = check_text(index, renamed, options=CheckOptions(kind="code", language="python")).matches
    assert match.kind == "renamed" and match.details.exact_similarity < 0.9
    assert match.source.license == "MIT"


def test_a_table_of_other_values_in_the_same_layout_is_not_a_renamed_copy(make_index):
    rows = "\n".join(f"    ({i}.{i}1, {i * 7}.5, {i * 3}.25)," for i in range(40))
    index = make_index({"palette.py": f"PALETTE = (\n{rows}\n)\n" + RUNNING_MEDIAN}, license="MIT")
    other = "\n".join(f"    ({i}.{i}9, {i * 5}.75, {i * 2}.125)," for i in range(40))
    report = check_text(index, f"COLOURS = (\n{other}\n)\n", options=CheckOptions(kind="code", language="python"))
    assert report.matches == ()


def test_hash_only_index_finds_copies_with_approximate_spans(make_index):
    index = make_index(records=[{"id": "hamlet", "title": "Hamlet", "text": HAMLET}, {"id": "lear", "text": LEAR}], hash_only=True)
    assert index.text(0) is None
    report = check_text(index, OWN + HAMLET + OWN)
    (match,) = report.matches
    assert match.source.title == "Hamlet" and match.snippet == ""
    start, end = match.source_span
    assert start <= 0 + 5 and end >= len(HAMLET) - 40
    assert match.details.approximate_source_span is True


def test_dense_light_edits_like_a_modernised_bible_are_one_match(make_index):
    # Every seventh word changed, as "hath" -> "has", "thee" -> "you" do in modernised texts:
    # few stored fingerprints survive, the gapped extension carries the match across edits.
    mit = (ROOT / "examples" / "corpus" / "statkit" / "LICENSE").read_text(encoding="utf-8")
    index = make_index(records=[{"id": "mit", "title": "MIT License", "text": mit}, {"id": "h", "text": HAMLET}])
    edited = " ".join(w + "s" if i % 7 == 6 else w for i, w in enumerate(mit.split()))
    (match,) = check_text(index, OWN + edited, options=CheckOptions(min_similarity=0.5)).matches
    assert match.source.title == "MIT License" and match.kind == "near-verbatim"
    assert match.input_span[1] - match.input_span[0] >= 0.8 * len(edited)
    assert 0.7 < match.similarity < 0.95


@pytest.mark.parametrize("edit", ["delete", "substitute"])
def test_one_word_in_five_deleted_or_replaced_is_mostly_still_found(make_index, edit):
    # At this density few stored fingerprints survive: a match may rest on a lone seed, pieces
    # reached from separate seed groups merge, the extension crosses runs of deleted words.
    # Like the robustness benchmark (recall >= 0.8 at this rate), most copies are found.
    mit = (ROOT / "examples" / "corpus" / "statkit" / "LICENSE").read_text(encoding="utf-8")
    index = make_index(records=[{"id": "mit", "title": "MIT License", "text": mit}, {"id": "h", "text": HAMLET}])
    words = mit.split()
    found = 0
    for seed in range(10):
        rng = random.Random(seed)
        first = rng.randrange(len(words) - 50)
        passage = words[first : first + 50]
        edited_at = set(rng.sample(range(50), 10))
        kept = [("zzz" if edit == "substitute" else "") if i in edited_at else w for i, w in enumerate(passage)]
        edited = " ".join(w for w in kept if w)
        matches = check_text(index, OWN + edited + " " + OWN).matches
        start, end = len(OWN), len(OWN) + len(edited)
        covered = sum(max(0, min(m.input_span[1], end) - max(m.input_span[0], start))
                      for m in matches if m.source.title == "MIT License")
        found += covered >= 0.8 * len(edited)
        assert all(m.source.title == "MIT License" and m.kind == "near-verbatim" for m in matches)
    assert found >= 8


WORDS = [f"w{i}" for i in range(400)]


@pytest.fixture(scope="module")
def random_corpus(tmp_path_factory):
    import random

    from wherefrom.build import build_index
    from wherefrom.index import Index

    rng = random.Random(11)
    texts = [" ".join(rng.choice(WORDS) for _ in range(300)) for _ in range(20)]
    folder = tmp_path_factory.mktemp("random")
    for i, text in enumerate(texts):
        (folder / f"doc{i}.txt").write_text(text)
    index_dir = tmp_path_factory.mktemp("random-index") / "idx"
    build_index([folder], index_dir)
    with Index.open(index_dir) as index:
        yield index, texts


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.integers(0, 19), start=st.integers(0, 270), length=st.integers(25, 120), before=st.integers(0, 30))
def test_a_planted_copy_of_min_tokens_or_more_is_always_found_with_its_exact_span(random_corpus, doc, start, length, before):
    index, texts = random_corpus
    words = texts[doc].split()
    copied = " ".join(words[start : start + length])
    prefix = " ".join(f"own{i}" for i in range(before))
    query = f"{prefix} {copied} own-end"
    matches = [m for m in check_text(index, query, options=CheckOptions(kind="text")).matches if m.source.title == f"doc{doc}.txt"]
    assert len(copied.split()) < 25 or matches, "a copy of at least min_tokens tokens must be found"
    if matches:
        best = max(matches, key=lambda m: m.tokens)
        found = query[best.input_span[0] : best.input_span[1]]
        assert copied in found
        assert texts[doc][best.source_span[0] : best.source_span[1]] == found


@pytest.mark.parametrize("limit", [1, 4, 5, 40, 299, 300])
def test_snippets_never_exceed_their_limit(limit):
    from wherefrom.match.spans import snippet_text

    text = "word " * 200
    assert len(snippet_text(text, limit)) <= limit
    if limit >= 10:
        assert snippet_text("short  text", limit) == "short text"


def test_renamed_copy_spans_stop_at_the_copied_lines(tmp_path):
    """A renamed function followed by the user's own code: the span ends with the copy's
    last line on both sides, not a few same-shaped tokens into the next function."""
    import ast
    import builtins
    import keyword
    import re
    import textwrap

    from wherefrom.build import build_index
    from wherefrom.check import CheckOptions, check_text
    from wherefrom.index import Index

    source = Path(textwrap.__file__).read_text()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "textwrap.py").write_text(source)
    build_index([corpus], tmp_path / "idx")
    function = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "_wrap_chunks")
    body = "\n".join(line[4:] for line in source.splitlines()[function.lineno - 1 : function.end_lineno])
    keep = set(keyword.kwlist) | set(dir(builtins))
    names: dict[str, str] = {}
    renamed = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: m.group(0) if m.group(0) in keep else names.setdefault(m.group(0), f"v{len(names)}"), body)
    before = "def my_helper(a, b):\n    total = a + b\n    return total * 2\n\n\n"
    query = before + renamed + "\n\n\ndef another(x):\n    result = []\n    for item in x:\n        result.append(item + 1)\n    return result\n"
    with Index.open(tmp_path / "idx") as index:
        report = check_text(index, query, "query.py", CheckOptions(kind="code", language="python"))
    (match,) = [m for m in report.matches if m.kind == "renamed"]
    assert match.input_span == (len(before), len(before) + len(renamed))
    assert source[match.source_span[0] : match.source_span[1]].endswith("return lines")
