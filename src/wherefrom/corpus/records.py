"""Record files: JSONL / JSONL.gz and Parquet with a `text` column and optional metadata
(`id`, `url`/`uri`, `title`, `authors`/`author`, `license`, `version`, `date`, `kind`, `language`).
JSONL.zst (Dolma style) and Parquet with per-row provenance columns (The Stack style) are
read through a column map (`corpus.fields`)."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from wherefrom.corpus import fields as column_maps
from wherefrom.corpus.base import SkipLog
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import BadInputError, require
from wherefrom.records import Document, Kind, LicenseSource, Provenance


def read_jsonl(
    path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: column_maps.FieldMap | None = None
) -> Iterator[Document]:
    if fields is not None or path.name.lower().endswith(ZSTD_RECORDS):
        yield from _read_mapped_jsonl(path, defaults, kind, skips, fields or column_maps.DOLMA)
        return
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


def read_parquet(
    path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: column_maps.FieldMap | None = None
) -> Iterator[Document]:
    parquet = require("pyarrow.parquet", "reading Parquet", "parquet")
    try:
        table = parquet.ParquetFile(path)
        mapped = column_maps.detect(table.schema_arrow.names, fields)
        make = _document if mapped == column_maps.FieldMap() and fields is None else None
        row = 0
        for batch in table.iter_batches(batch_size=1024):
            for record in batch.to_pylist():
                row += 1
                where = f"{path}:row {row}"
                document = (make(record, where, path, defaults, kind, skips) if make is not None
                            else mapped.document(record, where, str(path), defaults, kind, skips))
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
        date=str(record.get("date") or defaults.date),
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


# --- JSONL.zst (Dolma) and any JSONL read through a column map -----------------------------

ZSTD_RECORDS = (".jsonl.zst", ".ndjson.zst", ".json.zst")
_MAX_LINE_BYTES = 64 << 20  # one record; a longer line is a broken file, not a document


def _read_mapped_jsonl(
    path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: column_maps.FieldMap
) -> Iterator[Document]:
    """Records of a JSONL file (plain, .gz or .zst), streamed and decompressed as read."""
    import zstandard

    name = path.name.lower()
    try:
        with path.open("rb") as raw_handle:
            if name.endswith(".zst"):
                stream: Any = _ZstdFrames(raw_handle)
            elif name.endswith(".gz"):
                stream = gzip.GzipFile(fileobj=raw_handle)
            else:
                stream = raw_handle
            for number, raw in enumerate(_lines(io.BufferedReader(stream)), start=1):
                where = f"{path}:{number}"
                if raw is None:
                    skips.skip("too large", f"{where}: a record of more than {_MAX_LINE_BYTES} bytes")
                    continue
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    skips.skip("bad record", f"{where}: not JSON ({error.__class__.__name__}: {error})")
                    continue
                document = fields.document(record, where, str(path), defaults, kind, skips)
                if document is not None:
                    yield document
    except (OSError, EOFError, gzip.BadGzipFile, zstandard.ZstdError) as error:
        skips.skip("truncated or unreadable file", f"{path}: {error}")


def _lines(reader: Any) -> Iterator[bytes | None]:
    """The lines of a stream, each read at most `_MAX_LINE_BYTES` at a time; None stands
    for a longer line, whose bytes are read past and dropped."""
    while True:
        raw = reader.readline(_MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > _MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = reader.readline(_MAX_LINE_BYTES)
            yield None
            continue
        yield raw


class _ZstdFrames(io.RawIOBase):
    """The decompressed bytes of a file of one or more zstd frames, read as needed; a file
    that ends inside a frame raises ZstdError instead of ending early without a word. Input
    is fed a kibibyte at a time, so a bomb (a block of one repeated byte expands 32,768-fold)
    never holds more than about 32 MiB at once."""

    FEED = 1024

    def __init__(self, raw: Any, chunk: int = 1 << 20) -> None:
        import zstandard

        self._raw, self._chunk, self._new = raw, chunk, zstandard.ZstdDecompressor().decompressobj
        self._frame = self._new()
        self._pending = b""
        self._input = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import zstandard

        while not self._pending:
            if not self._input:
                self._input = self._raw.read(self._chunk)
                if not self._input:
                    if self._started and not self._frame.eof:
                        raise zstandard.ZstdError("the file ends inside a zstd frame (truncated)")
                    return 0
            if self._frame.eof:
                self._frame = self._new()
            piece, self._input = self._input[: self.FEED], self._input[self.FEED :]
            self._started = True
            self._pending = self._frame.decompress(piece)
            if self._frame.eof:  # a new frame starts in what this one left over
                self._input = self._frame.unused_data + self._input
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
