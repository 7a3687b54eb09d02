"""License detection: SPDX expressions from names, SPDX-License-Identifier lines, license
files (full texts, licence stacks, dual licences, NOTICE files), Python package metadata and
Debian copyright files, each with its evidence; and the copyright holders a text names.

All functions are pure (a folder is only read). Unknown stays NOASSERTION, never a guess.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from email.parser import HeaderParser
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wherefrom.errors import BadInputError
from wherefrom.licenses.data import load
from wherefrom.licenses.matching import LicenseMatch, find_licenses, tokenize
from wherefrom.records import NOASSERTION

if TYPE_CHECKING:
    from license_expression import LicenseExpression, Licensing

PUBLIC_DOMAIN = "LicenseRef-public-domain"
TITLE_MATCH_CONFIDENCE = 0.9
# A legal code states its title near its top; a title further down is a quotation.
TITLE_WINDOW_WORDS = 120
LICENSE_FILE_PATTERNS = (
    "license*", "licence*", "copying*", "unlicense*",
    # MIT-LICENSE, apache-2.0.LICENSE, LICENSE named after its licence at the end
    "*[-_.]license", "*[-_.]licence", "*[-_.]license.txt", "*[-_.]license.md",
    "*[-_.]license.rst",
)
NOTICE_FILE_PATTERNS = ("notice*",)
_LICENSE_FILE = re.compile("|".join(fnmatch.translate(p) for p in LICENSE_FILE_PATTERNS))
_NOTICE_FILE = re.compile("|".join(fnmatch.translate(p) for p in NOTICE_FILE_PATTERNS))
MAX_LICENSE_FILE_BYTES = 1_000_000
# A licence notice in a source file sits in its head; code further down is not read.
SOURCE_HEADER_CHARS = 16_000
# Where a licence text can lie in a file's head: around its licence words. Measured on the
# 7,656 SPDX texts wherefrom ships: texts under 4,000 characters (the notices a header
# holds) start at most 931 characters before their first licence word, end at most 1,758
# after their last, and never go 1,802 without one; of the long texts only GPL-3.0 (3,881)
# and the German-language D-FSL and CC-*-DE/AT texts go further (those read as wholes).
LICENSE_WORDS_APART = 4000
LICENSE_LEAD_CHARS = 1500
LICENSE_TAIL_CHARS = 2500

_EMPTY = {"", "unknown", "none", "noassertion", "n/a", "na", "other", "undefined"}
_OPERATOR = re.compile(r"(\s+(?:and|or|with)\s+|[()])", re.IGNORECASE)
_DROP_WORDS = re.compile(r"\b(?:the|license|version|software|v)\b")
_SPDX_LINE = re.compile(
    r"SPDX-License-Identifier:\s*(.+?)\s*(?:\*/|-->|\"\"\"|'''|#\}|$)", re.MULTILINE
)
_DEBIAN_VERSIONED = re.compile(r"^(A?GPL|LGPL|GFDL)-(\d+(?:\.\d+)?)(\+)?$", re.IGNORECASE)
# Words that make a text worth aligning with licence texts; most source files have none.
_LICENSE_WORDS = re.compile(
    r"permi(?:ssion|tted)|licen[cs]|warrant|redistribut|copyright|public domain", re.IGNORECASE
)
_LICENSE_WORDS_LOWER = re.compile(_LICENSE_WORDS.pattern)  # for text already lowered


class CoreMetadata(Protocol):
    """What license_from_package_metadata reads: email.message.Message or alike."""

    def get(self, name: str, failobj: None = None) -> str | None: ...
    def get_all(self, name: str, failobj: None = None) -> list[str] | None: ...


@cache
def _licensing() -> Licensing:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def parse_expression(expression: str) -> LicenseExpression | None:
    """An SPDX expression parsed by license-expression (unknown ids kept as symbols), or None
    when it is not an expression at all. The one place that parses expressions."""
    from license_expression import ExpressionError

    try:
        return _licensing().parse(expression, validate=False)
    except (ExpressionError, TypeError, ValueError):
        return None
    except Exception:  # license_expression raises several unrelated classes on bad input
        return None


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
        return str(known.key)
    alias = load("aliases.json")["names"].get(_alias_key(name))
    if alias is not None:
        return str(alias)
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
    rebuilt: list[str] = []
    for part in _OPERATOR.split(text):
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
    parsed = parse_expression(" ".join(rebuilt).replace("( ", "(").replace(" )", ")"))
    if parsed is None:
        return NOASSERTION
    unknown = [
        s
        for s in _licensing().unknown_license_keys(parsed)
        if not s.lower().startswith("licenseref-")
    ]
    return NOASSERTION if unknown else str(parsed.render())


def spdx_identifiers_in(text: str) -> list[str]:
    """The expressions of every `SPDX-License-Identifier:` line, normalized, in order, once
    each. A line whose expression is not understood gives "NOASSERTION"."""
    found: list[str] = []
    for raw in _SPDX_LINE.findall(text):
        expression = normalize_expression(raw.strip().rstrip(";,"))
        if expression not in found:
            found.append(expression)
    return found


# --- copyright holders --------------------------------------------------------------------

_FILE_COPYRIGHT_TEXT = re.compile(r"SPDX-FileCopyrightText:\s*(.+?)\s*(?:\*/|-->|$)", re.M)
_COPYRIGHT_STATEMENT = re.compile(
    r"^[^\S\n]*(?:[#*/;!%>\-]+[^\S\n]*)?(copyright\b(?:[^\S\n]*(?:\(c\)|©))?[^\n]*"
    r"|(?:\(c\)|©)[^\S\n]*\d{4}[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_NOT_A_STATEMENT = re.compile(
    r"^copyright\s+(?:notice|holders?|owners?|law|and\b|or\b|license|statement|protection|"
    r"in\b|of\b|to\b|is\b|the\b|this\b|,|\.|$)",
    re.IGNORECASE,
)
_YEARS = re.compile(r"\b(?:19|20)\d\d(?:\s*[-–,]\s*(?:(?:19|20)?\d\d|present))*\b,?", re.I)
_HOLDER_NOISE = re.compile(
    r"^(?:copyright\b|\(c\)|©|\s|,|:)+|\ball(?:\s+rights?)?(?:\s+reserved)?\W*$|\s*<[^>]*>"
    r"|\(c\)|©",
    re.IGNORECASE,
)


def copyright_statements(text: str) -> tuple[str, ...]:
    """The copyright statements of a text, as written and once each: the value of every
    `SPDX-FileCopyrightText:` line, then every line reading `Copyright (c) YEAR NAME`
    (or © / (c) YEAR NAME). Lines about copyright ("the above copyright notice ...") are
    not statements."""
    found: list[str] = []
    for raw in _FILE_COPYRIGHT_TEXT.findall(text):
        statement = raw.strip().rstrip("*/").strip()
        if not statement.lower().startswith(("copyright", "(c)", "©")):
            statement = f"Copyright {statement}"
        found.append(statement)
    for match in _COPYRIGHT_STATEMENT.finditer(text):
        line = match.group(1).strip().rstrip("*/#").strip()
        if "SPDX-FileCopyrightText" in line or _NOT_A_STATEMENT.match(line):
            continue
        # a statement names a year or a holder; "Copyright" alone or a template is none
        if "<" in line and ">" in line and "@" not in line:
            continue
        if len(_HOLDER_NOISE.sub("", _YEARS.sub("", line)).strip(" .,;")) < 2:
            continue
        found.append(line)
    return tuple(dict.fromkeys(found))


def copyright_holders(text: str) -> tuple[str, ...]:
    """Who holds the copyright, per the text's copyright statements (`copyright_statements`):
    the names with years, ©/(c), "All rights reserved" and e-mail addresses taken off, once
    each, in order. "SPDX-FileCopyrightText: 2021 Jane Doe <jane@example.org>" → "Jane Doe"."""
    holders: list[str] = []
    for statement in copyright_statements(text):
        name = _YEARS.sub(" ", statement)
        name = _HOLDER_NOISE.sub(" ", name)
        name = re.sub(r"^\s*(?:by\s+)?", "", " ".join(name.split()), flags=re.I)
        name = name.strip(" .,;:-")
        if len(name) >= 2 and name.lower() not in {"the authors", "copyright"}:
            holders.append(name)
    return tuple(dict.fromkeys(holders))


# --- license texts --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LicenseText:
    """What one license file (or any text) states: its SPDX expression and how it was read.

    matches: every licence text found, in order. choice: the text offers its licences as a
    choice ("dual licensed", "at your option"), so they are joined with OR, not AND.
    stack: the name of the licence stack rule that decided (data/licenses/stacks.json), if any.
    """

    expression: str
    matches: tuple[LicenseMatch, ...]
    choice: bool
    stack: str
    evidence: str

    @property
    def score(self) -> float:
        """The weakest match's score (1.0 for a stack or title rule)."""
        return min((m.score for m in self.matches), default=TITLE_MATCH_CONFIDENCE)


