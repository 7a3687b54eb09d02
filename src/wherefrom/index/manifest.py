"""The manifest: one SQLite database per index holding the configuration, the published
segments and one provenance row per document. A segment is published by inserting its row
and its documents in one transaction, after its folder was renamed into place."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wherefrom.config import IndexConfig
from wherefrom.errors import IndexCorruptError
from wherefrom.records import LicenseSource, Provenance, SourceRef

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS segments (
    name TEXT PRIMARY KEY, created REAL NOT NULL, documents INTEGER NOT NULL,
    fingerprints INTEGER NOT NULL, bytes INTEGER NOT NULL, corpus_bytes INTEGER NOT NULL,
    tokens INTEGER NOT NULL, summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    doc_id INTEGER PRIMARY KEY, uid TEXT NOT NULL, segment TEXT NOT NULL, local INTEGER NOT NULL,
    kind TEXT NOT NULL, language TEXT NOT NULL, sha256 TEXT NOT NULL, uri TEXT NOT NULL,
    title TEXT NOT NULL, authors TEXT NOT NULL, license TEXT NOT NULL,
    license_evidence TEXT NOT NULL, version TEXT NOT NULL, collection TEXT NOT NULL,
    n_tokens INTEGER NOT NULL, n_chars INTEGER NOT NULL, license_source INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_uid ON documents (uid);
"""

_COLUMNS = (
    "doc_id, uid, segment, local, kind, language, sha256, uri, title, authors, license, "
    "license_evidence, version, collection, n_tokens, n_chars, license_source"
)
_SEGMENT_COLUMNS = "name, created, documents, fingerprints, bytes, corpus_bytes, tokens, summary"


@dataclass(frozen=True, slots=True)
class SegmentSummary:
    """What a build recorded about its segment: the sources it read and what it skipped."""

    sources: tuple[str, ...] = ()
    skipped: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> str:
        return json.dumps({"sources": list(self.sources), "skipped": dict(self.skipped)})

    @classmethod
    def from_json(cls, text: str) -> SegmentSummary:
        raw = json.loads(text)
        return cls(tuple(raw.get("sources", ())), tuple(sorted(raw.get("skipped", {}).items())))


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """One published segment as the manifest records it."""

    name: str
    created: float
    documents: int
    fingerprints: int
    bytes: int
    corpus_bytes: int
    tokens: int
    summary: SegmentSummary = SegmentSummary()

    def to_tuple(self) -> tuple:
        return (self.name, self.created, self.documents, self.fingerprints, self.bytes,
                self.corpus_bytes, self.tokens, self.summary.to_json())

    @classmethod
    def from_tuple(cls, row: tuple) -> SegmentInfo:
        name, created, documents, fingerprints, size, corpus_bytes, tokens, summary = row
        return cls(name, created, documents, fingerprints, size, corpus_bytes, tokens, SegmentSummary.from_json(summary))


@dataclass(frozen=True, slots=True)
class DocumentRow:
    doc_id: int
    uid: str
    segment: str
    local: int
    kind: str
    language: str
    sha256: str
    provenance: Provenance
    n_tokens: int
    n_chars: int

    def source_ref(self) -> SourceRef:
        p = self.provenance
        return SourceRef(
            uid=self.uid, uri=p.uri, title=p.title, authors=p.authors, license=p.license,
            version=p.version, collection=p.collection, license_evidence=p.license_evidence,
        )

    def to_tuple(self) -> tuple:
        p = self.provenance
        return (
            self.doc_id, self.uid, self.segment, self.local, self.kind, self.language,
            self.sha256, p.uri, p.title, json.dumps(list(p.authors)), p.license,
            p.license_evidence, p.version, p.collection, self.n_tokens, self.n_chars,
            int(p.license_source),
        )

    @classmethod
    def from_tuple(cls, row: tuple) -> DocumentRow:
        (doc_id, uid, segment, local, kind, language, sha256, uri, title, authors, license_,
         evidence, version, collection, n_tokens, n_chars, source) = row
        provenance = Provenance(
            uri=uri, title=title, authors=tuple(json.loads(authors)), license=license_,
            license_evidence=evidence, version=version, collection=collection,
            license_source=LicenseSource(source),
        )
        return cls(doc_id, uid, segment, local, kind, language, sha256, provenance, n_tokens, n_chars)


class Manifest:
    def __init__(self, path: Path, create: bool = False) -> None:
        self.path = path
        if not create and not path.exists():
            raise FileNotFoundError(path)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=DELETE")
            self._db.execute("PRAGMA synchronous=FULL")
            if create:
                self._db.executescript(SCHEMA)
            self._db.execute("SELECT count(*) FROM segments").fetchone()
        except sqlite3.DatabaseError as error:
            raise IndexCorruptError(f"{path}: not a wherefrom manifest ({error})") from None

    def close(self) -> None:
        self._db.close()

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_config(self, config: IndexConfig) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (config.to_json(),))

    def config(self) -> IndexConfig:
        text = self.get_meta("config")
        if text is None:
            raise IndexCorruptError(f"{self.path}: no configuration recorded; rebuild the index")
        return IndexConfig.from_json(text, str(self.path))

    def segments(self) -> list[SegmentInfo]:
        cursor = self._db.execute(f"SELECT {_SEGMENT_COLUMNS} FROM segments ORDER BY created, name")
        return [SegmentInfo.from_tuple(row) for row in cursor]

    def next_doc_id(self) -> int:
        return int(self._db.execute("SELECT coalesce(max(doc_id), -1) + 1 FROM documents").fetchone()[0])

    def publish(self, segment: SegmentInfo, rows: list[DocumentRow]) -> None:
        """Record a segment and its documents atomically."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(f"INSERT INTO segments ({_SEGMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             segment.to_tuple())
            self._db.executemany(
                f"INSERT INTO documents ({_COLUMNS}) VALUES ({', '.join('?' * 17)})",
                (row.to_tuple() for row in rows),
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def document(self, doc_id: int) -> DocumentRow:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return DocumentRow.from_tuple(row)

    def document_by_uid(self, uid: str) -> DocumentRow:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE uid = ? LIMIT 1", (uid,)).fetchone()
        if row is None:
            raise KeyError(uid)
        return DocumentRow.from_tuple(row)

    def documents(self, kind: str | None = None) -> Iterator[DocumentRow]:
        query = f"SELECT {_COLUMNS} FROM documents"
        params: tuple = ()
        if kind:
            query += " WHERE kind = ?"
            params = (kind,)
        for row in self._db.execute(query + " ORDER BY doc_id", params):
            yield DocumentRow.from_tuple(row)

    def count(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self._db.execute(sql, params).fetchall()
