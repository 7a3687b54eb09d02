"""The text store: documents zstd-compressed in blocks, for verification and snippets."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.index.files import load_array, save_array

BLOCK_BYTES = 1 << 18


class StoreWriter:
    """Appends documents to `store.zst`: consecutive documents share a block of about
    256 KB, each block one zstd frame, so reading one document decompresses one block."""

    def __init__(self, folder: Path, level: int) -> None:
        import zstandard

        self._path = folder / "store.zst"
        self._handle = self._path.open("wb")
        self._compressor = zstandard.ZstdCompressor(level=level)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._block_offsets: list[int] = [0]
        self._rows: list[tuple[int, int, int]] = []  # block, start, length (bytes)
        self._folder = folder

    def add(self, text: str) -> int:
        data = text.encode("utf-8", "surrogatepass")
        if self._pending_bytes and self._pending_bytes + len(data) > BLOCK_BYTES:
            self._flush()
        self._rows.append((len(self._block_offsets) - 1, self._pending_bytes, len(data)))
        self._pending.append(data)
        self._pending_bytes += len(data)
        return len(self._rows) - 1

    def _flush(self) -> None:
        if not self._pending:
            return
        frame = self._compressor.compress(b"".join(self._pending))
        self._handle.write(frame)
        self._block_offsets.append(self._block_offsets[-1] + len(frame))
        self._pending, self._pending_bytes = [], 0

    def finish(self) -> list[Path]:
        self._flush()
        self._handle.close()
        rows = np.array(self._rows, dtype=np.int64).reshape(-1, 3)
        return [
            self._path,
            save_array(self._folder, "store_rows", rows, "<i8"),
            save_array(self._folder, "store_blocks", np.array(self._block_offsets), "<i8"),
        ]


class StoreReader:
    def __init__(self, folder: Path) -> None:
        self._path = folder / "store.zst"
        self._rows = load_array(folder, "store_rows")
        self._blocks = load_array(folder, "store_blocks")
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        # Readers are shared by threads (the service's pool, check_many): a zstd decompressor
        # serves one thread at a time, so each thread keeps its own; the cache is locked.
        self._local = threading.local()
        self._lock = threading.Lock()

    def _decompressor(self) -> Any:
        found = getattr(self._local, "decompressor", None)
        if found is None:
            import zstandard

            found = self._local.decompressor = zstandard.ZstdDecompressor()
        return found

    def text(self, local: int) -> str:
        block, start, length = (int(v) for v in self._rows[local])
        with self._lock:
            data = self._cache.get(block)
            if data is not None:
                self._cache.move_to_end(block)
        if data is None:
            with self._path.open("rb") as handle:
                handle.seek(int(self._blocks[block]))
                frame = handle.read(int(self._blocks[block + 1] - self._blocks[block]))
            data = self._decompressor().decompress(frame)
            with self._lock:
                self._cache[block] = data
                if len(self._cache) > 16:
                    self._cache.popitem(last=False)
        return data[start : start + length].decode("utf-8", "surrogatepass")
