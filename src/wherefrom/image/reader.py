"""Reading image files into Documents: decoding checks (corrupt or truncated files are
rejected with BadInputError) and provenance from sidecar JSON or a folder metadata file.

Provenance, most specific first: `photo.png.json` or `photo.json` beside the image, then a
row of `metadata.csv` / `metadata.jsonl` in the image's folder (column `file_name`, as in
Hugging Face image folders, or `file`, `filename`, `path`, `image`), then the build defaults.
Keys read: title, authors (list or `;`-separated) or author, license, uri (or url, source),
version, collection.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from wherefrom import kinds
from wherefrom.corpus.provenance import with_license
from wherefrom.errors import BadInputError, require
from wherefrom.records import Document, LicenseSource, Provenance

IMAGE_EXTENSIONS: frozenset[str] = kinds.spec("image").extensions
METADATA_FILES: tuple[str, ...] = ("metadata.jsonl", "metadata.csv")
_NAME_COLUMNS: tuple[str, ...] = ("file_name", "file", "filename", "path", "image")
# A decompression bomb guard: no corpus image needs more than this many pixels.
MAX_PIXELS = 200_000_000


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS


def is_image_metadata(path: Path) -> bool:
    """True for a file that only describes images (a sidecar JSON beside an image, or a
    folder metadata file next to images): folder readers should not index it as a work."""
    if path.name in METADATA_FILES:
        return any(is_image_file(p) for p in path.parent.iterdir() if p.is_file())
    if path.suffix.lower() != ".json":
        return False
    stem = path.with_suffix("")
    if is_image_file(stem) and stem.exists():
        return True
    return any(stem.with_suffix(ext).exists() for ext in IMAGE_EXTENSIONS)


def read_image_file(path: Path, defaults: Provenance) -> Iterator[Document]:
    """Yield one image Document for `path` (the first frame of an animation or a multi-page
    TIFF). Raises BadInputError for a file that does not decode completely."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInputError(f"{path}: cannot read image ({error.strerror or error})") from None
    if path.suffix.lower() == ".svg":
        data = rasterize_svg(data, str(path))
    width, height, fmt = decode_check(data, str(path))
    provenance = image_provenance(path, defaults)
    yield Document(
        content=f"{fmt} {width}x{height}", kind="image", provenance=provenance, data=data
    )


def rasterize_svg(data: bytes, name: str) -> bytes:
    """SVG to PNG bytes through cairosvg when it is installed; otherwise the file is skipped."""
    try:
        import cairosvg
    except ImportError:
        raise BadInputError(
            f"{name}: SVG needs a rasteriser to be indexed: pip install cairosvg"
        ) from None
    try:
        return cairosvg.svg2png(bytestring=data)
    except Exception as error:  # cairosvg raises many types for a malformed file
        raise BadInputError(f"{name}: SVG cannot be rasterised ({error})") from None


def decode_check(data: bytes, name: str) -> tuple[int, int, str]:
    """Decode the whole image once: (width, height, format). Truncated or corrupt data raise
    BadInputError naming the file."""
    image, fmt = open_image(data, name)
    return image.width, image.height, fmt


def open_image(data: bytes, name: str) -> tuple[Any, str]:
    """(a fully decoded RGB PIL image of the first frame, its format name), or BadInputError."""
    pil = require("PIL.Image", "image indexing", "image")
    pil.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with pil.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = pil.open(io.BytesIO(data))
        image.load()
        fmt = image.format or "image"
        rgb = image.convert("RGB")
    except pil.DecompressionBombError:
        raise BadInputError(f"{name}: image has more than {MAX_PIXELS:,} pixels") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as error:
        raise BadInputError(f"{name}: not a readable image ({error})") from None
    if rgb.width < 8 or rgb.height < 8:
        raise BadInputError(f"{name}: image is {rgb.width}x{rgb.height}, smaller than 8x8")
    return rgb, fmt


def image_provenance(path: Path, defaults: Provenance) -> Provenance:
    """Defaults, overridden by the folder's metadata row, overridden by a sidecar JSON."""
    # Each image is its own work: the build-wide URI, if any, is replaced by the file's.
    provenance = replace(defaults, uri=path.resolve().as_uri(), title=defaults.title or path.stem)
    row = _folder_metadata(str(path.parent.resolve()), _mtime(path.parent)).get(path.name)
    if row is not None:
        provenance = _apply(
            provenance, row, f"{path.parent / row['__file__']} row for {path.name}", LicenseSource.FOLDER_METADATA
        )
    for sidecar in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if sidecar.is_file():
            provenance = _apply(provenance, _load_sidecar(sidecar), f"sidecar {sidecar.name}", LicenseSource.SIDECAR)
            break
    return provenance


def _mtime(folder: Path) -> float:
    stamps = [0.0]
    for name in METADATA_FILES:
        candidate = folder / name
        if candidate.is_file():
            stamps.append(candidate.stat().st_mtime)
    return max(stamps)


def _load_sidecar(sidecar: Path) -> dict[str, Any]:
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadInputError(f"{sidecar}: sidecar is not a JSON object ({error})") from None
    if not isinstance(raw, dict):
        raise BadInputError(f"{sidecar}: sidecar must hold a JSON object, got {type(raw).__name__}")
    return raw


@lru_cache(maxsize=256)
def _folder_metadata(folder: str, _stamp: float) -> dict[str, dict[str, Any]]:
    """File name -> metadata row for the metadata files of one folder (cached per folder
    and modification time)."""
    rows: dict[str, dict[str, Any]] = {}
    base = Path(folder)
    for name in METADATA_FILES:
        meta = base / name
        if not meta.is_file():
            continue
        for number, row in enumerate(_metadata_rows(meta), start=1):
            key = next((row[c] for c in _NAME_COLUMNS if row.get(c)), None)
            if not isinstance(key, str):
                raise BadInputError(
                    f"{meta}: row {number} names no image (columns: {'/'.join(_NAME_COLUMNS)})"
                )
            row["__file__"] = name
            rows.setdefault(Path(key).name, row)
    return rows


def _metadata_rows(meta: Path) -> Iterator[dict[str, Any]]:
    try:
        text = meta.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"{meta}: cannot read metadata ({error})") from None
    if meta.suffix == ".csv":
        yield from csv.DictReader(io.StringIO(text))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise BadInputError(f"{meta}: line {number} is not JSON ({error})") from None
        if not isinstance(row, dict):
            raise BadInputError(f"{meta}: line {number} is not a JSON object")
        yield row


def _apply(provenance: Provenance, raw: dict[str, Any], evidence: str, source: LicenseSource) -> Provenance:
    changes: dict[str, Any] = {}
    for field_name, keys in (
        ("title", ("title", "name")),
        ("uri", ("uri", "url", "source")),
        ("version", ("version",)),
        ("collection", ("collection",)),
    ):
        value = next((raw[k] for k in keys if raw.get(k)), None)
        if value is not None:
            changes[field_name] = str(value)
    authors = raw.get("authors") or raw.get("author") or raw.get("creator")
    if isinstance(authors, str):
        changes["authors"] = tuple(a.strip() for a in authors.split(";") if a.strip())
    elif isinstance(authors, list):
        changes["authors"] = tuple(str(a) for a in authors)
    provenance = replace(provenance, **changes)
    license_value = raw.get("license")
    if license_value:
        provenance = with_license(provenance, str(license_value), source, evidence)
    return provenance
