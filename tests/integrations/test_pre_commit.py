"""The pre-commit hook with the real `pre-commit` tool: a throwaway repository commits a
function copied from a GPL work (refused, exit 1, the file named) and an original one
(accepted). pre-commit installs wherefrom from a snapshot of this checkout into its own
environment, with pip, so the test needs the network once per cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.samples import SMOOTH
from wherefrom.build import build_index
from wherefrom.records import Provenance

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(PRE_COMMIT).exists(), reason="needs pre-commit: pip install 'wherefrom[dev]'"),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]

GPL_FUNCTION = SMOOTH

ORIGINAL = '''def greet(names):
    """Say hello to each person on the guest list, loudest first."""
    ordered = sorted(names, key=len, reverse=True)
    return [f"Hello, {name}!" for name in ordered]
'''


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def snapshot_of_this_checkout(target: Path) -> str:
    """This checkout's package as a committed repository (pre-commit reads the hooks and
    installs the package from a commit); returns the commit."""
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A", "-f")
    assert git(target, "commit", "-q", "-m", "snapshot").returncode == 0
    return git(target, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("pre-commit")
    hook_repo = base / "wherefrom"
    hook_repo.mkdir()
    rev = snapshot_of_this_checkout(hook_repo)
    corpus = base / "corpus"
    (corpus / "medfilt").mkdir(parents=True)
    (corpus / "medfilt" / "smooth.py").write_text(GPL_FUNCTION, encoding="utf-8")
    index = base / "index"
    build_index([corpus], index, defaults=Provenance(license="GPL-3.0-only", license_evidence="test"))
    project = base / "project"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "cache"), "NO_COLOR": "1"}
    env.pop("WHEREFROM_INDEX", None)
    env.pop("PYTHONPATH", None)  # the hook runs the wherefrom pre-commit installed, not this checkout
    return hook_repo, rev, index, project, env


def test_a_commit_copying_a_gpl_function_is_refused_and_an_original_one_goes_through(setup) -> None:
    hook_repo, rev, index, project, env = setup
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: wherefrom\n    args: [--index, {index}]\n",
        encoding="utf-8",
    )
    installed = subprocess.run([PRE_COMMIT, "install"], cwd=project, env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    git(project, "add", ".pre-commit-config.yaml")

    (project / "filters.py").write_text("import statistics\n\n\n" + GPL_FUNCTION, encoding="utf-8")
    (project / "notes.md").write_text("A work in progress, not staged.\n", encoding="utf-8")
    git(project, "add", "filters.py")
    refused = git(project, "commit", "-m", "add a filter")
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert "filters.py (code" in output and "RESTRICTED" in output and "GPL-3.0-only" in output
    assert "notes.md" not in output  # staged files only
    assert git(project, "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # nothing was committed

    git(project, "rm", "-q", "--cached", "filters.py")
    (project / "greet.py").write_text(ORIGINAL, encoding="utf-8")
    git(project, "add", "greet.py")
    accepted = git(project, "commit", "-m", "add a greeting")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "wherefrom (copies of indexed sources)" in accepted.stderr and "Passed" in accepted.stderr


def test_try_repo_takes_the_index_from_the_environment(setup) -> None:
    hook_repo, rev, index, project, env = setup
    (project / "copied.py").write_text(GPL_FUNCTION, encoding="utf-8")
    (project / "mine.py").write_text(ORIGINAL, encoding="utf-8")
    env = {**env, "WHEREFROM_INDEX": str(index)}
    run = [PRE_COMMIT, "try-repo", str(hook_repo), "wherefrom", "--ref", rev, "--files"]
    refused = subprocess.run([*run, "copied.py"], cwd=project, env=env, capture_output=True, text=True)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "copied.py (code" in refused.stdout and "RESTRICTED" in refused.stdout
    accepted = subprocess.run([*run, "mine.py"], cwd=project, env=env, capture_output=True, text=True)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
