"""wherefrom: find where generated content came from.

Index a corpus with provenance, then check any output for copied spans, whose work they
are, and what reuse requires. `import wherefrom` stays light: heavy extras load lazily.
"""

from wherefrom.errors import WherefromError
from wherefrom.records import Document, InputInfo, Match, Obligation, Provenance, Report, SourceRef

__version__ = "0.1.0"

__all__ = [
    "Document",
    "InputInfo",
    "Match",
    "Obligation",
    "Provenance",
    "Report",
    "SourceRef",
    "WherefromError",
    "__version__",
]
