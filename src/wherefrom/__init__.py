"""wherefrom: find where generated content came from.

Index a corpus with provenance, then check any output for copied spans, whose work they
are, and what reuse requires:

    import wherefrom
    wherefrom.build_index(["corpus/"], "idx")
    with wherefrom.open_index("idx") as index:
        report = wherefrom.check(index, "some generated text")

`import wherefrom` stays light: the engine and its extras load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from wherefrom.config import CheckOptions, IndexConfig
from wherefrom.errors import (
    BadInputError,
    EmptyCorpusError,
    IncompatibleIndexError,
    IndexCorruptError,
    IndexMissingError,
    MissingExtraError,
    WherefromError,
)
from wherefrom.records import Document, InputInfo, LicenseSource, Match, Obligation, Provenance, Report, SourceRef

if TYPE_CHECKING:
    from wherefrom.build import BuildSummary, build_index
    from wherefrom.check import check
    from wherefrom.check.batch import check_many
    from wherefrom.index import Index

__version__ = "0.1.0"

# name -> "module:attribute", imported on first use
_LAZY = {
    "build_index": "wherefrom.build:build_index",
    "BuildSummary": "wherefrom.build:BuildSummary",
    "Index": "wherefrom.index:Index",
    "check": "wherefrom.check:check",
    "check_many": "wherefrom.check.batch:check_many",
}


def open_index(path: str, *, verify: bool = False) -> Index:
    """Open a published index for checks (`verify` also checks every file's checksum)."""
    from wherefrom.index import Index

    return Index.open(path, verify=verify)


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'wherefrom' has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute)
    # `wherefrom.check` is also the name of the check package, which Python binds here when
    # it is imported; the package is callable, so either object answers `wherefrom.check(...)`.
    globals()[name] = value
    return value


__all__ = [
    "BadInputError",
    "BuildSummary",
    "CheckOptions",
    "Document",
    "EmptyCorpusError",
    "IncompatibleIndexError",
    "Index",
    "IndexConfig",
    "IndexCorruptError",
    "IndexMissingError",
    "InputInfo",
    "LicenseSource",
    "Match",
    "MissingExtraError",
    "Obligation",
    "Provenance",
    "Report",
    "SourceRef",
    "WherefromError",
    "__version__",
    "build_index",
    "check",
    "check_many",
    "open_index",
]
