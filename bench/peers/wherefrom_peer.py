"""wherefrom itself, driven through its library API exactly as the command line does."""

from __future__ import annotations

from pathlib import Path

from bench.corpora import Corpus
from bench.peers.base import Finder, Found, Peer

JOBS = 2


def check_kind(corpus: Corpus) -> str:
    return {"code": "code", "text": "text"}.get(corpus.kind, "auto")


class WherefromPeer(Peer):
    name = "wherefrom"

    def available(self) -> str | None:
        try:
            from wherefrom.build import build_index  # noqa: F401
            from wherefrom.check import check_text  # noqa: F401
        except ImportError as error:
            return f"the wherefrom engine is not importable ({error})"
        return None

    def version(self) -> str:
        from importlib.metadata import version

        return f"wherefrom {version('wherefrom')}"

    def build(self, corpus: Corpus, out: Path, hash_only: bool = False) -> None:
        from wherefrom.build import build_index
        from wherefrom.config import IndexConfig

        summary = build_index(
            [corpus.files_dir.resolve()], out, config=IndexConfig(hash_only=hash_only), jobs=JOBS
        )
        print(summary)

    def open(self, corpus: Corpus, out: Path, **options: object) -> Finder:
        return WherefromFinder(corpus, out, **options)


class WherefromFinder(Finder):
    name = "wherefrom"

    def __init__(self, corpus: Corpus, out: Path, **options: object) -> None:
        from wherefrom.check import CheckOptions
        from wherefrom.index import Index

        self.index = Index.open(out)
        self.root = corpus.files_dir.resolve()
        self.options = CheckOptions(kind=check_kind(corpus), **options)  # type: ignore[arg-type]
        self.last_report = None

    def source_id(self, uri: str) -> str:
        path = uri.removeprefix("file://")
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path

    def find(self, text: str) -> list[Found]:
        from wherefrom.check import check_text

        report = check_text(self.index, text, options=self.options)
        self.last_report = report
        return [
            Found(
                tuple(m.input_span[:2]),
                (self.source_id(m.source.uri),) if m.source else (),
                (m.documents_containing or 1) > 1,
            )
            for m in report.matches
        ]

    def close(self) -> None:
        close = getattr(self.index, "close", None)
        if close:
            close()
