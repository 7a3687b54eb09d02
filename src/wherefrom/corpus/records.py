"""Record files: JSONL / JSONL.gz and Parquet with a `text` column and optional metadata
(`id`, `url`/`uri`, `title`, `authors`/`author`, `license`, `version`, `date`, `kind`, `language`).
JSONL.zst (Dolma style) and Parquet with per-row provenance columns (The Stack style) are
read through a column map (`corpus.fields`)."""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from wherefrom.archive import MAX_ARCHIVE_BYTES
from wherefrom.corpus import fields as column_maps
from wherefrom.corpus.base import MAX_DOCUMENT_BYTES, MAX_RECORD_BYTES, SkipLog
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import require
from wherefrom.records import Document, Kind, LicenseSource, Provenance


def read_jsonl(
    path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: column_maps.FieldMap | None = None
) -> Iterator[Document]:
    """One Document per line. A line longer than MAX_RECORD_BYTES is skipped while it is
    read (never held whole), JSON deeper than MAX_JSON_DEPTH is refused before it is parsed,
    and a compressed file gets the archive budget of decompressed bytes. A column map (and
    every `.zst` file) goes through the mapped reader."""
    if fields is not None or path.name.lower().endswith(ZSTD_RECORDS):
        yield from _read_mapped_jsonl(path, defaults, kind, skips, fields or column_maps.DOLMA)
        return
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    spent = 0
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(_lines(handle, MAX_RECORD_BYTES), start=1):
                where = f"{path}:{number}"
                if raw is None:
                    skips.skip("too large", f"{where}: a record of more than {MAX_RECORD_BYTES} bytes")
                    spent += MAX_RECORD_BYTES
                    continue
                spent += len(raw)
                if spent > MAX_ARCHIVE_BYTES:
                    skips.skip("archive budget spent", f"{path}: more than {MAX_ARCHIVE_BYTES} bytes read; the rest is skipped")
                    return
                if not raw.strip():
                    continue
                record = _parse(raw, where, skips)
                if record is None:
                    continue
                document = _document(record, where, path, defaults, kind, skips)
                if document is not None:
                    yield document
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        skips.skip("truncated or unreadable file", f"{path}: {error}")


def _lines(handle: IO[bytes], max_bytes: int) -> Iterator[bytes | None]:
    """The lines of `handle`, each read at most `max_bytes` at a time; None for a line that
    is longer (the rest of it is read and dropped in bounded pieces)."""
    while raw := handle.readline(max_bytes + 1):
        if len(raw) <= max_bytes or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := handle.readline(max_bytes)) and not rest.endswith(b"\n"):
            pass
        yield None


def _parse(raw: bytes, where: str, skips: SkipLog) -> Any:
    try:
        return json.loads(raw)
    except RecursionError:
        # The decoder counts its depth against the interpreter's recursion limit and stops
        # there, so a line of 100,000 '[' costs a few microseconds and this message.
        skips.skip("bad record", f"{where}: JSON nested deeper than the parser's limit ({sys.getrecursionlimit()})")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        skips.skip("bad record", f"{where}: not JSON ({error.__class__.__name__}: {error})")
    except ValueError as error:  # an integer of more digits than int() converts
        skips.skip("bad record", f"{where}: {error}")
    return None


def read_parquet(
    path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: column_maps.FieldMap | None = None
) -> Iterator[Document]:
    """One Document per row; a file pyarrow cannot read (empty, truncated, damaged) is
    skipped and counted, and so is the rest of a file that fails part way."""
    parquet = require("pyarrow.parquet", "reading Parquet", "parquet")
    import pyarrow

    row = 0
    try:
        table = parquet.ParquetFile(path)
        mapped = column_maps.detect(table.schema_arrow.names, fields)
        make = _document if mapped == column_maps.FieldMap() and fields is None else None
        for batch in table.iter_batches(batch_size=64):
            for record in batch.to_pylist():
                row += 1
                where = f"{path}:row {row}"
                document = (make(record, where, path, defaults, kind, skips) if make is not None
                            else mapped.document(record, where, str(path), defaults, kind, skips))
                if document is not None:
                    yield document
    except (OSError, ValueError, pyarrow.ArrowException) as error:  # ArrowInvalid is a ValueError
        where = f"after row {row}" if row else "before its first row"
        skips.skip("unreadable Parquet", f"{path}: not readable {where} ({error.__class__.__name__}: {error})")


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
    if len(text) > MAX_DOCUMENT_BYTES:
        skips.skip("too large", f"{where}: 'text' of {len(text)} characters, more than {MAX_DOCUMENT_BYTES}")
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
            for number, raw in enumerate(_lines(io.BufferedReader(stream), MAX_RECORD_BYTES), start=1):
                where = f"{path}:{number}"
                if raw is None:
                    skips.skip("too large", f"{where}: a record of more than {MAX_RECORD_BYTES} bytes")
                    continue
                if not raw.strip():
                    continue
                record = _parse(raw, where, skips)
                if record is None:
                    continue
                document = fields.document(record, where, str(path), defaults, kind, skips)
                if document is not None:
                    yield document
    except (OSError, EOFError, gzip.BadGzipFile, zstandard.ZstdError) as error:
        skips.skip("truncated or unreadable file", f"{path}: {error}")


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
