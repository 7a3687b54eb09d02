"""SPDX licenses: detection, what reuse of a matched source requires, compatibility with a
target license, and attribution text."""

from wherefrom.licenses.obligations import (
    DEFAULT_POLICY,
    VerdictPolicy,
    attribution_line,
    obligations_for,
    requirements,
    terms_of,
    verdict_for,
)

__all__ = [
    "DEFAULT_POLICY",
    "VerdictPolicy",
    "attribution_line",
    "obligations_for",
    "requirements",
    "terms_of",
    "verdict_for",
]
