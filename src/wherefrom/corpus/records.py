"""Record files: JSONL / JSONL.gz and Parquet with a `text` column and optional metadata
(`id`, `url`/`uri`, `title`, `authors`/`author`, `license`, `version`, `kind`, `language`)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from wherefrom.corpus.base import SkipLog
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import BadInputError, require
from wherefrom.records import Document, Kind, LicenseSource, Provenance


def read_jsonl(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    record = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    skips.skip("bad record", f"{where}: not JSON ({error.__class__.__name__}: {error})")
                    continue
                document = _document(record, where, path, defaults, kind, skips)
                if document is not None:
                    yield document
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        skips.skip("truncated or unreadable file", f"{path}: {error}")


def read_parquet(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    parquet = require("pyarrow.parquet", "reading Parquet", "parquet")
    try:
        table = parquet.ParquetFile(path)
        row = 0
        for batch in table.iter_batches(batch_size=1024):
            for record in batch.to_pylist():
                row += 1
                document = _document(record, f"{path}:row {row}", path, defaults, kind, skips)
                if document is not None:
                    yield document
    except (OSError, ValueError) as error:  # pyarrow raises ArrowInvalid, a ValueError
        raise BadInputError(f"{path}: not a readable Parquet file ({error})") from None


def _authors(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(a.strip() for a in value.split(",") if a.strip()) if "," in value and "@" not in value else (value,)
    if isinstance(value, Iterable):
        return tuple(str(a) for a in value if a)
    return (str(value),)


def _document(
    record: Any, where: str, path: Path, defaults: Provenance, kind: str, skips: SkipLog
) -> Document | None:
    if not isinstance(record, dict):
        skips.skip("bad record", f"{where}: a JSON object is expected, got {type(record).__name__}")
        return None
    text = record.get("text")
    if not isinstance(text, str):
        problem = "has no 'text' field" if text is None else f"'text' is {type(text).__name__}, not a string"
        skips.skip("bad record", f"{where}: {problem}")
        return None
    if not text.strip():
        skips.skip("empty", f"{where}: empty 'text'")
        return None
    record_id = record.get("id")
    uri = record.get("uri") or record.get("url") or f"{path}#{record_id if record_id is not None else where.rsplit(':', 1)[-1]}"
    provenance = replace(
        defaults,
        uri=str(uri),
        title=str(record.get("title") or record_id or ""),
        authors=_authors(record.get("authors", record.get("author"))) or defaults.authors,
        version=str(record.get("version") or defaults.version),
    )
    license_ = record.get("license")
    if license_:
        provenance = with_license(
            provenance, str(license_), LicenseSource.RECORD_FIELD, f"'license' field of {where}"
        )
    doc_kind: Kind = "text"
    if kind in ("text", "code"):
        doc_kind = "code" if kind == "code" else "text"
    elif record.get("kind") == "code":
        doc_kind = "code"
    language = str(record.get("language") or ("python" if doc_kind == "code" else ""))
    return Document(content=text, kind=doc_kind, provenance=provenance, language=language)
