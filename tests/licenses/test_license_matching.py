"""Licence texts found with the SPDX matching rules: variants of the normalization, template
fields, near-identical licences told apart, stacks, dual licences, NOTICE files, the real
CPython licence stack, and the copyright holders a text names."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.licenses.conftest import STDLIB, needs_stdlib_license

from wherefrom.licenses.detect import (
    copyright_holders,
    copyright_statements,
    is_license_file,
    is_notice_file,
    license_from_text,
    license_in_source,
    license_of_files,
    license_of_folder,
    read_license_text,
)
from wherefrom.licenses.matching import find_licenses, tokenize
from wherefrom.licenses.reference import reference_text, references

MIT = """MIT License

Copyright (c) 2021 Jane Doe

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def test_reference_data_is_the_spdx_list_with_its_source() -> None:
    refs = references()
    ids = {r.spdx for r in refs.references}
    assert len(ids) > 600
    assert {"MIT", "Apache-2.0", "PSF-2.0", "Python-2.0", "0BSD", "Zlib", "HPND"} <= ids
    assert "Classpath-exception-2.0" in ids
    assert refs.source["data_license"] == "CC-BY-4.0"
    assert refs.source["package"] != "unknown"


def test_normalization_follows_the_matching_guidelines() -> None:
    plain = tokenize("The licence is granted to the organisation.").words
    assert plain == tuple("the license is granted to the organization".split())
    assert tokenize("“Software”—sub-license, per cent").words == ("software", "sublicense", "percent")
    # bullets and numbering are no words; copyright lines are replaceable and dropped
    assert tokenize("1. Redistributions\n  (a) must\n* retain").words == (
        "redistributions", "must", "retain",
    )
    assert tokenize("Copyright (c) 2020 Jane\nAll rights reserved.\nPermission").words == (
        "permission",
    )
    assert tokenize("see https://x.org/").words == tokenize("see http://x.org/").words


def test_mit_variants_of_layout_still_match() -> None:
    commented = "\n".join(f"# {line}" for line in MIT.splitlines())
    shouting = MIT.upper().replace('"', "'").replace("-", "—")
    reflowed = " ".join(MIT.split()).replace("license", "licence")
    for text in (MIT, commented, shouting, reflowed):
        found = find_licenses(text)
        assert [m.spdx for m in found] == ["MIT"], text[:40]
        assert found[0].score > 0.95


def test_a_changed_licence_is_not_called_mit() -> None:
    changed = MIT.replace(
        "The above copyright notice and this permission notice shall be included in all\n"
        "copies or substantial portions of the Software.",
        "You must send the authors a postcard for every copy, and you may not use the "
        "Software for any commercial purpose whatsoever without a separate written licence "
        "signed by every author.",
    )
    assert license_from_text(changed) is None


@pytest.mark.parametrize(("left_out", "spdx"), [("", "MIT"), ("notice", "MIT-0")])
def test_mit_and_mit_0_told_apart(left_out: str, spdx: str) -> None:
    text = MIT
    if left_out:
        text = reference_text("MIT-0")
    assert license_from_text(text)[0] == spdx


def test_template_fields_filled_by_the_project() -> None:
    bsd = reference_text("BSD-3-Clause").replace(
        "the copyright holder", "the University of Examples at Nowhere"
    )
    assert license_from_text("Copyright 2020 The Regents\n\n" + bsd)[0] == "BSD-3-Clause"


def test_apache_without_its_appendix_is_apache() -> None:
    full = reference_text("Apache-2.0")
    terms = full[: full.index("END OF TERMS AND CONDITIONS") + len("END OF TERMS AND CONDITIONS")]
    assert license_from_text(terms)[0] == "Apache-2.0"


def test_a_stack_of_two_licences_yields_both_in_order() -> None:
    text = MIT + "\n\n---- bundled code ----\n\n" + reference_text("Zlib")
    found = find_licenses(text)
    assert [m.spdx for m in found] == ["MIT", "Zlib"]
    assert found[0].end <= found[1].start
    assert read_license_text(text).expression == "MIT AND Zlib"


