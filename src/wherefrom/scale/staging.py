"""Where the workers of a distributed build leave their finished blocks: the index's own
`staging/` folder on a path every node sees, or object storage (`s3://bucket/prefix`, any
filesystem pyarrow opens from a URI) when the nodes share none. A block in object storage is
complete when its `done.json` exists: it is uploaded last. The driver copies finished blocks
into the index's staging folder before publishing, so publishing is the same either way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from wherefrom.errors import BadInputError, require

DONE = "done.json"


def open_store(uri: str) -> tuple[Any, str]:
    """(pyarrow filesystem, base path) of a staging URI, e.g. s3://bucket/prefix (options
    such as ?endpoint_override=HOST:PORT&scheme=http, credentials from the environment)."""
    fs = require("pyarrow.fs", "--staging", "ray")
    if "://" not in uri:
        raise BadInputError(f"--staging {uri}: give an object storage URI such as s3://bucket/prefix")
    try:
        filesystem, path = fs.FileSystem.from_uri(uri)
    except (ValueError, OSError) as error:
        raise BadInputError(f"--staging {uri}: cannot be opened ({str(error).splitlines()[0]})") from None
    return filesystem, path.rstrip("/")


def upload(uri: str, plan: str, number: int, folder: Path) -> None:
    """Copy a finished block folder to the store, its marker last."""
    filesystem, base = open_store(uri)
    target = f"{base}/{plan}/block-{number:06d}"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p != folder / DONE)
    for path in files:
        _put(filesystem, path, f"{target}/{path.relative_to(folder).as_posix()}")
    _put(filesystem, folder / DONE, f"{target}/{DONE}")


def _put(filesystem: Any, path: Path, key: str) -> None:
    with path.open("rb") as source, filesystem.open_output_stream(key) as out:
        shutil.copyfileobj(source, out, 1 << 22)


def remote_marker(uri: str, plan: str, number: int) -> dict | None:
    filesystem, base = open_store(uri)
    try:
        with filesystem.open_input_stream(f"{base}/{plan}/block-{number:06d}/{DONE}") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError):
        return None


def download(uri: str, plan: str, number: int, folder: Path) -> None:
    """Copy a block from the store into `folder` (replacing what was there), marker last."""
    fs = require("pyarrow.fs", "--staging", "ray")
    filesystem, base = open_store(uri)
    prefix = f"{base}/{plan}/block-{number:06d}"
    temporary = folder.with_name(f".download-{folder.name}")
    shutil.rmtree(temporary, ignore_errors=True)
    infos = filesystem.get_file_info(fs.FileSelector(prefix, recursive=True))
    for info in sorted(infos, key=lambda i: i.path.endswith(DONE)):
        if info.type != fs.FileType.File:
            continue
        local = temporary / info.path[len(prefix) + 1 :]
        local.parent.mkdir(parents=True, exist_ok=True)
        with filesystem.open_input_stream(info.path) as source, local.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 22)
    shutil.rmtree(folder, ignore_errors=True)
    temporary.rename(folder)


def remove_plan(uri: str, plan: str) -> None:
    filesystem, base = open_store(uri)
    try:
        filesystem.delete_dir(f"{base}/{plan}")
    except OSError:
        return
