"""Index the local Python standard library and check a file of three copied functions.

    python bench/stdlib.py            # prints a table and writes its section of docs/benchmarks.md
"""

from __future__ import annotations

import ast
import random
import sysconfig
import tempfile
import time
from pathlib import Path

from wherefrom.build import build_index
from wherefrom.check import CheckOptions, check_text
from wherefrom.index import Index

STDLIB = Path(sysconfig.get_paths()["stdlib"])
ORIGINAL = '''
TALLY_LIMIT = 10


def tally_votes(ballots):
    """Count ballots per candidate, ignoring blank ones."""
    counts = {}
    for ballot in ballots:
        if ballot:
            counts[ballot] = counts.get(ballot, 0) + 1
    return counts
'''


def stdlib_corpus(destination: Path) -> Path:
    """The standard library's .py files (no site-packages, no tests), copied with their layout."""
    import shutil

    if not destination.exists():
        for path in sorted(STDLIB.rglob("*.py")):
            relative = path.relative_to(STDLIB)
            if relative.parts[0] in ("site-packages", "test", "idlelib") or "__pycache__" in relative.parts:
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return destination


def pick_functions(count: int, seed: int = 7) -> list[tuple[Path, str, int]]:
    """(file, function source, character offset) of `count` functions of 40+ lines."""
    rng = random.Random(seed)
    files = sorted(STDLIB.glob("*.py"))
    chosen = []
    for path in rng.sample(files, len(files)):
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines(keepends=True)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno >= 15:
                start = sum(len(line) for line in lines[: node.lineno - 1])
                source = "".join(lines[node.lineno - 1 : node.end_lineno])
                if text.count(source) == 1:
                    chosen.append((path, source, start))
                    break
        if len(chosen) == count:
            return chosen
    raise RuntimeError("not enough functions found")


def planted_query(functions: list[tuple[Path, str, int]]) -> str:
    return ORIGINAL + "".join("\n\n" + source + "\n" + ORIGINAL.replace("tally", f"tally{i}") for i, (_, source, _) in enumerate(functions))


def main() -> None:
    from bench.report import machine, median, percentile, table, write_section

    work = Path(tempfile.mkdtemp(prefix="wherefrom-stdlib-"))
    corpus = stdlib_corpus(work / "stdlib")
    started = time.perf_counter()
    summary = build_index([corpus], work / "idx", jobs=2)
    build_seconds = time.perf_counter() - started
    functions = pick_functions(3)
    query = planted_query(functions)
    with Index.open(work / "idx") as index:
        options = CheckOptions(kind="code", language="python")
        timings = []
        for _ in range(20):
            t0 = time.perf_counter()
            report = check_text(index, query, "planted.py", options)
            timings.append(time.perf_counter() - t0)
        found = sorted(m.source.title for m in report.matches)
    expected = sorted(str(p.relative_to(STDLIB)) for p, _, _ in functions)
    rows = [[
        f"{summary.corpus_bytes / 1e6:.1f} MB, {summary.documents} files", f"{build_seconds:.1f} s",
        f"{summary.corpus_bytes / 1e6 / build_seconds:.1f}", f"{summary.index_bytes / summary.corpus_bytes:.3f}",
        f"{median(timings) * 1000:.1f} ms", f"{percentile(timings, 95) * 1000:.1f} ms",
        f"{report.input.tokens}", "yes" if found == expected else f"no: {found}",
    ]]
    text = table(["corpus", "build (2 jobs)", "MB/s", "index / corpus", "check p50", "check p95", "query tokens",
                  "exactly the 3 sources"], rows)
    print(text)
    write_section("stdlib", f"## Python standard library: build and check\n\n{machine()}. `python bench/stdlib.py`: "
                  "index the local standard library (text store included), check a file of three copied "
                  "functions between original code (20 runs).\n\n" + text)


if __name__ == "__main__":
    main()
