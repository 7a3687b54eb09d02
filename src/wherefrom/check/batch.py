"""Many inputs in one call, for data pipelines: `check_many(index, texts)` gives one Report
per text, in order, from a pool of threads over one open index.

The pool pays off as the hot kernels release the GIL; with the pure-Python paths it mostly
overlaps the index's I/O and decompression (bench/batch.py measures both).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from wherefrom.check.sequence import check_text
from wherefrom.config import CheckOptions
from wherefrom.errors import BadInputError
from wherefrom.index import Index
from wherefrom.records import Report


def check_many(
    index: Index,
    texts: Iterable[str],
    *,
    options: CheckOptions | None = None,
    threads: int | None = None,
    names: Iterable[str] | None = None,
) -> list[Report]:
    """The Report of every text, in the order given: the same as `check(index, text)` for
    each. `threads` defaults to the machine's cores (at most 8); 1 checks in this thread.
    `names` (one per text) name the inputs in the reports; otherwise each is its position."""
    options = options or CheckOptions()
    batch = list(texts)
    labels = [str(i) for i in range(len(batch))] if names is None else list(names)
    if len(labels) != len(batch):
        raise BadInputError(f"check_many: {len(labels)} names for {len(batch)} texts; give one name per text")
    for i, text in enumerate(batch):
        if not isinstance(text, str):
            raise BadInputError(f"check_many: text {i} is {type(text).__name__}, not str; decode it first")
    workers = min(8, os.cpu_count() or 1) if threads is None else threads
    if workers < 1:
        raise BadInputError(f"check_many: threads={workers}; must be at least 1")
    if workers == 1 or len(batch) < 2:
        return [check_text(index, text, label, options) for text, label in zip(batch, labels, strict=True)]
    with ThreadPoolExecutor(max_workers=min(workers, len(batch)), thread_name_prefix="wherefrom-check") as pool:
        return list(pool.map(lambda pair: check_text(index, pair[0], pair[1], options), zip(batch, labels, strict=True)))
