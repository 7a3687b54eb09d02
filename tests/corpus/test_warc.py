"""WARC and WET files of real pages (the Python documentation from Debian's python3-doc),
written with warcio: each page's URL, date and title in its provenance, and the opt-outs
its headers, its HTML and its host's robots.txt state, with their evidence."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from tests.extras import require_extra

from wherefrom.build import build_index
from wherefrom.check import check
from wherefrom.config import CheckOptions
from wherefrom.corpus import SkipLog
from wherefrom.corpus.optout import OptOutList, RobotsRules
from wherefrom.corpus.warc import read_warc
from wherefrom.index import Index
from wherefrom.records import Provenance

warcio = require_extra("corpora", "warcio")

DATE = "2024-03-01T12:00:00Z"
DOCS = "https://docs.python.org/3.11/"
ROBOTS = "User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /3.11/library/\n\nUser-agent: *\nAllow: /\n"


def _response(writer, uri: str, body: bytes, headers: list[tuple[str, str]], status: str = "200 OK"):
    from warcio.statusandheaders import StatusAndHeaders

    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict={"WARC-Date": DATE}
    )
    writer.write_record(record)


def _html(root: Path, page: str) -> bytes:
    return (root / page).read_bytes()


def with_noai_meta(html: bytes) -> bytes:
    return html.replace(b"<head>", b'<head>\n<meta name="robots" content="noai, noimageai">', 1)


def with_tdm_meta(html: bytes) -> bytes:
    return html.replace(b"<head>", b'<head>\n<meta name="tdm-reservation" content="1">', 1)


@pytest.fixture
def crawl(tmp_path: Path, python_doc_html: Path) -> Path:
    """A crawl of five real documentation pages: one under a robots.txt rule for GPTBot and
    CCBot, one with a `noai` meta tag, one with a TDMRep meta tag, one with X-Robots-Tag and
    tdm-reservation headers, one with no reservation; and a 404 and an image, skipped."""
    from warcio.warcwriter import WARCWriter

    html = [("Content-Type", "text/html; charset=utf-8")]
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        _response(writer, DOCS + "library/json.html", _html(python_doc_html, "library/json.html"), html)
        _response(writer, DOCS + "tutorial/index.html", with_noai_meta(_html(python_doc_html, "tutorial/index.html")), html)
        _response(writer, DOCS + "howto/sorting.html", with_tdm_meta(_html(python_doc_html, "howto/sorting.html")), html)
        _response(writer, "https://mirror.example.net/library/re.html", _html(python_doc_html, "library/re.html"),
                  [*html, ("X-Robots-Tag", "noai"), ("tdm-reservation", "1"), ("tdm-policy", "https://mirror.example.net/policy.json")])
        _response(writer, "https://mirror.example.net/howto/logging.html", _html(python_doc_html, "howto/logging.html"), html)
        _response(writer, "https://mirror.example.net/missing.html", b"<html>gone</html>", html, status="404 Not Found")
        _response(writer, "https://mirror.example.net/logo.png", b"\x89PNG\r\n\x1a\n", [("Content-Type", "image/png")])
        # robots.txt comes last: the first pass finds it wherever it lies
        _response(writer, "https://docs.python.org/robots.txt", ROBOTS.encode(), [("Content-Type", "text/plain")])
    return path


def _by_uri(path: Path) -> tuple[dict, SkipLog]:
    skips = SkipLog()
    documents = {d.provenance.uri: d for d in read_warc(path, Provenance(), "auto", skips)}
    return documents, skips


def test_each_record_keeps_its_url_date_and_title(crawl: Path) -> None:
    documents, skips = _by_uri(crawl)
    json_page = documents[DOCS + "library/json.html"]
    assert json_page.provenance.date == DATE
    assert json_page.provenance.title.startswith("json — JSON encoder and decoder")
    assert "json.dumps" in json_page.content and "<div" not in json_page.content
    assert json_page.provenance.collection == "crawl.warc.gz"
    assert skips.counts == {"HTTP status 404": 1, "not text": 1}
    assert len(documents) == 5  # robots.txt is a rule, not a work


def test_opt_outs_are_recorded_with_their_evidence(crawl: Path) -> None:
    documents, _ = _by_uri(crawl)

    def signals(uri: str) -> dict[str, str]:
        return {o.signal: o.evidence for o in documents[uri].provenance.opt_outs}

    robots = signals(DOCS + "library/json.html")
    assert set(robots) == {"robots-txt"}
    assert robots["robots-txt"] == "https://docs.python.org/robots.txt: User-agent gptbot, ccbot: Disallow: /3.11/library/"
    noai = signals(DOCS + "tutorial/index.html")
    assert noai == {"meta-robots": f'{DOCS}tutorial/index.html: <meta name="robots" content="noai, noimageai">'}
    assert set(signals(DOCS + "howto/sorting.html")) == {"meta-tdm-reservation"}
    headers = signals("https://mirror.example.net/library/re.html")
    assert headers["x-robots-tag"].endswith("HTTP header X-Robots-Tag: noai")
    assert "tdm-policy https://mirror.example.net/policy.json" in headers["tdm-reservation"]
    assert signals("https://mirror.example.net/howto/logging.html") == {}  # no rule for its host


def test_a_wet_file_gives_the_extracted_text_with_url_and_date(tmp_path: Path, python_doc_html: Path) -> None:
    from warcio.warcwriter import WARCWriter

    text = (python_doc_html / "_sources" / "library" / "json.rst.txt")
    body = text.read_bytes() if text.exists() else b"JSON encoder and decoder, the json module of the standard library."
    path = tmp_path / "crawl.warc.wet.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        record = writer.create_warc_record(
            DOCS + "library/json.html", "conversion", payload=io.BytesIO(body),
            warc_content_type="text/plain", warc_headers_dict={"WARC-Date": DATE},
        )
        writer.write_record(record)
    documents, skips = _by_uri(path)
    page = documents[DOCS + "library/json.html"]
    assert page.provenance.date == DATE and page.content == body.decode("utf-8")
    assert skips.total == 0


def test_a_truncated_warc_keeps_what_it_read_and_says_so(crawl: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.warc.gz"
    data = crawl.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    documents, skips = _by_uri(cut)
    assert documents and skips.counts["truncated or corrupt WARC"] == 1


def test_index_flags_or_excludes_opted_out_pages_and_check_names_the_page(crawl: Path, tmp_path: Path, python_doc_html: Path) -> None:
    flagged = build_index([crawl], tmp_path / "flagged")
    assert flagged.documents == 5 and flagged.opted_out == 4
    excluded = build_index([crawl], tmp_path / "excluded", exclude_opted_out=True)
    assert excluded.documents == 1 and excluded.skipped["opted out"] == 4
    with Index.open(tmp_path / "flagged") as index:
        rows = {row.provenance.uri: row for row in index.documents()}
        assert rows[DOCS + "tutorial/index.html"].provenance.opt_outs[0].signal == "meta-robots"
        assert rows[DOCS + "library/json.html"].provenance.date == DATE
        page = index.text(rows["https://mirror.example.net/howto/logging.html"].doc_id) or ""
        passage = page[len(page) // 3 : len(page) // 3 + 600]
        report = check(index, passage, options=CheckOptions(kind="text"))
        assert report.matches[0].source is not None
        assert report.matches[0].source.uri == "https://mirror.example.net/howto/logging.html"


def test_the_users_opt_out_list_flags_domains_prefixes_and_authors(tmp_path: Path) -> None:
    listing = tmp_path / "opt-out.txt"
    listing.write_text("# takedown requests\nexample.net\nhttps://docs.python.org/3.11/howto/\nauthor: Ada Lovelace\n")
    parsed = OptOutList.read(listing)
    assert parsed.opt_outs("https://mirror.example.net/re.html", ())[0].evidence == f"{listing}:2: domain example.net"
    assert parsed.opt_outs(DOCS + "howto/sorting.html", ())[0].evidence.endswith("URL prefix https://docs.python.org/3.11/howto/")
    assert parsed.opt_outs("file.txt", ("ada lovelace",))[0].evidence.endswith("author ada lovelace")
    assert parsed.opt_outs(DOCS + "library/json.html", ("Someone",)) == []


def test_robots_rules_follow_rfc_9309_longest_match() -> None:
    rules = RobotsRules.parse(
        "User-agent: Google-Extended\nDisallow: /\nAllow: /public/\n\nUser-agent: Googlebot\nDisallow: /\n",
        "example.org", "https://example.org/robots.txt",
    )
    assert rules.opt_outs("https://example.org/public/a.html") == []
    assert [o.signal for o in rules.opt_outs("https://example.org/private/a.html")] == ["robots-txt"]
    assert len(rules.groups) == 1  # Googlebot (search) is no AI crawler


def test_a_record_over_the_size_limit_is_skipped_while_read(crawl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wherefrom.corpus import warc

    monkeypatch.setattr(warc, "MAX_DOCUMENT_BYTES", 100_000)
    documents, skips = _by_uri(crawl)
    assert skips.counts["too large"] == 3  # json.html, re.html and logging.html are larger
    assert DOCS + "tutorial/index.html" in documents
