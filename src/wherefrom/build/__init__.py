"""Building an index: corpus → normalize → segment writers → publish (a local process pool)."""

from wherefrom.build.pipeline import BuildSummary, build_index, fingerprint_document

__all__ = ["BuildSummary", "build_index", "fingerprint_document"]
