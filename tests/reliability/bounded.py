"""Running a wherefrom command in a child process under a memory limit and a generous
timeout, so a regression to unbounded reading fails a test instead of taking the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Address space of the child: the interpreter with numpy, zstandard and pyarrow mapped
# takes about 400 MB; one document of the 64 MB limit and its normal form fit beside it.
DEFAULT_MEMORY = 1536 << 20

_CHILD = """
import resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from wherefrom.cli import main
sys.exit(main(sys.argv[2:]))
"""


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(*args: str | Path, memory: int = DEFAULT_MEMORY, timeout: float = 300) -> Outcome:
    """`wherefrom ARGS` in a child with at most `memory` bytes of address space. The timeout
    only catches a hang; it is no performance threshold."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(memory), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


_MEASURED = """
import resource, sys
from wherefrom.cli import main
try:
    code = main(sys.argv[2:])
finally:
    with open(sys.argv[1], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
sys.exit(code)
"""


def peak_rss_kib(report: Path, *args: str | Path, timeout: float = 600) -> tuple[int, Outcome]:
    """The child's peak resident memory in KiB (written to `report`) and its outcome."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(report), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env,
    )
    return int(report.read_text()), Outcome(done.returncode, done.stdout, done.stderr)
