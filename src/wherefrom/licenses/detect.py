"""License detection: SPDX expressions from names, SPDX-License-Identifier lines, license
files, Python package metadata and Debian copyright files, each with its evidence.

All functions are pure (a folder is only read). Unknown stays NOASSERTION, never a guess.
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import HeaderParser
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Protocol

from wherefrom.errors import BadInputError
from wherefrom.licenses.data import load, reference_texts
from wherefrom.records import NOASSERTION

PUBLIC_DOMAIN = "LicenseRef-public-domain"
# A text must share this fraction of word 3-grams with a reference text (harmonic mean of
# both directions) to be called that license; below, the file stays NOASSERTION.
TEXT_MATCH_THRESHOLD = 0.8
TITLE_MATCH_CONFIDENCE = 0.9
# A legal code states its title near its top; a title further down is a quotation.
TITLE_WINDOW_WORDS = 120
LICENSE_FILE_PATTERNS = ("license*", "licence*", "copying*", "notice*", "unlicense*")
MAX_LICENSE_FILE_BYTES = 1_000_000

_EMPTY = {"", "unknown", "none", "noassertion", "n/a", "na", "other", "undefined"}
_OPERATOR = re.compile(r"(\s+(?:and|or|with)\s+|[()])", re.IGNORECASE)
_DROP_WORDS = re.compile(r"\b(?:the|license|version|software|v)\b")
_SPDX_LINE = re.compile(
    r"SPDX-License-Identifier:\s*(.+?)\s*(?:\*/|-->|\"\"\"|'''|#\}|$)", re.MULTILINE
)
_COPYRIGHT_LINE = re.compile(
    r"^\s*(?:copyright\b|\(c\)|©|all rights reserved).*$", re.IGNORECASE | re.MULTILINE
)
_DEBIAN_VERSIONED = re.compile(r"^(A?GPL|LGPL|GFDL)-(\d+(?:\.\d+)?)(\+)?$", re.IGNORECASE)


class CoreMetadata(Protocol):
    """What license_from_package_metadata reads: email.message.Message or alike."""

    def get(self, name: str, failobj: None = None) -> str | None: ...
    def get_all(self, name: str, failobj: None = None) -> list[str] | None: ...


@cache
def _licensing():
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def _alias_key(name: str) -> str:
    key = name.lower().replace("licence", "license")
    key = _DROP_WORDS.sub(" ", key)
    return re.sub(r"[^a-z0-9+.]", "", key)


def _symbol(name: str) -> str | None:
    """One license or exception name → its SPDX id, or None when not known."""
    name = name.strip()
    if not name:
        return None
    if name.lower().startswith("licenseref-") and re.fullmatch(r"[A-Za-z0-9.\-]+", name):
        return name
    known = _licensing().known_symbols_lowercase.get(name.lower())
    if known is not None:
        return known.key
    alias = load("aliases.json")["names"].get(_alias_key(name))
    if alias is not None:
        return alias
    debian = _DEBIAN_VERSIONED.match(name)
    if debian:
        family, number, plus = debian.groups()
        number = number if "." in number else f"{number}.0"
        return f"{family.upper()}-{number}-{'or-later' if plus else 'only'}"
    return None


def normalize_expression(expr: str) -> str:
    """A license name or expression as people write it → a canonical SPDX expression.

    "MIT License" → "MIT", "Apache 2.0" → "Apache-2.0", "GPL-2+" → "GPL-2.0-or-later",
    "public domain" → "LicenseRef-public-domain", "mit or apache 2.0" → "MIT OR Apache-2.0".
    Anything not known for certain → "NOASSERTION".
    """
    text = (expr or "").strip()
    if text.lower() in _EMPTY:
        return NOASSERTION
    whole = _symbol(text)
    if whole is not None:
        return whole
    parts = _OPERATOR.split(text)
    rebuilt: list[str] = []
    for part in parts:
        stripped = part.strip()
        if not stripped:
            continue
        if stripped in "()" or stripped.lower() in {"and", "or", "with"}:
            rebuilt.append(stripped.upper())
            continue
        symbol = _symbol(stripped)
        if symbol is None:
            return NOASSERTION
        rebuilt.append(symbol)
    candidate = " ".join(rebuilt).replace("( ", "(").replace(" )", ")")
    try:
        parsed = _licensing().parse(candidate, validate=False)
    except Exception:  # license_expression raises several classes for a malformed expression
        return NOASSERTION
    if parsed is None:
        return NOASSERTION
    unknown = [
        s
        for s in _licensing().unknown_license_keys(parsed)
        if not s.lower().startswith("licenseref-")
    ]
    return NOASSERTION if unknown else parsed.render()


def spdx_identifiers_in(text: str) -> list[str]:
    """The expressions of every `SPDX-License-Identifier:` line, normalized, in order, once
    each. A line whose expression is not understood gives "NOASSERTION"."""
    found: list[str] = []
    for raw in _SPDX_LINE.findall(text):
        expression = normalize_expression(raw.strip().rstrip(";,"))
        if expression not in found:
            found.append(expression)
    return found


# --- license texts --------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    text = _COPYRIGHT_LINE.sub(" ", text)
    text = text.lower().replace("licence", "license")
    return re.findall(r"[a-z0-9]+", text)


def _shingles(words: list[str]) -> frozenset[tuple[str, str, str]]:
    return frozenset(zip(words, words[1:], words[2:], strict=False))


@cache
def _references() -> tuple[tuple[str, frozenset[tuple[str, str, str]]], ...]:
    seen_files: set[int] = set()
    refs = []
    for spdx, text in reference_texts().items():
        if id(text) in seen_files or hash(text) in seen_files:
            continue
        seen_files.add(hash(text))
        refs.append((spdx, _shingles(_words(text))))
    return tuple(refs)


def license_from_text(text: str) -> tuple[str, float] | None:
    """Identify the text of a LICENSE/COPYING file: (SPDX id, confidence in [0, 1]) or None.

    Full texts are compared with the reference texts shipped in data/licenses/texts (word
    3-grams, copyright lines ignored; the score is the harmonic mean of the share of the
    reference found in the text and of the text found in the reference). Long legal codes
    wherefrom does not ship (Creative Commons, ODC, CDLA) are recognised by the exact title
    they state at their top. A bare GPL/LGPL text does not say "only" or "or later"; it is
    read as "-only", the narrower grant.
    """
    words = _words(text)
    if len(words) < 3:
        return None
    head = " ".join(words[:TITLE_WINDOW_WORDS])
    titled = [r for r in load("terms.json")["titles"]["rules"] if r["title"] in head]
    if titled:
        best_title = max(titled, key=lambda r: len(r["title"]))
        return best_title["license"], TITLE_MATCH_CONFIDENCE
    shingles = _shingles(words)
    best: tuple[str, float] | None = None
    for spdx, reference in _references():
        shared = len(shingles & reference)
        if not shared:
            continue
        recall, precision = shared / len(reference), shared / len(shingles)
        score = 2 * recall * precision / (recall + precision)
        if best is None or score > best[1]:
            best = (spdx, score)
    if best is None or best[1] < TEXT_MATCH_THRESHOLD:
        return None
    return best[0], round(best[1], 3)


def _is_license_file(name: str) -> bool:
    lower = name.lower()
    return any(fnmatchcase(lower, pattern) for pattern in LICENSE_FILE_PATTERNS)


def _read_text(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_LICENSE_FILE_BYTES)
    except OSError:
        return None
    return data.decode("utf-8", "replace")


def license_of_folder(folder: Path, stop_at: Path | None = None) -> tuple[str, str] | None:
    """The license stated by LICENSE*/LICENCE*/COPYING*/NOTICE* files nearest to `folder`.

    Looks in `folder`, then its parents up to and including `stop_at` (or the filesystem
    root). The first folder holding such files decides: the licenses its files are identified
    as, joined with AND (several license files mean several sets of terms to honour), or
    NOASSERTION when none of them is recognised. Returns (SPDX, evidence naming the files) or
    None when no folder up to `stop_at` holds a license file.
    """
    folder = Path(folder).resolve()
    stop = Path(stop_at).resolve() if stop_at is not None else None
    for level in (folder, *folder.parents):
        if stop is not None and stop != level and stop not in level.parents:
            break
        try:
            candidates = sorted(
                p for p in level.iterdir() if p.is_file() and _is_license_file(p.name)
            )
        except OSError:
            candidates = []
        if candidates:
            return _license_of_files(candidates)
        if stop is not None and level == stop:
            break
    return None


def _license_of_files(files: list[Path]) -> tuple[str, str]:
    found: list[str] = []
    notes: list[str] = []
    for path in files:
        text = _read_text(path)
        identified = license_from_text(text) if text else None
        if identified is None:
            notes.append(f"{path} (not a recognised license text)")
            continue
        spdx, score = identified
        notes.append(f"{path} (text matches {spdx}, score {score:.2f})")
        if spdx not in found:
            found.append(spdx)
    if not found:
        return NOASSERTION, "license file " + "; ".join(notes)
    expression = found[0] if len(found) == 1 else normalize_expression(" AND ".join(found))
    return expression, "license file " + "; ".join(notes)


# --- package metadata -----------------------------------------------------------------------


def _classifier_license(classifier: str) -> str | None:
    parts = [p.strip() for p in classifier.split("::")]
    if len(parts) < 2 or parts[0] != "License" or parts[-1] == "OSI Approved":
        return None
    return load("aliases.json")["classifiers"].get(parts[-1], NOASSERTION)


def license_from_package_metadata(metadata: CoreMetadata) -> tuple[str, str]:
    """(SPDX, evidence) from Python core metadata (METADATA / PKG-INFO), cheapest and most
    explicit field first: License-Expression, then License (a name, or a whole license text),
    then license classifiers. Evidence names the field and quotes its value."""
    expression = str(metadata.get("License-Expression") or "").strip()
    if expression:
        spdx = normalize_expression(expression)
        if spdx != NOASSERTION:
            return spdx, f"package metadata License-Expression: {expression}"
    declared = str(metadata.get("License") or "").strip()
    if declared and declared.lower() not in _EMPTY:
        first_line = declared.splitlines()[0].strip()
        if len(declared) > 200 or "\n" in declared:
            identified = license_from_text(declared)
            if identified is not None:
                return identified[0], (
                    f"package metadata License field holds a license text matching "
                    f"{identified[0]} (score {identified[1]:.2f})"
                )
        spdx = normalize_expression(first_line if len(declared) > 200 else declared)
        if spdx != NOASSERTION:
            return (
                spdx,
                f"package metadata License: {declared if len(declared) <= 200 else first_line}",
            )
    classifiers = [str(c) for c in (metadata.get_all("Classifier") or [])]
    mapped = [(c, found) for c in classifiers if (found := _classifier_license(c)) is not None]
    if mapped and all(spdx != NOASSERTION for _, spdx in mapped):
        licenses = list(dict.fromkeys(spdx for _, spdx in mapped))
        quoted = "; ".join(c for c, _ in mapped)
        if len(licenses) == 1:
            return licenses[0], f"package metadata classifier: {quoted}"
        joined = normalize_expression(" OR ".join(licenses))
        return joined, f"package metadata classifiers, read as a choice of licenses: {quoted}"
    if mapped:
        quoted = "; ".join(c for c, _ in mapped)
        return NOASSERTION, f"package metadata classifier not understood: {quoted}"
    if declared and declared.lower() not in _EMPTY:
        return NOASSERTION, f"package metadata License not understood: {declared[:120]}"
    return NOASSERTION, "package metadata: no License-Expression, License or license classifier"


def license_of_distribution(path: Path) -> tuple[str, str]:
    """(SPDX, evidence) of a wheel (.whl) or sdist (.tar.gz, .zip): its core metadata first,
    then the license files it carries. Raises BadInputError for an unreadable archive."""
    path = Path(path)
    try:
        members = _archive_members(path)
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as error:
        raise BadInputError(f"{path}: not a readable wheel or sdist ({error})") from error
    metadata_names = [n for n in members if n.endswith((".dist-info/METADATA", "/PKG-INFO"))]
    metadata_names.sort(key=lambda n: (n.count("/"), n))
    if metadata_names:
        metadata = HeaderParser().parsestr(members[metadata_names[0]])
        spdx, evidence = license_from_package_metadata(metadata)
        if spdx != NOASSERTION:
            return spdx, f"{path.name}: {evidence}"
    for name in sorted(n for n in members if _is_license_file(n.rsplit("/", 1)[-1])):
        identified = license_from_text(members[name])
        if identified is not None:
            return (
                identified[0],
                f"{path.name}: license file {name} "
                f"(text matches {identified[0]}, score {identified[1]:.2f})",
            )
    return NOASSERTION, f"{path.name}: no license in metadata or license files"


def _archive_members(path: Path) -> dict[str, str]:
    """Metadata and license files of an archive, as text."""

    def wanted(name: str) -> bool:
        base = name.rsplit("/", 1)[-1]
        return base in {"METADATA", "PKG-INFO"} or _is_license_file(base)

    out: dict[str, str] = {}
    if path.suffix in {".whl", ".zip"}:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if (
                    not info.is_dir()
                    and wanted(info.filename)
                    and info.file_size <= MAX_LICENSE_FILE_BYTES
                ):
                    out[info.filename] = archive.read(info).decode("utf-8", "replace")
        return out
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile() and wanted(member.name) and member.size <= MAX_LICENSE_FILE_BYTES:
                handle = tar.extractfile(member)
                if handle is not None:
                    out[member.name] = handle.read().decode("utf-8", "replace")
    return out


# --- Debian machine-readable copyright --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Paragraph:
    fields: dict[str, str]


def _debian_paragraphs(text: str) -> Iterable[_Paragraph]:
    fields: dict[str, str] = {}
    current: str | None = None
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if fields:
                yield _Paragraph(fields)
            fields, current = {}, None
            continue
        if line[0] in " \t" and current is not None:
            fields[current] += "\n" + line.strip()
            continue
        if line.startswith("#"):
            continue
        name, _, value = line.partition(":")
        current = name.strip().lower()
        fields[current] = value.strip()


def _debian_expression(short_name: str) -> str:
    """A Debian License short name ("GPL-2+ or Artistic, and Expat") → SPDX."""
    # DEP-5: a comma binds looser than "and"/"or": "A or B, and C" is "(A or B) and C".
    pieces = re.split(r",\s*(and|or)\b", short_name.strip(), flags=re.IGNORECASE)
    text = pieces[0]
    for operator, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        text = f"({text}) {operator} ({piece.strip()})"
    return normalize_expression(text)


def debian_copyright(text: str) -> list[tuple[str, str]]:
    """Parse a Debian machine-readable copyright file (DEP-5): one (Files field as written,
    SPDX expression) per Files paragraph, in file order. The evidence for a file is
    f"debian/copyright Files: {files}"; `debian_license_for` applies the last-match rule.
    Short names: Expat → MIT, GPL-2+ → GPL-2.0-or-later, public-domain →
    LicenseRef-public-domain, ... ; an unknown name gives NOASSERTION."""
    out: list[tuple[str, str]] = []
    for paragraph in _debian_paragraphs(text):
        if "files" not in paragraph.fields or "license" not in paragraph.fields:
            continue
        short_name = paragraph.fields["license"].split("\n", 1)[0]
        files = " ".join(paragraph.fields["files"].split())
        out.append((files, _debian_expression(short_name)))
    return out


def debian_license_for(
    relative_path: str, stanzas: list[tuple[str, str]]
) -> tuple[str, str] | None:
    """The license of one file under a Debian copyright: the last Files paragraph with a
    matching pattern wins (DEP-5). Returns (SPDX, evidence) or None."""
    found: tuple[str, str] | None = None
    for files, spdx in stanzas:
        if any(fnmatchcase(relative_path, pattern) for pattern in files.split()):
            found = (spdx, f"debian/copyright Files: {files}")
    return found
