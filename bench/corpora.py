"""Benchmark corpora, built once from what this machine holds and cached under bench/.work.

Each corpus is a folder of plain files (what `wherefrom index build` reads) plus the same
documents as JSONL with a `text` field (what infini-gram's indexer reads). Document ids are
paths relative to the folder, so every finder names a source the same way.

    python bench/corpora.py [stdlib|bible_shakespeare|kjv_shakespeare|mixed] [--scale MB]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import SHARED, WORK  # noqa: E402

CORPORA = WORK / "corpora"
BIBLES = ("kjv", "akjv", "asv", "web", "ylt", "bbe")
MB = 1_000_000
SCALE_STEPS_MB = (10, 30, 100, 300, 1000)


@dataclass(frozen=True, slots=True)
class Corpus:
    """A built corpus: `files/` (one file per document) and `corpus.jsonl` (same order)."""

    name: str
    folder: Path
    kind: str  # "text", "code" or "mixed"

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    @property
    def jsonl(self) -> Path:
        return self.folder / "jsonl" / "corpus.jsonl"

    @property
    def manifest(self) -> list[dict]:
        return json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))

    @property
    def doc_ids(self) -> list[str]:
        return [row["id"] for row in self.manifest]

    @property
    def n_bytes(self) -> int:
        return sum(row["bytes"] for row in self.manifest)

    def text(self, doc_id: str) -> str:
        return (self.files_dir / doc_id).read_text(encoding="utf-8")

    def paths(self) -> list[Path]:
        return [self.files_dir / doc_id for doc_id in self.doc_ids]


def _write_corpus(
    name: str, kind: str, documents: Iterable[tuple[str, str]], cap_bytes: int = 0
) -> Corpus:
    """Materialize (doc_id, text) pairs; exact duplicate texts are kept once."""
    folder = CORPORA / name
    done = folder / ".done"
    corpus = Corpus(name, folder, kind)
    if done.exists():
        return corpus
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "jsonl").mkdir(parents=True)
    files = folder / "files"
    seen: set[bytes] = set()
    manifest = []
    total = 0
    with open(corpus.jsonl, "w", encoding="utf-8") as out:
        for doc_id, text in documents:
            data = text.encode("utf-8")
            digest = hashlib.sha1(data).digest()
            if not text.strip() or digest in seen:
                continue
            seen.add(digest)
            path = files / doc_id
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            out.write(json.dumps({"id": doc_id, "text": text}) + "\n")
            manifest.append({"id": doc_id, "bytes": len(data)})
            total += len(data)
            if cap_bytes and total >= cap_bytes:
                break
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    done.write_text("ok\n")
    return corpus


def _read_text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return None


def stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def _python_files(root: Path, prefix: str, skip_site: bool = True) -> Iterator[tuple[str, str]]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if skip_site and ("site-packages" in rel.parts or "dist-packages" in rel.parts):
            continue
        if not path.is_file():
            continue
        text = _read_text(path)
        if text is not None:
            yield f"{prefix}/{rel.as_posix()}", text


def bible_books(translation: str) -> Iterator[tuple[str, str, str]]:
    """(book number, title, text) of one translation in ../shared/corpora/bible."""
    with open(SHARED / "bible" / f"{translation}.jsonl", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            yield row["id"].split("/")[-1], row["title"], row["text"]


def _bible_docs(translations: Iterable[str]) -> Iterator[tuple[str, str]]:
    for translation in translations:
        for number, _title, text in bible_books(translation):
            yield f"bible/{translation}/{number}.txt", text


def _shakespeare_docs() -> Iterator[tuple[str, str]]:
    for path in sorted((SHARED / "shakespeare").glob("*_gut.txt")):
        text = _read_text(path)
        if text is not None:
            yield f"shakespeare/{path.name}", text


def shared_available() -> bool:
    return (SHARED / "bible" / "kjv.jsonl").exists() and (SHARED / "shakespeare").is_dir()


def stdlib(cap_mb: float = 0) -> Corpus:
    """Python standard library source of the running interpreter (about 30 MB)."""
    return _write_corpus("stdlib", "code", _python_files(stdlib_root(), "stdlib"), int(cap_mb * MB))


def bible_shakespeare() -> Corpus:
    """The six Bibles and Shakespeare's works (about 30 MB)."""
    docs = [*_bible_docs(BIBLES), *_shakespeare_docs()]
    return _write_corpus("bible_shakespeare", "text", docs)


def kjv_shakespeare() -> Corpus:
    """KJV only plus Shakespeare: the index that other translations are checked against."""
    return _write_corpus("kjv_shakespeare", "text", [*_bible_docs(["kjv"]), *_shakespeare_docs()])


