"""A git repository: the tracked files of the working tree, with the HEAD commit as version."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from wherefrom.corpus.base import SkipLog
from wherefrom.corpus.files import read_file
from wherefrom.errors import BadInputError
from wherefrom.records import Document, Provenance


def _git(repository: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repository), *args], capture_output=True, check=True, timeout=120
        )
    except FileNotFoundError:
        raise BadInputError(f"{repository}: is a git repository but the 'git' command is not installed") from None
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BadInputError(f"{repository}: git {args[0]} failed: {message[-1] if message else error}") from None
    return done.stdout.decode("utf-8", "surrogateescape")


def read_repository(repository: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    commit = _git(repository, "rev-parse", "HEAD").strip()
    try:
        remote = _git(repository, "config", "--get", "remote.origin.url").strip()
    except BadInputError:
        remote = ""
    base = replace(
        defaults,
        version=commit,
        collection=defaults.collection or (remote or repository.resolve().name),
    )
    for name in _git(repository, "ls-files", "-z").split("\0"):
        if not name:
            continue
        path = repository / name
        if not path.is_file():
            continue
        for document in read_file(path, repository, base, kind, skips):
            uri = f"{remote}@{commit[:12]}:{name}" if remote else f"{repository.resolve()}@{commit[:12]}:{name}"
            yield replace(document, provenance=replace(document.provenance, uri=uri))
