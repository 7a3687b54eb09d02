"""Opt-out signals: how rights holders reserve their works against text and data mining and
AI training, read at ingest and recorded on every Document with the evidence.

- HTTP headers of a crawled response: `X-Robots-Tag: noai` / `noimageai` (also addressed to
  one AI crawler, `GPTBot: noai`) and TDMRep's `tdm-reservation: 1`;
- HTML: `<meta name="robots" content="noai, noimageai">` (or `name="CCBot"` …) and TDMRep's
  `<meta name="tdm-reservation" content="1">`;
- robots.txt rules addressed to AI crawlers (GPTBot, CCBot, Google-Extended, ClaudeBot, …)
  that disallow a URL of their host;
- a user's opt-out list of domains, URL prefixes and authors (`--opt-out-list FILE`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from wherefrom.corpus.base import SkipLog
from wherefrom.errors import BadInputError
from wherefrom.records import Document, OptOut

# User agents of crawlers that gather AI training data, as their operators document them. A
# robots.txt group that names one of them reserves the host's works against that training.
AI_CRAWLERS: tuple[str, ...] = (
    "GPTBot", "ChatGPT-User", "OAI-SearchBot", "CCBot", "Google-Extended", "GoogleOther",
    "ClaudeBot", "Claude-Web", "anthropic-ai", "PerplexityBot", "Bytespider", "Applebot-Extended",
    "meta-externalagent", "FacebookBot", "cohere-ai", "Diffbot", "Amazonbot", "omgili", "omgilibot",
    "ImagesiftBot", "Timpibot", "YouBot", "AI2Bot", "Ai2Bot-Dolma", "PetalBot",
)
_AI_AGENTS = {agent.lower() for agent in AI_CRAWLERS}
# Directives of the robots meta tag and X-Robots-Tag that reserve against AI use (the
# `noai`/`noimageai` convention of DeviantArt and others)
_AI_DIRECTIVES = ("noai", "noimageai")
MAX_ROBOTS_BYTES = 512 << 10  # RFC 9309 §2.5: crawlers must parse at least 500 KiB


def _directives(value: str) -> tuple[str, list[str]]:
    """(addressed agent or '', directives) of one robots header value or meta content:
    `GPTBot: noai, noindex` → ('gptbot', ['noai', 'noindex'])."""
    agent = ""
    head, sep, rest = value.partition(":")
    if sep and "," not in head and head.strip() and " " not in head.strip():
        agent, value = head.strip().lower(), rest
    return agent, [d.strip().lower() for d in value.split(",") if d.strip()]


def _robots_opt_out(value: str, signal: str, evidence: str) -> OptOut | None:
    agent, directives = _directives(value)
    if agent and agent not in _AI_AGENTS and agent != "*":
        return None
    reserved = [d for d in directives if d in _AI_DIRECTIVES]
    return OptOut(signal, f"{evidence}: {value.strip()}") if reserved else None  # type: ignore[arg-type]


def header_opt_outs(headers: Iterable[tuple[str, str]], where: str) -> list[OptOut]:
    """Opt-outs stated by the HTTP headers of a response."""
    found: list[OptOut] = []
    for name, value in headers:
        key = name.strip().lower()
        if key == "x-robots-tag":
            opt_out = _robots_opt_out(value, "x-robots-tag", f"{where}: HTTP header X-Robots-Tag")
            if opt_out is not None:
                found.append(opt_out)
        elif key == "tdm-reservation" and value.strip() == "1":
            found.append(OptOut("tdm-reservation", f"{where}: HTTP header tdm-reservation: 1"))
    policy = [v for n, v in headers if n.strip().lower() == "tdm-policy"]
    if policy and any(o.signal == "tdm-reservation" for o in found):
        found = [replace(o, evidence=f"{o.evidence} (tdm-policy {policy[0].strip()})") if o.signal == "tdm-reservation" else o
                 for o in found]
    return found


def meta_opt_outs(meta: Iterable[tuple[str, str]], where: str) -> list[OptOut]:
    """Opt-outs stated by an HTML page's meta tags: (name, content) pairs, names lower-cased."""
    found: list[OptOut] = []
    for name, content in meta:
        if name == "robots" or name in _AI_AGENTS:
            if any(d in _AI_DIRECTIVES for d in _directives(content)[1]):
                found.append(OptOut("meta-robots", f'{where}: <meta name="{name}" content="{content}">'))
        elif name == "tdm-reservation" and content.strip() == "1":
            found.append(OptOut("meta-tdm-reservation", f'{where}: <meta name="tdm-reservation" content="1">'))
    return found


# --- robots.txt ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RobotsGroup:
    agents: tuple[str, ...]  # lower-cased
    rules: tuple[tuple[bool, str], ...]  # (allow, path pattern)


