"""A git repository: the tracked files of the working tree, with the HEAD commit as version."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from wherefrom.corpus.base import SkipLog, refusal
from wherefrom.corpus.files import read_file
from wherefrom.errors import BadInputError
from wherefrom.records import Document, Provenance


class _GitCommandError(BadInputError):
    """A git command that ran and failed (or never finished) on this repository."""


def _git(repository: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repository), *args], capture_output=True, check=True, timeout=120
        )
    except FileNotFoundError:
        raise BadInputError(f"{repository}: is a git repository but the 'git' command is not installed") from None
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitCommandError(f"{repository}: git {args[0]} failed: {message[-1] if message else error}") from None
    except subprocess.TimeoutExpired:
        raise _GitCommandError(f"{repository}: git {args[0]} did not finish in 120 s") from None
    return done.stdout.decode("utf-8", "surrogateescape")


def read_repository(repository: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    """The tracked files at HEAD's working tree. A repository without a commit, or one git
    cannot read, is skipped and counted; a tracked link is read only when it leads to a
    regular file inside the repository."""
    try:
        commit = _git(repository, "rev-parse", "--verify", "--quiet", "HEAD").strip()
        names = _git(repository, "ls-files", "-z").split("\0")
    except _GitCommandError as error:
        reason = "git repository without commits" if "rev-parse" in str(error) else "unreadable git repository"
        skips.skip(reason, f"{error}; commit its files first (or index them from a copy without .git)")
        return
    try:
        remote = _git(repository, "config", "--get", "remote.origin.url").strip()
    except _GitCommandError:
        remote = ""
    base = replace(
        defaults,
        version=commit,
        collection=defaults.collection or (remote or repository.resolve().name),
    )
    for name in names:
        if not name:
            continue
        path = repository / name
        if not os.path.lexists(path):
            continue
        refused = refusal(path, repository)
        if refused is not None:
            skips.skip(*refused)
            continue
        for document in read_file(path, repository, base, kind, skips):
            uri = f"{remote}@{commit[:12]}:{name}" if remote else f"{repository.resolve()}@{commit[:12]}:{name}"
            yield replace(document, provenance=replace(document.provenance, uri=uri))
