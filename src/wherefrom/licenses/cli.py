"""The `licenses` and `attribution` commands: thin glue from an index to
wherefrom.licenses.release."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wherefrom.index import Index
from wherefrom.licenses.release import attribution, license_report

LICENSES_HELP = """May this corpus train a model (or be mixed into a work) released under TARGET?
Prints, per license: documents, tokens, whether TARGET may carry it, the rule applied and its
source; then the incompatible and unknown documents. Exit status: 0 nothing incompatible,
1 incompatible sources found, 2 bad input."""

ATTRIBUTION_HELP = """The credits a release must carry: every source grouped by license, with
authors, URI, version, and the license and NOTICE texts its license requires."""


def open_index(path: Path) -> Index:
    return Index.open(path)


def _text_of(index: Index) -> Callable[[Any], str | None]:
    def text_of(row: Any) -> str | None:
        text: str | None = index.text(row.doc_id)
        return text

    return text_of


def run_licenses(args: argparse.Namespace) -> int:
    index = open_index(args.index)
    report = license_report(index.documents(), args.target)
    output = "json" if args.json else args.format
    if output == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    elif output == "cyclonedx":
        from wherefrom.licenses.sbom import cyclonedx_json

        credits = attribution(index.documents(), text_of=_text_of(index))
        print(cyclonedx_json(credits, report))
    else:
        print(report.render_text())
    return report.exit_code


def run_attribution(args: argparse.Namespace) -> int:
    index = open_index(args.index)
    credits = attribution(index.documents(), text_of=_text_of(index))
    if args.format == "cyclonedx":
        from wherefrom.licenses.sbom import cyclonedx_json

        print(cyclonedx_json(credits))
    elif args.format == "json":
        print(credits.to_json())
    else:
        print(credits.to_markdown(), end="")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `licenses` and `attribution` to the `wherefrom` command; each sets `run`
    (args → exit status)."""
    licenses = subparsers.add_parser(
        "licenses",
        help="may this corpus go into a work under a target license?",
        description=LICENSES_HELP,
    )
    licenses.add_argument("--index", required=True, type=Path, metavar="DIR", help="index folder")
    licenses.add_argument(
        "--target",
        required=True,
        metavar="SPDX",
        help="license of the model or work to release, e.g. Apache-2.0, GPL-3.0-only",
    )
    licenses.add_argument(
        "--format",
        choices=("text", "json", "cyclonedx"),
        default="text",
        help="text (default), JSON, or a CycloneDX 1.6 BOM: one component per work with its "
        "SPDX licence, evidence and whether TARGET may carry it",
    )
    licenses.add_argument("--json", action="store_true", help="same as --format json")
    licenses.set_defaults(run=run_licenses)
    credits = subparsers.add_parser(
        "attribution", help="the credits a release must carry", description=ATTRIBUTION_HELP
    )
    credits.add_argument("--index", required=True, type=Path, metavar="DIR", help="index folder")
    credits.add_argument(
        "--format",
        choices=("md", "json", "cyclonedx"),
        default="md",
        help="Markdown (default), JSON, or a CycloneDX 1.6 BOM (components with SPDX licences, "
        "authors, copyright and licence evidence)",
    )
    credits.set_defaults(run=run_attribution)
