"""Precision and recall of licence detection on real licence files, beside ScanCode's.

Two sets, each with its own ground truth:
- every *.dist-info of a virtualenv: its licence files (dist-info/licenses/*, or LICENSE* /
  COPYING* beside METADATA), read together as one package, against the licence its METADATA
  declares (License-Expression, License or classifiers);
- every machine-readable (DEP-5) /usr/share/doc/*/copyright: the text of each License
  paragraph, against the SPDX id its short name maps to (Expat → MIT, GPL-2+ → ...).
Cases whose declared licence is not an SPDX id (NOASSERTION) are not scored. Counts are
per licence id (exceptions included): a detected id the truth lacks is a false positive,
a declared id not detected a false negative.

    python bench/licenses.py [--site-packages DIR] [--scancode PYTHON] [--limit N]

prints the table and writes it into docs/licenses.md between <!-- begin licenses --> and
<!-- end licenses -->. --scancode names a Python that has scancode-toolkit installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from bench.report import table
from wherefrom.licenses.detect import (
    _debian_expression,
    _debian_paragraphs,
    is_license_file,
    is_notice_file,
    join_expressions,
    license_from_package_metadata,
    license_of_files,
    parse_expression,
)
from wherefrom.records import NOASSERTION

DOC = Path(__file__).resolve().parents[1] / "docs" / "licenses.md"
DEBIAN_DOCS = Path("/usr/share/doc")
MIN_PARAGRAPH_WORDS = 20
DISAGREEMENTS_SHOWN = 12
# A ScanCode run over fewer texts than this times its start-up more than its scanning.
TIMED_SCAN_TEXTS = 100
# ScanCode's Python API, run in its own interpreter: one JSON line per file.
SCANCODE_WORKER = """
import json, sys, warnings
warnings.filterwarnings("ignore")
from scancode import api
for line in sys.stdin:
    path = line.rstrip("\\n")
    try:
        found = api.get_licenses(path, include_text=False)
        expression = found.get("detected_license_expression_spdx") or ""
    except Exception as error:
        expression = "error: %s" % error
    print(json.dumps({"path": path, "expression": expression}), flush=True)
"""


@dataclass(frozen=True, slots=True)
class Case:
    """One thing to identify: its files (name, text) and the licence declared for it."""

    name: str
    files: tuple[tuple[str, str], ...]
    truth: str
    notices: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Score:
    """Per-id counts over a set of cases, and the cases that disagreed."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    exact: int = 0
    answered: int = 0
    cases: int = 0
    seconds: float = 0.0
    disagreements: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, case: Case, detected: str) -> None:
        truth, found = symbols(case.truth), symbols(detected)
        matched = _matched(truth, found)
        self.cases += 1
        self.answered += bool(found)
        self.true_positives += len(matched)
        self.false_positives += len(found - matched)
        self.false_negatives += len({t for t in truth if not _covers(t, found)})
        if found and not (found - matched) and all(_covers(t, found) for t in truth):
            self.exact += 1
        else:
            self.disagreements.append((case.name, case.truth, detected or NOASSERTION))

    @property
    def precision(self) -> float:
        return self.true_positives / max(self.true_positives + self.false_positives, 1)

    @property
    def recall(self) -> float:
        return self.true_positives / max(self.true_positives + self.false_negatives, 1)


def symbols(expression: str) -> set[str]:
    """The licence and exception ids of an SPDX expression (NOASSERTION: none)."""
    if not expression or expression == NOASSERTION or expression.startswith("error"):
        return set()
    parsed = parse_expression(expression)
    if parsed is None:
        return set()
    keys: set[str] = set()
    for symbol in parsed.symbols:
        exception = getattr(symbol, "exception_symbol", None)
        if exception is not None:  # "X WITH E": both ids count
            keys |= {str(symbol.license_symbol.key), str(exception.key)}
        else:
            keys.add(str(symbol.key))
    return keys - {NOASSERTION}


def _covers(truth_id: str, found: set[str]) -> bool:
    # a plain "BSD License" classifier does not say which BSD: any BSD-* text agrees with it
    if truth_id == "LicenseRef-BSD-unspecified":
        return any(f.startswith("BSD-") for f in found)
    return truth_id in found


