"""The public summary of training content that the EU AI Act asks of a provider of a
general-purpose model (Art. 53(1)(d)), laid out as the AI Office's template lays it out:
general information, the data sources by kind, the top domains of online data, how
reservations of rights were honoured, and the licences, all from the index alone. What the
index cannot know (the provider, the model, user or synthetic data, the removal of illegal
content) is left for the provider to fill in, and says so."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wherefrom.law.rules import DISCLAIMER, RULES, CorpusFacts, Row
from wherefrom.records import NOASSERTION

# The template asks for the top domain names by size of the content scraped from them: the
# top 10 % of all domains (5 % or 1,000 domains for an SME). The share here is of tokens.
TOP_DOMAIN_SHARE = 0.10
TOP_DOMAINS_MAX = 1000
TO_FILL = "to be completed by the provider (not recorded in the index)"


def _host(uri: str) -> str:
    try:
        return (urlsplit(uri).hostname or "").lower()
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class Share:
    name: str
    documents: int
    tokens: int
    share: float  # of the corpus' tokens (documents where no tokens are counted)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "documents": self.documents, "tokens": self.tokens, "share": self.share}


@dataclass(frozen=True, slots=True)
class TrainingSummary:
    documents: int
    tokens: int
    modalities: tuple[Share, ...]
    source_kinds: tuple[Share, ...]
    collections: tuple[Share, ...]
    domains: tuple[Share, ...]
    domain_count: int
    period: tuple[str, str] | None
    opt_outs: dict[str, Any]
    licenses: tuple[Share, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": "AI Office template for the public summary of training content (AI Act Art. 53(1)(d))",
            "general": {"provider": TO_FILL, "model": TO_FILL, "documents": self.documents, "tokens": self.tokens,
                        "modalities": [m.to_dict() for m in self.modalities],
                        "collection_period": list(self.period) if self.period else None},
            "data_sources": {
                "by_kind": [s.to_dict() for s in self.source_kinds],
                "datasets_and_collections": [c.to_dict() for c in self.collections],
                "online": {"domains": self.domain_count, "top_domains": [d.to_dict() for d in self.domains],
                           "top_rule": f"top {TOP_DOMAIN_SHARE:.0%} of domains by tokens, at most {TOP_DOMAINS_MAX}"},
                "user_data": TO_FILL, "synthetic_data": TO_FILL,
            },
            "data_processing": {"reservations_of_rights": self.opt_outs, "illegal_content_removal": TO_FILL},
            "licenses": [lic.to_dict() for lic in self.licenses],
            "citation": RULES["eu-ai-act-53-1-d"].citation,
            "disclaimer": DISCLAIMER,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        out = ["# Public summary of training content", "",
               f"Following the AI Office's template ({RULES['eu-ai-act-53-1-d'].citation}). {DISCLAIMER}", "",
               "## 1. General information", "",
               f"- Provider: {TO_FILL}", f"- Model: {TO_FILL}",
               f"- Size: {self.documents:,} documents, {self.tokens:,} tokens"]
        if self.period:
            out.append(f"- Collection period (dates recorded by the sources): {self.period[0]} to {self.period[1]}")
        out += ["", _table("Modality", self.modalities), "", "## 2. List of data sources", "",
                "### Sources by kind", "", _table("Kind", self.source_kinds), "",
                "### Datasets and collections", "", _table("Collection", self.collections), "",
                "### Data crawled or scraped online", "",
                f"{self.domain_count} domains; the top {TOP_DOMAIN_SHARE:.0%} by tokens:", "",
                _table("Domain", self.domains) if self.domains else "(no online source)", "",
                f"User data: {TO_FILL}. Synthetic data: {TO_FILL}.", "",
                "## 3. Data processing", "", "### Respect of reservations of rights", ""]
        o = self.opt_outs
        out += [f"- Signals read at ingest: {', '.join(o['signals_read'])}.",
                f"- Documents found with a reservation and left out at build: {o['excluded_at_build']:,}.",
                f"- Documents indexed with a reservation (flagged): {o['indexed_with_reservation']:,}"
                + (" (by signal: " + ", ".join(f"{k} {v}" for k, v in sorted(o["by_signal"].items())) + ")" if o["by_signal"] else "") + ".",
                f"- Documents withdrawn at their rights holders' request: {o['withdrawn']:,}.",
                f"- {o['statement']}", "",
                f"Removal of illegal content: {TO_FILL}.", "",
                "## 4. Licences", "", _table("Licence", self.licenses), ""]
        return "\n".join(out)


def _table(label: str, shares: Iterable[Share]) -> str:
    lines = [f"| {label} | documents | tokens | share |", "|---|---:|---:|---:|"]
    lines += [f"| {s.name} | {s.documents:,} | {s.tokens:,} | {s.share:.1%} |" for s in shares]
    return "\n".join(lines)


def source_kind(uri: str) -> str:
    """What kind of source a document's URI says it came from, in the template's terms."""
    if uri.startswith(("http://", "https://")):
        return "crawled or scraped online"
    if "!/" in uri:
        return "packages and archives"
    if "@" in uri and ":" in uri.split("@", 1)[1]:
        return "code repositories"
    if "#" in uri or ":" in uri:
        return "datasets"
    return "files"


def _shares(counter_docs: Counter[str], counter_tokens: Counter[str], total: int) -> list[Share]:
    return sorted(
        (Share(name, counter_docs[name], counter_tokens[name], round(counter_tokens[name] / total, 4) if total else 0.0)
         for name in counter_docs),
        key=lambda s: (-s.tokens, -s.documents, s.name),
    )


def training_summary(rows: Iterable[Row], kinds_of: dict[str, str], facts: CorpusFacts) -> TrainingSummary:
    """The summary of the corpus of `rows` (withdrawn documents already left out);
    `kinds_of` maps uid to the document's kind (text, code, image, music)."""
    rows = list(rows)
    groups: dict[str, tuple[Counter[str], Counter[str]]] = defaultdict(lambda: (Counter(), Counter()))
    dates: list[str] = []
    reserved = 0
    signals: Counter[str] = Counter()
    for row in rows:
        p = row.provenance
        size = int(row.n_tokens or 0) or 1
        keys = {
            "modality": kinds_of.get(row.uid, "text"), "kind": source_kind(p.uri),
            "collection": p.collection or "(none)", "license": p.license or NOASSERTION,
        }
        host = _host(p.uri) if p.uri.startswith(("http://", "https://")) else ""
        if host:
            keys["domain"] = host
        for group, name in keys.items():
            groups[group][0][name] += 1
            groups[group][1][name] += size
        if p.date:
            dates.append(p.date)
        if p.opt_outs:
            reserved += 1
            signals.update({o.signal for o in p.opt_outs})
    total = sum(int(r.n_tokens or 0) or 1 for r in rows)

    def shares(group: str) -> tuple[Share, ...]:
        docs, tokens = groups[group]
        return tuple(_shares(docs, tokens, total))

    domains = shares("domain")
    top = max(1, math.ceil(len(domains) * TOP_DOMAIN_SHARE)) if domains else 0
    statement = (
        "Every reservation found was honoured: reserved documents were left out at build or withdrawn."
        if reserved == 0 else
        f"{reserved:,} documents with a reservation remain in the training data: under DSM Art. 4(3) they may "
        "not be mined unless an exception such as Art. 3 (research organisations) applies."
    )
    return TrainingSummary(
        documents=len(rows), tokens=sum(int(r.n_tokens or 0) for r in rows),
        modalities=shares("modality"), source_kinds=shares("kind"), collections=shares("collection"),
        domains=domains[: min(top, TOP_DOMAINS_MAX)], domain_count=len(domains),
        period=(min(dates), max(dates)) if dates else None,
        opt_outs={
            "signals_read": ["robots.txt rules for AI crawlers", "X-Robots-Tag noai/noimageai",
                             "tdm-reservation header (TDMRep)", "robots and tdm-reservation meta tags",
                             "the builder's opt-out list"],
            "excluded_at_build": facts.excluded_opted_out, "indexed_with_reservation": reserved,
            "by_signal": dict(signals), "withdrawn": facts.withdrawn, "statement": statement,
        },
        licenses=shares("license"),
    )
