"""The `wherefrom` command: thin argument handling over the library.

Exit codes: 0 done, 1 a --fail-on verdict was reached (or a license conflict was found),
2 bad usage or bad input, with a one-line message naming the file and what is wrong.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wherefrom.errors import WherefromError
from wherefrom.records import NOASSERTION, VERDICTS, Report

if TYPE_CHECKING:
    from wherefrom.index import Index

# Modules that add their own sub-commands with `register(subparsers)`; they import their
# heavy dependencies only when a command runs.
PLUGINS = ("wherefrom.licenses.cli", "wherefrom.audit.cli", "wherefrom.serve.cli")


def _index_options(parser: argparse.ArgumentParser, build: bool) -> None:
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="files, folders, JSONL(.gz)/Parquet files, git repositories, wheels or sdists")
    parser.add_argument("--index", required=True, metavar="DIR", help="index folder")
    parser.add_argument("--license", metavar="SPDX", help="license of sources that declare none (or of all, with --license-override)")
    parser.add_argument("--license-override", action="store_true", help="apply --license even where a source declares one")
    parser.add_argument("--name", metavar="NAME", help="collection name recorded as provenance")
    parser.add_argument("--author", action="append", default=[], metavar="NAME", help="author of sources that name none (repeatable)")
    parser.add_argument("--version-tag", metavar="V", help="version recorded for sources that carry none")
    parser.add_argument("--kind", choices=("auto", "text", "code", "image", "music"), default="auto",
                        help="read every source as this kind (default: by extension and content)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
    parser.add_argument("--json", action="store_true", help="print the build summary as JSON")
    if build:
        parser.add_argument("--min-tokens", type=int, default=25, metavar="N",
                            help="shortest copy (in normal-form tokens) that must always be found (default 25)")
        parser.add_argument("--hash-only", action="store_true",
                            help="keep no text: the index can be published without the works; spans become approximate")
        parser.add_argument("--common-threshold", type=int, default=100, metavar="N",
                            help="fingerprints in more documents than this are kept as counts only (default 100)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wherefrom",
        description="Find where generated content came from: index a corpus with provenance, "
        "then check outputs for copied spans, whose work they are and what reuse requires.",
    )
    from wherefrom import __version__

    parser.add_argument("--version", action="version", version=f"wherefrom {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    index = commands.add_parser("index", help="build, extend and describe an index")
    index_commands = index.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    _index_options(index_commands.add_parser("build", help="create an index from sources"), build=True)
    _index_options(index_commands.add_parser("add", help="add sources to an index as a new segment"), build=False)
    stats = index_commands.add_parser("stats", help="documents, sizes, licenses and parameters of an index")
    stats.add_argument("--index", required=True, metavar="DIR")
    stats.add_argument("--json", action="store_true")
    verify = index_commands.add_parser("verify", help="check every file of an index against its checksum")
    verify.add_argument("--index", required=True, metavar="DIR")

    check = commands.add_parser("check", help="find copied spans of indexed sources in outputs")
    check.add_argument("inputs", nargs="*", metavar="FILE", help="files to check; '-' or none reads standard input")
    check.add_argument("--index", required=True, metavar="DIR")
    check.add_argument("--format", choices=("text", "json", "sarif", "html"), default="text")
    check.add_argument("--kind", choices=("auto", "text", "code", "image", "music"), default="auto")
    check.add_argument("--language", metavar="LANG", help="code language of the input (e.g. python)")
    check.add_argument("--min-tokens", type=int, metavar="N", help="report copies of at least N tokens (default: the index's)")
    check.add_argument("--min-similarity", type=float, default=0.6, metavar="S",
                       help="report edited copies with similarity at least S in [0, 1] (default 0.6)")
    check.add_argument("--max-sources", type=int, default=10, metavar="N", help="sources listed per copied passage (default 10)")
    check.add_argument("--fail-on", choices=VERDICTS[1:], metavar="VERDICT",
                       help=f"exit 1 when a verdict at or above this is reached ({', '.join(VERDICTS[1:])})")
    check.add_argument("--colour", choices=("auto", "always", "never"), default="auto")

    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(commands)
    return parser


def _defaults(args: argparse.Namespace):
    from wherefrom.licenses.detect import normalize_expression
    from wherefrom.records import Provenance

    license_ = NOASSERTION
    evidence = ""
    if args.license:
        license_ = normalize_expression(args.license)
        if license_ == NOASSERTION:
            raise WherefromError(f"--license {args.license!r}: not an SPDX license expression (e.g. MIT, CC-BY-4.0)")
        evidence = "--license (override)" if args.license_override else "explicit --license default"
    return Provenance(
        license=license_, license_evidence=evidence, collection=args.name or "",
        authors=tuple(args.author), version=args.version_tag or "",
    )


def _run_index(args: argparse.Namespace) -> int:
    from wherefrom.index import Index, build_index

    if args.index_command in ("build", "add"):
        from wherefrom.config import IndexConfig

        config = None
        if args.index_command == "build":
            config = IndexConfig(min_tokens=args.min_tokens, hash_only=args.hash_only,
                                 common_threshold=args.common_threshold)
        if args.jobs < 1:
            raise WherefromError(f"--jobs {args.jobs}: must be at least 1")
        summary = build_index(args.sources, args.index, config=config, defaults=_defaults(args),
                              kind=args.kind, jobs=args.jobs, add=args.index_command == "add")
        if args.json:
            print(json.dumps(summary.to_dict(), indent=2))
        else:
            print(f"indexed {summary.documents} documents ({summary.tokens:,} tokens, "
                  f"{summary.corpus_bytes / 1e6:.1f} MB) into {summary.index} in {summary.seconds:.1f} s; "
                  f"segment {summary.index_bytes / 1e6:.1f} MB "
                  f"({summary.index_bytes / max(summary.corpus_bytes, 1):.2f} x corpus)")
            for kind, n in sorted(summary.by_kind.items()):
                print(f"  {kind}: {n}")
            if summary.skipped:
                print("skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(summary.skipped.items())))
                for example in summary.skipped_examples[:5]:
                    print(f"  {example}")
        return 0
    with Index.open(args.index, verify=args.index_command == "verify") as index:
        if args.index_command == "verify":
            print(f"{args.index}: {len(index.segments)} segment(s), every checksum matches")
            return 0
        stats = index.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"{stats['path']}: {stats['documents']} documents, {stats['tokens']:,} tokens, "
          f"{stats['segments']} segment(s)")
    print(f"  corpus {stats['corpus_bytes'] / 1e6:.1f} MB, index {stats['index_bytes'] / 1e6:.1f} MB "
          f"({stats['bytes_per_corpus_byte']} x corpus)")
    print(f"  fingerprints {stats['fingerprints']:,} (+{stats['common_fingerprints']:,} common, counts only)")
    config = stats["config"]
    print(f"  min_tokens {config['min_tokens']} (k={config['k']}, w={config['w']}), hash-only {config['hash_only']}")
    print("  kinds: " + ", ".join(f"{k} {n}" for k, n in stats["kinds"].items()))
    print("  licenses: " + ", ".join(f"{k} {n}" for k, n in stats["licenses"].items()))
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from wherefrom.check import CheckOptions, check_bytes, check_path
    from wherefrom.index import Index
    from wherefrom.report.render import render_html, render_json, render_sarif, render_text

    if not 0.0 <= args.min_similarity <= 1.0:
        raise WherefromError(f"--min-similarity {args.min_similarity}: must be between 0 and 1")
    options = CheckOptions(kind=args.kind, language=args.language, min_tokens=args.min_tokens,
                           min_similarity=args.min_similarity, max_sources=args.max_sources)
    inputs = args.inputs or ["-"]
    reports, contents, figures = [], [], []
    with Index.open(args.index, verify=False) as index:
        for name in inputs:
            if name == "-":
                data = sys.stdin.buffer.read()
                report = check_bytes(index, data, "<stdin>", options)
            else:
                path = Path(name)
                if not path.is_file():
                    raise WherefromError(f"{name}: no such file")
                data = path.read_bytes()
                report = check_path(index, path, options)
            reports.append(report)
            contents.append(data.decode("utf-8", "replace") if report.input.kind in ("text", "code") else None)
            figures.append(_figures(index, report, data) if args.format == "html" else {})
    colour = args.colour == "always" or (args.colour == "auto" and sys.stdout.isatty())
    render = {
        "json": lambda: render_json(reports),
        "sarif": lambda: render_sarif(reports),
        "html": lambda: render_html(reports, contents, figures),
        "text": lambda: render_text(reports, contents, colour),
    }[args.format]
    sys.stdout.write(render().rstrip("\n") + "\n")
    if args.fail_on:
        threshold = VERDICTS.index(args.fail_on)
        if any(VERDICTS.index(r.verdict) >= threshold for r in reports):
            return 1
    return 0


def _figures(index: Index, report: Report, data: bytes) -> dict[int, str]:
    """HTML side-by-side views for image and melody matches (thumbnails, piano rolls)."""
    kind = report.input.kind
    if kind == "image" and report.matches:
        from wherefrom.image.figure import html_figures
    elif kind == "music" and report.matches:
        from wherefrom.music.figure import html_figures
    else:
        return {}
    return html_figures(index, report, data)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "index":
            return _run_index(args)
        if args.command == "check":
            return _run_check(args)
        handler = getattr(args, "run", None) or getattr(args, "func", None)
        if handler is None:
            parser.error(f"{args.command}: nothing to run")
        return int(handler(args) or 0)
    except WherefromError as error:
        print(f"wherefrom: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wherefrom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
