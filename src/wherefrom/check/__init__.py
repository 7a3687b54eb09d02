"""check: one input -> Report. Routes by kind through the registry (text and code to the
sequence checker, images and melodies to their slices), so every kind comes back as the
same Report.

`wherefrom.check(index, content)` is this package called as a function: Python binds a
subpackage to its parent's attribute of the same name, so the package itself is callable
and the public API's `check` and the package are one object.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from wherefrom import kinds
from wherefrom.check.sequence import check_text
from wherefrom.config import CheckOptions
from wherefrom.errors import BadInputError
from wherefrom.index import Index
from wherefrom.records import Report

MAX_INPUT_BYTES = 32 << 20


def check(
    index: Index, content: str | bytes | Path, *, name: str | None = None, options: CheckOptions | None = None
) -> Report:
    """The Report of one input: `content` is text (checked as text or code), the bytes of
    a file (routed by `name` and content), or the path of a file to read."""
    options = options or CheckOptions()
    if isinstance(content, Path):
        return check_path(index, content, options)
    if isinstance(content, bytes):
        return check_bytes(index, content, name or "-", options)
    return check_text(index, content, name or "-", options)


def check_path(index: Index, path: str | Path, options: CheckOptions | None = None) -> Report:
    """Check a file, routed by its name (and, for `.xml`, its first bytes)."""
    path = Path(path)
    if path.is_dir():
        raise BadInputError(f"{path}: is a folder; name the files to check (e.g. {path}/*.py)")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInputError(f"{path}: cannot read ({error.strerror or error})") from None
    return check_bytes(index, data, display_name(path), options or CheckOptions())


def display_name(path: Path) -> str:
    """An input as reports name it: its path relative to the working directory when it lies
    there (so two `utils.py` stay apart), else as given."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return str(path)
    return path.as_posix()


def check_bytes(index: Index, data: bytes, name: str, options: CheckOptions | None = None) -> Report:
    """Check the bytes of one input named `name`."""
    options = options or CheckOptions()
    if len(data) > MAX_INPUT_BYTES:
        raise BadInputError(f"{name}: {len(data)} bytes, more than the {MAX_INPUT_BYTES} a check reads")
    kind: str = options.kind
    if kind == "auto":
        kind = kinds.media_kind(name, data, query=True) or "text"
    checker = kinds.spec(kind).part("checker")
    return checker(index, data, name, options)


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return check(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["MAX_INPUT_BYTES", "CheckOptions", "check", "check_bytes", "check_path", "check_text"]