def _matched(truth: set[str], found: set[str]) -> set[str]:
    if "LicenseRef-BSD-unspecified" in truth:
        return {f for f in found if f in truth or f.startswith("BSD-")}
    return found & truth


# --- the cases --------------------------------------------------------------------------------


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def wheel_cases(site_packages: Path) -> list[Case]:
    cases = []
    for info in sorted(site_packages.glob("*.dist-info")):
        metadata_path = info / "METADATA"
        if not metadata_path.is_file():
            continue
        truth, _ = license_from_package_metadata(HeaderParser().parsestr(_read(metadata_path)))
        folder = info / "licenses" if (info / "licenses").is_dir() else info
        entries = sorted(p for p in folder.iterdir() if p.is_file())
        files = [p for p in entries if is_license_file(p.name)]
        if truth == NOASSERTION or not files:
            continue
        notices = [p for p in entries if is_notice_file(p.name)]
        cases.append(
            Case(
                info.name,
                tuple((str(p), _read(p)) for p in files),
                truth,
                tuple((str(p), _read(p)) for p in notices),
            )
        )
    return cases


def debian_cases(docs: Path = DEBIAN_DOCS) -> list[Case]:
    """One case per distinct (text, declared id) of the License paragraphs of DEP-5 files."""
    seen: set[tuple[str, str]] = set()
    cases = []
    for path in sorted(docs.glob("*/copyright")):
        text = _read(path)
        if not re.match(r"Format:.*copyright-format", text):
            continue
        for paragraph in _debian_paragraphs(text):
            value = paragraph.fields.get("license", "")
            short_name, _, body = value.partition("\n")
            # a line holding "." is an empty line in DEP-5
            body = "\n".join("" if line.strip() == "." else line for line in body.splitlines())
            if len(body.split()) < MIN_PARAGRAPH_WORDS:
                continue
            truth = _debian_expression(short_name)
            if truth == NOASSERTION or (body, truth) in seen:
                continue
            seen.add((body, truth))
            cases.append(Case(f"{path.parent.name}: {short_name}", ((str(path), body),), truth))
    return cases


# --- detectors ------------------------------------------------------------------------------


def run_wherefrom(cases: Iterable[Case]) -> Score:
    score = Score()
    for case in cases:
        start = time.perf_counter()
        detected, _ = license_of_files(list(case.files), list(case.notices))
        score.seconds += time.perf_counter() - start
        score.add(case, detected)
    return score


def run_scancode(python: str, cases: list[Case], cache: Path | None = None) -> tuple[Score, Score]:
    """ScanCode on the same texts: each file written out and scanned on its own, the
    expressions of a case's files joined with AND. Answers are kept in `cache` (by the text's
    SHA-256), so a rerun scans only new texts. Returns ScanCode's answers as they are, and
    with wherefrom's or-later rule applied to them (an "-only" beside the "-or-later" of the
    same licence dropped: ScanCode reads Debian's pointer "/usr/share/common-licenses/GPL-2"
    as GPL-2.0-only beside the notice's GPL-2.0-or-later)."""
    known: dict[str, str] = json.loads(cache.read_text()) if cache and cache.exists() else {}
    digest = {text: hashlib.sha256(text.encode()).hexdigest() for c in cases for _, text in c.files}
    todo = sorted({d for d in digest.values() if d not in known})
    score, adjusted = Score(), Score()
    if todo:
        by_digest = {d: t for t, d in digest.items()}
        with tempfile.TemporaryDirectory() as folder:
            for d in todo:
                (Path(folder) / f"{d}.txt").write_text(by_digest[d], encoding="utf-8")
            listing = "".join(f"{folder}/{d}.txt\n" for d in todo)
            start = time.perf_counter()
            result = subprocess.run(
                [python, "-c", SCANCODE_WORKER], input=listing, capture_output=True, text=True,
                check=False,
            )
            score.seconds = time.perf_counter() - start
        for line in result.stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                known[Path(row["path"]).stem] = row["expression"]
        if cache:
            cache.write_text(json.dumps(known, indent=0, sort_keys=True))
            if len(todo) >= TIMED_SCAN_TEXTS:
                cache.with_suffix(".seconds").write_text(f"{score.seconds / len(todo)}\n")
        score.seconds *= len(digest) / len(todo)
    timing = cache.with_suffix(".seconds") if cache else None
    if timing is not None and timing.exists():
        # the time per text of the last full scan: a few new texts time mostly the start-up
        score.seconds = float(timing.read_text()) * len(digest)
    adjusted.seconds = score.seconds
    for case in cases:
        parts = [known.get(digest[text], "") for _, text in case.files]
        parts = [p for p in parts if p and not p.startswith("error")]
        score.add(case, " AND ".join(f"({p})" for p in parts))
        adjusted.add(case, join_expressions(parts, "AND") if parts else "")
    return score, adjusted


