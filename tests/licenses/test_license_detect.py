"""Detection: names, SPDX lines, license texts, folders, package metadata, Debian copyright."""

from __future__ import annotations

import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from wherefrom.licenses.detect import (
    debian_copyright,
    debian_license_for,
    license_from_package_metadata,
    license_from_text,
    license_of_distribution,
    license_of_folder,
    normalize_expression,
    spdx_identifiers_in,
)
from wherefrom.licenses.reference import reference_text

BSD_3_CLAUSE = """Copyright (c) 2019, Example Labs
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

* Redistributions of source code must retain the above copyright notice, this
  list of conditions and the following disclaimer.

* Redistributions in binary form must reproduce the above copyright notice,
  this list of conditions and the following disclaimer in the documentation
  and/or other materials provided with the distribution.

* Neither the name of Example Labs nor the names of its
  contributors may be used to endorse or promote products derived from
  this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

DEBIAN_COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: example
Source: https://example.org/example

Files: *
Copyright: 2010-2020 Jane Doe <jane@example.org>
License: Expat

Files: src/gpl/* tools/*.c
Copyright: 2001 John Roe
License: GPL-2+
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License as published by
 the Free Software Foundation; either version 2 of the License, or
 (at your option) any later version.
 .
 On Debian systems, the full text is in /usr/share/common-licenses/GPL-2.

Files: contrib/*
Copyright: public
License: public-domain

Files: vendor/*
Copyright: 2015 Someone
License: GPL-2+ or Artistic-2.0, and BSD-3-clause

Files: odd/*
Copyright: 2015 Someone
License: Frobnicate-Special

License: Expat
 Permission is hereby granted, free of charge, ...
"""


