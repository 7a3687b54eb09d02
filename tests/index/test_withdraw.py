"""Takedown without a rebuild: a withdrawn source is never shown again (check, JSON, the
service, the guard), is reported as withdrawn where a match would have named it, and leaves
the licence audit, all at once in an index that was already open."""

from __future__ import annotations

import json
import re

import pytest

from wherefrom.check import check
from wherefrom.cli import main
from wherefrom.config import CheckOptions
from wherefrom.errors import BadInputError
from wherefrom.guard.base import WITHDRAWN_LABEL, CopyGuard
from wherefrom.index.withdraw import withdraw
from wherefrom.licenses.release import license_report

POEM = (
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: "
    "Rough winds do shake the darling buds of May, And summer's lease hath all too short a date: "
    "Sometime too hot the eye of heaven shines, And often is his gold complexion dimm'd."
)
OTTERS = (
    "The quick survey of river otters in the northern valley counted forty seven animals across "
    "nine stretches of water, most of them near the old mill where the current slows and the "
    "banks are thick with willow roots that shelter their dens from the winter floods each year."
)
RECORDS = [
    {"text": POEM, "title": "Sonnet XVIII", "authors": ["William Shakespeare"],
     "uri": "https://www.gutenberg.org/ebooks/1041", "license": "CC0-1.0"},
    {"text": OTTERS, "title": "Otter survey", "authors": ["A. Field"],
     "uri": "https://example.org/otters", "license": "GPL-3.0-or-later"},
]
OPTIONS = CheckOptions(kind="text", min_tokens=10)


@pytest.fixture
def index(make_index):
    return make_index(records=RECORDS)


def _uid(index, uri: str) -> str:
    return next(row.uid for row in index.documents() if row.provenance.uri == uri)


def test_an_open_index_honours_a_withdrawal_at_once(index) -> None:
    before = check(index, "He wrote: " + OTTERS, options=OPTIONS)
    assert before.matches[0].source is not None and before.matches[0].source.title == "Otter survey"
    uid = _uid(index, "https://example.org/otters")
    done = withdraw(index.path, [uid], "takedown request 2024-17")
    assert done.withdrawn == (uid,)
    after = check(index, "He wrote: " + OTTERS, options=OPTIONS)
    match = after.matches[0]
    assert match.withdrawn and match.source is None and match.snippet == "" and match.source_span == ()
    assert after.verdict == "restricted" and after.obligations == ()
    payload = json.dumps(after.to_dict())
    assert '"withdrawn": true' in payload
    for hidden in ("Otter survey", "A. Field", "example.org/otters", "GPL-3.0", "willow"):
        assert hidden not in payload
    # the other source is untouched
    assert check(index, POEM, options=OPTIONS).matches[0].source.title == "Sonnet XVIII"


def test_the_licence_audit_leaves_withdrawn_sources_out(index) -> None:
    assert license_report(index.documents(), "MIT").incompatible
    withdraw(index.path, ["https://example.org/otters"], "")
    report = license_report(index.documents(), "MIT")
    assert not report.incompatible
    assert [g.license for g in report.groups] == ["CC0-1.0"]


def test_the_guard_blocks_a_withdrawn_source_without_naming_it(index) -> None:
    guard = CopyGuard.from_index(index, max_copy_tokens=index.config.min_tokens)
    assert guard.copies_in(OTTERS)[0].source == "Otter survey"
    withdraw(index.path, ["https://example.org/otters"])
    (hit,) = guard.copies_in(OTTERS)
    assert (hit.source, hit.uid, hit.action, hit.attribution) == (WITHDRAWN_LABEL, "", "block", "")


def test_unknown_entries_withdraw_nothing(index) -> None:
    with pytest.raises(BadInputError, match=re.escape("no document with uid or URI https://nowhere.example")):
        withdraw(index.path, ["https://example.org/otters", "https://nowhere.example"])
    assert index.withdrawals() == {}


def test_the_command_withdraws_a_list_and_check_reports_withdrawn(index, tmp_path, capsys) -> None:
    listing = tmp_path / "takedowns.txt"
    listing.write_text("# request 17\nhttps://example.org/otters\n")
    assert main(["index", "withdraw", "--index", str(index.path), "--list", str(listing), "--reason", "request 17"]) == 0
    assert "withdrew 1 source(s)" in capsys.readouterr().out
    answer = tmp_path / "answer.txt"
    answer.write_text("He wrote: " + OTTERS)
    assert main(["check", str(answer), "--index", str(index.path), "--kind", "text", "--min-tokens", "10"]) == 0
    out = capsys.readouterr().out
    assert "withdrawn source (not shown)" in out and "Otter" not in out.replace("otters", "")
    assert main(["index", "withdraw", "--index", str(index.path), "--uri", "https://example.org/otters", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["already_withdrawn"] == [_uid_of(index)]


def _uid_of(index) -> str:
    return next(row.uid for row in index.documents(include_withdrawn=True) if row.withdrawn)


def test_the_service_answers_gone_and_never_shows_the_source(index) -> None:
    pytest.importorskip("fastapi", reason="needs fastapi: pip install 'wherefrom[serve]'")
    pytest.importorskip("httpx", reason="needs httpx: pip install 'wherefrom[serve]'")
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app

    uid = _uid(index, "https://example.org/otters")
    with TestClient(create_app(index.path)) as client:
        assert client.get(f"/v1/sources/{uid}").status_code == 200
        withdraw(index.path, [uid], "request 17")
        gone = client.get(f"/v1/sources/{uid}")
        assert gone.status_code == 410 and "withdrawn" in gone.text
        report = client.post("/v1/check", json={"text": "He wrote: " + OTTERS, "kind": "text", "min_tokens": 10}).json()
        assert report["matches"][0]["withdrawn"] is True and report["matches"][0]["source"] is None
        assert "Otter survey" not in json.dumps(report)
