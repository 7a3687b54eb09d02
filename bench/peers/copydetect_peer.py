"""copydetect as a peer for code: MOSS-style winnowing over its filtered token stream
(identifiers folded, so renamed copies still match). copydetect compares files pairwise; the
build keeps every reference fingerprint plus an inverted index from hash to files, used only
to skip files that share no fingerprint (compare_files would return nothing for them)."""

from __future__ import annotations

import io
import pickle
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

from bench.corpora import Corpus
from bench.peers.base import Finder, Found, Peer


def _settings() -> tuple[int, int]:
    from copydetect import defaults

    noise, guarantee = defaults.NOISE_THRESHOLD, defaults.GUARANTEE_THRESHOLD
    return noise, guarantee - noise + 1


class CopyDetectPeer(Peer):
    name = "copydetect"
    kinds = frozenset({"code"})

    def available(self) -> str | None:
        try:
            import copydetect  # noqa: F401
        except ImportError:
            return "pip install copydetect"
        return None

    def version(self) -> str:
        from importlib.metadata import version

        return f"copydetect {version('copydetect')}"

    def build(self, corpus: Corpus, out: Path, hash_only: bool = False) -> None:
        from copydetect import CodeFingerprint

        k, window = _settings()
        prints = {}
        for doc_id, path in zip(corpus.doc_ids, corpus.paths(), strict=True):
            try:
                fp = CodeFingerprint(str(path), k, window)
            except Exception as error:
                print(f"skipped {doc_id}: {error}")
                continue
            prints[doc_id] = (
                fp.hashes,
                fp.hash_idx,
                fp.offsets,
                fp.token_coverage,
                len(fp.filtered_code),
            )
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "fingerprints.pickle", "wb") as file:
            pickle.dump(prints, file, protocol=pickle.HIGHEST_PROTOCOL)

    def open(self, corpus: Corpus, out: Path) -> Finder:
        return CopyDetectFinder(out)


class CopyDetectFinder(Finder):
    name = "copydetect"

    def __init__(self, out: Path) -> None:
        with open(out / "fingerprints.pickle", "rb") as file:
            self.prints = pickle.load(file)
        self.k, self.window = _settings()
        self.files_of: dict[int, list[str]] = defaultdict(list)
        for doc_id, (hashes, *_rest) in self.prints.items():
            for value in hashes:
                self.files_of[value].append(doc_id)

    def find(self, text: str) -> list[Found]:
        from copydetect import CodeFingerprint, compare_files

        query = CodeFingerprint("query.py", self.k, self.window, fp=io.StringIO(text))
        candidates = {doc for value in query.hashes for doc in self.files_of.get(value, ())}
        found = []
        for doc_id in sorted(candidates):
            hashes, hash_idx, offsets, coverage, n_filtered = self.prints[doc_id]
            ref = SimpleNamespace(
                k=self.k,
                hashes=hashes,
                hash_idx=hash_idx,
                offsets=offsets,
                token_coverage=coverage,
                filtered_code=" " * n_filtered,
            )
            overlap, _similarity, (slices, _ref_slices) = compare_files(query, ref)
            if overlap:
                found.extend(
                    Found((int(s), int(e)), (doc_id,)) for s, e in zip(*slices, strict=True)
                )
        return found
