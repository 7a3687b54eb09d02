"""Corpus readers: files and folders, JSONL(.gz), Parquet, git repositories, Python wheels and
sdists. Each yields Documents with Provenance decided by one rule (`corpus.provenance`); what
cannot be read is skipped and counted."""

from wherefrom.corpus.base import SkipLog
from wherefrom.corpus.sources import read_sources

__all__ = ["SkipLog", "read_sources"]
