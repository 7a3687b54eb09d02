"""The column map: which field of a record is the text and which are its provenance (uri,
title, authors, licence, date, version, ...), with defaults that fit each format and
`--fields text=content,license=license,uri=url` to name others.

A field names a column or a dotted path into nested records (`metadata.url`); `a|b` tries
`a`, then `b`. Readers of record formats (Parquet with provenance columns, JSONL.zst,
Hugging Face datasets, WebDataset metadata) turn a record into a Document through
`FieldMap.document`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from wherefrom.corpus.base import SkipLog
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import BadInputError
from wherefrom.records import Document, Kind, LicenseSource, Provenance


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Where each part of a Document is found in a record. `repo` and `path` build the uri
    (`repo:path`) of records that have no uri of their own, as code datasets do."""

    text: str = "text"
    uri: str = "url|uri|metadata.url"
    title: str = "title"
    authors: str = "authors|author|metadata.authors|metadata.author"
    license: str = "license|metadata.license"
    date: str = "date|created|metadata.date"
    version: str = "version"
    id: str = "id"
    collection: str = "source"
    repo: str = ""
    path: str = ""
    language: str = "language|lang"
    kind: str = "kind"
    default_kind: Kind = "text"

    @classmethod
    def parse(cls, spec: str, base: FieldMap | None = None) -> FieldMap:
        """`text=content,license=license` over `base` (default: the plain records map); a
        preset by name (`the-stack`) may come first: `the-stack,license=licenses`."""
        names = {f.name for f in fields(cls)} - {"default_kind"}
        current = base or cls()
        changes: dict[str, str] = {}
        for number, item in enumerate(part.strip() for part in spec.split(",")):
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep:
                if number == 0 and key in PRESETS:
                    current = PRESETS[key]
                    continue
                raise BadInputError(
                    f"--fields {spec!r}: {item!r} is not FIELD=COLUMN (fields: {', '.join(sorted(names))}; "
                    f"presets: {', '.join(sorted(PRESETS))})"
                )
            key, value = key.strip(), value.strip()
            if key not in names:
                raise BadInputError(f"--fields {spec!r}: unknown field {key!r}; known: {', '.join(sorted(names))}")
            changes[key] = value
        return replace(current, **changes)  # type: ignore[arg-type]  # every key is a str field

    def to_spec(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self) if f.name != "default_kind")

    def document(
        self, record: Any, where: str, fallback_uri: str, defaults: Provenance, kind: str, skips: SkipLog
    ) -> Document | None:
        """The Document of one record, or None (counted by reason) when it has no usable text."""
        if not isinstance(record, Mapping):
            skips.skip("bad record", f"{where}: a record with named fields is expected, got {type(record).__name__}")
            return None
        text = lookup(record, self.text)
        if not isinstance(text, str):
            problem = f"has no {self.text!r} field" if text is None else f"{self.text!r} is {type(text).__name__}, not a string"
            skips.skip("bad record", f"{where}: {problem} (name the text column with --fields text=COLUMN)")
            return None
        if not text.strip():
            skips.skip("empty", f"{where}: empty {self.text!r}")
            return None
        record_id = _string(lookup(record, self.id))
        uri = _string(lookup(record, self.uri))
        repo, path = _string(lookup(record, self.repo)), _string(lookup(record, self.path))
        if not uri and repo and path:
            uri = f"{repo}:{path}"
        provenance = replace(
            defaults,
            uri=uri or f"{fallback_uri}#{record_id or where.rsplit(':', 1)[-1].strip()}",
            title=_string(lookup(record, self.title)) or path or record_id,
            authors=authors_of(lookup(record, self.authors)) or defaults.authors,
            version=_string(lookup(record, self.version)) or defaults.version,
            collection=_string(lookup(record, self.collection)) or repo or defaults.collection,
            date=_string(lookup(record, self.date)) or defaults.date,
        )
        license_ = license_of(lookup(record, self.license))
        if license_:
            column = self.license.split("|")[0]
            provenance = with_license(provenance, license_, LicenseSource.RECORD_FIELD, f"{column!r} field of {where}")
        doc_kind = self.kind_of(lookup(record, self.kind), kind)
        language = _string(lookup(record, self.language)).lower()
        if doc_kind == "code" and not language:
            language = "python"
        return Document(content=text, kind=doc_kind, provenance=provenance, language=language if doc_kind == "code" else "")

    def kind_of(self, stated: Any, kind: str) -> Kind:
        if kind in ("text", "code"):
            return "code" if kind == "code" else "text"
        if stated in ("text", "code"):
            return "code" if stated == "code" else "text"
        return self.default_kind


def lookup(record: Mapping[str, Any], spec: str) -> Any:
    """The first of the `|`-separated dotted paths of `spec` that the record holds (None
    when none does; an empty spec names nothing)."""
    for choice in spec.split("|") if spec else ():
        value: Any = record
        for part in choice.strip().split("."):
            if not isinstance(value, Mapping) or part not in value:
                value = None
                break
            value = value[part]
        if value not in (None, "", [], ()):
            return value
    return None


def _string(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):  # a date or timestamp column
        return str(value.isoformat())
    return str(value)


def authors_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(a.strip() for a in value.split(",") if a.strip()) if "," in value and "@" not in value else (value,)
    if isinstance(value, Iterable):
        return tuple(str(a) for a in value if a)
    return (str(value),)


def license_of(value: Any) -> str:
    """A licence column as one expression: a list (The Stack's licences detected in the
    repository) means every one of them applies."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Iterable):
        names = [str(v).strip() for v in value if v and str(v).strip()]
        if len(names) > 1:
            return " AND ".join(f"({n})" if " " in n else n for n in names)
        return names[0] if names else ""
    return str(value)


# The Stack (bigcode/the-stack, the-stack-dedup): per-file rows with the repository of the
# most starred copy of the file, its path, the licences detected in that repository and the
# blob's hash.
THE_STACK = FieldMap(
    text="content", uri="", title="max_stars_repo_path", authors="", license="max_stars_repo_licenses",
    date="max_stars_repo_stars_event_min_datetime", version="hexsha", id="hexsha", collection="",
    repo="max_stars_repo_name", path="max_stars_repo_path", language="lang", kind="", default_kind="code",
)
# Dolma (allenai/dolma): id, text, source, added, created and a free-form metadata object
DOLMA = FieldMap(date="created|added|metadata.date", collection="source")
# The Pile and RedPajama keep their provenance under `meta`
PILE = FieldMap(uri="url|meta.url", collection="meta.pile_set_name|meta.redpajama_set_name", license="meta.license|license")

PRESETS: dict[str, FieldMap] = {"records": FieldMap(), "the-stack": THE_STACK, "dolma": DOLMA, "pile": PILE}


def detect(columns: Iterable[str], given: FieldMap | None) -> FieldMap:
    """The column map of a table: the user's, else a preset its columns identify, else the
    plain records map."""
    if given is not None:
        return given
    names = set(columns)
    if {"content", "max_stars_repo_name", "max_stars_repo_path"} <= names:
        return THE_STACK
    if "meta" in names and "text" in names:
        return PILE
    return FieldMap()
