"""`licenses` and `attribution` over index rows, and their commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from wherefrom import cli as wherefrom_cli
from wherefrom.licenses import cli
from wherefrom.licenses.release import attribution, license_report
from wherefrom.records import Provenance

APACHE_NOTICE = "Requests\nCopyright 2019 Kenneth Reitz\n"
URLLIB3_LICENSE = (
    "MIT License\n\nCopyright (c) 2008-2020 Andrey Petrov and contributors.\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy ...\n"
)


@dataclass(frozen=True)
class Row:
    doc_id: int
    uid: str
    provenance: Provenance
    n_tokens: int
    kind: str = "code"


def _row(
    doc_id: int,
    uri: str,
    license: str,
    collection: str,
    version: str,
    authors: tuple[str, ...],
    tokens: int = 100,
) -> Row:
    provenance = Provenance(
        uri=uri,
        title=uri.rsplit("/", 1)[-1],
        authors=authors,
        license=license,
        license_evidence=f"package metadata License: {license}",
        version=version,
        collection=collection,
    )
    return Row(doc_id, f"uid{doc_id:04d}", provenance, tokens)


def corpus() -> tuple[list[Row], dict[int, str]]:
    rows = [
        _row(
            1,
            "requests-2.31.0/requests/api.py",
            "Apache-2.0",
            "requests",
            "2.31.0",
            ("Kenneth Reitz",),
            300,
        ),
        _row(
            2,
            "requests-2.31.0/requests/models.py",
            "Apache-2.0",
            "requests",
            "2.31.0",
            ("Kenneth Reitz",),
            700,
        ),
        _row(
            3, "requests-2.31.0/NOTICE", "Apache-2.0", "requests", "2.31.0", ("Kenneth Reitz",), 10
        ),
        _row(
            4,
            "urllib3-1.26.16/urllib3/poolmanager.py",
            "MIT",
            "urllib3",
            "1.26.16",
            ("Andrey Petrov",),
            500,
        ),
        _row(5, "urllib3-1.26.16/LICENSE.txt", "MIT", "urllib3", "1.26.16", ("Andrey Petrov",), 60),
        _row(6, "rich-13.4.2/rich/console.py", "MIT", "rich", "13.4.2", ("Will McGugan",), 900),
        _row(
            7,
            "readline-8.2/readline.c",
            "GPL-2.0-or-later",
            "readline",
            "8.2",
            ("Chet Ramey",),
            400,
        ),
        _row(
            8, "wiki/Some_article", "CC-BY-SA-4.0", "wiki", "rev 123", ("Wiki contributors",), 200
        ),
        _row(9, "mystery/blob.txt", "NOASSERTION", "", "", (), 50),
    ]
    texts = {3: APACHE_NOTICE, 5: URLLIB3_LICENSE}
    return rows, texts


def test_target_gpl_2_flags_apache_and_says_why() -> None:
    rows, _ = corpus()
    report = license_report(rows, "GPL-2.0-only")
    groups = {g.license: g for g in report.groups}
    assert groups["Apache-2.0"].compatibility.status == "incompatible"
    assert "GPL-2.0 section 6" in groups["Apache-2.0"].compatibility.reason
    assert (groups["Apache-2.0"].documents, groups["Apache-2.0"].tokens) == (3, 1010)
    assert groups["GPL-2.0-or-later"].compatibility.status == "compatible"
    assert groups["MIT"].compatibility.status == "compatible"
    assert {d.uid for d in report.incompatible} >= {"uid0001", "uid0002", "uid0003"}
    assert [d.uid for d in report.unknown] == ["uid0009"]
    assert report.exit_code == 1


def test_target_apache_flags_gpl() -> None:
    rows, _ = corpus()
    report = license_report(rows, "Apache-2.0")
    flagged = {d.license for d in report.incompatible}
    assert "GPL-2.0-or-later" in flagged
    assert "Apache-2.0" not in flagged and "MIT" not in flagged


def test_by_sa_into_gpl_3_is_allowed() -> None:
    rows, _ = corpus()
    report = license_report(
        [r for r in rows if r.provenance.license == "CC-BY-SA-4.0"], "GPL-3.0-only"
    )
    assert report.exit_code == 0
    assert report.groups[0].compatibility.status == "compatible"
    assert "creativecommons.org" in report.groups[0].compatibility.source


def test_attribution_content() -> None:
    rows, texts = corpus()
    credits = attribution(rows, text_of=lambda row: texts.get(row.doc_id))
    groups = {g.license: g for g in credits.groups}
    requests = groups["Apache-2.0"].credits[0]
    assert (requests.title, requests.version, requests.authors) == (
        "requests",
        "2.31.0",
        ("Kenneth Reitz",),
    )
    assert requests.notices[0].text == APACHE_NOTICE
    assert [c.title for c in groups["MIT"].credits] == ["rich", "urllib3"]
    urllib3 = groups["MIT"].credits[1]
    assert urllib3.license_texts[0].text == URLLIB3_LICENSE
    # rich brought no LICENSE file: the group carries the standard MIT text once
    assert "Permission is hereby granted" in groups["MIT"].reference_texts[0].text
    markdown = credits.to_markdown()
    for expected in (
        "## Apache-2.0",
        "**requests** 2.31.0 — Kenneth Reitz",
        "**urllib3** 1.26.16 — Andrey Petrov",
        "**rich** 13.4.2 — Will McGugan",
        "Copyright 2019 Kenneth Reitz",
        "Andrey Petrov and contributors",
        "Apache License",
        "## GPL-2.0-or-later",
        "GNU GENERAL PUBLIC LICENSE",
        "## NOASSERTION",
    ):
        assert expected in markdown, expected
    assert json.loads(credits.to_json())["licenses"][0]["license"] == "Apache-2.0"


class FakeIndex:
    def __init__(self) -> None:
        self.rows, self.texts = corpus()

    def documents(self, kind: str | None = None):
        return iter(self.rows)

    def text(self, doc_id: int) -> str | None:
        return self.texts.get(doc_id)


@pytest.fixture
def fake_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "open_index", lambda path: FakeIndex())


def test_licenses_command(
    fake_index: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert wherefrom_cli.main(["licenses", "--index", str(tmp_path), "--target", "GPL-2.0-only"]) == 1
    out = capsys.readouterr().out
    assert "Apache-2.0" in out and "incompatible" in out and "GPL-2.0 section 6" in out
    assert (
        wherefrom_cli.main(["licenses", "--index", str(tmp_path), "--target", "GPL-2.0-only", "--json"]) == 1
    )
    data = json.loads(capsys.readouterr().out)
    assert {d["license"] for d in data["incompatible"]} == {"Apache-2.0", "CC-BY-SA-4.0"}
    assert wherefrom_cli.main(["licenses", "--index", str(tmp_path), "--target", "not-a-license"]) == 2
    assert "--target" in capsys.readouterr().err


def test_attribution_command(
    fake_index: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert wherefrom_cli.main(["attribution", "--index", str(tmp_path)]) == 0
    assert "**urllib3** 1.26.16" in capsys.readouterr().out
    assert wherefrom_cli.main(["attribution", "--index", str(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {g["license"] for g in data["licenses"]} >= {"Apache-2.0", "MIT"}
