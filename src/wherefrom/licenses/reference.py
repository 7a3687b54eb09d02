"""The reference licence texts detection compares files with: every licence and exception of
the SPDX licence list, as packaged in ScanCode's licence database, with their token ids.

`references()` loads them once per process from data/licenses/spdx/. The data is generated,
never edited by hand: `python -m wherefrom.licenses.reference --from DIR` reads the
`licensedcode/data/licenses` folder of an installed `scancode-toolkit` (or
`licensedcode-data`) and rewrites it, recording the package and version it came from.
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

DATA_FORMAT = 1
DATA_FOLDER = ("data", "licenses", "spdx")
TEXTS_FILE = "licenses.json.gz"
TOKENS_FILE = "tokens.npz"
# Packages that ship ScanCode's licence database, newest data first.
SOURCE_PACKAGES = ("scancode-toolkit", "scancode-toolkit-mini", "licensedcode-data")
DATA_LICENSE_NOTICE = (
    "Licence texts and metadata: ScanCode licensedb, Copyright (c) nexB Inc. and others. "
    "SPDX-License-Identifier: CC-BY-4.0. https://github.com/nexB/scancode-toolkit"
)


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class Reference:
    """One SPDX licence or exception: its id, name, standard text, and that text as token ids."""

    spdx: str
    name: str
    scancode_key: str
    is_exception: bool
    text: str
    tokens: np.ndarray  # int32 ids into ReferenceSet.vocabulary


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
    return {r.spdx: r for r in refs.references}


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
    refs = tuple(
        Reference(
            spdx=entry["id"],
            name=entry["name"],
            scancode_key=entry["key"],
            is_exception=entry["exception"],
            text=entry["text"],
            tokens=tokens[offsets[i] : offsets[i + 1]],
        )
        for i, entry in enumerate(data["licenses"])
    )
    vocabulary = {word: i for i, word in enumerate(data["vocabulary"])}
    return ReferenceSet(refs, vocabulary, data["source"])


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


def _entries(folder: Path) -> Iterable[dict[str, Any]]:
    for path in sorted(folder.glob("*.LICENSE")):
        fields, text = _front_matter(path)
        spdx = str(fields.get("spdx_license_key") or "")
        # ScanCode-only licences carry LicenseRef-scancode-* ids; the SPDX list is what
        # release tooling understands, and the only ids terms.json can hold.
        if not spdx or spdx.startswith("LicenseRef-") or fields.get("is_deprecated"):
            continue
        if fields.get("is_unknown") or fields.get("is_generic") or len(text.split()) < 5:
            continue
        yield {
            "id": spdx,
            "name": str(fields.get("name") or spdx),
            "key": str(fields["key"]),
            "exception": bool(fields.get("is_exception")),
            "text": text,
        }


def build(folder: Path, out: Path) -> int:
    """Write the reference data from a ScanCode `licensedcode/data/licenses` folder; returns
    how many licences and exceptions it holds."""
    from wherefrom.licenses.matching import tokenize

    entries = list(_entries(folder))
    if not entries:
        raise BadInputError(f"{folder}: no *.LICENSE files with an SPDX id; give the "
                            "licensedcode/data/licenses folder of scancode-toolkit")
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    offsets = [0]
    for entry in entries:
        for token in tokenize(entry["text"]).words:
            ids.append(vocabulary.setdefault(token, len(vocabulary)))
        offsets.append(len(ids))
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
    print(f"{count} licences and exceptions from {folder} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