def test_one_file_stating_a_choice_is_or() -> None:
    text = (
        "This project is dual licensed: you may use it under the terms of either the MIT "
        "license or the Apache License 2.0, at your option.\n\n"
        + MIT
        + "\n\n"
        + reference_text("Apache-2.0")
    )
    read = read_license_text(text)
    assert read.expression == "MIT OR Apache-2.0"
    assert read.choice


def test_gpl_with_its_exception() -> None:
    text = reference_text("GPL-2.0-only") + "\n\n" + reference_text("Classpath-exception-2.0")
    assert read_license_text(text).expression == "GPL-2.0-only WITH Classpath-exception-2.0"


def test_license_apache_and_license_mit_side_by_side_are_a_choice() -> None:
    spdx, evidence = license_of_files(
        [("LICENSE-APACHE", reference_text("Apache-2.0")), ("LICENSE-MIT", MIT)]
    )
    assert spdx == "Apache-2.0 OR MIT"
    assert "choice" in evidence


def test_a_statement_file_naming_the_texts_beside_it() -> None:
    statement = (
        "This software is made available under the terms of *either* of the licenses\n"
        "found in LICENSE.APACHE or LICENSE.BSD.\n"
    )
    spdx, evidence = license_of_files(
        [
            ("LICENSE", statement),
            ("LICENSE.APACHE", reference_text("Apache-2.0")),
            ("LICENSE.BSD", reference_text("BSD-2-Clause")),
        ]
    )
    assert spdx == "Apache-2.0 OR BSD-2-Clause"
    assert "LICENSE (states a choice" in evidence


