"""The benchmark's corpus builders, edit families, scoring and peer adapters, on tiny data."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from tests.extras import require_extra

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.peers import base  # noqa: E402

from bench import corpora, robustness  # noqa: E402

DOCS = {
    "a/genesis.txt": (
        "In the beginning God created the heaven and the earth. And the earth was without "
        "form, and void; and darkness was upon the face of the deep. And the Spirit of God "
        "moved upon the face of the waters. And God said, Let there be light: and there was "
        "light. And God saw the light, that it was good: and God divided the light from the "
        "darkness. And God called the light Day, and the darkness he called Night."
    ),
    "b/sonnet.txt": (
        "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: "
        "Rough winds do shake the darling buds of May, And summer's lease hath all too short "
        "a date: Sometime too hot the eye of heaven shines, And often is his gold complexion "
        "dimm'd; And every fair from fair sometime declines, By chance or nature's changing "
        "course, untrimm'd."
    ),
}
HOST = "Completely original words about compilers, caches and the weather in a small town. " * 3


@pytest.fixture
def tiny(tmp_path, monkeypatch) -> corpora.Corpus:
    monkeypatch.setattr(corpora, "CORPORA", tmp_path / "corpora")
    rng = random.Random(0)  # filler: infini-gram's indexer needs more than a few KB
    filler = [
        (f"filler/{i}.txt", " ".join(rng.choice(robustness.VOCABULARY) for _ in range(2000)))
        for i in range(20)
    ]
    return corpora._write_corpus("tiny", "text", [*DOCS.items(), *filler])


def planted(corpus: corpora.Corpus) -> tuple[str, tuple[int, int]]:
    passage = DOCS["a/genesis.txt"][56:330]
    text = HOST + passage + " " + HOST
    return text, (len(HOST), len(HOST) + len(passage))


def test_corpus_writes_files_jsonl_and_drops_duplicates(tmp_path, monkeypatch):
    monkeypatch.setattr(corpora, "CORPORA", tmp_path)
    docs = [*DOCS.items(), ("c/copy.txt", DOCS["a/genesis.txt"])]
    corpus = corpora._write_corpus("t", "text", docs)
    assert corpus.doc_ids == list(DOCS)
    assert corpus.text("b/sonnet.txt") == DOCS["b/sonnet.txt"]
    lines = corpus.jsonl.read_text().splitlines()
    assert len(lines) == 2 and '"text"' in lines[0]
    assert corpus.n_bytes == sum(len(t.encode()) for t in DOCS.values())


def test_edit_families_change_about_the_rate_of_words():
    rng = random.Random(1)
    passage = DOCS["a/genesis.txt"]
    words = len(passage.split())
    for family in robustness.TEXT_FAMILIES:
        assert robustness.EDITS[family](passage, 0.0, rng) == passage
        edited = robustness.EDITS[family](passage, 0.2, rng)
        assert edited != passage
        same = sum(a == b for a, b in zip(edited.split(), passage.split(), strict=False))
        assert same < words
    code = "def area(width, height):\n    total = width * height\n    return total\n"
    renamed = robustness.edit_rename(code, 1.0, rng)
    assert "width" not in renamed and "def " in renamed and "return" in renamed


def test_recall_needs_the_right_source_and_80_percent_cover():
    span = (100, 200)
    good = [base.Found((95, 190), ("doc",))]
    assert robustness.recalled(good, span, ("doc",))
    assert not robustness.recalled(good, span, ("other",))
    assert not robustness.recalled([base.Found((100, 150), ("doc",))], span, ("doc",))
    halves = [base.Found((100, 150), ("doc",)), base.Found((150, 200), ("doc",))]
    assert robustness.recalled(halves, span, ("doc",))
    assert robustness.true_reports([base.Found((0, 400), ("doc",))], span) == 0


def test_bloom_peer_finds_a_planted_copy_without_source(tiny, tmp_path):
    peer = base.get_peer("bloom")
    out = tmp_path / "bloom"
    peer.build(tiny, out)
    finder = peer.open(tiny, out)
    text, span = planted(tiny)
    found = finder.find(text)
    # Membership of 50-character n-grams cannot reach the passage's first and last characters.
    inside = [f.input_span for f in found if span[0] <= f.input_span[0] and f.input_span[1] <= span[1]]
    assert inside and robustness._covered(inside, span) >= 0.6 * (span[1] - span[0])
    assert finder.find(HOST) == []


def test_minhash_peer_names_the_whole_document(tiny, tmp_path):
    require_extra("bench", "datasketch")
    peer = base.get_peer("minhash-lsh")
    out = tmp_path / "lsh"
    peer.build(tiny, out)
    found = peer.open(tiny, out).find(DOCS["b/sonnet.txt"])
    assert [f.sources for f in found] == [("b/sonnet.txt",)]


def test_infinigram_peer_finds_the_verbatim_span(tiny, tmp_path):
    require_extra("bench", "infini_gram")
    require_extra("audit", "transformers")
    peer = base.get_peer("infini-gram")
    out = tmp_path / "ig"
    peer.build(tiny, out)
    text, span = planted(tiny)
    found = peer.open(tiny, out).find(text)
    assert robustness.recalled(found, span, ("a/genesis.txt",))


def test_measured_build_reports_time_memory_and_size(tiny, tmp_path):
    result = base.measured_build("bloom", tiny, tmp_path / "measured")
    assert result.ok, result.message
    assert result.seconds > 0 and result.peak_rss > 10_000_000
    assert result.index_bytes == base.folder_bytes(tmp_path / "measured") > 0


def test_copydetect_peer_finds_copied_code(tmp_path, monkeypatch):
    pytest.importorskip("copydetect")
    monkeypatch.setattr(corpora, "CORPORA", tmp_path / "corpora")
    source = Path(random.__file__).read_text(encoding="utf-8")
    corpus = corpora._write_corpus("code", "code", [("stdlib/random.py", source)])
    peer = base.get_peer("copydetect")
    peer.build(corpus, tmp_path / "cd")
    piece = source[source.index("def shuffle") :][:600]
    text = "def unrelated(a):\n    return a + 1\n\n" + piece
    found = peer.open(corpus, tmp_path / "cd").find(text)
    assert any("stdlib/random.py" in f.sources for f in found)


def test_wherefrom_peer_finds_a_planted_copy(tiny, tmp_path):
    peer = base.get_peer("wherefrom")
    if peer.available():
        pytest.skip(peer.available())
    out = tmp_path / "wf"
    peer.build(tiny, out)
    text, span = planted(tiny)
    found = peer.open(tiny, out).find(text)
    assert robustness.recalled(found, span, ("a/genesis.txt",))
