"""The reference texts detection compares files with: every licence and exception of the SPDX
licence list, and the licence notices ScanCode knows for them ("Licensed under the Apache
License, Version 2.0 ...", "either version 2 of the License, or ..."), as packaged in
ScanCode's licence database, with their token ids.

`references()` loads them once per process from data/licenses/spdx/. The data is generated,
never edited by hand: `python -m wherefrom.licenses.reference --from DIR` reads the
`licensedcode/data/licenses` folder (and the `rules` folder beside it) of an installed
`scancode-toolkit` (or `licensedcode-data`) and rewrites it, recording the package and
version it came from.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.errors import BadInputError

DATA_FORMAT = 3
DATA_FOLDER = ("data", "licenses", "spdx")
TEXTS_FILE = "licenses.json.gz"
TOKENS_FILE = "tokens.npz"
# A notice shorter than this says too little to name a licence by itself ("MIT licensed").
MIN_NOTICE_WORDS = 20
_NAMES_A_LICENSE = re.compile(r"licen[cs]|\bgpl\b|copyleft|public\s+domain", re.IGNORECASE)
# Packages that ship ScanCode's licence database, newest data first.
SOURCE_PACKAGES = ("scancode-toolkit", "scancode-toolkit-mini", "licensedcode-data")
DATA_LICENSE_NOTICE = (
    "Licence texts and metadata: ScanCode licensedb, Copyright (c) nexB Inc. and others. "
    "SPDX-License-Identifier: CC-BY-4.0. https://github.com/nexB/scancode-toolkit"
)


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class Reference:
    """One SPDX licence or exception text, or a notice that grants one: `spdx` is its id (a
    notice may grant an expression, "GPL-2.0-only OR BSD-3-Clause"), `text` as ScanCode ships
    it, `tokens` that text as ids into ReferenceSet.vocabulary."""

    spdx: str
    name: str
    scancode_key: str
    is_exception: bool
    is_notice: bool
    text: str
    tokens: np.ndarray
    # positions in `tokens` a match must contain: ScanCode's {{required phrases}} of a notice
    required: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class ReferenceSet:
    """All references, with the vocabulary their tokens index and where the data came from."""

    references: tuple[Reference, ...]
    vocabulary: dict[str, int]
    source: dict[str, str]

    def by_id(self, spdx: str) -> Reference | None:
        return _by_id(self).get(spdx)


@cache
def _by_id(refs: ReferenceSet) -> dict[str, Reference]:
    return {r.spdx: r for r in refs.references if not r.is_notice}


def _data_path(name: str) -> Any:
    return resources.files("wherefrom").joinpath(*DATA_FOLDER, name)


@cache
def references() -> ReferenceSet:
    """The shipped reference set, read once per process."""
    with gzip.open(io.BytesIO(_data_path(TEXTS_FILE).read_bytes()), "rt", encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != DATA_FORMAT:
        raise BadInputError(
            f"{TEXTS_FILE}: data format {data.get('format')!r}, this wherefrom reads "
            f"{DATA_FORMAT}; regenerate it with python -m wherefrom.licenses.reference"
        )
    arrays = np.load(io.BytesIO(_data_path(TOKENS_FILE).read_bytes()))
    tokens, offsets = arrays["tokens"].astype(np.int32), arrays["offsets"]
    required, required_offsets = arrays["required"].astype(np.int32), arrays["required_offsets"]
    refs = tuple(
        Reference(
            spdx=entry["id"],
            name=entry["name"],
            scancode_key=entry["key"],
            is_exception=entry["exception"],
            is_notice=entry.get("notice", False),
            text=entry["text"],
            tokens=tokens[offsets[i] : offsets[i + 1]],
            required=required[required_offsets[i] : required_offsets[i + 1]],
        )
        for i, entry in enumerate(data["licenses"])
    )
    vocabulary = {word: i for i, word in enumerate(data["vocabulary"])}
    return ReferenceSet(refs, vocabulary, data["source"])


def reference_text(spdx: str) -> str | None:
    """The standard text of an SPDX licence or exception (from the SPDX licence list as
    packaged by ScanCode), or None when the id is not on the list."""
    found = references().by_id(spdx)
    return found.text if found is not None else None


# --- generating the data --------------------------------------------------------------------


def _front_matter(path: Path) -> tuple[dict[str, Any], str]:
    import yaml  # only the generator needs it; PyYAML comes with ScanCode

    parts = re.split(r"^---[ \t]*$", path.read_text(encoding="utf-8"), maxsplit=2, flags=re.M)
    head, body = (parts[1], parts[2]) if len(parts) == 3 else ("", parts[-1])
    return (yaml.safe_load(head) or {}), body.strip("\n") + "\n"


def _source_package(folder: Path) -> dict[str, str]:
    """The package (and version) whose site-packages holds `folder`, from its .dist-info."""
    for parent in folder.resolve().parents:
        for name in SOURCE_PACKAGES:
            for info in sorted(parent.glob(f"{name.replace('-', '_')}-*.dist-info")):
                version = info.name[len(name) + 1 : -len(".dist-info")]
                return {"package": name, "version": version}
    return {"package": "unknown", "version": "unknown"}


def _licenses(folder: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The SPDX licences and exceptions of the folder, and ScanCode key → SPDX id of all."""
    entries = []
    spdx_of: dict[str, str] = {}
    for path in sorted(folder.glob("*.LICENSE")):
        fields, text = _front_matter(path)
        spdx = str(fields.get("spdx_license_key") or "")
        # ScanCode-only licences carry LicenseRef-scancode-* ids; the SPDX list is what
        # release tooling understands, and the only ids terms.json can hold.
        if not spdx or spdx.startswith("LicenseRef-") or fields.get("is_deprecated"):
            continue
        spdx_of[str(fields["key"])] = spdx
        if fields.get("is_unknown") or fields.get("is_generic") or len(text.split()) < 5:
            continue
        entries.append({
            "id": spdx,
            "name": str(fields.get("name") or spdx),
            "key": str(fields["key"]),
            "exception": bool(fields.get("is_exception")),
            "text": text,
        })
    return entries, spdx_of