def _phrase_in(words: tuple[str, ...], phrase: str) -> bool:
    wanted = tokenize(phrase).words
    n = len(wanted)
    return any(words[i : i + n] == wanted for i in range(len(words) - n + 1))


def states_a_choice(text: str) -> bool:
    """Whether a text offers licences as a choice: "dual licensed", "at your option", "either
    of the following licenses" (outside any licence text it quotes)."""
    words = tokenize(text).words
    # the GNU licences' own "(at your option) any later version" is a choice of versions
    gnu = tokenize("at your option any later version").words
    for i in range(len(words) - len(gnu), -1, -1):
        if words[i : i + len(gnu)] == gnu:
            words = words[:i] + words[i + len(gnu) :]
    return any(_phrase_in(words, p) for p in load("stacks.json")["choice_phrases"])


def _takes_exception(license_id: str, exception: str) -> bool:
    """Whether an SPDX exception can modify this licence: the GNU licences take their
    exceptions (GCC, Classpath, Autoconf, font, ...); Apache-2.0 takes LLVM's."""
    if re.match(r"^(A|L)?GPL-", license_id):
        return exception != "LLVM-exception"
    return license_id == "Apache-2.0" and exception == "LLVM-exception"


def _expression(matches: tuple[LicenseMatch, ...], choice: bool) -> str:
    """The licences found (in order, once each) joined with AND, or OR for a choice; an
    exception goes WITH the licence it can modify found just before it (or else just after
    it), and is left out where there is none (a runtime exception shipped without its
    licence grants nothing on its own)."""
    parts: list[str] = []
    pending: list[str] = []  # exceptions seen before the licence they modify
    for m in matches:
        if not m.is_exception:
            waiting = next((e for e in pending if _takes_exception(m.spdx, e)), None)
            if waiting is not None:
                pending.remove(waiting)
            parts.append(m.spdx if waiting is None else f"{m.spdx} WITH {waiting}")
        elif parts and " " not in parts[-1] and _takes_exception(parts[-1], m.spdx):
            parts[-1] = f"{parts[-1]} WITH {m.spdx}"
        else:
            pending.append(m.spdx)
    unique = list(dict.fromkeys(parts))
    # "GPL-1.0-or-later" is what a GNU GPL mention stating no version reads as; beside a
    # versioned GNU licence it is that licence's own boilerplate, not another licence
    if any(re.match(r"^(A|L)?GPL-[23]", p) for p in unique):
        unique = [p for p in unique if p != "GPL-1.0-or-later"]
    if not unique:
        return NOASSERTION
    return join_expressions(unique, "OR" if choice else "AND")


