"""Robustness: planted copies under edits, real edits between Bible translations, and
precision on original text; scored the same way for wherefrom and every peer.

A case is a passage of 25, 50 or 100 tokens taken from a corpus document, edited by one
family at one rate, and planted between two pieces of original text. A finder recalls it
when the spans it attributes to the right document cover at least 80 % of the planted
passage. Precision is the share of reported spans that lie (at least half) inside a
planted passage.

    python bench/robustness.py [--quick]
"""

from __future__ import annotations

import argparse
import builtins
import keyword
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpora import Corpus, bible_books, original_prose  # noqa: E402
from bench.peers.base import Finder, Found  # noqa: E402

LENGTHS = (25, 50, 100)
RATES = (0.0, 0.05, 0.10, 0.20)
EXTRA_RATES = {"rename": (1.0,)}  # every identifier renamed
TEXT_FAMILIES = ("format", "typos", "insert", "delete", "substitute")
CODE_FAMILIES = ("rename", "reformat", "comments")
RECALL_COVER = 0.8
HOST_TOKENS = 150
BIBLE_PAIRS = ("akjv", "asv", "web", "bbe")
BIBLE_PASSAGE_WORDS = 60

_WORD = re.compile(r"\S+")
_CODE_TOKEN = re.compile(r"\w+|[^\w\s]")
# A name; not a string prefix (the r of r"..." touches its quote), which no rename changes.
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b(?!['\"])")
VOCABULARY = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "was",
    "that",
    "for",
    "it",
    "with",
    "as",
    "on",
    "be",
    "at",
    "by",
    "this",
    "had",
    "not",
    "are",
    "but",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "one",
    "you",
    "were",
    "her",
    "all",
    "she",
    "there",
    "would",
    "their",
    "we",
    "him",
    "been",
    "has",
    "when",
    "who",
    "will",
    "more",
    "no",
    "if",
    "out",
    "so",
    "said",
    "what",
    "up",
    "its",
    "about",
    "into",
    "than",
    "them",
    "can",
    "only",
    "other",
    "new",
    "some",
    "could",
    "time",
    "these",
    "two",
    "may",
    "then",
    "do",
    "first",
    "any",
    "my",
    "now",
    "such",
    "like",
    "our",
    "over",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
]
# Names a rename cannot touch without changing what the code does. (`__builtins__` is a
# dict outside __main__: its dir() lists dict methods, not the builtins.)
_KEEP_NAMES = set(keyword.kwlist) | set(dir(builtins)) | {"self", "cls"}


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    span: tuple[int, int]  # the planted passage, characters of `text`
    sources: tuple[str, ...]  # the document it was copied from, then any other holding it verbatim
    family: str
    rate: float
    length: int


# ---------------------------------------------------------------- edit families


def _pick(rng: random.Random, n: int, rate: float) -> set[int]:
    count = round(rate * n)
    return set(rng.sample(range(n), min(n, count))) if count else set()


def _rebuild_words(
    passage: str, edit: Callable[[int, str], str], rng: random.Random, rate: float
) -> str:
    words = list(_WORD.finditer(passage))
    chosen = _pick(rng, len(words), rate)
    out, last = [], 0
    for i, match in enumerate(words):
        out.append(passage[last : match.start()])
        out.append(edit(i, match.group()) if i in chosen else match.group())
        last = match.end()
    out.append(passage[last:])
    return "".join(out)


def edit_format(passage: str, rate: float, rng: random.Random) -> str:
    """Case, whitespace and punctuation changes on `rate` of the words."""

    def one(_i: int, word: str) -> str:
        choice = rng.randrange(4)
        if choice == 0:
            return word.upper() if not word.isupper() else word.lower()
        if choice == 1:
            return word.rstrip(".,;:!?") or word if word[-1] in ".,;:!?" else word + ","
        if choice == 2:
            return "\n" + word
        return word.capitalize() if word[:1].islower() else word.lower()

    return _rebuild_words(passage, one, rng, rate)


def edit_typos(passage: str, rate: float, rng: random.Random) -> str:
    """One character typo (swap, replace, drop, double) in `rate` of the words."""

    def one(_i: int, word: str) -> str:
        if len(word) < 2:
            return word + rng.choice("aeiou")
        j = rng.randrange(len(word) - 1)
        choice = rng.randrange(4)
        if choice == 0:
            return word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        if choice == 1:
            return word[:j] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[j + 1 :]
        if choice == 2:
            return word[:j] + word[j + 1 :]
        return word[:j] + word[j] + word[j:]

    return _rebuild_words(passage, one, rng, rate)


def edit_insert(passage: str, rate: float, rng: random.Random) -> str:
    return _rebuild_words(passage, lambda _i, w: w + " " + rng.choice(VOCABULARY), rng, rate)


def edit_delete(passage: str, rate: float, rng: random.Random) -> str:
    edited = _rebuild_words(passage, lambda _i, _w: "\0", rng, rate)
    return re.sub(r"\s*\0", "", edited).strip()


def edit_substitute(passage: str, rate: float, rng: random.Random) -> str:
    return _rebuild_words(passage, lambda _i, _w: rng.choice(VOCABULARY), rng, rate)


def edit_rename(passage: str, rate: float, rng: random.Random) -> str:
    """Consistently rename `rate` of the distinct identifiers (keywords, builtins kept)."""
    names = sorted({m.group() for m in _IDENT.finditer(passage)} - _KEEP_NAMES)
    chosen = [names[i] for i in sorted(_pick(rng, len(names), rate))]
    mapping = {name: f"{rng.choice(VOCABULARY)}_{rng.randrange(100)}" for name in chosen}
    return _IDENT.sub(lambda m: mapping.get(m.group(), m.group()), passage)


def _edit_lines(passage: str, rate: float, rng: random.Random, edit: Callable[[str], str]) -> str:
    lines = passage.split("\n")
    chosen = _pick(rng, len(lines), rate)
    return "\n".join(edit(line) if i in chosen else line for i, line in enumerate(lines))


def edit_reformat(passage: str, rate: float, rng: random.Random) -> str:
    """Spacing inside `rate` of the lines changed, or a blank line added."""

    def one(line: str) -> str:
        choice = rng.randrange(3)
        if choice == 0:
            return re.sub(r"\s*([=,+*<>-])\s*", r" \1 ", line.rstrip()) if line.strip() else line
        if choice == 1:
            indent = len(line) - len(line.lstrip())
            return line[:indent] + re.sub(r"(?<=[,(]) +", "", line[indent:])
        return line + "\n"

    return _edit_lines(passage, rate, rng, one)


def edit_comments(passage: str, rate: float, rng: random.Random) -> str:
    """A comment added to, or removed from, `rate` of the lines."""

    def one(line: str) -> str:
        if "#" in line and line.lstrip().startswith("#"):
            return ""
        words = " ".join(rng.choice(VOCABULARY) for _ in range(4))
        if rng.randrange(2) and line.strip():
            return f"{line}  # {words}"
        indent = line[: len(line) - len(line.lstrip())]
        return f"{indent}# {words}\n{line}"

    return _edit_lines(passage, rate, rng, one)


EDITS: dict[str, Callable[[str, float, random.Random], str]] = {
    "format": edit_format,
    "typos": edit_typos,
    "insert": edit_insert,
    "delete": edit_delete,
    "substitute": edit_substitute,
    "rename": edit_rename,
    "reformat": edit_reformat,
    "comments": edit_comments,
}


# ---------------------------------------------------------------- passages and hosts


def _statement_starts(text: str) -> list[int]:
    """0-based numbers of the lines where a Python statement starts (never inside a string),
    so that a cut there leaves every string and bracket balanced."""
    import io
    import tokenize

    starts, expect = set(), True
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if expect and token.type not in skip:
                starts.add(token.start[0] - 1)
                expect = False
            if token.type == tokenize.NEWLINE:
                expect = True
    except (tokenize.TokenError, SyntaxError):
        return []
    return sorted(starts)


def _code_tokens(text: str) -> int:
    """Length in wherefrom's code normal form (comments and layout do not count)."""
    from wherefrom.normalize import get_normalizer

    return len(get_normalizer("code", "python").normalize(text))


def _whole_statements(text: str, tokens: int, rng: random.Random) -> str | None:
    """Whole consecutive statements holding at least `tokens` code tokens, or None."""
    starts = _statement_starts(text)
    if len(starts) < 4:
        return None
    lines = text.split("\n")
    first = rng.randrange(len(starts) - 1)
    for end in starts[first + 1 :] + [len(lines)]:
        passage = "\n".join(lines[starts[first] : end]).strip("\n")
        if _code_tokens(passage) >= tokens:
            return passage
    return None


def pick_passage(
    corpus: Corpus,
    length: int,
    rng: random.Random,
    docs: list[str] | None = None,
    code: bool = False,
) -> tuple[str, str]:
    """(doc_id, passage): `length` words of a text document, or whole statements holding
    `length` to 1.5 x `length` code tokens (cut only between statements, so no string or
    comment is left open)."""
    pool = docs or corpus.doc_ids
    for _ in range(1000):
        doc_id = rng.choice(pool)
        text = corpus.text(doc_id)
        if code:
            passage = _whole_statements(text, length, rng)
            if passage is not None and _code_tokens(passage) <= length * 1.5:
                return doc_id, passage
            continue
        words = list(_WORD.finditer(text))
        if len(words) < length + 2:
            continue
        first = rng.randrange(len(words) - length)
        return doc_id, text[words[first].start() : words[first + length - 1].end()]
    raise RuntimeError(f"{corpus.name}: no document has {length} tokens")


class Hosts:
    """Original text (or code) to plant copies in: none of it is in the benchmark corpus."""

    def __init__(self, code: bool) -> None:
        self.code = code
        if code:
            import matplotlib

            folder = Path(matplotlib.__file__).parent
            self.pieces = [
                p.read_text(encoding="utf-8", errors="replace")
                for p in sorted(folder.glob("*.py"))
                if p.stat().st_size > 5000
            ]
        else:
            self.pieces = [original_prose()]

    def take(self, rng: random.Random, tokens: int = HOST_TOKENS) -> str:
        text = rng.choice(self.pieces)
        if self.code:
            for _ in range(100):
                piece = _whole_statements(rng.choice(self.pieces), tokens, rng)
                if piece is not None:
                    return piece
            raise RuntimeError("no host code with balanced statements found")
        words = text.split()
        first = rng.randrange(max(1, len(words) - tokens))
        return " ".join(words[first : first + tokens])


def make_cases(
    corpus: Corpus,
    per_cell: int,
    *,
    seed: int = 7,
    families: Iterable[str] | None = None,
    lengths: Iterable[int] = LENGTHS,
    rates: Iterable[float] = RATES,
    hosts: Hosts | None = None,
) -> list[Case]:
    code = corpus.kind == "code"
    families = list(families or (CODE_FAMILIES if code else TEXT_FAMILIES))
    hosts = hosts or Hosts(code)
    rng = random.Random(seed)
    texts = {doc_id: corpus.text(doc_id) for doc_id in corpus.doc_ids}
    cases = []
    for family in families:
        for rate in dict.fromkeys((*rates, *EXTRA_RATES.get(family, ()))):
            for length in lengths:
                for _ in range(per_cell):
                    doc_id, passage = pick_passage(corpus, length, rng, code=code)
                    edited = EDITS[family](passage, rate, rng)
                    sep = "\n\n"
                    before, after = hosts.take(rng) + sep, sep + hosts.take(rng)
                    text = before + edited + after
                    holders = tuple(d for d, t in texts.items() if d != doc_id and passage in t)
                    cases.append(
                        Case(
                            text,
                            (len(before), len(before) + len(edited)),
                            (doc_id, *holders),
                            family,
                            rate,
                            length,
                        )
                    )
    return cases


# ---------------------------------------------------------------- scoring


def _covered(spans: list[tuple[int, int]], target: tuple[int, int]) -> int:
    """Characters of `target` covered by the union of `spans`."""
    lo, hi = target
    marks = sorted((max(lo, a), min(hi, b)) for a, b in spans if min(hi, b) > max(lo, a))
    total, end = 0, lo
    for a, b in marks:
        first = max(a, end)
        if b > first:
            total += b - first
            end = b
    return total


def recalled(found: list[Found], span: tuple[int, int], sources: tuple[str, ...] | None) -> bool:
    """The spans attributed to one of `sources` (any span, for a membership-only finder,
    when `sources` is None) cover at least 80 % of `span`."""
    wanted = set(sources or ())
    spans = [f.input_span for f in found if sources is None or wanted.intersection(f.sources)]
    return _covered(spans, span) >= RECALL_COVER * (span[1] - span[0])


def true_reports(found: list[Found], span: tuple[int, int]) -> int:
    return sum(
        1
        for f in found
        if _covered([f.input_span], span) * 2 >= max(1, f.input_span[1] - f.input_span[0])
    )


def safe_find(finder: Finder, text: str) -> list[Found]:
    """`finder.find`, with a failure printed and scored as nothing found."""
    try:
        return finder.find(text)
    except Exception as error:
        print(f"{finder.name} raised: {error!r}", flush=True)
        return []


@dataclass
class Tally:
    cases: int = 0
    hits: int = 0
    reported: int = 0
    true: int = 0
    errors: int = 0  # cases where the finder raised (scored as nothing found)

    @property
    def recall(self) -> float:
        return self.hits / self.cases if self.cases else float("nan")

    @property
    def precision(self) -> float:
        return self.true / self.reported if self.reported else float("nan")


def score(
    finder: Finder, cases: list[Case], membership_only: bool = False, budget_s: float = 0
) -> dict[tuple, Tally]:
    """Tallies keyed by (family, rate, length). With `budget_s`, cases run in a fixed
    shuffled order (every cell gets its share) and scoring stops once the budget is spent;
    each tally counts the cases actually run."""
    import time

    tallies: dict[tuple, Tally] = defaultdict(Tally)
    order = list(cases)
    random.Random(1).shuffle(order)
    started = time.perf_counter()
    for case in order:
        if budget_s and time.perf_counter() - started > budget_s:
            break
        tally = tallies[(case.family, case.rate, case.length)]
        try:
            found = finder.find(case.text)
        except Exception as error:
            tally.errors += 1
            if tally.errors == 1:
                print(f"{finder.name} raised on a {case.family} case: {error!r}", flush=True)
            found = []
        tally.cases += 1
        tally.hits += recalled(found, case.span, None if membership_only else case.sources)
        tally.reported += len(found)
        tally.true += true_reports(found, case.span)
    return tallies


def robustness_table(results: dict[str, dict[tuple, Tally]], notes: dict[str, str]) -> str:
    """One row per (family, rate); per finder the recall at 25/50/100 tokens and precision."""
    from bench.report import table

    finders = list(results)
    keys = sorted(
        {(f, r) for res in results.values() for (f, r, _l) in res},
        key=lambda k: (list(EDITS).index(k[0]), k[1]),
    )
    header = ["family", "rate"]
    for name in finders:
        header += [f"{name}{notes.get(name, '')} R@25/50/100", "P"]
    rows = []
    for family, rate in keys:
        row: list[object] = [family, f"{rate:.0%}"]
        for name in finders:
            res = results[name]
            cells = [res.get((family, rate, length)) for length in LENGTHS]
            row.append("/".join("–" if t is None else f"{t.recall:.2f}" for t in cells))
            reported = sum(t.reported for t in cells if t)
            true = sum(t.true for t in cells if t)
            row.append(f"{true / reported:.2f}" if reported else "–")
        rows.append(row)
    return table(header, rows)


# ---------------------------------------------------------------- Bible translations


def bible_cases(per_pair: int, seed: int = 11, pairs: Iterable[str] = BIBLE_PAIRS) -> list[Case]:
    """Passages of 60 words from other translations; the source is the same KJV book."""
    rng = random.Random(seed)
    cases = []
    for translation in pairs:
        books = list(bible_books(translation))
        for _ in range(per_pair):
            number, _title, text = rng.choice(books)
            words = list(_WORD.finditer(text))
            first = rng.randrange(max(1, len(words) - BIBLE_PASSAGE_WORDS))
            last = min(len(words), first + BIBLE_PASSAGE_WORDS) - 1
            passage = text[words[first].start() : words[last].end()]
            cases.append(
                Case(
                    passage,
                    (0, len(passage)),
                    (f"bible/kjv/{number}.txt",),
                    translation,
                    0.0,
                    BIBLE_PASSAGE_WORDS,
                )
            )
    return cases


def bible_table(finders: dict[str, Finder], cases: list[Case]) -> tuple[str, dict]:
    """Per pair: recall (right KJV book, 80 % of the passage covered), the share of passages
    with any match to the right book, and precision (reported spans naming the right book)."""
    from bench.report import table

    stats: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for name, finder in finders.items():
        for case in cases:
            found = safe_find(finder, case.text)
            cell = stats[(name, case.family)]
            cell[0] += 1
            right = case.sources[0]
            cell[1] += recalled(found, case.span, case.sources)
            cell[2] += any(right in f.sources for f in found)
            cell[3] += len(found)
            cell[4] += sum(1 for f in found if right in f.sources)
    header = ["pair (KJV indexed)", "passages"]
    for name in finders:
        header += [f"{name} recall", "any match", "P"]
    rows = []
    for pair in dict.fromkeys(c.family for c in cases):
        row: list[object] = [f"KJV → {pair.upper()}", stats[(next(iter(finders)), pair)][0]]
        for name in finders:
            n, hit, anyhit, reported, right = stats[(name, pair)]
            row += [
                f"{hit / n:.2f}",
                f"{anyhit / n:.2f}",
                f"{right / reported:.2f}" if reported else "–",
            ]
        rows.append(row)
    return table(header, rows), dict(stats)


# ---------------------------------------------------------------- original text


def original_text_reports(
    finder: Finder, text: str, chunk_chars: int = 6000
) -> list[tuple[Found, str]]:
    """Everything `finder` reports on original text, checked in chunks of about 1,000 words."""
    reported = []
    start = 0
    while start < len(text):
        end = text.find("\n\n", start + chunk_chars)
        end = len(text) if end < 0 else end
        chunk = text[start:end]
        reported += [
            (f, chunk[f.input_span[0] : f.input_span[1]]) for f in safe_find(finder, chunk)
        ]
        start = end
    return reported


def main() -> None:
    from bench import suite

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    suite.main(["--only", "robustness"] + (["--quick"] if args.quick else []))


if __name__ == "__main__":
    main()
