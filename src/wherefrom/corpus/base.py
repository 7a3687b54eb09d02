"""What every reader shares: the count of what is skipped and why, and the size limits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_DOCUMENT_BYTES = 64 << 20


@dataclass
class SkipLog:
    """Skipped inputs by reason, with the first few messages kept for the summary."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    keep: int = 20

    def skip(self, reason: str, message: str) -> None:
        self.counts[reason] += 1
        if len(self.examples) < self.keep:
            self.examples.append(message)

    @property
    def total(self) -> int:
        return sum(self.counts.values())
