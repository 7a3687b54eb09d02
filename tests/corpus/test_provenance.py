"""The licence precedence rule, pinned as a matrix of readers × places that state a licence:
`--license` default < a folder's LICENSE file < package metadata < a folder metadata row <
an image sidecar < the file's SPDX line < a record's field < `--license-override`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.extras import require_extra

from wherefrom.build import build_index
from wherefrom.corpus.provenance import build_defaults, with_license
from wherefrom.errors import BadInputError
from wherefrom.index import Index
from wherefrom.records import NOASSERTION, LicenseSource, Provenance

MIT_TEXT = (Path(__file__).resolve().parents[2] / "examples" / "corpus" / "statkit" / "LICENSE").read_text()
PROSE = "The river bends twice below the mill before it widens into the slow brown reach.\n"


def licences(tmp_path: Path, sources: list[Path], **defaults: object) -> dict[str, tuple[str, LicenseSource]]:
    """title -> (licence, source) of every indexed document."""
    index_dir = tmp_path / "idx"
    build_index(sources, index_dir, defaults=build_defaults(**defaults))  # type: ignore[arg-type]
    with Index.open(index_dir) as index:
        return {r.provenance.title: (r.provenance.license, r.provenance.license_source) for r in index.documents()}


def test_a_higher_source_replaces_a_lower_one_and_never_the_reverse() -> None:
    base = Provenance()
    folder = with_license(base, "MIT", LicenseSource.FOLDER_FILE, "LICENSE")
    line = with_license(folder, "Apache-2.0", LicenseSource.SPDX_LINE, "SPDX line")
    assert (line.license, line.license_source) == ("Apache-2.0", LicenseSource.SPDX_LINE)
    assert with_license(line, "GPL-3.0-only", LicenseSource.FOLDER_FILE, "LICENSE") == line


def test_a_statement_naming_no_licence_never_displaces_one() -> None:
    default = build_defaults("MIT")
    assert with_license(default, "all rights reserved, ask us", LicenseSource.FOLDER_FILE, "x") == default
    unknown = with_license(Provenance(), "see the web site", LicenseSource.FOLDER_FILE, "LICENSE (not recognised)")
    assert unknown.license == NOASSERTION and unknown.license_evidence == "LICENSE (not recognised)"


def test_names_are_normalized_to_spdx() -> None:
    assert with_license(Provenance(), "MIT License", LicenseSource.SIDECAR, "sidecar").license == "MIT"
    assert with_license(Provenance(), "Apache 2.0", LicenseSource.RECORD_FIELD, "field").license == "Apache-2.0"


@given(st.lists(st.sampled_from(list(LicenseSource)[1:]), min_size=1, max_size=8))
def test_the_highest_source_decides_whatever_the_order(order: list[LicenseSource]) -> None:
    spdx = {s: ["MIT", "Apache-2.0", "BSD-3-Clause", "ISC", "Zlib", "0BSD", "Unlicense", "MPL-2.0"][s - 1] for s in LicenseSource if s}
    provenance = Provenance()
    for source in order:
        provenance = with_license(provenance, spdx[source], source, source.name)
    assert provenance.license_source == max(order) and provenance.license == spdx[max(order)]


def test_bad_license_flag_is_refused() -> None:
    with pytest.raises(BadInputError, match="not an SPDX license expression"):
        build_defaults("no such licence")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "pkg").mkdir(parents=True)
    (corpus / "pkg" / "LICENSE").write_text(MIT_TEXT)
    (corpus / "pkg" / "plain.py").write_text("def plain():\n    return 'no header here, just code'\n")
    (corpus / "pkg" / "tagged.py").write_text("# SPDX-License-Identifier: Apache-2.0\ndef tagged():\n    return 2\n")
    (corpus / "odd").mkdir()
    (corpus / "odd" / "LICENSE.txt").write_text("Use it as you like, but tell grandma.\n")
    (corpus / "odd" / "notes.txt").write_text(PROSE)
    return corpus


def test_folder_file_and_spdx_line_beat_the_default(tmp_path: Path, folder: Path) -> None:
    found = licences(tmp_path, [folder], license="BSD-3-Clause")
    assert found["pkg/plain.py"] == ("MIT", LicenseSource.FOLDER_FILE)
    assert found["pkg/tagged.py"] == ("Apache-2.0", LicenseSource.SPDX_LINE)


def test_an_unrecognised_license_file_leaves_the_default(tmp_path: Path, folder: Path) -> None:
    found = licences(tmp_path, [folder], license="BSD-3-Clause")
    assert found["odd/notes.txt"] == ("BSD-3-Clause", LicenseSource.DEFAULT)


def test_the_override_beats_what_files_say(tmp_path: Path, folder: Path) -> None:
    found = licences(tmp_path, [folder], license="CC0-1.0", override=True)
    assert {value for value in found.values()} == {("CC0-1.0", LicenseSource.OVERRIDE)}


def test_record_field_beats_default_and_yields_to_override(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps({"text": PROSE, "title": "one", "license": "MIT License"}) + "\n"
                       + json.dumps({"text": PROSE + " Again.", "title": "two"}) + "\n")
    found = licences(tmp_path, [records], license="Apache-2.0")
    assert found == {"one": ("MIT", LicenseSource.RECORD_FIELD), "two": ("Apache-2.0", LicenseSource.DEFAULT)}
    (tmp_path / "idx2").mkdir()
    overridden = licences(tmp_path / "idx2", [records], license="Zlib", override=True)
    assert overridden["one"] == ("Zlib", LicenseSource.OVERRIDE)


def test_package_metadata_beats_default_and_yields_to_spdx_line_and_override(tmp_path: Path) -> None:
    wheel = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo_pkg/__init__.py", "def hello():\n    return 'hello'\n")
        archive.writestr("demo_pkg/vendored.py", "# SPDX-License-Identifier: ISC\nX = 1\n")
        archive.writestr("demo_pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nLicense: MIT\n")
    found = licences(tmp_path, [wheel], license="Apache-2.0")
    assert found["demo_pkg/__init__.py"] == ("MIT", LicenseSource.PACKAGE_METADATA)
    assert found["demo_pkg/vendored.py"] == ("ISC", LicenseSource.SPDX_LINE)
    (tmp_path / "o").mkdir()
    assert licences(tmp_path / "o", [wheel], license="Zlib", override=True)["demo_pkg/__init__.py"] == (
        "Zlib", LicenseSource.OVERRIDE)


def _image_folder(tmp_path: Path) -> Path:
    pil_image = require_extra("image", "PIL.Image")
    import numpy as np

    corpus = tmp_path / "images"
    corpus.mkdir()
    rng = np.random.default_rng(1)
    for name in ("a", "b"):
        pil_image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(corpus / f"{name}.png")
    (corpus / "metadata.csv").write_text("file_name,title,license\na.png,A,CC-BY-4.0\nb.png,B,CC-BY-4.0\n")
    (corpus / "b.png.json").write_text(json.dumps({"title": "B", "license": "MIT License"}))
    return corpus


def test_image_sidecar_beats_metadata_row_and_is_normalized(tmp_path: Path) -> None:
    found = licences(tmp_path, [_image_folder(tmp_path)], license="Apache-2.0")
    assert found["A"] == ("CC-BY-4.0", LicenseSource.FOLDER_METADATA)
    # "MIT License" used to be kept as written, its terms unknown: every copy was "restricted"
    assert found["B"] == ("MIT", LicenseSource.SIDECAR)


def test_license_override_beats_an_image_sidecar(tmp_path: Path) -> None:
    found = licences(tmp_path, [_image_folder(tmp_path)], license="CC0-1.0", override=True)
    assert found["B"] == ("CC0-1.0", LicenseSource.OVERRIDE)


def test_installed_packages_do_not_inherit_the_installation_licence(tmp_path: Path) -> None:
    """A Python installation's LICENSE.txt is the standard library's, not its site-packages'."""
    lib = tmp_path / "python3.11"
    (lib / "site-packages" / "thirdparty").mkdir(parents=True)
    (lib / "LICENSE.txt").write_text(MIT_TEXT)
    (lib / "os_like.py").write_text("def stdlib_function():\n    return 'from the standard library'\n")
    (lib / "site-packages" / "thirdparty" / "mod.py").write_text("def theirs():\n    return 'someone else wrote this'\n")
    found = licences(tmp_path, [lib])
    assert found["os_like.py"] == ("MIT", LicenseSource.FOLDER_FILE)
    assert found["site-packages/thirdparty/mod.py"][0] == "NOASSERTION"


def test_a_licence_in_a_files_header_and_its_copyright_holder(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "LICENSE").write_text(MIT_TEXT)
    (corpus / "vendored.py").write_text(
        "# SPDX-FileCopyrightText: 2021 Jane Doe <jane@example.org>\n# SPDX-License-Identifier: Zlib\n"
        "def vendored():\n    return 'borrowed code'\n")
    index_dir = tmp_path / "idx"
    build_index([corpus], index_dir, defaults=build_defaults())
    with Index.open(index_dir) as index:
        row = next(r for r in index.documents() if r.provenance.title == "vendored.py")
    assert row.provenance.license == "Zlib" and row.provenance.authors == ("Jane Doe",)