def join_expressions(expressions: Iterable[str], operator: str = "AND") -> str:
    """SPDX expressions joined with AND or OR, nested ones of the same operator flattened and
    repeated licences dropped: ["MIT", "MIT AND Zlib"] → "MIT AND Zlib"."""
    flat: list[str] = []
    for expression in expressions:
        parsed = parse_expression(expression)
        if parsed is None:
            return NOASSERTION
        if type(parsed).__name__ == operator:
            flat += [str(arg.render()) for arg in parsed.args]
        else:
            flat.append(str(parsed.render()))
    unique = list(dict.fromkeys(flat))
    if operator == "AND":
        # a GNU text (read as "-only") beside a notice granting "or later" of that version
        # is the text the notice grants: "GPL-2.0-or-later" covers both
        granted = {u.split(" WITH ")[0] for u in unique}
        unique = [
            u for u in unique
            if not (
                (base := u.split(" WITH ")[0]).endswith("-only")
                and base.removesuffix("-only") + "-or-later" in granted
            )
        ]
    if len(unique) == 1:
        return normalize_expression(unique[0])
    return normalize_expression(
        f" {operator} ".join(f"({u})" if " " in u and " WITH " not in u else u for u in unique)
    )


def _titled(words: tuple[str, ...]) -> str | None:
    """A long legal code wherefrom ships no text for, recognised by the title at its top."""
    head = " ".join(words[:TITLE_WINDOW_WORDS])
    titled = [r for r in load("terms.json")["titles"]["rules"] if r["title"] in head]
    return max(titled, key=lambda r: len(r["title"]))["license"] if titled else None


