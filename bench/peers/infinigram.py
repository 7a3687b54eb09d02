"""infini-gram 2.6.0 as a peer: a byte-level (u8) suffix array over the corpus JSONL;
`attribute` returns the maximal input spans found verbatim in the corpus."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench.corpora import Corpus
from bench.peers.base import Finder, Found, Peer

MIN_LEN_BYTES = 100
MAX_CNT = 10


class InfiniGramPeer(Peer):
    name = "infini-gram"

    def available(self) -> str | None:
        try:
            import infini_gram  # noqa: F401
            import transformers  # noqa: F401 - its indexer imports it even for u8
        except ImportError as error:
            return f"pip install infini-gram==2.6.0 transformers ({error})"
        return None

    def version(self) -> str:
        from importlib.metadata import version

        return version("infini-gram")

    def build(self, corpus: Corpus, out: Path, hash_only: bool = False) -> None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        hard = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        command = [
            sys.executable,
            "-m",
            "infini_gram.indexing",
            "--data_dir",
            str(corpus.jsonl.parent.resolve()),
            "--save_dir",
            str(out.resolve()),
            "--token_dtype",
            "u8",
            "--mem",
            "8",
            "--cpus",
            "2",
            "--ulimit",
            str(hard),
        ]
        subprocess.run(command, check=True)

    def open(self, corpus: Corpus, out: Path) -> Finder:
        return InfiniGramFinder(corpus, out)


class InfiniGramFinder(Finder):
    name = "infini-gram"

    def __init__(self, corpus: Corpus, out: Path, min_len: int = MIN_LEN_BYTES) -> None:
        from infini_gram.engine import InfiniGramEngine

        self.engine = InfiniGramEngine(
            index_dir=str(out.resolve()), eos_token_id=0, vocab_size=255, token_dtype="u8"
        )
        self.offsets = np.fromfile(out / "offset.0", dtype="<u8").astype(np.int64)
        self.doc_ids = corpus.doc_ids
        self.min_len = min_len

    def find(self, text: str) -> list[Found]:
        data = text.encode("utf-8")
        lead = (np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80
        char_of = np.concatenate([[0], np.cumsum(lead)])  # byte offset -> char offset
        result = self.engine.attribute(
            input_ids=list(data),
            delim_ids=[],
            min_len=self.min_len,
            max_cnt=MAX_CNT,
            enforce_bow=False,
        )
        found = []
        for span in result.get("spans", []):
            sources = []
            for doc in span["docs"]:
                index = int(np.searchsorted(self.offsets, doc["ptr"], side="right")) - 1
                if 0 <= index < len(self.doc_ids) and self.doc_ids[index] not in sources:
                    sources.append(self.doc_ids[index])
            found.append(
                Found(
                    (int(char_of[span["l"]]), int(char_of[span["r"]])),
                    tuple(sources),
                    span["count"] > 1,
                )
            )
        return found