def _mixed_sources() -> Iterator[tuple[str, str]]:
    pyenv = Path.home() / ".pyenv" / "versions"
    roots = sorted(p for p in pyenv.glob("*/lib/python*") if p.is_dir()) if pyenv.is_dir() else []
    roots += [p for p in sorted(Path("/usr/lib").glob("python3*")) if p.is_dir()]
    if stdlib_root() not in roots:
        roots.insert(0, stdlib_root())
    for root in roots:
        tag = "-".join(root.parts[-3:]).replace(".", "_")
        yield from _python_files(root, f"stdlib/{tag}")
    site = ROOT / ".venv" / "lib"
    for packages in sorted(site.glob("python*/site-packages")):
        yield from _python_files(packages, "site-packages", skip_site=False)
    man = Path("/usr/share/man")
    if man.is_dir():
        for path in sorted(man.rglob("*.gz")):
            text = _read_text(path)
            if text is not None:
                yield f"man/{path.relative_to(man).as_posix()[:-3]}.txt", text
    if shared_available():
        yield from _bible_docs(BIBLES)
        yield from _shakespeare_docs()


def _shuffled(docs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """A fixed pseudo-random order, so every prefix (subset) mixes all sources."""
    return sorted(docs, key=lambda doc: hashlib.sha1(doc[0].encode()).digest())


def mixed(scale_mb: float = 300) -> Corpus:
    """The large mixed corpus (standard libraries, site-packages, man pages, Bibles).

    Documents are in a fixed shuffled order, so `mixed_subsets` are nested prefixes.
    """
    name = f"mixed_{int(scale_mb)}mb"
    return _write_corpus(name, "mixed", _shuffled(_mixed_sources()), int(scale_mb * MB))


def mixed_subsets(scale_mb: float = 300) -> list[Corpus]:
    """Nested prefixes of the mixed corpus: 10 MB, 30 MB, 100 MB, ... up to its full size."""
    full = mixed(scale_mb)
    manifest = full.manifest
    steps = [s for s in SCALE_STEPS_MB if s * MB < 0.95 * full.n_bytes] + [full.n_bytes / MB]
    subsets = []
    for step in steps:
        if step * MB >= full.n_bytes:
            subsets.append(full)
            continue
        name = f"{full.name}_prefix{int(step)}mb"
        folder = CORPORA / name
        corpus = Corpus(name, folder, "mixed")
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            (folder / "jsonl").mkdir(parents=True)
            rows, total = [], 0
            for row in manifest:
                rows.append(row)
                total += row["bytes"]
                if total >= step * MB:
                    break
            wanted = {row["id"] for row in rows}
            for row in rows:
                target = folder / "files" / row["id"]
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(full.files_dir / row["id"], target)
            with (
                open(full.jsonl, encoding="utf-8") as src,
                open(corpus.jsonl, "w", encoding="utf-8") as out,
            ):
                for line in src:
                    if json.loads(line)["id"] in wanted:
                        out.write(line)
            (folder / "manifest.json").write_text(json.dumps(rows), encoding="utf-8")
            (folder / ".done").write_text("ok\n")
        subsets.append(corpus)
    return subsets


def original_prose(min_bytes: int = 1_100_000) -> str:
    """Text written by none of Bible+Shakespeare: docstrings and comments of the standard
    library plus man pages, in English prose, at least `min_bytes` long."""
    cached = CORPORA / "original_prose.txt"
    if cached.exists() and cached.stat().st_size >= min_bytes:
        return cached.read_text(encoding="utf-8")
    import ast

    parts: list[str] = []
    total = 0
    for _doc_id, source in _python_files(stdlib_root(), "stdlib"):
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef | ast.Module):
                doc = ast.get_docstring(node)
                if doc and len(doc.split()) >= 12:
                    parts.append(doc)
                    total += len(doc) + 2
        if total >= min_bytes:
            break
    cached.parent.mkdir(parents=True, exist_ok=True)
    text = "\n\n".join(parts)
    cached.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=["stdlib", "bible_shakespeare", "mixed"])
    parser.add_argument("--scale", type=float, default=300, help="cap of the mixed corpus, MB")
    args = parser.parse_args()
    for which in args.which:
        if which == "mixed":
            built = mixed_subsets(args.scale)
        elif which in {"bible_shakespeare", "kjv_shakespeare"} and not shared_available():
            print(f"{which}: ../shared/corpora is missing, skipped")
            continue
        else:
            built = [globals()[which]()]
        for corpus in built:
            print(f"{corpus.name}: {len(corpus.doc_ids)} documents, {corpus.n_bytes / MB:.1f} MB")


if __name__ == "__main__":
    main()
