"""WARC and WET files (Common Crawl and every web archive): one Document per response,
resource or conversion record, with the record's URL and date as provenance and the
opt-outs its HTTP headers, its HTML and its host's robots.txt state.

A first pass over the file collects the robots.txt responses it holds, so a rule for an AI
crawler applies to every URL of the same host, wherever in the file it lies.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from wherefrom.corpus.base import MAX_DOCUMENT_BYTES, SkipLog
from wherefrom.corpus.html import license_of_link, parse_html
from wherefrom.corpus.optout import MAX_ROBOTS_BYTES, RobotsRules, header_opt_outs, host_of, meta_opt_outs
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import require
from wherefrom.records import Document, Kind, LicenseSource, OptOut, Provenance

WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".warc.wet.gz", ".arc", ".arc.gz")
_CONTENT = ("response", "resource", "conversion")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def _archive_iterator() -> Any:
    return require("warcio.archiveiterator", "reading WARC files", "corpora").ArchiveIterator


def _records(path: Path, skips: SkipLog) -> Iterator[Any]:
    """The records of a WARC file; a truncated or corrupt file ends the iteration, counted."""
    iterator = _archive_iterator()
    try:
        with path.open("rb") as stream:
            yield from iterator(stream, arc2warc=True, check_digests=True)
    except Exception as error:  # warcio raises ArchiveLoadFailed, EOFError, zlib.error, ValueError
        skips.skip("truncated or corrupt WARC", f"{path}: {error.__class__.__name__}: {error}")


def _payload(record: Any, limit: int, where: str, skips: SkipLog) -> bytes | None:
    """At most `limit` bytes of the record's payload (decoded from its transfer and content
    encodings); None (counted) when it holds more, ends before its Content-Length (a
    truncated file) or does not match its WARC-Payload-Digest."""
    data = record.content_stream().read(limit + 1)
    if len(data) > limit:
        skips.skip("too large", f"{where}: more than {limit} bytes")
        return None
    if getattr(record.raw_stream, "limit", 0) > 0:
        skips.skip("truncated or corrupt WARC", f"{where}: ends {record.raw_stream.limit} bytes before its Content-Length")
        return None
    if record.digest_checker.passed is False:
        skips.skip("truncated or corrupt WARC", f"{where}: payload does not match its WARC-Payload-Digest")
        return None
    return data


def _robots_rules(path: Path, skips: SkipLog) -> dict[str, RobotsRules]:
    rules: dict[str, RobotsRules] = {}
    for record in _records(path, SkipLog()):  # the second pass counts what is wrong
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.rec_type != "response" or not uri.split("?", 1)[0].endswith("/robots.txt"):
            continue
        status = record.http_headers.get_statuscode() if record.http_headers else "200"
        if status != "200":
            continue
        data = record.content_stream().read(MAX_ROBOTS_BYTES)
        host = host_of(uri)
        if host:
            rules[host] = RobotsRules.parse(data.decode("utf-8", "replace"), host, uri)
    return rules


def _decode(data: bytes, content_type: str) -> str | None:
    """Text of a payload in the charset its Content-Type (or an HTML meta tag) names, UTF-8
    when none is named; None when it does not decode."""
    found = _CHARSET.search(content_type) or _CHARSET.search(data[:2048].decode("ascii", "replace"))
    charset = found.group(1) if found else "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    try:
        return data.decode(charset)
    except UnicodeDecodeError:
        return None


def read_warc(path: Path, defaults: Provenance, kind: str, skips: SkipLog) -> Iterator[Document]:
    """Every text or HTML record of a WARC/WET file as a Document (HTML as its visible text)."""
    robots = _robots_rules(path, skips)
    base = replace(defaults, collection=defaults.collection or path.name)
    for number, record in enumerate(_records(path, skips), start=1):
        if record.rec_type not in _CONTENT:
            continue
        uri = record.rec_headers.get_header("WARC-Target-URI") or f"{path}#record {number}"
        where = f"{path}: record {number} ({uri})"
        if uri.split("?", 1)[0].endswith("/robots.txt"):
            continue  # a rule for crawlers, applied to its host's pages, not a work
        document = _document(record, uri, where, base, kind, skips)
        if document is None:
            continue
        found = robots.get(host_of(uri))
        if found is not None:
            extra = found.opt_outs(uri)
            if extra:
                provenance = replace(document.provenance, opt_outs=(*document.provenance.opt_outs, *extra))
                document = replace(document, provenance=provenance)
        yield document


def _document(record: Any, uri: str, where: str, base: Provenance, kind: str, skips: SkipLog) -> Document | None:
    headers: list[tuple[str, str]] = []
    content_type = record.rec_headers.get_header("Content-Type") or ""
    if record.rec_type == "response":
        if record.http_headers is None:
            skips.skip("bad record", f"{where}: a response record without HTTP headers")
            return None
        status = record.http_headers.get_statuscode()
        if not status.startswith("2"):
            skips.skip(f"HTTP status {status}", f"{where}: HTTP status {status}")
            return None
        headers = list(record.http_headers.headers)
        content_type = record.http_headers.get_header("Content-Type") or ""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime and not (mime.startswith("text/") or mime in _HTML_TYPES):
        skips.skip("not text", f"{where}: Content-Type {mime}")
        return None
    data = _payload(record, MAX_DOCUMENT_BYTES, where, skips)
    if data is None:
        return None
    text = _decode(data, content_type)
    if text is None:
        skips.skip("invalid text", f"{where}: does not decode as {content_type or 'UTF-8'}")
        return None
    provenance = replace(
        base, uri=uri, title=uri, date=record.rec_headers.get_header("WARC-Date") or "",
        opt_outs=tuple(header_opt_outs(headers, uri)),
    )
    if mime in _HTML_TYPES or (not mime and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))):
        page = parse_html(text)
        text = page.text
        opt_outs: tuple[OptOut, ...] = (*provenance.opt_outs, *meta_opt_outs(page.meta, uri))
        provenance = replace(provenance, title=page.title or uri, opt_outs=opt_outs)
        for href in page.license_links:
            spdx = license_of_link(href)
            if spdx is not None:
                provenance = with_license(provenance, spdx, LicenseSource.SPDX_LINE, f'{uri}: <link rel="license" href="{href}">')
                break
    if not text.strip():
        skips.skip("empty", f"{where}: no text")
        return None
    doc_kind: Kind = "code" if kind == "code" else "text"
    return Document(content=text, kind=doc_kind, provenance=provenance)
