"""The manifest: one SQLite database per index holding the configuration, the published
segments and one provenance row per document. A segment is published by inserting its row
and its documents in one transaction, after its folder was renamed into place."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wherefrom.config import IndexConfig
from wherefrom.errors import WherefromError
from wherefrom.index.files import damaged
from wherefrom.records import LicenseSource, OptOut, Provenance, SourceRef

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
    n_tokens INTEGER NOT NULL, n_chars INTEGER NOT NULL, license_source INTEGER NOT NULL,
    date TEXT NOT NULL, opt_outs TEXT NOT NULL, row_crc INTEGER NOT NULL DEFAULT -1
);
CREATE INDEX IF NOT EXISTS documents_uid ON documents (uid);
CREATE TABLE IF NOT EXISTS withdrawals (uid TEXT PRIMARY KEY, reason TEXT NOT NULL, withdrawn REAL NOT NULL);
"""

_COLUMNS = (
    "doc_id, uid, segment, local, kind, language, sha256, uri, title, authors, license, "
    "license_evidence, version, collection, n_tokens, n_chars, license_source, date, opt_outs"
)
_N_COLUMNS = len(_COLUMNS.split(","))
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
    withdrawn: bool = False  # set by the Index from the withdrawals table, never stored here

    def source_ref(self) -> SourceRef:
        p = self.provenance
        return SourceRef(
            uid=self.uid, uri=p.uri, title=p.title, authors=p.authors, license=p.license,
            version=p.version, collection=p.collection, license_evidence=p.license_evidence,
            withdrawn=self.withdrawn,
        )

    def to_tuple(self) -> tuple:
        p = self.provenance
        return (
            self.doc_id, self.uid, self.segment, self.local, self.kind, self.language,
            self.sha256, p.uri, p.title, json.dumps(list(p.authors)), p.license,
            p.license_evidence, p.version, p.collection, self.n_tokens, self.n_chars,
            int(p.license_source), p.date, json.dumps([o.to_dict() for o in p.opt_outs]),
        )

    def checksum(self) -> int:
        """crc32 of the row's stored values: a flipped bit in a licence or an author,
        which SQLite stores without a checksum of its own, is found when the row is read."""
        return zlib.crc32(json.dumps(self.to_tuple(), ensure_ascii=False).encode("utf-8"))

    @classmethod
    def from_tuple(cls, row: tuple) -> DocumentRow:
        (doc_id, uid, segment, local, kind, language, sha256, uri, title, authors, license_,
         evidence, version, collection, n_tokens, n_chars, source, date, opt_outs) = row
        provenance = Provenance(
            uri=uri, title=title, authors=tuple(json.loads(authors)), license=license_,
            license_evidence=evidence, version=version, collection=collection,
            license_source=LicenseSource(source), date=date,
            opt_outs=tuple(OptOut(o["signal"], o["evidence"]) for o in json.loads(opt_outs)),
        )
        return cls(doc_id, uid, segment, local, kind, language, sha256, provenance, n_tokens, n_chars)