@pytest.mark.parametrize(
    ("written", "spdx"),
    [
        ("MIT License", "MIT"),
        ("MIT", "MIT"),
        ("Expat", "MIT"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("BSD", "LicenseRef-BSD-unspecified"),
        ("new BSD", "BSD-3-Clause"),
        ("GPL-2+", "GPL-2.0-or-later"),
        ("GPLv3", "GPL-3.0-only"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("public domain", "LicenseRef-public-domain"),
        ("mit or apache 2.0", "MIT OR Apache-2.0"),
        ("MIT AND (BSD-3-Clause OR Apache-2.0)", "MIT AND (BSD-3-Clause OR Apache-2.0)"),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
        ),
        ("LicenseRef-Acme-EULA", "LicenseRef-Acme-EULA"),
        ("", "NOASSERTION"),
        ("UNKNOWN", "NOASSERTION"),
        ("Frobnicate Special License", "NOASSERTION"),
        ("MIT or Frobnicate", "NOASSERTION"),
    ],
)
def test_normalize_expression(written: str, spdx: str) -> None:
    assert normalize_expression(written) == spdx


def test_spdx_identifier_lines() -> None:
    source = (
        "# SPDX-License-Identifier: MIT\n"
        "/* SPDX-License-Identifier: GPL-2.0+ */\n"
        "<!-- SPDX-License-Identifier: Apache-2.0 OR MIT -->\n"
        "// SPDX-License-Identifier: MIT\n"
        "# SPDX-License-Identifier: not a license\n"
    )
    assert spdx_identifiers_in(source) == [
        "MIT",
        "GPL-2.0-or-later",
        "Apache-2.0 OR MIT",
        "NOASSERTION",
    ]
    assert spdx_identifiers_in("no identifier here") == []


def test_bsd_3_clause_text_with_real_copyright_lines() -> None:
    spdx, score = license_from_text(BSD_3_CLAUSE)
    assert spdx == "BSD-3-Clause"
    assert score >= 0.8


def test_bsd_2_and_3_are_told_apart() -> None:
    two_clause = BSD_3_CLAUSE.replace(
        """* Neither the name of Example Labs nor the names of its
  contributors may be used to endorse or promote products derived from
  this software without specific prior written permission.
""",
        "",
    )
    assert license_from_text(two_clause)[0] == "BSD-2-Clause"


@pytest.mark.parametrize(
    "spdx",
    [
        "MIT",
        "Apache-2.0",
        "ISC",
        "GPL-3.0-only",
        "LGPL-2.1-only",
        "MPL-2.0",
        "CC0-1.0",
        "Unlicense",
    ],
)
def test_reference_texts_identify_themselves(spdx: str) -> None:
    assert license_from_text(reference_text(spdx))[0] == spdx


def test_creative_commons_legal_code_by_title() -> None:
    text = (
        "Attribution-ShareAlike 4.0 International\n\n"
        "Creative Commons Attribution-ShareAlike 4.0 International Public License\n\n"
        "By exercising the Licensed Rights (defined below), You accept and agree ..."
    )
    assert license_from_text(text) == ("CC-BY-SA-4.0", 0.9)


def test_unrecognised_text_is_none() -> None:
    assert license_from_text("All rights reserved. Do not copy this file.") is None
    assert (
        license_from_text(
            "Permission is hereby granted, free of charge, to anyone who asks nicely."
        )
        is None
    )


def test_folder_with_only_a_bsd_3_clause_license(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text(BSD_3_CLAUSE)
    nested = tmp_path / "pkg" / "sub"
    nested.mkdir(parents=True)
    spdx, evidence = license_of_folder(nested, stop_at=tmp_path)
    assert spdx == "BSD-3-Clause"
    assert str(tmp_path / "LICENSE") in evidence
    assert license_of_folder(nested, stop_at=tmp_path / "pkg") is None


def test_folder_with_an_unrecognised_license_file_stays_noassertion(tmp_path: Path) -> None:
    (tmp_path / "COPYING").write_text("Ask the author before using this.")
    spdx, evidence = license_of_folder(tmp_path, stop_at=tmp_path)
    assert spdx == "NOASSERTION"
    assert "COPYING" in evidence


def _metadata(text: str):
    return HeaderParser().parsestr(text)


def test_metadata_fields_in_order_of_precedence() -> None:
    assert license_from_package_metadata(
        _metadata("License-Expression: MIT OR Apache-2.0\nLicense: BSD\n")
    ) == ("MIT OR Apache-2.0", "package metadata License-Expression: MIT OR Apache-2.0")
    spdx, evidence = license_from_package_metadata(
        _metadata("License: UNKNOWN\nClassifier: License :: OSI Approved :: ISC License (ISCL)\n")
    )
    assert spdx == "ISC"
    assert "classifier" in evidence
    assert license_from_package_metadata(_metadata("Name: x\n"))[0] == "NOASSERTION"


def test_metadata_license_field_holding_a_whole_text() -> None:
    message = _metadata("Name: x\n")
    message["License"] = BSD_3_CLAUSE
    spdx, evidence = license_from_package_metadata(message)
    assert spdx == "BSD-3-Clause"
    assert "License field" in evidence


@pytest.mark.parametrize(
    ("name", "spdx", "field"),
    [
        ("requests", "Apache-2.0", "License: Apache 2.0"),
        ("urllib3", "MIT", "License: MIT"),
        ("rich", "MIT", "License: MIT"),
    ],
)
def test_real_wheels(downloaded_wheels: dict[str, Path], name: str, spdx: str, field: str) -> None:
    wheel = downloaded_wheels[name]
    with zipfile.ZipFile(wheel) as archive:
        metadata_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = _metadata(archive.read(metadata_name).decode())
    detected, evidence = license_from_package_metadata(metadata)
    assert detected == spdx
    assert field in evidence
    detected, evidence = license_of_distribution(wheel)
    assert detected == spdx
    assert wheel.name in evidence


def test_debian_copyright() -> None:
    stanzas = debian_copyright(DEBIAN_COPYRIGHT)
    assert stanzas == [
        ("*", "MIT"),
        ("src/gpl/* tools/*.c", "GPL-2.0-or-later"),
        ("contrib/*", "LicenseRef-public-domain"),
        ("vendor/*", "(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause"),
        ("odd/*", "NOASSERTION"),
    ]
    assert debian_license_for("src/gpl/a.c", stanzas) == (
        "GPL-2.0-or-later",
        "debian/copyright Files: src/gpl/* tools/*.c",
    )
    assert debian_license_for("README", stanzas)[0] == "MIT"
