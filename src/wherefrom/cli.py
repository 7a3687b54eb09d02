"""The `wherefrom` command: thin argument handling over the library.

One command protocol: every sub-command's parser sets `run` (args -> exit status); the
modules in PLUGINS add theirs with `register(subparsers)`. One error line: `wherefrom:
error: <what and where>`. Exit codes: 0 done, 1 a --fail-on verdict was reached (or a
license conflict was found), 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wherefrom import kinds, progress
from wherefrom.errors import WherefromError
from wherefrom.records import VERDICTS, Report, verdict_rank

if TYPE_CHECKING:
    from wherefrom.index import Index
    from wherefrom.report.render import RenderItem

# Modules that add their own sub-commands with `register(subparsers)`; they import their
# heavy dependencies only when a command runs.
PLUGINS = ("wherefrom.licenses.cli", "wherefrom.audit.cli", "wherefrom.serve.cli", "wherefrom.law.cli")


def _index_options(parser: argparse.ArgumentParser, build: bool) -> None:
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="files, folders, JSONL(.gz/.zst)/Parquet files, WARC/WET files, saved Hugging Face "
                        "datasets, WebDataset shards, git repositories, wheels or sdists")
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
    parser.add_argument("--fields", metavar="MAP",
                        help="column map of record formats, e.g. text=content,license=license,uri=url, or a preset "
                        "(the-stack, dolma, pile, records) optionally followed by FIELD=COLUMN (default: each format's own)")
    parser.add_argument("--opt-out-list", metavar="FILE",
                        help="works whose holders opted out: one domain, URL prefix (with ://) or 'author: NAME' a line")
    parser.add_argument("--exclude-opted-out", action="store_true",
                        help="leave opted-out works out (counted as skipped); by default they are indexed and flagged")
    parser.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                        help="build on Ray: one segment per block of the corpus, on the cluster at ADDRESS "
                        "(HOST:PORT or 'auto'), or without ADDRESS on a Ray of this machine with --jobs workers "
                        "(needs wherefrom[ray]; docs/scale.md)")
    parser.add_argument("--block-mb", type=float, default=64, metavar="MB",
                        help="with --ray: corpus megabytes per block, one task and one segment each (default 64)")
    parser.add_argument("--staging", metavar="URI",
                        help="with --ray: object storage the workers leave their blocks in, for nodes that do not "
                        "share the index folder, e.g. s3://bucket/prefix?endpoint_override=HOST:PORT (docs/scale.md)")
    parser.set_defaults(run=_run_index)
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
    stats.add_argument("--index", required=True, metavar="DIR", help="index folder")
    stats.add_argument("--json", action="store_true", help="print the statistics as JSON")
    stats.set_defaults(run=_run_index)
    compact = index_commands.add_parser("compact", help="merge small segments into larger ones; purge withdrawn works")
    compact.add_argument("--index", required=True, metavar="DIR", help="index folder")
    compact.add_argument("--target-mb", type=float, default=256, metavar="MB",
                         help="merge runs of segments up to about this many index megabytes (default 256)")
    compact.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                         help="run the merges as tasks of the Ray cluster at ADDRESS (needs wherefrom[ray])")
    compact.add_argument("--json", action="store_true", help="print the summary as JSON")
    compact.set_defaults(run=_run_compact)
    verify = index_commands.add_parser("verify", help="check every file of an index against its checksum")
    verify.add_argument("--index", required=True, metavar="DIR", help="index folder")
    verify.set_defaults(run=_run_index)
    withdraw = index_commands.add_parser(
        "withdraw", help="take sources down without a rebuild: never shown again, reported as withdrawn",
        description="Record sources as withdrawn in the manifest, in one transaction. check, the service, the "
        "guard and the licence audit honour it at once; the data stays in the segments until a compaction.")
    withdraw.add_argument("--index", required=True, metavar="DIR", help="index folder")
    chosen = withdraw.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--uid", action="append", metavar="UID", help="uid of a source (repeatable)")
    chosen.add_argument("--uri", action="append", metavar="URI", help="every document of this URI (repeatable)")
    chosen.add_argument("--list", metavar="FILE", help="uids and URIs, one a line")
    withdraw.add_argument("--reason", default="", metavar="TEXT", help="why, e.g. the takedown request's reference (default none)")
    withdraw.add_argument("--json", action="store_true", help="print what was withdrawn as JSON")
    withdraw.set_defaults(run=_run_withdraw)

    check = commands.add_parser("check", help="find copied spans of indexed sources in outputs")
    check.add_argument("inputs", nargs="*", metavar="FILE", help="files to check; '-' or none reads standard input")
    check.add_argument("--index", required=True, metavar="DIR", help="index folder")
    check.add_argument("--format", choices=("text", "json", "sarif", "html"), default="text",
                       help="terminal text, the JSON report contract, SARIF 2.1.0 or an HTML page (default text)")
    check.add_argument("--kind", choices=("auto", "text", "code", "image", "music"), default="auto",
                       help="read every input as this kind (default auto: by name and content)")
    check.add_argument("--language", metavar="LANG", help="code language of the input (e.g. python)")
    check.add_argument("--min-tokens", type=int, metavar="N", help="report copies of at least N tokens (default: the index's)")
    check.add_argument("--min-similarity", type=float, default=0.6, metavar="S",
                       help="report edited copies with similarity at least S in [0, 1] (default 0.6)")
    check.add_argument("--max-sources", type=int, default=10, metavar="N", help="sources listed per copied passage (default 10)")
    check.add_argument("--fail-on", choices=VERDICTS[1:], metavar="VERDICT",
                       help=f"exit 1 when a verdict at or above this is reached ({', '.join(VERDICTS[1:])})")
    check.add_argument("--colour", choices=("auto", "always", "never"), default="auto",
                       help="highlight copied spans with colour (default auto: when writing to a terminal)")
    check.add_argument("--profile", choices=("none", "jp", "eu", "us"), default="none",
                       help="judge each copy under a jurisdiction's rules as well (docs/jurisdictions.md; not legal advice; default none)")
    check.set_defaults(run=_run_check)

    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(commands)
    _index_from_environment(parser)
    return parser


INDEX_VARIABLE = "WHEREFROM_INDEX"


def _index_from_environment(parser: argparse.ArgumentParser) -> None:
    """Every `--index` (the plugins' too) defaults to $WHEREFROM_INDEX, so a commit hook or
    a CI job names the index once in its environment."""
    default = os.environ.get(INDEX_VARIABLE)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _index_from_environment(sub)
        elif action.dest == "index" and "--index" in action.option_strings and action.required:
            # an optional --index (audit's) keeps its meaning: none given, none used
            action.help = f"{action.help} (default: ${INDEX_VARIABLE})"
            if default:
                action.default, action.required = default, False


def _defaults(args: argparse.Namespace):
    from wherefrom.corpus.provenance import build_defaults

    if args.license_override and not args.license:
        raise WherefromError("--license-override: name the licence with --license SPDX")
    return build_defaults(
        args.license, override=args.license_override, collection=args.name or "",
        authors=tuple(args.author), version=args.version_tag or "",
    )


def _run_withdraw(args: argparse.Namespace) -> int:
    from wherefrom.index.withdraw import read_list, withdraw

    entries = args.uid or args.uri or read_list(args.list)
    done = withdraw(args.index, entries, args.reason)
    if args.json:
        print(json.dumps(done.to_dict(), indent=2))
        return 0
    print(f"{args.index}: withdrew {len(done.withdrawn)} source(s)"
          + (f", {len(done.already)} already withdrawn" if done.already else "")
          + "; check, serve, guard and licenses honour it now (the data stays until a compaction)")
    for uid in done.withdrawn:
        print(f"  {uid}")
    return 0


def _reading(args: argparse.Namespace) -> dict:
    """The build's column map and opt-out handling from the command line."""
    from wherefrom.corpus.fields import FieldMap
    from wherefrom.corpus.optout import OptOutList

    return {
        "fields": FieldMap.parse(args.fields) if args.fields else None,
        "opt_out_list": OptOutList.read(args.opt_out_list) if args.opt_out_list else None,
        "exclude_opted_out": args.exclude_opted_out,
    }


def _run_compact(args: argparse.Namespace) -> int:
    from wherefrom.index.compact import compact

    map_merges = None
    if args.ray:
        from wherefrom.scale.compact import ray_merges

        map_merges = ray_merges(None if args.ray == "local" else args.ray)
    summary = compact(args.index, target_bytes=int(args.target_mb * (1 << 20)), map_merges=map_merges)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(f"{args.index}: {summary.segments_before} segment(s) -> {summary.segments_after} "
              f"({summary.merged} merged, {summary.purged} withdrawn work(s) purged) in "
              f"{summary.merge_seconds + summary.publish_seconds:.1f} s")
    return 0


def _run_index(args: argparse.Namespace) -> int:
    from wherefrom.build import build_index
    from wherefrom.index import Index

    if args.index_command in ("build", "add"):
        from wherefrom.config import IndexConfig

        config = None
        if args.index_command == "build":
            config = IndexConfig(min_tokens=args.min_tokens, hash_only=args.hash_only,
                                 common_threshold=args.common_threshold)
        if args.ray:
            from wherefrom.scale.build import build_on_ray

            summary = build_on_ray(args.sources, args.index, address=None if args.ray == "local" else args.ray,
                                   num_cpus=args.jobs, config=config, defaults=_defaults(args), kind=args.kind,
                                   add=args.index_command == "add", block_bytes=int(args.block_mb * (1 << 20)),
                                   staging=args.staging, **_reading(args))
        else:
            summary = build_index(args.sources, args.index, config=config, defaults=_defaults(args),
                                  kind=args.kind, jobs=args.jobs, add=args.index_command == "add", **_reading(args))
        if args.json:
            print(json.dumps(summary.to_dict(), indent=2))
        else:
            print(f"indexed {summary.documents} documents ({summary.tokens:,} tokens, "
                  f"{summary.corpus_bytes / 1e6:.1f} MB) into {summary.index} in {summary.seconds:.1f} s; "
                  f"segment {summary.index_bytes / 1e6:.1f} MB "
                  f"({summary.index_bytes / max(summary.corpus_bytes, 1):.2f} x corpus)")
            for kind, n in sorted(summary.by_kind.items()):
                print(f"  {kind}: {n}")
            if summary.opted_out:
                print(f"  opted out (indexed and flagged; --exclude-opted-out leaves them out): {summary.opted_out}")
            if summary.skipped:
                print("skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(summary.skipped.items())))
                for example in summary.skipped_examples[:5]:
                    print(f"  {example}")
        return 0
    with Index.open(args.index, verify=args.index_command == "verify") as index:
        if args.index_command == "verify":
            rows = index.verify()
            print(f"{args.index}: {len(index.segments)} segment(s) and {rows} manifest row(s), every checksum matches")
            return 0
        stats = index.stats()
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
        return 0
    print(f"{stats.path}: {stats.documents} documents, {stats.tokens:,} tokens, {stats.segments} segment(s)")
    print(f"  corpus {stats.corpus_bytes / 1e6:.1f} MB, index {stats.index_bytes / 1e6:.1f} MB "
          f"({stats.bytes_per_corpus_byte} x corpus)")
    print(f"  fingerprints {stats.fingerprints:,} (+{stats.common_fingerprints:,} common, counts only)")
    settings = stats.settings()
    if "min_tokens" in settings:
        print(f"  min_tokens {settings['min_tokens']} (k={settings['k']}, w={settings['w']}), "
              f"hash-only {settings['hash_only']}")
    if "melody_min_tokens" in settings:
        print(f"  melody_min_tokens {settings['melody_min_tokens']} (k={settings['melody_k']}, "
              f"w={settings['melody_w']}), hash-only {settings['hash_only']}")
    print("  kinds: " + ", ".join(f"{k} {n}" for k, n in stats.kinds))
    print("  licenses: " + ", ".join(f"{k} {n}" for k, n in stats.licenses))
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from wherefrom.check import CheckOptions, check_bytes, check_path
    from wherefrom.index import Index
    from wherefrom.report.render import RenderItem

    options = CheckOptions(kind=args.kind, language=args.language, min_tokens=args.min_tokens,
                           min_similarity=args.min_similarity, max_sources=args.max_sources)
    inputs = args.inputs or ["-"]
    items: list[RenderItem] = []
    with Index.open(args.index, verify=False) as index:
        for name in progress.steps(inputs, "checking", len(inputs), " inputs", least=2):
            if name == "-":
                data = sys.stdin.buffer.read()
                report = check_bytes(index, data, "<stdin>", options)
            else:
                path = Path(name)
                if not path.exists():
                    raise WherefromError(f"{name}: no such file")
                report = check_path(index, path, options)
                data = path.read_bytes()
            content = data.decode("utf-8", "replace") if report.input.kind in ("text", "code") else None
            figures = _figures(index, report, data) if args.format == "html" else {}
            items.append(RenderItem(report, content, figures))
        judged = _judge(index, items, args.profile, args.format)
    colour = args.colour == "always" or (args.colour == "auto" and sys.stdout.isatty())
    sys.stdout.write(_with_profile(_render(items, args.format, colour), judged, args.format).rstrip("\n") + "\n")
    if args.fail_on:
        threshold = verdict_rank(args.fail_on)
        if any(verdict_rank(item.report.verdict) >= threshold for item in items):
            return 1
    return 0


def _judge(index: Index, items: list[RenderItem], profile: str, format: str) -> list:
    """check --profile: each report judged under the jurisdiction's rules (wherefrom.law)."""
    if profile == "none":
        return []
    if format not in ("text", "json"):
        raise WherefromError(f"--profile {profile}: shown with --format text or json, not {format}")
    from wherefrom.law import judge_output

    def source_tokens(uid: str) -> int:
        return index.document_by_uid(uid).n_tokens

    return [judge_output(item.report, profile, source_tokens) for item in items]


def _with_profile(rendered: str, judged: list, format: str) -> str:
    """The rendered reports with each one's profile findings: a `profile` key of each JSON
    report, or the findings after all text reports."""
    if not judged:
        return rendered
    if format == "json":
        payload = json.loads(rendered)
        for report, law in zip(payload if isinstance(payload, list) else [payload], judged, strict=True):
            report["profile"] = law.to_dict()
        return json.dumps(payload, indent=2, ensure_ascii=False)
    return rendered.rstrip("\n") + "\n\n" + "\n".join(law.render_text() for law in judged)


def _render(items: list[RenderItem], format: str, colour: bool) -> str:
    from wherefrom.report.render import render_html, render_json, render_sarif, render_text

    if format == "json":
        return render_json(items)
    if format == "sarif":
        return render_sarif(items)
    if format == "html":
        return render_html(items)
    return render_text(items, colour)


def _figures(index: Index, report: Report, data: bytes) -> dict[int, str]:
    """HTML side-by-side views of the matches, from the kind's `figures` part (images:
    thumbnails with boxes, melodies: piano rolls)."""
    entry = kinds.spec(report.input.kind)
    if not report.matches or not entry.has("figures"):
        return {}
    return entry.part("figures")(index, report, data)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with progress.reporting(progress.terminal_bars() if sys.stderr.isatty() else None):
            return int(args.run(args) or 0)
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
