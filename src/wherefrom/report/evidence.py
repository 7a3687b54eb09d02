"""The evidence of a text or code match side by side: the input span and the source span
aligned token by token (what is the same, substituted, inserted or deleted; the renamings of
a renamed copy), with the source's surrounding lines, never more source text than the
snippet limit.

Tokens are the normal form's (case, spacing and punctuation folded), so the view marks what
the matcher counted as an edit; the text shown is each side's own characters.
"""

from __future__ import annotations

import difflib
import html
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from wherefrom.config import CheckOptions
from wherefrom.index import Index
from wherefrom.normalize import NormalForm, get_normalizer
from wherefrom.records import Match, Report

Op = Literal["same", "substituted", "inserted", "deleted"]
# inserted: words of the input the source does not have; deleted: words of the source the
# input leaves out.
_IDENTIFIER = re.compile(r"[^\W\d]\w*\Z")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of tokens with one fate; `input` and `source` are each side's own characters
    (one of them empty for an insertion or a deletion)."""

    op: Op
    input: str
    source: str


@dataclass(frozen=True, slots=True)
class Renaming:
    """A name of the source that the input writes differently, and how often it does."""

    source: str
    input: str
    count: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """One match side by side. `before`/`after` are the source's lines around the copy;
    `truncated` says the source was cut at `limit` characters (everything of the source
    shown, context included, is at most `limit` characters)."""

    pieces: tuple[Piece, ...]
    renamings: tuple[Renaming, ...]
    before: str
    after: str
    truncated: bool
    limit: int

    @property
    def source_chars(self) -> int:
        return len(self.before) + len(self.after) + sum(len(p.source) for p in self.pieces)

    def counts(self) -> dict[str, int]:
        """Pieces per fate other than `same`."""
        counted = Counter(p.op for p in self.pieces if p.op != "same")
        return {op: counted[op] for op in ("substituted", "inserted", "deleted")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "pieces": [{"op": p.op, "input": p.input, "source": p.source} for p in self.pieces],
            "renamings": [{"source": r.source, "input": r.input, "count": r.count} for r in self.renamings],
            "before": self.before,
            "after": self.after,
            "truncated": self.truncated,
            "limit": self.limit,
        }


def _form(text: str, kind: str, language: str) -> NormalForm:
    if kind == "code":
        return get_normalizer("code", language or "python").normalize(text)
    return get_normalizer("text").normalize(text)


def _token_ops(a: NormalForm, b: NormalForm, renamed: bool) -> list[tuple[Op, int, int, int, int]]:
    """(fate, input tokens [i0, i1), source tokens [j0, j1)) in order. A renamed copy is
    aligned on its abstracted channel (names and literals as placeholders), then its
    tokens compared one by one, so every renamed name is a substitution of one token."""
    use_abstract = renamed and a.abstract_ids is not None and b.abstract_ids is not None
    left = (a.abstract_ids if use_abstract else a.ids).tolist()  # type: ignore[union-attr]
    right = (b.abstract_ids if use_abstract else b.ids).tolist()  # type: ignore[union-attr]
    ops: list[tuple[Op, int, int, int, int]] = []
    fate: dict[str, Op] = {"replace": "substituted", "delete": "inserted", "insert": "deleted"}
    for tag, i0, i1, j0, j1 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        if tag != "equal":
            ops.append((fate[tag], i0, i1, j0, j1))
        elif not use_abstract:
            ops.append(("same", i0, i1, j0, j1))
        else:
            for k in range(i1 - i0):
                same = a.ids[i0 + k] == b.ids[j0 + k]
                ops.append(("same" if same else "substituted", i0 + k, i0 + k + 1, j0 + k, j0 + k + 1))
    merged: list[tuple[Op, int, int, int, int]] = []
    for op in ops:
        if merged and merged[-1][0] == op[0] == "same":
            last = merged.pop()
            op = ("same", last[1], op[2], last[3], op[4])
        merged.append(op)
    return merged


def _cut(form: NormalForm, text: str, first: int, last: int, next_first: int) -> tuple[str, str]:
    """The characters of tokens [first, last), and what follows them up to token
    `next_first` (spacing, punctuation), so the pieces put together give the text back."""
    if last <= first:
        return "", ""
    end = int(form.starts[next_first]) if next_first < len(form) else len(text)
    core_end = int(form.ends[last - 1])
    return text[int(form.starts[first]) : core_end], text[core_end:end]


def align(input_text: str, source_text: str, kind: str = "text", *, language: str = "",
          renamed: bool = False) -> tuple[list[Piece], list[Renaming]]:
    """The two texts aligned token by token, and (for code) the names the input renamed."""
    a, b = _form(input_text, kind, language), _form(source_text, kind, language)
    pieces: list[Piece] = []
    renames: Counter[tuple[str, str]] = Counter()
    ops = _token_ops(a, b, renamed)
    for n, (op, i0, i1, j0, j1) in enumerate(ops):
        next_i = next((o[1] for o in ops[n + 1 :] if o[2] > o[1]), len(a))
        next_j = next((o[3] for o in ops[n + 1 :] if o[4] > o[3]), len(b))
        (core_in, gap_in), (core_src, gap_src) = _cut(a, input_text, i0, i1, next_i), _cut(b, source_text, j0, j1, next_j)
        # what the normal form folds away (spacing, punctuation) is never an edit
        piece = Piece(op, core_in + gap_in, core_src + gap_src) if op == "same" else Piece(op, core_in, core_src)
        if op == "substituted" and kind == "code" and i1 - i0 == j1 - j0 == 1:
            old = source_text[int(b.starts[j0]) : int(b.ends[j0])]
            new = input_text[int(a.starts[i0]) : int(a.ends[i0])]
            if _IDENTIFIER.match(old) and _IDENTIFIER.match(new):
                renames[(old, new)] += 1
        gap = None if op == "same" or not (gap_in or gap_src) else Piece("same", gap_in, gap_src)
        for part in (piece, gap):
            if part is None:
                continue
            if pieces and pieces[-1].op == part.op == "same":  # one run reads as one piece
                last = pieces.pop()
                part = Piece("same", last.input + part.input, last.source + part.source)
            pieces.append(part)
    renamings = [Renaming(old, new, count) for (old, new), count in renames.most_common()]
    return pieces, renamings


def _within(pieces: list[Piece], budget: int) -> tuple[list[Piece], bool]:
    """The pieces up to `budget` characters of source text (the input side of the last one
    cut in proportion); True when something was cut."""
    kept: list[Piece] = []
    used = 0
    for piece in pieces:
        if used + len(piece.source) <= budget:
            kept.append(piece)
            used += len(piece.source)
            continue
        room = budget - used
        if room > 0 and piece.source:
            share = room / len(piece.source)
            kept.append(Piece(piece.op, piece.input[: round(len(piece.input) * share)], piece.source[:room]))
        return kept, True
    return kept, False


def _context(text: str, start: int, end: int, budget: int) -> tuple[str, str]:
    """Whole lines of `text` before `start` and after `end`, nearest first, while `budget`
    characters last (shared: the lines before take at most half unless the after side
    needs less)."""
    before_lines = text[:start].split("\n")
    after_lines = text[end:].split("\n")
    # the partial lines the span starts and ends in come first, then whole lines outwards
    before, after = before_lines.pop(), after_lines.pop(0)
    if len(before) + len(after) > budget:
        half = budget // 2
        tail = min(len(after), budget - min(len(before), half))
        return before[len(before) - (budget - tail):] if budget - tail else "", after[:tail]
    room = budget - len(before) - len(after)
    while room > 0 and (before_lines or after_lines):
        grew = False
        if before_lines and len(before_lines[-1]) + 1 <= room:
            line = before_lines.pop()
            before, room, grew = line + "\n" + before, room - len(line) - 1, True
        if after_lines and len(after_lines[0]) + 1 <= room:
            line = after_lines.pop(0)
            after, room, grew = after + "\n" + line, room - len(line) - 1, True
        if not grew:
            break
    return before, after


def evidence(input_text: str, source_text: str, input_span: Sequence[int], source_span: Sequence[int], *,
             kind: str = "text", language: str = "", renamed: bool = False, limit: int = 300) -> Evidence:
    """The Evidence of one match: the two spans aligned, the source's context lines around
    its span, at most `limit` characters of source text in all."""
    s0, s1 = int(source_span[0]), int(source_span[1])
    i0, i1 = int(input_span[0]), int(input_span[1])
    pieces, renamings = align(input_text[i0:i1], source_text[s0:s1], kind, language=language, renamed=renamed)
    kept, truncated = _within(pieces, limit)
    room = limit - sum(len(p.source) for p in kept)
    before, after = ("", "") if truncated else _context(source_text, s0, s1, room)
    return Evidence(tuple(kept), tuple(renamings), before, after, truncated, limit)


def match_evidence(index: Index, report: Report, content: str, limit: int | None = None) -> dict[int, Evidence]:
    """The Evidence of every text or code match whose source text the index keeps, by match
    number (1-based over `report.matches`)."""
    limit = CheckOptions().snippet_chars if limit is None else limit
    out: dict[int, Evidence] = {}
    for number, match in enumerate(report.matches, start=1):
        if match.source is None or len(match.source_span) != 2 or _approximate(match):
            continue
        row = index.document_by_uid(match.source.uid)
        text = index.text(row.doc_id)
        if text is None or row.kind not in ("text", "code"):
            continue
        kind = "code" if row.kind == "code" and report.input.kind == "code" else "text"
        out[number] = evidence(content, text, match.input_span, match.source_span, kind=kind,
                               language=row.language, renamed=match.kind == "renamed", limit=limit)
    return out


def _approximate(match: Match) -> bool:
    return bool(getattr(match.details, "approximate_source_span", False))


_OP_WORDS = {"substituted": "substituted", "inserted": "only in the input", "deleted": "only in the source"}


def _side(pieces: Sequence[Piece], side: Literal["input", "source"]) -> str:
    out = []
    for piece in pieces:
        text = piece.input if side == "input" else piece.source
        if not text:
            continue
        if piece.op == "same":
            out.append(html.escape(text))
        else:
            tag = "ins" if piece.op == "inserted" else "del" if piece.op == "deleted" else "mark"
            out.append(f"<{tag} class='ev-{piece.op}' title='{_OP_WORDS[piece.op]}'>{html.escape(text)}</{tag}>")
    return "".join(out)


def evidence_html(item: Evidence, number: int, source_title: str) -> str:
    """The side-by-side view of one match as HTML (the report's and the page's markup)."""
    counts = item.counts()
    summary = ", ".join(f"{n} {op}" for op, n in counts.items() if n) or "identical up to case, spacing and punctuation"
    source = (f"<span class='ev-context'>{html.escape(item.before)}</span>{_side(item.pieces, 'source')}"
              f"<span class='ev-context'>{html.escape(item.after)}</span>")
    note = (f"<p class='ev-note'>The source is shown up to the {item.limit}-character snippet limit.</p>"
            if item.truncated else "")
    table = ""
    if item.renamings:
        rows = "".join(f"<tr><td><code>{html.escape(r.source)}</code></td><td aria-hidden='true'>→</td>"
                       f"<td><code>{html.escape(r.input)}</code></td><td>{r.count}</td></tr>" for r in item.renamings)
        table = (f"<table class='ev-renamings'><caption>Renamed names (source → input)</caption>"
                 f"<thead><tr><th scope='col'>source</th><th></th><th scope='col'>input</th>"
                 f"<th scope='col'>times</th></tr></thead><tbody>{rows}</tbody></table>")
    return (f"{EVIDENCE_FIGURE} id='ev{number}' tabindex='0' aria-label='evidence of match {number}'>"
            f"<figcaption>Side by side: {html.escape(summary)}.</figcaption>"
            f"<div class='ev-pair'><div class='ev-side'><h4>Input</h4><pre>{_side(item.pieces, 'input')}</pre></div>"
            f"<div class='ev-side'><h4>{html.escape(source_title)}</h4><pre>{source}</pre></div></div>"
            f"{table}{note}</figure>")


EVIDENCE_FIGURE = "<figure class='evidence'"  # how a renderer tells the view from other figures
EVIDENCE_STYLE = (
    ".ev-pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.6rem}"
    ".ev-side pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;padding:.5rem;background:#fbfbfd;"
    "border:1px solid #ccc;border-radius:4px;font:13px/1.5 ui-monospace,monospace}"
    ".ev-side h4{margin:.2rem 0;font-size:.85rem}"
    "mark.ev-substituted{background:#ffd27a;outline:1px solid #b07800}"
    "ins.ev-inserted{background:#c8f0c8;text-decoration:underline}"
    "del.ev-deleted{background:#ffc9c9;text-decoration:line-through}"
    ".ev-context{color:#777}.ev-note{font-size:.8rem;color:#555}"
    ".ev-renamings{border-collapse:collapse;margin:.4rem 0;font-size:.85rem}"
    ".ev-renamings td,.ev-renamings th{padding:.1rem .5rem;border-bottom:1px solid #ddd;text-align:left}"
)


def html_figures(index: Index, report: Report, data: bytes) -> dict[int, str]:
    """The kind registry's figures of text and code: the side-by-side view of every match,
    by match number; `data` is the checked file."""
    content = data.decode("utf-8", "replace")
    titles: Mapping[int, str] = {n: (m.source.title or m.source.uri or m.source.uid) if m.source else ""
                                 for n, m in enumerate(report.matches, start=1)}
    return {n: evidence_html(e, n, titles[n]) for n, e in match_evidence(index, report, content).items()}
