"""Build memory as the corpus grows: wherefrom's peak resident set building nested prefixes
of the mixed corpus (standard libraries, site-packages, man pages, Bibles), each build in a
measured child process with 2 jobs.

    python bench/build_memory.py [--scale MB]   # prints the table and writes its section of docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpora  # noqa: E402
from bench.peers.base import measured_build  # noqa: E402
from bench.report import table, write_section  # noqa: E402
from bench.suite import INDEXES, header, log  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=300, help="largest prefix of the mixed corpus, MB (300)")
    parser.add_argument("--hash-only", action="store_true", help="build hash-only indexes")
    args = parser.parse_args(argv)
    rows = []
    for corpus in corpora.mixed_subsets(args.scale):
        out = INDEXES / f"memory_{corpus.name}"
        log(f"build wherefrom on {corpus.name} ({corpus.n_bytes / 1e6:.0f} MB)")
        result = measured_build("wherefrom", corpus, out, hash_only=args.hash_only)
        shutil.rmtree(out, ignore_errors=True)
        rows.append([
            f"{corpus.n_bytes / 1e6:.0f} MB", len(corpus.doc_ids), f"{result.seconds:.1f}", f"{result.mb_per_s:.1f}",
            f"{result.peak_rss / 1e6:.0f}", f"{result.ratio:.3f}", "ok" if result.ok else result.message,
        ])
        print(table(["corpus", "documents", "build s", "MB/s", "peak RSS MB", "index ÷ corpus", "build"], rows[-1:]))
    body = (
        header("Build memory as the corpus grows (`bench/build_memory.py`)")
        + "\nNested prefixes of the mixed corpus, one segment each, 2 jobs, "
        + ("hash-only" if args.hash_only else "text store included")
        + "; peak RSS is the summed resident set of the build's process tree.\n\n"
        + table(["corpus", "documents", "build s", "MB/s", "peak RSS MB", "index ÷ corpus", "build"], rows)
    )
    write_section("build-memory", body)


if __name__ == "__main__":
    main()