def _spdx_expression(scancode_expression: str, spdx_of: dict[str, str]) -> str | None:
    """A ScanCode licence expression in SPDX ids, or None if a key has no SPDX id."""
    out = []
    for part in re.split(r"(\s+|[()])", scancode_expression.strip()):
        if not part.strip() or part in "()" or part.upper() in {"AND", "OR", "WITH"}:
            out.append(part.upper() if part.upper() in {"AND", "OR", "WITH"} else part)
            continue
        if part not in spdx_of:
            return None
        out.append(spdx_of[part])
    return "".join(out)


def _notices(rules: Path, spdx_of: dict[str, str]) -> Iterable[dict[str, Any]]:
    for path in sorted(rules.glob("*.RULE")):
        fields, text = _front_matter(path)
        if not fields.get("is_license_notice") or fields.get("is_false_positive"):
            continue
        if fields.get("is_deprecated") or len(re.findall(r"\w+", text)) < MIN_NOTICE_WORDS:
            continue
        # ScanCode also keeps fragments (a bare disclaimer) that only count beside the rest of
        # their notice; a notice that never names a licence grants none on its own
        if not _NAMES_A_LICENSE.search(text):
            continue
        expression = _spdx_expression(str(fields.get("license_expression") or ""), spdx_of)
        if expression is None:
            continue
        yield {
            "id": expression,
            "name": f"notice {path.stem}",
            "key": path.stem,
            "exception": False,
            "notice": True,
            "text": text,
        }


def build(folder: Path, out: Path) -> int:
    """Write the reference data from a ScanCode `licensedcode/data/licenses` folder and the
    `rules` folder beside it; returns how many texts and notices it holds."""
    from wherefrom.licenses.words import tokenize

    entries, spdx_of = _licenses(folder)
    rules = folder.parent / "rules"
    if rules.is_dir():
        entries += _notices(rules, spdx_of)
    if not entries:
        raise BadInputError(f"{folder}: no *.LICENSE files with an SPDX id; give the "
                            "licensedcode/data/licenses folder of scancode-toolkit")
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    offsets = [0]
    required: list[int] = []
    required_offsets = [0]
    for entry in entries:
        tokens = tokenize(entry["text"])
        for token in tokens.words:
            ids.append(vocabulary.setdefault(token, len(vocabulary)))
        offsets.append(len(ids))
        phrases = [m.span() for m in re.finditer(r"\{\{.*?\}\}", entry["text"], re.DOTALL)]
        required += [
            i for i, start in enumerate(tokens.starts) if any(a <= start < b for a, b in phrases)
        ]
        required_offsets.append(len(required))
    out.mkdir(parents=True, exist_ok=True)
    source = {**_source_package(folder), "data_license": "CC-BY-4.0", "notice": DATA_LICENSE_NOTICE}
    document = {
        "format": DATA_FORMAT,
        "source": source,
        "vocabulary": list(vocabulary),
        "licenses": entries,
    }
    with gzip.open(out / TEXTS_FILE, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(document, f, ensure_ascii=False, separators=(",", ":"))
    np.savez_compressed(
        out / TOKENS_FILE,
        tokens=np.asarray(ids, dtype="<u4"),
        offsets=np.asarray(offsets, dtype="<i8"),
        required=np.asarray(required, dtype="<u4"),
        required_offsets=np.asarray(required_offsets, dtype="<i8"),
    )
    return len(entries)


def _default_folder() -> Path | None:
    for name in SOURCE_PACKAGES:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        folder = Path(str(dist.locate_file("licensedcode/data/licenses")))
        if folder.is_dir():
            return folder
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wherefrom.licenses.reference",
        description="Regenerate data/licenses/spdx/ from ScanCode's licence database.",
    )
    parser.add_argument(
        "--from", dest="folder", type=Path, default=None, metavar="DIR",
        help="licensedcode/data/licenses folder (default: that of an installed "
        "scancode-toolkit, scancode-toolkit-mini or licensedcode-data)",
    )
    here = Path(__file__).resolve().parents[1].joinpath(*DATA_FOLDER[:-1], DATA_FOLDER[-1])
    parser.add_argument("--out", type=Path, default=here, metavar="DIR", help=f"default: {here}")
    args = parser.parse_args(argv)
    folder = args.folder or _default_folder()
    if folder is None:
        print("no ScanCode licence data found: pip install scancode-toolkit-mini, or give --from",
              file=sys.stderr)
        return 2
    count = build(folder, args.out)
    print(f"{count} licence texts and notices from {folder} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
