"""--jobs: threads for what the compiled core normalizes, processes for the rest, and the
same segment bytes as a build with one job."""

import random

from wherefrom.build import build_index


def _corpus(folder):
    rng = random.Random(8)
    folder.mkdir()
    for i in range(70):  # more than two batches of each kind
        words = " ".join(f"w{rng.randrange(2000)}" for _ in range(300))
        (folder / f"prose{i:02d}.txt").write_text(words)
        body = "\n".join(f"    v{j} = f{rng.randrange(50)}(a{j}, {rng.randrange(9)})" for j in range(40))
        (folder / f"code{i:02d}.py").write_text(f"def g{i}(a0):\n{body}\n    return v0\n")
    for i in range(3):  # a Pygments language: normalized on the process pool
        (folder / f"prog{i}.f90").write_text(f"program p{i}\n  x = {i} + y ! note\n  print *, x\nend program\n")
    return folder


def _segment_bytes(index_dir):
    folder = next((index_dir / "segments").glob("seg-*"))
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "segment.json"}


def test_a_build_with_two_jobs_writes_the_bytes_of_one_job(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    one = build_index([corpus], tmp_path / "one", jobs=1)
    two = build_index([corpus], tmp_path / "two", jobs=2)
    assert (one.documents, one.tokens) == (two.documents, two.tokens)
    assert _segment_bytes(tmp_path / "one") == _segment_bytes(tmp_path / "two")