class Manifest:
    """Every read turns damage (a page SQLite cannot read, a row that does not match its
    checksum or cannot be decoded) into IndexCorruptError naming the manifest."""

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
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}
        except sqlite3.DatabaseError as error:
            raise damaged(path, f"not a wherefrom manifest: {error}") from None
        # Manifests written before row checksums have no row_crc column: read, unverified.
        self.row_checksums = "row_crc" in columns
        self._select = _COLUMNS + (", row_crc" if self.row_checksums else "")

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as error:
            raise damaged(self.path, f"SQLite: {error}") from None

    def _row(self, raw: tuple) -> DocumentRow:
        try:
            row = DocumentRow.from_tuple(raw[:_N_COLUMNS])
        except (ValueError, TypeError, KeyError) as error:
            raise damaged(self.path, f"document row {raw[0]!r} cannot be decoded: {error.__class__.__name__}") from None
        if self.row_checksums and raw[_N_COLUMNS] != row.checksum():
            raise damaged(self.path, f"document row {row.doc_id} ({row.provenance.uri}) does not match its checksum")
        return row

    def close(self) -> None:
        self._db.close()

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_config(self, config: IndexConfig) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (config.to_json(),))

    def config(self) -> IndexConfig:
        text = self.get_meta("config")
        if text is None:
            raise damaged(self.path, "no configuration recorded")
        try:
            return IndexConfig.from_json(text, str(self.path))
        except WherefromError:
            raise
        except (ValueError, TypeError, KeyError) as error:
            raise damaged(self.path, f"the configuration cannot be read: {error.__class__.__name__}") from None

    def segments(self) -> list[SegmentInfo]:
        rows = self._query(f"SELECT {_SEGMENT_COLUMNS} FROM segments ORDER BY created, name")
        try:
            return [SegmentInfo.from_tuple(row) for row in rows]
        except (ValueError, TypeError, AttributeError) as error:
            raise damaged(self.path, f"a segment row cannot be decoded: {error.__class__.__name__}") from None

    def next_doc_id(self) -> int:
        return int(self._query("SELECT coalesce(max(doc_id), -1) + 1 FROM documents")[0][0])

    def publish(self, segment: SegmentInfo, rows: list[DocumentRow]) -> None:
        """Record a segment and its documents atomically."""
        self.publish_segments([(segment, rows)])

    def publish_segments(
        self, published: list[tuple[SegmentInfo, list[DocumentRow]]], meta: dict[str, str] | None = None,
        replaced: tuple[str, ...] = (),
    ) -> None:
        """Record several segments and their documents, set `meta` (the common table that
        counts them) and forget the `replaced` segments with their document rows, all in one
        transaction: a distributed build publishes every block at once, a compaction swaps
        merged segments for the small ones."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for name in replaced:
                self._db.execute("DELETE FROM documents WHERE segment = ?", (name,))
                self._db.execute("DELETE FROM segments WHERE name = ?", (name,))
            for key, value in (meta or {}).items():
                self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            for segment, rows in published:
                self._db.execute(f"INSERT INTO segments ({_SEGMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 segment.to_tuple())
                if self.row_checksums:
                    self._db.executemany(
                        f"INSERT INTO documents ({_COLUMNS}, row_crc) VALUES ({', '.join('?' * 20)})",
                        ((*row.to_tuple(), row.checksum()) for row in rows),
                    )
                else:
                    self._db.executemany(
                        f"INSERT INTO documents ({_COLUMNS}) VALUES ({', '.join('?' * 19)})",
                        (row.to_tuple() for row in rows),
                    )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def segment_documents(self, name: str) -> list[DocumentRow]:
        """The document rows of one segment, in their order inside it."""
        rows = self._query(f"SELECT {self._select} FROM documents WHERE segment = ? ORDER BY local", (name,))
        return [self._row(raw) for raw in rows]

    def has_uid(self, uid: str) -> bool:
        """Whether a published document has this uid (the same work from the same place)."""
        return bool(self._query("SELECT 1 FROM documents WHERE uid = ? LIMIT 1", (uid,)))

    def document(self, doc_id: int) -> DocumentRow:
        rows = self._query(f"SELECT {self._select} FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise KeyError(doc_id)
        return self._row(rows[0])

    def document_by_uid(self, uid: str) -> DocumentRow:
        rows = self._query(f"SELECT {self._select} FROM documents WHERE uid = ? LIMIT 1", (uid,))
        if not rows:
            raise KeyError(uid)
        return self._row(rows[0])

    def documents(self, kind: str | None = None) -> Iterator[DocumentRow]:
        query = f"SELECT {self._select} FROM documents"
        params: tuple = ()
        if kind:
            query += " WHERE kind = ?"
            params = (kind,)
        cursor = self._db.execute(query + " ORDER BY doc_id", params)
        while True:
            try:
                batch = cursor.fetchmany(1024)
            except sqlite3.DatabaseError as error:
                raise damaged(self.path, f"SQLite: {error}") from None
            if not batch:
                return
            for raw in batch:
                yield self._row(raw)

    def count(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self._query(sql, params)

    def verify(self) -> int:
        """Check the whole manifest: SQLite's own integrity check, the configuration, every
        segment row and every document row against its checksum. Returns the rows checked."""
        problems = self._query("PRAGMA integrity_check")
        if problems and problems[0][0] != "ok":
            raise damaged(self.path, f"SQLite integrity check: {problems[0][0]}")
        self.config()
        self.segments()
        return sum(1 for _ in self.documents())

    # --- withdrawals: takedowns recorded without a rebuild ------------------------------
    def withdraw(self, uids: list[str], reason: str, when: float) -> int:
        """Record `uids` as withdrawn in one transaction; the number newly withdrawn."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO withdrawals (uid, reason, withdrawn) VALUES (?, ?, ?)",
                ((uid, reason, when) for uid in uids),
            )
            added = self._db.total_changes - before
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return added

    def withdrawals(self) -> dict[str, str]:
        """Withdrawn uids and the reason given for each."""
        return dict(self._query("SELECT uid, reason FROM withdrawals"))

    def data_version(self) -> int:
        """Changes when another connection commits to the database (a withdrawal made by
        another process), so an open index notices it without polling the table."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def uids_of_uri(self, uri: str) -> list[str]:
        return [r[0] for r in self._query("SELECT uid FROM documents WHERE uri = ?", (uri,))]
