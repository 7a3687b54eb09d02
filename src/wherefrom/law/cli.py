"""The `summary` command, and the glue from an index to the jurisdiction profiles that
`licenses --profile` and `check --profile` use."""

from __future__ import annotations

import argparse
from pathlib import Path

from wherefrom.index import Index
from wherefrom.law.rules import CorpusFacts, ProfileReport, audit_corpus
from wherefrom.law.summary import training_summary

SUMMARY_HELP = """The public summary of training content that the EU AI Act asks of a provider
of a general-purpose model (Art. 53(1)(d)), laid out as the AI Office's template: data sources
by kind, the top domains by share, how reservations of rights were honoured, licences by
share; from the index alone (withdrawn sources left out). Not legal advice."""


def corpus_facts(index: Index) -> CorpusFacts:
    """What the index recorded about its corpus beyond the rows: documents left out at
    build for an opt-out, and sources withdrawn since."""
    excluded = sum(dict(s.summary.skipped).get("opted out", 0) for s in index.manifest.segments())
    return CorpusFacts(excluded_opted_out=excluded, withdrawn=len(index.withdrawals()))


def audit_index(index: Index, profile: str, purpose: str) -> ProfileReport:
    return audit_corpus(index.documents(), profile, purpose, corpus_facts(index))


def run_summary(args: argparse.Namespace) -> int:
    with Index.open(args.index, verify=False) as index:
        kinds = {row.uid: row.kind for row in index.documents()}
        summary = training_summary(index.documents(), kinds, corpus_facts(index))
    print(summary.to_json() if args.format == "json" else summary.to_markdown(), end="\n" if args.format == "json" else "")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `summary` to the `wherefrom` command; it sets `run` (args → exit status)."""
    summary = subparsers.add_parser("summary", help="the EU public summary of training content",
                                    description=SUMMARY_HELP)
    summary.add_argument("--index", required=True, type=Path, metavar="DIR", help="index folder")
    summary.add_argument("--profile", choices=("eu",), default="eu",
                         help="the jurisdiction whose template is followed (default eu: AI Act Art. 53(1)(d))")
    summary.add_argument("--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON")
    summary.set_defaults(run=run_summary)
