"""`licenses` and `attribution` over index rows, and their commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.licenses.conftest import needs_cyclonedx_schema, needs_osadl

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


@needs_osadl
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


@needs_osadl
def test_target_apache_flags_gpl() -> None:
    rows, _ = corpus()
    report = license_report(rows, "Apache-2.0")
    flagged = {d.license for d in report.incompatible}
    assert "GPL-2.0-or-later" in flagged
    assert "Apache-2.0" not in flagged and "MIT" not in flagged


@needs_osadl
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


@needs_osadl
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


def test_reference_text_carries_the_work_s_own_copyright_line() -> None:
    rows, texts = corpus()
    texts[6] = "# Copyright (c) 2020 Will McGugan\n\nimport sys\n"
    credits = attribution(rows, text_of=lambda row: texts.get(row.doc_id))
    mit = {g.license: g for g in credits.groups}["MIT"]
    rich = next(c for c in mit.credits if c.title == "rich")
    assert rich.copyright == ("Copyright (c) 2020 Will McGugan",)
    text = mit.reference_texts[0].text
    assert text.startswith("Copyright (c) 2020 Will McGugan\n\nPermission is hereby granted")
    assert "<year>" not in text and "<copyright holders>" not in text
    # urllib3 brought its own LICENSE.txt: that text is reproduced, not the standard one
    assert "Andrey Petrov" not in text


def test_without_a_copyright_line_the_authors_are_named() -> None:
    rows, texts = corpus()
    credits = attribution(rows, text_of=lambda row: texts.get(row.doc_id))
    mit = {g.license: g for g in credits.groups}["MIT"]
    assert mit.reference_texts[0].text.startswith("Copyright (c) Will McGugan\n\n")


def _bom(report: bool = False) -> dict:
    from wherefrom.licenses.sbom import cyclonedx

    rows, texts = corpus()
    credits = attribution(rows, text_of=lambda row: texts.get(row.doc_id))
    return cyclonedx(credits, license_report(rows, "GPL-2.0-only") if report else None)


def test_cyclonedx_components_carry_licences_and_evidence() -> None:
    bom = _bom()
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    by_name = {c["name"]: c for c in bom["components"]}
    requests = by_name["requests"]
    assert requests["version"] == "2.31.0"
    assert requests["licenses"][0]["license"]["id"] == "Apache-2.0"
    assert requests["authors"] == [{"name": "Kenneth Reitz"}]
    properties = {p["name"]: p["value"] for p in requests["properties"]}
    assert properties["wherefrom:license-evidence"] == "package metadata License: Apache-2.0"
    assert properties["wherefrom:notice"] == APACHE_NOTICE
    assert by_name["urllib3"]["licenses"][0]["license"]["text"]["content"] == URLLIB3_LICENSE
    assert "licenses" not in by_name["blob.txt"]  # NOASSERTION: no licence is claimed
    assert len({c["bom-ref"] for c in bom["components"]}) == len(bom["components"])


def test_cyclonedx_licence_choices_for_expressions() -> None:
    from wherefrom.licenses.sbom import license_choices

    assert license_choices("MIT OR Apache-2.0") == [
        {"expression": "MIT OR Apache-2.0", "acknowledgement": "concluded"}
    ]
    assert license_choices("LicenseRef-public-domain")[0]["license"]["name"] == (
        "LicenseRef-public-domain"
    )
    assert license_choices("NOASSERTION") == []


@needs_osadl
def test_cyclonedx_with_a_target_says_what_it_may_carry() -> None:
    bom = _bom(report=True)
    requests = next(c for c in bom["components"] if c["name"] == "requests")
    properties = {p["name"]: p["value"] for p in requests["properties"]}
    assert properties["wherefrom:target"] == "GPL-2.0-only"
    assert properties["wherefrom:compatibility"] == "incompatible"


@needs_cyclonedx_schema
def test_cyclonedx_validates_against_the_1_6_schema() -> None:
    import jsonschema
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(_bom()))
    assert errors is None, errors
    assert jsonschema  # the validator above runs on jsonschema


def test_attribution_command_cyclonedx(
    fake_index: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert wherefrom_cli.main(["attribution", "--index", str(tmp_path), "--format", "cyclonedx"]) == 0
    bom = json.loads(capsys.readouterr().out)
    assert bom["bomFormat"] == "CycloneDX"
    assert any(c["name"] == "rich" for c in bom["components"])


def test_authors_from_spdx_file_copyright_text_when_provenance_names_none() -> None:
    row = _row(20, "tomli/_parser.py", "MIT", "tomli", "2.0.1", ())
    text = "# SPDX-License-Identifier: MIT\n# SPDX-FileCopyrightText: 2021 Taneli Hukkinen\n"
    credits = attribution([row], text_of=lambda r: text)
    credit = credits.groups[0].credits[0]
    assert credit.authors == ("Taneli Hukkinen",)
    assert credit.copyright == ("Copyright 2021 Taneli Hukkinen",)
    assert "**tomli** 2.0.1 — Taneli Hukkinen" in credits.to_markdown()
    assert credits.groups[0].reference_texts[0].text.startswith("Copyright 2021 Taneli Hukkinen\n")
