"""One way to say "this test needs optional extra X": skip with the line that installs it."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent package is missing
        return True


def install_line(extra: str) -> str:
    return f"pip install 'wherefrom[{extra}]'"


def needs_extra(extra: str, *modules: str) -> pytest.MarkDecorator:
    """Skip the marked test (or module: `pytestmark = needs_extra(...)`) when a module of
    the extra is not installed."""
    missing = [m for m in modules if _missing(m)]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}: {install_line(extra)}")


def require_extra(extra: str, module: str) -> ModuleType:
    """Import a module of an extra, or skip with the install line."""
    return pytest.importorskip(module, reason=f"needs {module}: {install_line(extra)}")