def test_two_unrelated_licence_files_are_and(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text(MIT)
    (tmp_path / "LICENSE.zlib").write_text(reference_text("Zlib"))
    spdx, _ = license_of_folder(tmp_path, stop_at=tmp_path)
    assert spdx in {"MIT AND Zlib", "Zlib AND MIT"}


def test_a_notice_file_decides_nothing_but_is_named(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text(reference_text("Apache-2.0"))
    (tmp_path / "NOTICE").write_text("Example\nCopyright 2019 Example Corp.\n")
    spdx, evidence = license_of_folder(tmp_path, stop_at=tmp_path)
    assert spdx == "Apache-2.0"
    assert "NOTICE (NOTICE file" in evidence


def test_license_file_names() -> None:
    for name in ("LICENSE", "LICENSE.txt", "licence.md", "COPYING.LESSER", "LICENSE-MIT",
                 "pkg/UNLICENSE", "a\\b\\License.rst", "MIT-LICENSE.txt", "apache-2.0.LICENSE"):
        assert is_license_file(name), name
    for name in ("NOTICE", "README", "license_test.py.orig/x", "src/licenses.py/README",
                 "check_license.py", "relicensed.c"):
        assert not is_license_file(name), name
    assert is_notice_file("NOTICE.txt") and not is_notice_file("LICENSE")


def test_licence_in_a_source_header() -> None:
    source = "\n".join(f"# {line}" for line in MIT.splitlines()) + "\n\nimport os\n"
    found = license_in_source(source)
    assert found is not None and found.expression == "MIT"
    spdx_line = license_in_source("# SPDX-License-Identifier: Apache-2.0\nx = 1\n")
    assert spdx_line is not None and spdx_line.expression == "Apache-2.0"
    assert license_in_source("def f():\n    return 1\n") is None


def test_copyright_holders() -> None:
    text = (
        "# SPDX-FileCopyrightText: 2021 Taneli Hukkinen\n"
        "# SPDX-FileCopyrightText: © 2022 Jane Doe <jane@example.org>\n"
        "/* Copyright (c) 2008-2020 Andrey Petrov and contributors. */\n"
        "Copyright 2019, Example Labs. All rights reserved.\n"
        "The above copyright notice and this permission notice shall be included\n"
        "Copyright (c) <year> <copyright holders>\n"
    )
    assert copyright_holders(text) == (
        "Taneli Hukkinen",
        "Jane Doe",
        "Andrey Petrov and contributors",
        "Example Labs",
    )
    assert copyright_statements(text)[2] == "Copyright (c) 2008-2020 Andrey Petrov and contributors."


@needs_stdlib_license
def test_cpython_license_stack_reads_psf_2() -> None:
    read = read_license_text((STDLIB / "LICENSE.txt").read_text(encoding="utf-8"))
    assert read.expression == "PSF-2.0"
    assert read.stack == "PSF licence stack"
    assert {m.spdx for m in read.matches} & {"Python-2.0", "Python-2.0.1"}
    assert "BeOpen, CNRI and CWI" in read.evidence


@needs_stdlib_license
def test_the_standard_library_folder_is_psf_2_with_its_other_licences_in_place() -> None:
    spdx, evidence = license_of_folder(STDLIB / "json", stop_at=STDLIB.parent)
    assert spdx == "PSF-2.0"
    assert "LICENSE.txt" in evidence and "PSF licence stack" in evidence
    # files of the standard library that carry another licence say so in their head
    tomllib = license_in_source((STDLIB / "tomllib" / "_parser.py").read_text(encoding="utf-8"))
    assert tomllib is not None and tomllib.expression == "MIT"
    sqlite = license_in_source((STDLIB / "sqlite3" / "__init__.py").read_text(encoding="utf-8"))
    assert sqlite is not None and sqlite.expression == "Zlib"
    assert license_in_source((STDLIB / "json" / "decoder.py").read_text(encoding="utf-8")) is None
    profile = license_in_source((STDLIB / "profile.py").read_text(encoding="utf-8"))
    assert profile is not None and profile.expression == "Apache-2.0"


APACHE_HEADER = """# Copyright 2024 Example Corp.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

import os
"""

GPL_2_PLUS_NOTICE = """This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.
"""


def test_apache_header_of_a_source_file() -> None:
    found = license_in_source(APACHE_HEADER)
    assert found is not None and found.expression == "Apache-2.0"
    assert all(m.is_notice for m in found.matches)


def test_gnu_notices_keep_their_version_and_grant() -> None:
    assert license_from_text(GPL_2_PLUS_NOTICE)[0] == "GPL-2.0-or-later"
    only = GPL_2_PLUS_NOTICE.replace(
        "either version 2 of the License, or\n(at your option) any later version",
        "version 2 of the License",
    )
    assert license_from_text(only)[0] == "GPL-2.0-only"
    three = GPL_2_PLUS_NOTICE.replace("version 2", "version 3")
    assert license_from_text(three)[0] == "GPL-3.0-or-later"
    lesser = GPL_2_PLUS_NOTICE.replace("GNU General", "GNU Lesser General").replace(
        "version 2", "version 2.1"
    )
    assert license_from_text(lesser)[0] == "LGPL-2.1-or-later"


def test_a_gpl_text_with_an_or_later_notice_is_or_later() -> None:
    text = GPL_2_PLUS_NOTICE + "\n\n" + reference_text("GPL-2.0-only")
    assert read_license_text(text).expression == "GPL-2.0-or-later"


def test_an_exception_goes_with_the_licence_it_modifies() -> None:
    llvm = reference_text("Apache-2.0") + "\n\n" + reference_text("LLVM-exception")
    assert read_license_text(llvm).expression == "Apache-2.0 WITH LLVM-exception"
    # a runtime exception shipped beside a BSD licence modifies nothing there
    stray = reference_text("BSD-3-Clause") + "\n\n" + reference_text("GCC-exception-3.1")
    assert read_license_text(stray).expression == "BSD-3-Clause"


def test_copying_with_the_gpl_beside_an_or_later_notice_file() -> None:
    spdx, _ = license_of_files(
        [("COPYING", reference_text("GPL-2.0-only")), ("LICENSE", GPL_2_PLUS_NOTICE)]
    )
    assert spdx == "GPL-2.0-or-later"
