"""Fingerprints (rolling hash + winnowing), immutable segments, the SQLite manifest and the
zstd text store."""

from wherefrom.index.build import BuildSummary, build_index, fingerprint_document
from wherefrom.index.manifest import DocumentRow
from wherefrom.index.reader import Index

__all__ = ["BuildSummary", "DocumentRow", "Index", "build_index", "fingerprint_document"]
