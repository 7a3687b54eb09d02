"""The image part of an index segment: `<segment>/images/`, written once by
ImageSegmentWriter and read by ImageSegment.

Files (little-endian .npy arrays; `images.json` holds the format version, the descriptor
parameters and the size of every file; their checksums are the segment's, in segment.json,
written and verified with every other file of the segment by `wherefrom.index.files`):
  doc_ids.npy     int64[n]       builder's doc_id per image row
  sizes.npy       int32[n, 2]    width, height in pixels
  phash.npy       uint8[n, 8]    64-bit perceptual hash
  offsets.npy     int64[n + 1]   row i owns local features offsets[i]:offsets[i+1]
  local_desc.npy  uint8[m, 32]   ORB descriptors
  local_xy.npy    float32[m, 2]  keypoint positions in the image's own pixels
  thumbs.bin, thumb_offsets.npy  JPEG thumbnails (longer side 256) for verification and display
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.config import IndexConfig
from wherefrom.errors import BadInputError, IncompatibleIndexError, IndexCorruptError
from wherefrom.image import descriptors as D  # noqa: N812 - the descriptor namespace
from wherefrom.image.reader import open_image
from wherefrom.records import Document

IMAGE_FORMAT_VERSION = 2  # 2: checksums live in the segment's segment.json
MANIFEST = "images.json"
CORPUS_FEATURES = 500
THUMB_QUALITY = 90

_ARRAYS: dict[str, tuple[str, int]] = {  # name -> (dtype, columns; 0 for a vector)
    "doc_ids": ("<i8", 0),
    "sizes": ("<i4", 2),
    "phash": ("|u1", D.HASH_BYTES),
    "offsets": ("<i8", 0),
    "local_desc": ("|u1", D.ORB_BYTES),
    "local_xy": ("<f4", 2),
    "thumb_offsets": ("<i8", 0),
}


def descriptor_parameters() -> dict[str, Any]:
    """What a query must compute the same way; a segment written with others is refused."""
    return {
        "phash": "dct-32-8",
        "local": "orb",
        "corpus_features": CORPUS_FEATURES,
        "feature_side": D.FEATURE_SIDE,
        "thumb_side": D.THUMB_SIDE,
    }


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def open_part(segment_folder: Path, config: IndexConfig) -> ImageSegmentWriter:
    """The image part of a segment being written (the kind registry's `index_part`): a
    hash-only index keeps no thumbnails."""
    return ImageSegmentWriter(segment_folder / "images", thumbnails=not config.hash_only)


class ImageSegmentWriter:
    """Collects the descriptors of one segment's images and writes them on `finish`.

    `thumbnails=False` keeps no pixels of the works (for a hash-only index): matches are then
    verified by geometry alone and report no tiled ℓ2.
    """

    def __init__(self, folder: Path, *, thumbnails: bool = True) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.thumbnails = thumbnails
        self._doc_ids: list[int] = []
        self._sizes: list[tuple[int, int]] = []
        self._hashes: list[np.ndarray] = []
        self._xy: list[np.ndarray] = []
        self._desc: list[np.ndarray] = []
        self._thumbs: list[bytes] = []
        self._finished = False

    def add(self, doc_id: int, document: Document) -> None:
        if self._finished:
            raise RuntimeError("ImageSegmentWriter.add after finish")
        name = document.provenance.uri or f"document {doc_id}"
        if document.data is None:
            raise BadInputError(f"{name}: image document carries no image bytes")
        image, _ = open_image(document.data, name)
        rgb = D.to_array(image)
        features = D.describe(rgb, CORPUS_FEATURES)
        self._doc_ids.append(int(doc_id))
        self._sizes.append((features.width, features.height))
        self._hashes.append(features.phash)
        self._xy.append(features.xy)
        self._desc.append(features.descriptors)
        if self.thumbnails:
            self._thumbs.append(encode_thumbnail(D.thumbnail(rgb)))

    def __len__(self) -> int:
        return len(self._doc_ids)

    def finish(self) -> list[Path]:
        """Write every file, fsync each and the folder; return the paths written."""
        self._finished = True
        counts = [len(x) for x in self._xy]
        arrays = {
            "doc_ids": np.array(self._doc_ids, dtype="<i8"),
            "sizes": np.array(self._sizes, dtype="<i4").reshape(-1, 2),
            "phash": np.array(self._hashes, dtype="|u1").reshape(-1, D.HASH_BYTES),
            "offsets": np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype("<i8"),
            "local_desc": _stack(self._desc, (0, D.ORB_BYTES), "|u1"),
            "local_xy": _stack(self._xy, (0, 2), "<f4"),
            "thumb_offsets": np.concatenate(
                [[0], np.cumsum([len(t) for t in self._thumbs], dtype=np.int64)]
            ).astype("<i8"),
        }
        written: list[Path] = []
        files: dict[str, dict[str, Any]] = {}
        payloads = {f"{name}.npy": _npy_bytes(array) for name, array in arrays.items()}
        payloads["thumbs.bin"] = b"".join(self._thumbs)
        for file_name, payload in payloads.items():
            path = self.folder / file_name
            path.write_bytes(payload)
            files[file_name] = {"bytes": len(payload)}
            written.append(path)
        manifest = {
            "format_version": IMAGE_FORMAT_VERSION,
            "images": len(self._doc_ids),
            "local_features": int(arrays["offsets"][-1]),
            "thumbnails": self.thumbnails,
            "descriptors": descriptor_parameters(),
            "files": files,
        }
        path = self.folder / MANIFEST
        path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        written.append(path)
        return written  # the segment's write_checksums fsyncs them with every other file


def _stack(parts: list[np.ndarray], empty: tuple[int, int], dtype: str) -> np.ndarray:
    if not parts:
        return np.zeros(empty, dtype=dtype)
    return np.ascontiguousarray(np.concatenate(parts).astype(dtype))


def encode_thumbnail(rgb: np.ndarray) -> bytes:
    cv2 = D.cv2_module()
    ok, buffer = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY]
    )
    if not ok:
        raise BadInputError("thumbnail could not be encoded")
    return buffer.tobytes()


def decode_thumbnail(payload: bytes) -> np.ndarray:
    cv2 = D.cv2_module()
    bgr = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@dataclass
class ImageSegment:
    """One published image segment, read-only; faiss indexes are built on first use."""

    folder: Path
    doc_ids: np.ndarray
    sizes: np.ndarray
    phash: np.ndarray
    offsets: np.ndarray
    local_desc: np.ndarray
    local_xy: np.ndarray
    thumb_offsets: np.ndarray
    thumbs: bytes
    has_thumbnails: bool
    local_owner: np.ndarray = field(init=False)
    _hash_index: Any = field(default=None, init=False, repr=False)
    _local_index: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        counts = np.diff(self.offsets)
        self.local_owner = np.repeat(np.arange(len(self.doc_ids), dtype=np.int64), counts)

    @classmethod
    def open(cls, folder: Path) -> ImageSegment:
        """Read an image part; sizes are checked here, checksums with the whole segment when
        its Index is opened with `verify` (and by `wherefrom index verify`)."""
        folder = Path(folder)
        manifest_path = folder / MANIFEST
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise IndexCorruptError(f"{manifest_path}: unreadable image manifest ({error})") from None
        if manifest.get("format_version") != IMAGE_FORMAT_VERSION:
            raise IncompatibleIndexError(
                f"{manifest_path}: image format {manifest.get('format_version')}, this wherefrom "
                f"reads {IMAGE_FORMAT_VERSION}; rebuild the index"
            )
        if manifest.get("descriptors") != descriptor_parameters():
            raise IncompatibleIndexError(
                f"{manifest_path}: image descriptors {manifest.get('descriptors')} differ from "
                f"this wherefrom's {descriptor_parameters()}; rebuild the index"
            )
        payloads: dict[str, bytes] = {}
        for file_name, facts in manifest["files"].items():
            path = folder / file_name
            try:
                payload = path.read_bytes()
            except OSError as error:
                raise IndexCorruptError(f"{path}: missing image index file ({error.strerror})") from None
            if len(payload) != facts["bytes"]:
                raise IndexCorruptError(f"{path}: {len(payload)} bytes, {facts['bytes']} were published; the index is damaged")
            payloads[file_name] = payload
        arrays = {name: _load_npy(payloads[f"{name}.npy"], folder / f"{name}.npy") for name in _ARRAYS}
        return cls(
            folder=folder, thumbs=payloads["thumbs.bin"], has_thumbnails=bool(manifest["thumbnails"]),
            **arrays,
        )

    def __len__(self) -> int:
        return len(self.doc_ids)

    def thumbnail(self, row: int) -> np.ndarray | None:
        if not self.has_thumbnails:
            return None
        start, end = int(self.thumb_offsets[row]), int(self.thumb_offsets[row + 1])
        return decode_thumbnail(self.thumbs[start:end])

    def features(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return self.local_xy[start:end], self.local_desc[start:end]

    def hash_index(self) -> Any:
        if self._hash_index is None:
            faiss = _faiss()
            self._hash_index = faiss.IndexBinaryFlat(D.HASH_BYTES * 8)
            if len(self.phash):
                self._hash_index.add(np.ascontiguousarray(self.phash))
        return self._hash_index

    def local_index(self) -> Any:
        if self._local_index is None:
            faiss = _faiss()
            self._local_index = faiss.IndexBinaryFlat(D.ORB_BYTES * 8)
            if len(self.local_desc):
                self._local_index.add(np.ascontiguousarray(self.local_desc))
        return self._local_index


def _faiss() -> Any:
    from wherefrom.errors import require

    faiss = require("faiss", "image search", "image")
    # One query's few thousand descriptors are scanned fastest on one thread: OpenMP
    # start-up and spinning cost more than they save, and hurt badly on a busy machine.
    faiss.omp_set_num_threads(1)
    return faiss


def _load_npy(payload: bytes, path: Path) -> np.ndarray:
    import io

    try:
        array = np.load(io.BytesIO(payload), allow_pickle=False)
    except ValueError as error:
        raise IndexCorruptError(f"{path}: not a NumPy array file ({error})") from None
    dtype, columns = _ARRAYS[path.stem]
    if array.dtype != np.dtype(dtype) or (columns and (array.ndim != 2 or array.shape[1] != columns)):
        raise IndexCorruptError(f"{path}: unexpected array type {array.dtype}{array.shape}")
    return array
