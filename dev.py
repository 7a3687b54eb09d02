#!/usr/bin/env python3
"""Set up and run wherefrom on a fresh machine with Python and a C compiler.

    python3 dev.py demo   # virtualenv, install, index the bundled corpus, check a sample output
    python3 dev.py test   # virtualenv with every extra, lint, type check, the whole test suite
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
TEST_EXTRAS = "dev,parquet,licenses,serve,image,music,music-audio,audit,bench,corpora,ray"


def run(*command: str | Path, **kwargs) -> None:  # noqa: ANN003 - subprocess options
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(c) for c in command], check=True, cwd=ROOT, **kwargs)


def ensure_venv(extras: str) -> None:
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    marker = VENV / f".installed-{extras.replace(',', '-') or 'core'}"
    stamp = (ROOT / "pyproject.toml").stat().st_mtime
    if marker.exists() and marker.read_text() == str(stamp):
        return
    if "audit" in extras:
        # The CPU build of torch; a plain 'torch' requirement would pull several GB of CUDA.
        run(BIN / "pip", "install", "--quiet", "torch==2.13.0")
    target = f".[{extras}]" if extras else "."
    run(BIN / "pip", "install", "--quiet", "-e", target)
    marker.write_text(str(stamp))


def demo() -> int:
    ensure_venv("")
    index = Path(tempfile.mkdtemp(prefix="wherefrom-demo-")) / "index"
    run(BIN / "wherefrom", "index", "build", "examples/corpus", "--index", index)
    run(BIN / "wherefrom", "index", "stats", "--index", index)
    print(f"\n$ wherefrom check examples/answer.md --index {index}\n", flush=True)
    subprocess.run([BIN / "wherefrom", "check", "examples/answer.md", "--index", index], cwd=ROOT, check=True)
    print(f"\nThe index is in {index}. To type `wherefrom` yourself: . .venv/bin/activate", flush=True)
    return 0


def test(pytest_args: list[str]) -> int:
    ensure_venv(TEST_EXTRAS)
    run(BIN / "ruff", "check", "src", "tests", "bench")
    run(BIN / "mypy")  # the settings and files are in pyproject.toml
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([BIN / "pytest", *pytest_args], cwd=ROOT, env=env).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test"):
        print(__doc__)
        return 2
    return demo() if sys.argv[1] == "demo" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
