"""Segments of format 3: packed keys and postings give the lookups of plain arrays, and
segments of an older format are refused with the fix."""

import json
import random

import pytest

from wherefrom.build import build_index
from wherefrom.errors import IndexCorruptError
from wherefrom.index import Index
from wherefrom.index.fingerprint import kgram_hashes
from wherefrom.normalize import get_normalizer

_rng = random.Random(11)
PROSE = " ".join(f"w{_rng.randrange(5000)}" for _ in range(6000))


def test_every_stored_fingerprint_is_found_at_its_document_and_position(tmp_path):
    (tmp_path / "a.txt").write_text(PROSE)
    (tmp_path / "b.txt").write_text(PROSE[::-1] + " tail")
    build_index([tmp_path / "a.txt", tmp_path / "b.txt"], tmp_path / "idx")
    with Index.open(tmp_path / "idx") as index:
        k, _ = index.config.window("text")
        form = get_normalizer("text").normalize(PROSE[::-1] + " tail")
        hashes = kgram_hashes(form.ids, k)
        q, docs, p = index.lookup(hashes)
        b = index.document_by_uid(next(r.uid for r in index.documents() if r.provenance.uri.endswith("b.txt"))).doc_id
        mine = docs == b
        assert len(q[mine]) > 0.05 * len(hashes)  # every winnowed fingerprint of the document
        assert (q[mine] == p[mine]).all()  # each at its own position
        checkpoints = index.checkpoints(b)
        assert checkpoints.tolist() == form.starts[::32].tolist()


def test_a_segment_of_an_older_format_is_refused_with_the_fix(tmp_path):
    (tmp_path / "a.txt").write_text(PROSE)
    build_index([tmp_path / "a.txt"], tmp_path / "idx")
    meta_path = next((tmp_path / "idx" / "segments").glob("seg-*")) / "segment.json"
    meta = json.loads(meta_path.read_text())
    meta["segment_format"] = 2
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexCorruptError, match="rebuild the index"):
        Index.open(tmp_path / "idx")