# --- the table ----------------------------------------------------------------------------------


def _row(label: str, tool: str, score: Score) -> list[object]:
    per_case = 1000 * score.seconds / max(score.cases, 1)
    return [
        label, tool, score.cases, f"{score.precision:.3f}", f"{score.recall:.3f}",
        f"{score.exact / max(score.cases, 1):.3f}", f"{score.answered / max(score.cases, 1):.3f}",
        f"{per_case:.1f}",
    ]


def _disagreements(title: str, score: Score) -> list[str]:
    reasons = Counter(truth for _, truth, _ in score.disagreements)
    shown_count = min(DISAGREEMENTS_SHOWN, len(score.disagreements))
    lines = [f"{title}: {len(score.disagreements)} cases disagree; the first {shown_count}:", ""]
    shown = score.disagreements[:DISAGREEMENTS_SHOWN]
    lines += [f"- {name}: declared `{truth}`, detected `{found}`" for name, truth, found in shown]
    common = ", ".join(f"{t} ({n})" for t, n in reasons.most_common(6))
    return [*lines, "", f"Declared licences most often missed or differing: {common}.", ""]


def write_doc(markdown: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    begin, end = "<!-- begin licenses -->", "<!-- end licenses -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text.rstrip()}\n\n{block}\n"
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site-packages", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--scancode", default="", metavar="PYTHON",
                        help="a Python with scancode-toolkit installed, to run it on the same files")
    parser.add_argument("--scancode-cache", type=Path, default=Path(tempfile.gettempdir()) / "wherefrom-scancode.json",
                        help="ScanCode's answers by text digest, so that a rerun scans only new texts")
    parser.add_argument("--limit", type=int, default=0, help="at most N cases per set (0: all)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    sets = {
        f"wheels ({args.site_packages.parent.parent.parent.name or 'venv'})": wheel_cases(args.site_packages),
        "Debian DEP-5 License paragraphs": debian_cases(),
    }
    rows, notes = [], []
    for label, cases in sets.items():
        cases = cases[: args.limit] if args.limit else cases
        ours = run_wherefrom(cases)
        rows.append(_row(label, "wherefrom", ours))
        notes += _disagreements(f"{label}, wherefrom", ours)
        if args.scancode:
            theirs, adjusted = run_scancode(args.scancode, cases, args.scancode_cache)
            rows.append(_row(label, "ScanCode", theirs))
            rows.append(_row(label, "ScanCode, or-later rule applied", adjusted))
            notes += _disagreements(f"{label}, ScanCode", theirs)
    header = ["set", "tool", "cases", "precision", "recall", "exact", "answered", "ms/case"]
    command = "python bench/licenses.py" + (" --scancode PYTHON" if args.scancode else "")
    markdown = "\n".join([
        f"Measured by `{command}` on this machine (2 cores).",
        "",
        table(header, rows),
        "",
        "precision, recall: per licence id over all cases; exact: cases whose ids are all "
        "right and none missing; answered: cases given any licence; ms/case: wall time per "
        "case, per text for ScanCode (its interpreter and index loaded once).",
        "",
        *notes,
    ])
    print(markdown)
    if not args.no_write:
        write_doc(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