def _describe(matches: tuple[LicenseMatch, ...]) -> str:
    return ", ".join(f"{m.spdx} (score {m.score:.2f})" for m in matches)


# Every folder below a LICENSE asks about the same text: the answer is kept per process.
@lru_cache(maxsize=512)
def read_license_text(text: str) -> LicenseText:
    """Every licence a license file (or any text) holds, and the SPDX expression they make.
    See `_read_license_text`; answers are kept per process."""
    return _read_license_text(text)


def _read_license_text(text: str) -> LicenseText:
    """Every licence a license file (or any text) holds, and the SPDX expression they make.

    Full texts are found with the SPDX matching rules (`wherefrom.licenses.matching`); several
    texts are joined with AND, or OR where the text states a choice; a licence stack rule
    (data/licenses/stacks.json, e.g. CPython's LICENSE: the PSF licence with the BeOpen, CNRI
    and CWI licences of earlier releases) names the licence the stack grants. A bare GPL/LGPL
    text does not say "only" or "or later"; it is read as "-only", the narrower grant.
    """
    words = tokenize(text)
    matches = find_licenses(text, words)
    for rule in load("stacks.json")["stacks"]:
        found = {m.spdx for m in matches}
        if found & set(rule["any_of"]) and _phrase_in(words.words, rule["statement"]):
            return LicenseText(
                rule["license"],
                matches,
                False,
                rule["name"],
                f"{rule['name']}: {rule['why']} (texts found: {_describe(matches)})",
            )
    if not matches:
        title = _titled(words.words)
        if title is not None:
            return LicenseText(title, (), False, "", f"legal code titled {title}")
        return LicenseText(NOASSERTION, (), False, "", "not a recognised license text")
    # a choice is offered before the texts it names; "(at your option) any later version"
    # inside or after them is the GPL's own wording, not a choice between licences
    choice = states_a_choice(text[: matches[0].start])
    expression = _expression(matches, choice)
    how = "read as a choice" if choice and " OR " in expression else ""
    evidence = f"text matches {_describe(matches)}" + (f", {how}" if how else "")
    return LicenseText(expression, matches, choice, "", evidence)


def license_from_text(text: str) -> tuple[str, float] | None:
    """Identify the text of a LICENSE/COPYING file: (SPDX expression, score in [0, 1]) or
    None. See `read_license_text` for how, and for the matches behind the answer."""
    read = read_license_text(text)
    if read.expression == NOASSERTION:
        return None
    return read.expression, read.score


def license_in_source(text: str) -> LicenseText | None:
    """The licence a source file states in its head: an SPDX-License-Identifier line, else a
    licence text in its header comment (e.g. the zlib notice of Python's sqlite3 module).
    None when it states none, so that the folder's licence applies."""
    head = text[:SOURCE_HEADER_CHARS]
    lines = spdx_identifiers_in(head)
    if lines:
        expression = lines[0] if len(lines) == 1 else normalize_expression(" AND ".join(lines))
        return LicenseText(expression, (), False, "", "SPDX-License-Identifier line")
    # Only the stretches around licence words can hold a licence text: a docstring that says
    # "copyright" once costs a few hundred words to read, not the whole head.
    reads = []
    for begin, end in _licence_stretches(head):
        read = _read_license_text(head[begin:end])  # a file's head is asked about once: not kept
        if read.expression != NOASSERTION and read.matches:
            reads.append((begin, read))
    if not reads:
        return None
    if len(reads) > 1:  # texts in stretches apart: read the head whole, as one statement
        read = _read_license_text(head)
        if read.expression == NOASSERTION or not read.matches:
            return None
        begin = 0
    else:
        begin, read = reads[0]
    matches = tuple(replace(m, start=m.start + begin, end=m.end + begin) for m in read.matches)
    return LicenseText(read.expression, matches, read.choice, read.stack, f"license text in the file: {read.evidence}")


