"""Storage and lookup: fingerprints (rolling hash, winnowing), immutable segments, the SQLite
manifest and the zstd text store. Building lives in `wherefrom.build`."""

from wherefrom.index.manifest import DocumentRow, SegmentInfo
from wherefrom.index.reader import Index, IndexStats

__all__ = ["DocumentRow", "Index", "IndexStats", "SegmentInfo"]
