"""The text store with a reference dictionary: every document reads back exactly, and text
that repeats the reference costs less than compressed alone."""

import random

import zstandard

from wherefrom.index import store
from wherefrom.index.store import StoreReader, StoreWriter


def _words(rng: random.Random, n: int) -> str:
    vocabulary = ["in", "the", "beginning", "god", "created", "heaven", "and", "earth", "ünïcødé", "\ud800", "光"]
    return " ".join(rng.choice(vocabulary) + str(rng.randrange(999)) for _ in range(n))


def test_documents_read_back_across_the_reference_and_after_it(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BLOCK_BYTES", 2000)
    monkeypatch.setattr(store, "REFERENCE_BYTES", 6000)
    rng = random.Random(5)
    first = [_words(rng, 150) for _ in range(8)]
    documents = first + [d.replace("god", "God") for d in first] + ["", _words(rng, 3)]
    writer = StoreWriter(tmp_path, level=10)
    for document in documents:
        writer.add(document)
    writer.finish()
    reader = StoreReader(tmp_path)
    assert reader._reference_blocks > 0  # the later blocks were compressed against the reference
    assert [reader.text(i) for i in range(len(documents))] == documents
    assert [StoreReader(tmp_path).text(i) for i in reversed(range(len(documents)))] == documents[::-1]


def test_a_repeat_of_the_reference_costs_a_fraction_of_compressing_it_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BLOCK_BYTES", 20_000)
    monkeypatch.setattr(store, "REFERENCE_BYTES", 20_000)
    text = _words(random.Random(9), 3000)[:19_000]
    writer = StoreWriter(tmp_path, level=10)
    writer.add(text)
    writer.add(text)
    writer.finish()
    blocks = StoreReader(tmp_path)._blocks
    repeat = int(blocks[2] - blocks[1])
    alone = len(zstandard.ZstdCompressor(level=10).compress(text.encode("utf-8", "surrogatepass")))
    assert repeat * 10 < alone


def test_threads_sharing_a_reader_read_every_document(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(store, "BLOCK_BYTES", 1500)
    monkeypatch.setattr(store, "REFERENCE_BYTES", 4000)
    monkeypatch.setattr(store, "CACHE_BYTES", 6000)  # evictions while the threads read
    rng = random.Random(2)
    documents = [_words(rng, 120) for _ in range(30)]
    writer = StoreWriter(tmp_path, level=3)
    for document in documents:
        writer.add(document)
    writer.finish()
    reader = StoreReader(tmp_path)
    order = [i for _ in range(4) for i in rng.sample(range(len(documents)), len(documents))]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(reader.text, order)) == [documents[i] for i in order]
