"""Every Python example of README.md and docs/*.md runs as written, in a fresh folder that
holds a copy of `examples/`. Comment lines right after a `print(...)` line are its expected
output: each printed line must start with the comment's text."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from wherefrom.errors import MissingExtraError

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = [
    (doc, number, block)
    for doc in DOCS
    for number, block in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL))
]


def expected_output(block: str) -> list[str]:
    lines = block.splitlines()
    expected: list[str] = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith("print("):
            for following in lines[i + 1 :]:
                if not following.startswith("# "):
                    break
                expected.append(following[2:])
    return expected


def test_the_readme_has_a_python_example() -> None:
    assert any(doc.name == "README.md" for doc, _, _ in EXAMPLES)


@pytest.mark.parametrize(("doc", "number", "block"), EXAMPLES,
                         ids=[f"{doc.name}-{number}" for doc, number, _ in EXAMPLES])
def test_example_runs(doc: Path, number: int, block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"{doc.name} example {number}", "exec"), {"__name__": "__doc_example__"})
    except MissingExtraError as error:
        pytest.skip(str(error))
    except ModuleNotFoundError as error:
        pytest.skip(f"{doc.name} example {number} needs {error.name}")
    printed = out.getvalue().splitlines()
    expected = expected_output(block)
    assert len(printed) >= len(expected), printed
    for want, got in zip(expected, printed, strict=False):
        assert got.startswith(want), f"{doc.name} example {number}: printed {got!r}, the page says {want!r}"
