"""Shared fixtures: real distributions from PyPI, downloaded once per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = ("requests==2.31.0", "urllib3==1.26.16", "rich==13.4.2")


@pytest.fixture(scope="session")
def downloaded_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wheels")
    wheels: dict[str, Path] = {}
    for spec in PACKAGES:
        name = spec.split("==")[0]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--dest",
                str(folder),
                "--quiet",
                spec,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        found = sorted(folder.glob(f"{name}-*.whl"))
        if result.returncode != 0 or not found:
            pytest.skip(
                f"pip download {spec} failed (no network or PyPI unreachable): "
                f"{result.stderr.strip()[-200:]}"
            )
        wheels[name] = found[0]
    return wheels
