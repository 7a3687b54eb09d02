"""WebDataset tar shards: the members of one sample share a key (`000123.jpg`,
`000123.txt`, `000123.json`) and lie next to each other. An image or score member becomes a
Document of its kind (its caption as title), a sample of text alone (or audio, which is
checked and never indexed, with its transcript) becomes a text Document; the `.json` member
gives the provenance through the column map (`url`, `license`, `author`, ...)."""

from __future__ import annotations

import json
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath

from wherefrom import kinds
from wherefrom.archive import members as archive_members
from wherefrom.corpus.base import MAX_DOCUMENT_BYTES, SkipLog
from wherefrom.corpus.fields import FieldMap, lookup
from wherefrom.errors import BadInputError, MissingExtraError
from wherefrom.records import Document, Provenance

SHARD_SUFFIXES = (".tar", ".tar.gz", ".tgz")
TEXT_MEMBERS = ("txt", "text", "caption")
AUDIO_MEMBERS = ("flac", "wav", "mp3", "ogg", "opus", "m4a")
_SNIFF_MEMBERS = 64

# The metadata LAION, DataComp and most WebDataset image sets carry in each sample's JSON
WEBDATASET_FIELDS = FieldMap(
    text="text|caption", uri="url|uri|source|metadata.url", title="title|caption|key",
    authors="author|authors|creator|artist|metadata.author", license="license|licence|metadata.license",
    date="date|created|timestamp", collection="", id="key|uid|id",
)


def split_key(name: str) -> tuple[str, str]:
    """(key, extension) of a member name: the extension starts at the first dot of the last
    path component (`a/b/0001.seg.json` → (`a/b/0001`, `seg.json`)), as WebDataset splits it."""
    path = PurePosixPath(name)
    stem, _, extension = path.name.partition(".")
    return str(path.parent / stem) if str(path.parent) != "." else stem, extension.lower()


def is_shard(path: Path) -> bool:
    """Whether a tar file is a WebDataset shard: its first samples group a metadata or
    caption member with another member of the same key, and it is no Python package."""
    if not path.name.lower().endswith(SHARD_SUFFIXES):
        return False
    try:
        with tarfile.open(path) as tar:
            names = []
            for member in tar:
                names.append(member.name)
                if len(names) >= _SNIFF_MEMBERS:
                    break
    except (tarfile.TarError, OSError, EOFError):
        return False
    if any(n.endswith(("PKG-INFO", "setup.py", "pyproject.toml")) for n in names):
        return False
    samples: dict[str, set[str]] = {}
    for name in names:
        key, extension = split_key(name)
        samples.setdefault(key, set()).add(extension)
    return any(len(exts) >= 2 and exts & {"json", *TEXT_MEMBERS, "cls"} for exts in samples.values())


def _samples(path: Path, skips: SkipLog) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(key, {extension: bytes}) per sample, in shard order; members of one key must be
    adjacent, as WebDataset writes them."""
    key: str | None = None
    sample: dict[str, bytes] = {}
    try:
        for name, data in archive_members(path, MAX_DOCUMENT_BYTES):
            member_key, extension = split_key(name)
            if member_key != key and sample:
                yield key or "", sample
                sample = {}
            key = member_key
            sample[extension] = data
    except (tarfile.TarError, OSError, EOFError) as error:
        skips.skip("truncated or unreadable archive", f"{path}: {error.__class__.__name__}: {error}")
    if sample:
        yield key or "", sample


def read_shard(
    path: Path, defaults: Provenance, kind: str, skips: SkipLog, fields: FieldMap | None = None
) -> Iterator[Document]:
    column_map = fields or WEBDATASET_FIELDS
    base = replace(defaults, collection=defaults.collection or path.name)
    for key, sample in _samples(path, skips):
        where = f"{path}!/{key}"
        metadata: dict = {}
        if "json" in sample:
            try:
                loaded = json.loads(sample["json"])
            except (ValueError, UnicodeDecodeError) as error:
                skips.skip("bad record", f"{where}.json: not JSON ({error})")
                continue
            metadata = loaded if isinstance(loaded, dict) else {}
        caption = next((sample[e].decode("utf-8", "replace").strip() for e in TEXT_MEMBERS if e in sample), "")
        record = {"key": key, **metadata}
        if caption:
            record.setdefault("text", caption)
            record.setdefault("caption", caption)
        media = [(e, k) for e in sample if (k := kinds.media_kind(f"x.{e}")) is not None]
        if media:
            yield from _media_document(sample, media[0], record, where, column_map, base, skips)
            continue
        if any(e in AUDIO_MEMBERS for e in sample) and not caption:
            skips.skip("audio (checked, not indexed)", f"{where}: audio without a transcript")
            continue
        document = column_map.document(record, where, str(path), base, kind, skips)
        if document is not None:
            yield replace(document, provenance=replace(document.provenance, uri=_uri(document.provenance, record, where)))


def _uri(provenance: Provenance, record: dict, where: str) -> str:
    """A sample's own URL when its metadata names one, else its place in the shard."""
    return provenance.uri if lookup(record, WEBDATASET_FIELDS.uri) else where


def _media_document(
    sample: dict[str, bytes], media: tuple[str, str], record: dict, where: str,
    column_map: FieldMap, base: Provenance, skips: SkipLog,
) -> Iterator[Document]:
    extension, kind = media
    # the provenance of the sample, read as if its caption were the work
    described = column_map.document({**record, "text": record.get("text") or "-"}, where, where, base, "text", SkipLog())
    provenance = described.provenance if described is not None else base
    provenance = replace(provenance, uri=_uri(provenance, record, where), title=str(record.get("caption") or "")[:200] or f"{record['key']}.{extension}")
    with tempfile.TemporaryDirectory(prefix="wherefrom-wds-") as folder:
        member = Path(folder, f"sample.{extension}")
        member.write_bytes(sample[extension])
        try:
            reader = kinds.spec(kind).part("reader")
            documents = list(reader(member, provenance))
        except MissingExtraError as error:
            skips.skip(f"needs wherefrom[{error.extra}]", f"{where}.{extension}: {error}")
            return
        except BadInputError as error:
            skips.skip("corrupt media", f"{where}.{extension}: {error}")
            return
    for document in documents:
        yield replace(document, provenance=replace(document.provenance, uri=provenance.uri, title=provenance.title))
