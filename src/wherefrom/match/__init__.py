"""Seeds -> chains -> verified spans: verbatim and near-verbatim copies of indexed sources."""

from wherefrom.match.finder import Found, MatchOptions, find_copies

__all__ = ["Found", "MatchOptions", "find_copies"]