def _licence_stretches(head: str) -> list[tuple[int, int]]:
    """Spans of `head` around its licence words: words less than LICENSE_WORDS_APART apart
    are one stretch, widened by the words a licence text holds before its first licence word
    and after its last (a zlib, MIT or BSD notice, an Apache or GPL header)."""
    stretches: list[list[int]] = []
    lowered = head.lower()
    # Lower case keeps the offsets of almost every text; a case-sensitive search is faster.
    hits = _LICENSE_WORDS_LOWER.finditer(lowered) if len(lowered) == len(head) else _LICENSE_WORDS.finditer(head)
    for found in hits:
        if stretches and found.start() - stretches[-1][1] <= LICENSE_WORDS_APART:
            stretches[-1][1] = found.end()
        else:
            stretches.append([found.start(), found.end()])
    return [(max(0, a - LICENSE_LEAD_CHARS), min(len(head), b + LICENSE_TAIL_CHARS)) for a, b in stretches]


def is_license_file(name: str) -> bool:
    """Whether a file (path or name) is a license file by its name: LICENSE*, LICENCE*,
    COPYING*, UNLICENSE*, or a name ending in -LICENSE / .LICENSE (with .txt, .md or .rst),
    case-insensitive: LICENSE.txt, COPYING.LESSER, LICENSE-MIT, MIT-LICENSE.txt,
    apache-2.0.LICENSE."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return _LICENSE_FILE.match(base) is not None


def is_notice_file(name: str) -> bool:
    """Whether a file is a NOTICE file (Apache-2.0 §4(d): attribution notices to carry on)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return _NOTICE_FILE.match(base) is not None


def _read_text(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_LICENSE_FILE_BYTES)
    except OSError:
        return None
    return data.decode("utf-8", "replace")


def license_of_folder(folder: Path, stop_at: Path | None = None) -> tuple[str, str] | None:
    """The license stated by the LICENSE*/LICENCE*/COPYING* files nearest to `folder`.

    Looks in `folder`, then its parents up to and including `stop_at` (or the filesystem
    root). The first folder holding such files decides (`license_of_files`). Returns (SPDX,
    evidence naming the files) or None when no folder up to `stop_at` holds a license file.
    """
    folder = Path(folder).resolve()
    stop = Path(stop_at).resolve() if stop_at is not None else None
    for level in (folder, *folder.parents):
        if stop is not None and stop != level and stop not in level.parents:
            break
        licenses, notices = _license_files_in(level)
        if licenses:
            return license_of_files(
                [(str(p), _read_text(p) or "") for p in licenses],
                [(str(p), _read_text(p) or "") for p in notices],
            )
        if stop is not None and level == stop:
            break
    return None


@lru_cache(maxsize=4096)
def _license_files_in(level: Path) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """The licence and NOTICE files of one folder, by name; every folder below it asks."""
    try:
        with os.scandir(level) as found:
            names = sorted(e.name for e in found if e.is_file())
    except OSError:
        names = []
    return (tuple(level / n for n in names if is_license_file(n)), tuple(level / n for n in names if is_notice_file(n)))


def _names_its_license(path: str, expression: str) -> bool:
    """LICENSE-MIT, LICENSE.APACHE, LICENSE-BSD: the file name names the licence it holds."""
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = re.sub(r"^(?:licen[cs]e|copying)[-._]?", "", base, flags=re.I).split(".")[0].lower()
    suffix = suffix or base.rsplit(".", 1)[-1].lower()
    return len(suffix) >= 2 and suffix in expression.lower().replace("-", " ").replace(".", " ")


