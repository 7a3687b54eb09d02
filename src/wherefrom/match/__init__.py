"""Seeds -> chains -> verified spans: verbatim and near-verbatim copies of indexed sources, and
the Matches they become."""

from wherefrom.match.finder import Found, MatchOptions, find_copies
from wherefrom.match.matches import count_passages, dedupe, sequence_matches

__all__ = ["Found", "MatchOptions", "count_passages", "dedupe", "find_copies", "sequence_matches"]
