"""What every reader shares: the count of what is skipped and why, the size limits, the
cleaning of strings at the reader boundary and the rule of which paths may be read."""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from wherefrom.records import Document

MAX_DOCUMENT_BYTES = 64 << 20
# A JSONL line or Parquet row longer than this is skipped while it is read, so one record
# can never hold more memory than one document may.
MAX_RECORD_BYTES = MAX_DOCUMENT_BYTES

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class SkipLog:
    """Skipped inputs by reason, with the first few messages kept for the summary."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    keep: int = 20

    def skip(self, reason: str, message: str) -> None:
        self.counts[reason] += 1
        if len(self.examples) < self.keep:
            self.examples.append(clean_text(message))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def clean_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (one code point for one, so
    character offsets keep their meaning). Lone surrogates come from JSON escapes and from
    undecodable file names; they cannot be stored as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def clean_document(document: Document) -> Document:
    """A Document whose every string can be encoded as UTF-8."""
    p = document.provenance
    provenance = replace(
        p, uri=clean_text(p.uri), title=clean_text(p.title), authors=tuple(clean_text(a) for a in p.authors),
        version=clean_text(p.version), collection=clean_text(p.collection),
        license_evidence=clean_text(p.license_evidence),
    )
    content = clean_text(document.content)
    if provenance == p and content is document.content:
        return document
    return replace(document, content=content, provenance=provenance, language=clean_text(document.language))


def refusal(path: Path, root: Path | None) -> tuple[str, str] | None:
    """(reason, message) when `path` must not be read: anything but a regular file (a FIFO
    would hang the build, a device never ends), or a link that leads out of `root` (a
    corpus must not index /etc/passwd through a symlink). `root` None: the user named the
    path itself, so a link is followed wherever it leads."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve(strict=True)
            if root is not None and not target.is_relative_to(root.resolve()):
                return "link out of the source", f"{path}: a link to {target}, outside {root}; not followed"
            info = os.stat(target)
    except (OSError, RuntimeError) as error:
        return "unreadable", f"{path}: {getattr(error, 'strerror', None) or error}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file", f"{path}: a FIFO, device or socket; only regular files are read"
    return None
