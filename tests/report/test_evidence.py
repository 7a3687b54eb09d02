"""The evidence side by side: the input span and the source span aligned token by token,
with substituted, inserted and deleted words marked, the renamings of renamed code, the
source's context lines, and never more source text than the snippet limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wherefrom.check import check_path
from wherefrom.report.evidence import align, evidence, html_figures, match_evidence
from wherefrom.report.render import RenderItem, render_html

ROOT = Path(__file__).resolve().parents[2]
POEM = ("Shall I compare thee to a summer's day? Thou art more lovely and more temperate: "
        "Rough winds do shake the darling buds of May, And summer's lease hath all too short a date.")
CODE = '''def smooth(series, size):
    out = []
    for i in range(len(series) - size + 1):
        part = sorted(series[i:i + size])
        out.append(part[size // 2])
    return out
'''


def test_a_substituted_an_inserted_and_a_deleted_word_are_marked() -> None:
    edited = POEM.replace("more temperate", "more gentle").replace("more lovely", "more very lovely")
    edited = edited.replace("darling buds", "buds")
    pieces, renamings = align(edited, POEM)
    changed = [(p.op, p.input.strip(), p.source.strip()) for p in pieces if p.op != "same"]
    assert changed == [("inserted", "very", ""), ("substituted", "gentle", "temperate"), ("deleted", "", "darling")]
    assert renamings == []
    # put together, each side gives its own text back
    assert "".join(p.input for p in pieces) == edited and "".join(p.source for p in pieces) == POEM


def test_renamed_code_gives_the_table_of_renamings() -> None:
    renamed = CODE.replace("series", "values").replace("out", "total")
    pieces, renamings = align(renamed, CODE, "code", language="python", renamed=True)
    assert [(r.source, r.input, r.count) for r in renamings] == [("series", "values", 3), ("out", "total", 3)]
    assert {p.op for p in pieces} == {"same", "substituted"}


def test_context_lines_and_the_snippet_limit() -> None:
    source = "# stats helpers\nimport math\n\n" + CODE + "\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n"
    start = source.index("def smooth")
    span = (start, start + len(CODE))
    found = evidence(CODE, source, (0, len(CODE)), span, kind="code", language="python", limit=300)
    assert not found.truncated and found.source_chars <= 300
    assert found.before.endswith("import math\n\n") and "def mean" in found.after
    short = evidence(CODE, source, (0, len(CODE)), span, kind="code", language="python", limit=60)
    assert short.truncated and short.source_chars == 60 and short.before == short.after == ""


@settings(max_examples=60, deadline=None)
@given(limit=st.integers(0, 400), lead=st.integers(0, 120))
def test_never_more_source_text_than_the_limit(limit: int, lead: int) -> None:
    source = ("line of preamble\n" * 8)[:lead] + POEM + "\nafter the poem\n" * 5
    start = source.index("Shall")
    found = evidence(POEM.upper(), source, (0, len(POEM)), (start, start + len(POEM)), limit=limit)
    assert found.source_chars <= limit


def test_the_html_report_shows_the_evidence(make_index, tmp_path) -> None:
    index = make_index(records=[{"text": POEM, "title": "Sonnet XVIII", "license": "CC0-1.0"}])
    answer = tmp_path / "answer.txt"
    answer.write_text("My poem: " + POEM.replace("darling", "lovely little"), encoding="utf-8")
    report = check_path(index, answer)
    figures = html_figures(index, report, answer.read_bytes())
    page = render_html([RenderItem(report, answer.read_text(encoding="utf-8"), figures)])
    assert "<mark class='ev-substituted' title='substituted'>lovely little</mark>" in page
    assert "<h4>Sonnet XVIII</h4>" in page and "tabindex='0'" in page
    assert "<blockquote>" not in page  # the view replaces the snippet: no more source text than the limit
    assert match_evidence(index, report, answer.read_text(encoding="utf-8"))[1].counts()["substituted"] == 1

    out = subprocess.run([sys.executable, "-m", "wherefrom.cli", "check", str(answer), "--index", str(index.path),
                          "--format", "html"], capture_output=True, text=True, check=False,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "class='ev-substituted'" in out.stdout and "lovely little" in out.stdout
