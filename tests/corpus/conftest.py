"""Real files nobody here wrote: the HTML of the Python documentation as Debian ships it
(`python3-doc`, whose HTML lies in the versioned package it depends on), fetched once with
apt and kept under the temporary folder for later runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CACHE = Path(tempfile.gettempdir()) / "wherefrom-test-debs"


def _run(*command: str, cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()[-300:]}")
    return done.stdout


def _download(package: str) -> Path:
    found = sorted(CACHE.glob(f"{package}_*.deb"))
    if not found:
        _run("apt-get", "download", package, cwd=CACHE)
        found = sorted(CACHE.glob(f"{package}_*.deb"))
    return found[-1]


def _html_root(tree: Path) -> Path | None:
    pages = sorted(tree.glob("usr/share/doc/python3*/html/library/json.html"))
    return pages[0].parent.parent if pages else None


@pytest.fixture(scope="session")
def python_doc_html() -> Path:
    """The `html/` folder of the Python documentation from Debian's python3-doc."""
    tree = CACHE / "python3-doc"
    root = _html_root(tree)
    if root is not None:
        return root
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        pytest.skip("needs apt-get and dpkg-deb to fetch Debian's python3-doc")
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        meta = _download("python3-doc")
        # python3-doc is a dependency package: its HTML lies in the pythonX.Y-doc it names
        depends = _run("dpkg-deb", "-f", str(meta), "Depends", cwd=CACHE)
        packages = [meta] + [_download(name) for name in re.findall(r"(python3\.\d+-doc)", depends)[:1]]
        tree.mkdir(exist_ok=True)
        for deb in packages:
            _run("dpkg-deb", "-x", str(deb), str(tree), cwd=CACHE)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"apt could not fetch python3-doc ({error}); run 'apt-get update' first")
    root = _html_root(tree)
    if root is None:
        pytest.skip("python3-doc holds no html/library/json.html")
    return root


def installed_packages(count: int = 6) -> list[dict]:
    """Real code with real provenance: one module of each of `count` installed distributions
    that declare a known licence, with its name, version, authors and licence from the
    distribution's own metadata (what The Stack keeps per file: repository, path, licences,
    blob hash)."""
    import hashlib
    from importlib import metadata

    from wherefrom.licenses.detect import license_from_package_metadata

    found: list[dict] = []
    seen: set[str] = set()
    for dist in sorted(metadata.distributions(), key=lambda d: (d.metadata["Name"] or "").lower()):
        name = dist.metadata["Name"]
        if not name or name.lower() in seen:
            continue
        spdx, _ = license_from_package_metadata(dist.metadata)
        if spdx == "NOASSERTION" or " " in spdx:
            continue
        modules = sorted(
            (f for f in dist.files or () if f.suffix == ".py" and "test" not in str(f)
             and 3000 < (f.locate().stat().st_size if Path(f.locate()).exists() else 0) < 40000),
            key=str,
        )
        if not modules:
            continue
        content = Path(modules[0].locate()).read_text(encoding="utf-8", errors="replace")
        seen.add(name.lower())
        found.append({
            "name": name, "version": dist.version, "license": spdx, "path": str(modules[0]),
            "author": dist.metadata["Author"] or (dist.metadata["Author-email"] or "").split("<")[0].strip(),
            "summary": dist.metadata["Summary"] or "", "content": content,
            "hexsha": hashlib.sha1(content.encode()).hexdigest(),
        })
        if len(found) == count:
            break
    if len(found) < count:
        pytest.skip(f"found only {len(found)} installed distributions with a licence and a module")
    return found