def _pattern(path: str) -> re.Pattern[str]:
    """RFC 9309 §2.2.3: `*` matches any characters, a final `$` anchors the end."""
    anchored = path.endswith("$")
    body = re.escape(path[:-1] if anchored else path).replace(r"\*", ".*")
    return re.compile(body + ("$" if anchored else ""))


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """The groups of one host's robots.txt addressed to AI crawlers (RFC 9309)."""

    host: str
    source: str  # where the robots.txt was read (the record's URI)
    groups: tuple[RobotsGroup, ...]

    @classmethod
    def parse(cls, text: str, host: str, source: str) -> RobotsRules:
        groups: list[RobotsGroup] = []
        agents: list[str] = []
        rules: list[tuple[bool, str]] = []
        in_rules = False
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if in_rules:  # a user-agent line after rules starts a new group
                    groups.append(RobotsGroup(tuple(agents), tuple(rules)))
                    agents, rules, in_rules = [], [], False
                agents.append(value.lower())
            elif key in ("allow", "disallow") and agents:
                in_rules = True
                if value:  # an empty Disallow allows everything
                    rules.append((key == "allow", value))
        if agents:
            groups.append(RobotsGroup(tuple(agents), tuple(rules)))
        ai_groups = tuple(g for g in groups if any(a in _AI_AGENTS for a in g.agents))
        return cls(host, source, ai_groups)

    def opt_outs(self, url: str) -> list[OptOut]:
        """One opt-out per AI crawler whose group disallows `url` (the longest matching
        rule decides; an Allow wins a tie, RFC 9309 §2.2.2)."""
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        found: list[OptOut] = []
        for group in self.groups:
            best: tuple[int, bool, str] | None = None
            for allow, rule in group.rules:
                if _pattern(rule).match(path):
                    candidate = (len(rule), allow, rule)
                    if best is None or candidate[:2] > best[:2]:
                        best = candidate
            if best is not None and not best[1]:
                agents = ", ".join(a for a in group.agents if a in _AI_AGENTS)
                found.append(OptOut("robots-txt", f"{self.source}: User-agent {agents}: Disallow: {best[2]}"))
        return found


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


# --- the user's opt-out list --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptOutList:
    """Works their holders asked to leave out, in the spirit of "Am I in The Stack": one
    entry a line, `#` comments; `author: NAME` names an author, an entry with `://` is a URL
    prefix, anything else a domain (its subdomains included)."""

    path: str
    domains: tuple[tuple[str, int], ...] = ()
    prefixes: tuple[tuple[str, int], ...] = ()
    authors: tuple[tuple[str, int], ...] = ()

    @classmethod
    def read(cls, path: str | Path) -> OptOutList:
        path = Path(path)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise BadInputError(f"--opt-out-list {path}: cannot read ({error})") from None
        domains, prefixes, authors = [], [], []
        for number, raw in enumerate(lines, start=1):
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            if entry.lower().startswith("author:"):
                name = entry.split(":", 1)[1].strip()
                if not name:
                    raise BadInputError(f"--opt-out-list {path}:{number}: 'author:' names no author")
                authors.append((name.casefold(), number))
            elif "://" in entry:
                prefixes.append((entry, number))
            elif re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}", entry.removeprefix("*.")):
                domains.append((entry.removeprefix("*.").lower(), number))
            else:
                raise BadInputError(
                    f"--opt-out-list {path}:{number}: {entry!r} is neither a domain, a URL prefix "
                    "(with ://) nor 'author: NAME'"
                )
        return cls(str(path), tuple(domains), tuple(prefixes), tuple(authors))

    def opt_outs(self, uri: str, authors: tuple[str, ...]) -> list[OptOut]:
        found: list[OptOut] = []
        host = host_of(uri) if "://" in uri else ""
        for domain, number in self.domains:
            if host and (host == domain or host.endswith("." + domain)):
                found.append(OptOut("opt-out-list", f"{self.path}:{number}: domain {domain}"))
        for prefix, number in self.prefixes:
            if uri.startswith(prefix):
                found.append(OptOut("opt-out-list", f"{self.path}:{number}: URL prefix {prefix}"))
        names = {a.casefold() for a in authors}
        for author, number in self.authors:
            if author in names:
                found.append(OptOut("opt-out-list", f"{self.path}:{number}: author {author}"))
        return found


def honour_opt_outs(
    documents: Iterable[Document], listing: OptOutList | None, exclude: bool, skips: SkipLog
) -> Iterator[Document]:
    """Documents with the user's list applied; with `exclude`, every opted-out one is left
    out and counted as skipped ("opted out"), else it is indexed and flagged."""
    for document in documents:
        if listing is not None:
            extra = listing.opt_outs(document.provenance.uri, document.provenance.authors)
            if extra:
                provenance = replace(document.provenance, opt_outs=(*document.provenance.opt_outs, *extra))
                document = replace(document, provenance=provenance)
        if exclude and document.provenance.opt_outs:
            first = document.provenance.opt_outs[0]
            skips.skip("opted out", f"{document.provenance.uri}: {first.signal} ({first.evidence})")
            continue
        yield document
