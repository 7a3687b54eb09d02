"""SPDX licenses: detection, what reuse of a matched source requires, compatibility with a
target license, and attribution text."""

from wherefrom.licenses.obligations import attribution_line, obligations_for, requirements, verdict_for

__all__ = ["attribution_line", "obligations_for", "requirements", "verdict_for"]