def license_of_files(
    files: Sequence[tuple[str, str]], notices: Sequence[tuple[str, str]] = ()
) -> tuple[str, str]:
    """(SPDX, evidence) of the license files of one folder or archive, as (name, text) pairs.

    Several licences are several sets of terms to honour (AND), unless the files offer a
    choice: a file that says so ("dual licensed under the terms of the Apache License, Version
    2.0, and the BSD License", "at your option"), or LICENSE-<name> files side by side, each
    holding the licence its name names (the LICENSE-APACHE + LICENSE-MIT convention), give OR.
    A notice-only file stating a choice beside full texts is such a statement, not a
    licence of its own; a GNU text (read "-only") beside a notice granting "or later" of the
    same version reads "-or-later", as within one file. A
    file that is neither a recognised licence nor a statement makes the answer NOASSERTION,
    with that file named. NOTICE files decide nothing; they are named in the
    evidence, since Apache-2.0 §4(d) asks to carry them on.
    """
    read = [(name, read_license_text(text)) for name, text in files]
    full = any(any(not m.is_notice for m in r.matches) or r.stack for _, r in read)

    def is_statement(name: str, r: LicenseText) -> bool:
        # a notice offering the texts beside it as a choice ("either of the licenses found
        # in LICENSE.APACHE or LICENSE.BSD") adds nothing to those texts but the choice
        return r.expression == NOASSERTION or (
            full
            and not r.stack
            and all(m.is_notice for m in r.matches)
            and states_a_choice(dict(files)[name])
        )

    statements = [(name, r) for name, r in read if is_statement(name, r)]
    texts = [(name, r) for name, r in read if not is_statement(name, r)]
    choice_files = [name for name, _ in statements if states_a_choice(dict(files)[name])]
    unknown = [
        name for name, r in statements if name not in choice_files and r.expression == NOASSERTION
    ]
    notes = [
        f"{name} (states a choice between the licences beside it)"
        if name in choice_files
        else f"{name} ({r.evidence})"
        for name, r in read
    ]
    notes += [f"{name} (NOTICE file: attribution notices to carry on)" for name, _ in notices]
    evidence = "license file " + "; ".join(notes)
    if not texts or unknown:
        return NOASSERTION, evidence
    expressions = list(dict.fromkeys(r.expression for _, r in texts))
    if len(expressions) == 1:
        return expressions[0], evidence
    by_name = len(texts) > 1 and all(_names_its_license(n, r.expression) for n, r in texts)
    if choice_files or by_name:
        why = (
            f"read as a choice, as {', '.join(choice_files)} states"
            if choice_files
            else "read as a choice: LICENSE-<name> files side by side (the dual-licence convention)"
        )
        return join_expressions(expressions, "OR"), f"{evidence}; {why}"
    return join_expressions(expressions, "AND"), evidence


# --- package metadata -----------------------------------------------------------------------


def _classifier_license(classifier: str) -> str | None:
    parts = [p.strip() for p in classifier.split("::")]
    if len(parts) < 2 or parts[0] != "License" or parts[-1] == "OSI Approved":
        return None
    return str(load("aliases.json")["classifiers"].get(parts[-1], NOASSERTION))


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
    mapped = [
        (c, found) for c in classifiers if (found := _classifier_license(c)) is not None
    ]
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
    license_files = sorted(n for n in members if is_license_file(n))
    if license_files:
        # the license files nearest the archive's root speak for it
        depth = min(n.count("/") for n in license_files)
        nearest = [n for n in license_files if n.count("/") == depth]
        spdx, evidence = license_of_files([(n, members[n]) for n in nearest])
        if spdx != NOASSERTION:
            return spdx, f"{path.name}: {evidence}"
    return NOASSERTION, f"{path.name}: no license in metadata or license files"


def _archive_members(path: Path) -> dict[str, str]:
    """Metadata and license files of an archive, as text."""

    def wanted(name: str) -> bool:
        base = name.rsplit("/", 1)[-1]
        return base in {"METADATA", "PKG-INFO"} or is_license_file(base)

    out: dict[str, str] = {}
    if path.suffix in {".whl", ".zip"}:
        with zipfile.ZipFile(path) as zipped:
            for info in zipped.infolist():
                if (
                    not info.is_dir()
                    and wanted(info.filename)
                    and info.file_size <= MAX_LICENSE_FILE_BYTES
                ):
                    out[info.filename] = zipped.read(info).decode("utf-8", "replace")
        return out
    with tarfile.open(path) as tarred:
        for member in tarred.getmembers():
            if member.isfile() and wanted(member.name) and member.size <= MAX_LICENSE_FILE_BYTES:
                handle = tarred.extractfile(member)
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
        if any(fnmatch.fnmatchcase(relative_path, pattern) for pattern in files.split()):
            found = (spdx, f"debian/copyright Files: {files}")
    return found
