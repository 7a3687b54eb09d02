"""What every system under test offers the benchmarks: a build into a folder, run in a
subprocess so its time and peak memory are measured the same way for all, and a finder that
reports (input span, source document) pairs for a piece of text.

    python bench/peers/base.py build PEER CORPUS_FOLDER KIND OUT [--hash-only]
"""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpora import Corpus  # noqa: E402

PEERS = {
    "wherefrom": "bench.peers.wherefrom_peer:WherefromPeer",
    "infini-gram": "bench.peers.infinigram:InfiniGramPeer",
    "bloom": "bench.peers.bloom:BloomPeer",
    "minhash-lsh": "bench.peers.minhash:MinHashPeer",
    "copydetect": "bench.peers.copydetect_peer:CopyDetectPeer",
}


@dataclass(frozen=True, slots=True)
class Found:
    """One reported copy: [start, end) characters of the input, and the ids of the source
    documents named for it (paths relative to the corpus folder); empty for a
    membership-only answer."""

    input_span: tuple[int, int]
    sources: tuple[str, ...] = ()
    common: bool = False  # the system says many documents hold it


class Finder(ABC):
    name: str

    @abstractmethod
    def find(self, text: str) -> list[Found]: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class Peer(ABC):
    """A system under test. `build` runs inside the measured subprocess."""

    name: str
    kinds: frozenset[str] = frozenset({"text", "code", "mixed"})

    def available(self) -> str | None:
        """None when usable, else why not (a missing package)."""
        return None

    def version(self) -> str:
        return ""

    @abstractmethod
    def build(self, corpus: Corpus, out: Path, hash_only: bool = False) -> None: ...

    @abstractmethod
    def open(self, corpus: Corpus, out: Path) -> Finder: ...

    def index_bytes(self, out: Path) -> int:
        return folder_bytes(out)


def get_peer(name: str) -> Peer:
    module, _, cls = PEERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)()


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


@dataclass(frozen=True, slots=True)
class BuildResult:
    peer: str
    corpus: str
    seconds: float
    peak_rss: int  # bytes, the process tree's largest summed resident set
    index_bytes: int
    corpus_bytes: int
    ok: bool
    message: str = ""

    @property
    def mb_per_s(self) -> float:
        return self.corpus_bytes / 1e6 / self.seconds if self.seconds else float("nan")

    @property
    def ratio(self) -> float:
        return self.index_bytes / self.corpus_bytes if self.corpus_bytes else float("nan")


def _tree_rss(pid: int, high_water: dict[int, int]) -> int:
    """Summed RSS of the process tree now; records each process' VmHWM (its own peak since
    exec) in `high_water`."""
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    high_water[proc.pid] = int(line.split()[1]) * 1024
    return total


def measured_build(
    peer: str, corpus: Corpus, out: Path, hash_only: bool = False, timeout: float = 1800
) -> BuildResult:
    """Build in a child process; time it and sample the summed RSS of its process tree
    every 20 ms (children such as infini-gram's Rust indexer included), and each process'
    own peak (VmHWM). wait4's ru_maxrss is not used: after fork it counts the parent's pages."""
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "build",
        peer,
        str(corpus.folder.resolve()),
        corpus.kind,
        str(out),
    ]
    if hash_only:
        command.append("--hash-only")
    log = out.parent / f"{out.name}.log"
    peak = 0
    high_water: dict[int, int] = {}
    start = time.perf_counter()
    with open(log, "w") as log_file:
        # copydetect hashes with Python's hash(): a fixed seed keeps its fingerprints valid
        # across processes (the suite runs with the same seed)
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        child = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env)
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_rss(child.pid, high_water))
                stop.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = start + timeout
        status = 0
        while True:
            pid, status, _rusage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                _pid, status, _rusage = os.wait4(child.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
    peak = max(peak, max(high_water.values(), default=0))
    ok = child.returncode == 0
    message = "" if ok else log.read_text(errors="replace")[-600:]
    index_bytes = get_peer(peer).index_bytes(out) if ok else 0
    return BuildResult(peer, corpus.name, seconds, peak, index_bytes, corpus.n_bytes, ok, message)


def _child_main(argv: list[str]) -> int:
    _, peer, folder, kind, out = argv[:5]
    corpus = Corpus(Path(folder).name, Path(folder), kind)
    get_peer(peer).build(corpus, Path(out), hash_only="--hash-only" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
