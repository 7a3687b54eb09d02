"""The text store: documents zstd-compressed in blocks, for verification and snippets.

The first REFERENCE_BYTES of a segment's text are its reference: those blocks are compressed
alone, every later block against the reference as a raw-content dictionary, so text that
repeats what came first (another translation of the same book, the same licence header,
vendored copies) costs little. Reading a later block loads the reference once per reader.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.index.files import load_array, save_array

BLOCK_BYTES = 1 << 18
REFERENCE_BYTES = 1 << 22
WINDOW_LOG = 23  # a window over the whole reference and the block after it
COMPRESSORS = 2  # threads compressing blocks: at level 10 zstd is the build's slowest stage
IN_FLIGHT = 8  # blocks waiting for compression: bounds the writer's memory
# What a reader keeps decompressed: a check verifies a copied verse against every translation,
# each in its own block, and reads windows of the same books again and again.
CACHE_BYTES = 64 << 20


def _dictionary(reference: bytes):
    import zstandard

    return zstandard.ZstdCompressionDict(reference, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


class StoreWriter:
    """Appends documents to `store.zst`: consecutive documents share a block of about
    256 KB, each block one zstd frame, so reading one document decompresses one block.
    Blocks are compressed on worker threads (zstd releases the GIL) while the build goes on;
    each thread has compressors of its own, since a zstd context serves one call at a time."""

    def __init__(self, folder: Path, level: int) -> None:
        import zstandard

        self._path = folder / "store.zst"
        self._handle = self._path.open("wb")
        self._level = level
        self._reference_dictionary: zstandard.ZstdCompressionDict | None = None
        self._local = threading.local()
        self._reference: list[bytes] = []
        self._reference_bytes = 0
        self._reference_blocks = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._block_offsets: list[int] = [0]
        self._rows: list[tuple[int, int, int]] = []  # block, start, length (bytes)
        self._folder = folder
        self._worker = ThreadPoolExecutor(COMPRESSORS, thread_name_prefix="wherefrom-store")
        self._frames: deque[Future[bytes]] = deque()
        self._blocks = 0

    def add(self, text: str) -> int:
        data = text.encode("utf-8", "surrogatepass")
        if self._pending_bytes and self._pending_bytes + len(data) > BLOCK_BYTES:
            self._flush()
        self._rows.append((self._blocks, self._pending_bytes, len(data)))
        self._pending.append(data)
        self._pending_bytes += len(data)
        return len(self._rows) - 1

    def _flush(self) -> None:
        if not self._pending:
            return
        block = b"".join(self._pending)
        self._pending, self._pending_bytes = [], 0
        self._blocks += 1
        self._frames.append(self._worker.submit(self._compress, block, self._reference_dictionary))
        if self._reference_dictionary is None:
            self._reference.append(block)
            self._reference_bytes += len(block)
            if self._reference_bytes >= REFERENCE_BYTES:
                self._reference_dictionary = _dictionary(b"".join(self._reference))
                self._reference_blocks = self._blocks
                self._reference = []
        while len(self._frames) > IN_FLIGHT:
            self._write(self._frames.popleft().result())

    def _compress(self, block: bytes, dictionary) -> bytes:
        """On a worker thread: one block, alone or against the reference."""
        import zstandard

        local = self._local
        if dictionary is None:
            if getattr(local, "alone", None) is None:
                local.alone = zstandard.ZstdCompressor(level=self._level)
            return local.alone.compress(block)
        if getattr(local, "against", None) is None:
            params = zstandard.ZstdCompressionParameters.from_level(self._level, window_log=WINDOW_LOG)
            local.against = zstandard.ZstdCompressor(dict_data=_dictionary(dictionary.as_bytes()), compression_params=params)
        return local.against.compress(block)

    def _write(self, frame: bytes) -> None:
        self._handle.write(frame)
        self._block_offsets.append(self._block_offsets[-1] + len(frame))

    def finish(self) -> list[Path]:
        try:
            self._flush()
            while self._frames:
                self._write(self._frames.popleft().result())
        finally:
            self._worker.shutdown(wait=True)
            self._handle.close()
        rows = np.array(self._rows, dtype=np.int64).reshape(-1, 3)
        return [
            self._path,
            save_array(self._folder, "store_rows", rows, "<i8"),
            save_array(self._folder, "store_blocks", np.array(self._block_offsets), "<i8"),
            save_array(self._folder, "store_reference", np.array([self._reference_blocks]), "<i8"),
        ]


class StoreReader:
    """Reads documents back; safe to share between threads."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / "store.zst"
        self._rows = load_array(folder, "store_rows")
        self._blocks = load_array(folder, "store_blocks")
        self._reference_blocks = int(load_array(folder, "store_reference")[0])
        # Decompressed blocks and decoded documents, least recently used first, with their bytes.
        self._blocks_read: OrderedDict[int, tuple[bytes, int]] = OrderedDict()
        self._texts: OrderedDict[int, tuple[str, int]] = OrderedDict()
        self._cached_bytes = 0
        self._reference: bytes | None = None
        # Readers are shared by threads (the service's pool, check_many): a zstd decompressor
        # serves one thread at a time, so each thread keeps its own; the caches are locked and
        # blocks are decompressed outside the lock.
        self._local = threading.local()
        self._lock = threading.Lock()
        self._reference_lock = threading.Lock()

    def text(self, local: int) -> str:
        with self._lock:
            found = self._texts.get(local)
            if found is not None:
                self._texts.move_to_end(local)
                return found[0]
            block, start, length = (int(v) for v in self._rows[local])
            read = self._blocks_read.get(block)
            if read is not None:
                self._blocks_read.move_to_end(block)
        data = read[0] if read is not None else self._decompress(block)
        text = data[start : start + length].decode("utf-8", "surrogatepass")
        with self._lock:
            if read is None:
                self._remember(self._blocks_read, block, data, len(data))
            self._remember(self._texts, local, text, length)
        return text

    def _remember(self, cache: OrderedDict, key: int, value: bytes | str, size: int) -> None:
        if key in cache:  # another thread read it meanwhile
            cache.move_to_end(key)
            return
        cache[key] = (value, size)
        self._cached_bytes += size
        while self._cached_bytes > CACHE_BYTES and len(self._blocks_read) + len(self._texts) > 2:
            oldest = self._blocks_read if len(self._blocks_read) > len(self._texts) else self._texts
            self._cached_bytes -= oldest.popitem(last=False)[1][1]

    def _frame(self, block: int) -> bytes:
        with self._path.open("rb") as handle:
            handle.seek(int(self._blocks[block]))
            return handle.read(int(self._blocks[block + 1] - self._blocks[block]))

    def _decompressor(self, against_reference: bool) -> Any:
        import zstandard

        name = "against" if against_reference else "alone"
        found = getattr(self._local, name, None)
        if found is None:
            if against_reference:
                found = zstandard.ZstdDecompressor(dict_data=_dictionary(self._reference_bytes()))
            else:
                found = zstandard.ZstdDecompressor()
            setattr(self._local, name, found)
        return found

    def _reference_bytes(self) -> bytes:
        with self._reference_lock:
            if self._reference is None:
                alone = self._decompressor(False)
                self._reference = b"".join(alone.decompress(self._frame(b)) for b in range(self._reference_blocks))
            return self._reference

    def _decompress(self, block: int) -> bytes:
        against_reference = 0 < self._reference_blocks <= block
        return self._decompressor(against_reference).decompress(self._frame(block))
