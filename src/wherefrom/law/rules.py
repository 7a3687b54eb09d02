"""Jurisdiction profiles: the rules of Japan, the EU and the US that a corpus audit and a
check can measure, each citing its article (docs/jurisdictions.md). What the index can
count is counted; what only a court can weigh is said to be so. None of it is legal advice.

`audit_corpus` reads document rows (anything with uid, provenance and n_tokens, like the
licence audit); `judge_output` reads one check Report. Both return a ProfileReport.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from wherefrom.errors import BadInputError
from wherefrom.licenses import DEFAULT_POLICY, terms_of
from wherefrom.records import Provenance, Report

ProfileName = Literal["none", "jp", "eu", "us"]
PROFILES: tuple[str, ...] = ("none", "jp", "eu", "us")
Purpose = Literal["unspecified", "commercial", "research"]
PURPOSES: tuple[str, ...] = ("unspecified", "commercial", "research")
Status = Literal["pass", "flag", "fail", "info"]

DISCLAIMER = (
    "Not legal advice: wherefrom measures what the index records (licences, opt-outs, copied spans); "
    "whether a use is lawful is for the rights holders, counsel and courts of the jurisdiction."
)
# A corpus where one author holds at least this share of the tokens looks gathered to
# reproduce that author's works (the Agency for Cultural Affairs' example of an unreasonable
# prejudice under Art. 30-4: training meant to output the creative expression of particular
# works), rather than to analyse language at large.
ONE_AUTHOR_SHARE = 0.5
LIST_LIMIT = 20


class Row(Protocol):
    uid: str
    provenance: Provenance
    n_tokens: int


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    citation: str
    says: str


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("jp-30-4", "Copyright Act of Japan, Art. 30-4 (ii)",
         "Exploiting works for data analysis, such as training, is allowed without permission where the "
         "purpose is not to enjoy the thoughts or sentiments they express."),
    Rule("jp-30-4-proviso", "Copyright Act of Japan, Art. 30-4, proviso",
         "Not where it would unreasonably prejudice the rights holder's interests, e.g. training meant to "
         "reproduce the creative expression of particular works or one author's works."),
    Rule("jp-reproduction", "Copyright Act of Japan, Art. 21 and Art. 30-4",
         "An output that reproduces a work is judged as a reproduction (similarity and reliance), outside "
         "Art. 30-4: it needs the holder's permission or another exception."),
    Rule("eu-dsm-3", "Directive (EU) 2019/790 (DSM), Art. 3",
         "Research organisations and cultural heritage institutions may mine works they lawfully access "
         "for scientific research; reservations do not bind them."),
    Rule("eu-dsm-4", "Directive (EU) 2019/790 (DSM), Art. 4(1) and 4(3)",
         "Anyone may mine lawfully accessible works, unless the rights holder reserved the use in an "
         "appropriate manner, such as machine-readable means for content made publicly available online."),
    Rule("eu-ai-act-53-1-c", "Regulation (EU) 2024/1689 (AI Act), Art. 53(1)(c)",
         "A provider of a general-purpose AI model puts in place a policy to comply with Union copyright "
         "law, in particular to identify and respect reservations of rights under DSM Art. 4(3)."),
    Rule("eu-ai-act-53-1-d", "Regulation (EU) 2024/1689 (AI Act), Art. 53(1)(d)",
         "The provider makes publicly available a sufficiently detailed summary of the content used for "
         "training, following the AI Office's template."),
    Rule("eu-reproduction", "Directive 2001/29/EC (InfoSoc), Art. 2 and 5(3)(d)",
         "An output that reproduces a work in part is a reproduction; the TDM exceptions cover mining, not "
         "outputs, so it needs a licence or another exception such as quotation."),
    Rule("us-107", "17 U.S.C. § 107",
         "Fair use weighs four factors (purpose and character, including commercial use; nature of the work; "
         "amount and substantiality used; effect on the market). There is no mechanical answer: the "
         "measurable factors are reported, the weighing is not done."),
)}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: Rule
    status: Status
    detail: str
    documents: tuple[str, ...] = ()  # uids (or URIs) the finding is about, at most LIST_LIMIT
    measures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule.id, "citation": self.rule.citation, "says": self.rule.says,
            "status": self.status, "detail": self.detail,
        }
        if self.documents:
            out["documents"] = list(self.documents)
        if self.measures:
            out["measures"] = self.measures
        return out


@dataclass(frozen=True, slots=True)
class ProfileReport:
    profile: str
    findings: tuple[Finding, ...]

    @property
    def exit_code(self) -> int:
        """1 when a finding fails the audit, else 0."""
        return 1 if any(f.status == "fail" for f in self.findings) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile, "findings": [f.to_dict() for f in self.findings], "disclaimer": DISCLAIMER}

    def render_text(self) -> str:
        lines = [f"profile {self.profile}:"]
        for f in self.findings:
            lines.append(f"  [{f.status.upper()}] {f.rule.citation}: {f.detail}")
            lines += [f"      {uid}" for uid in f.documents[:5]]
            if len(f.documents) > 5:
                lines.append(f"      ... and more (--json lists up to {LIST_LIMIT})")
        lines.append(f"  {DISCLAIMER}")
        return "\n".join(lines)


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise BadInputError(f"--profile {profile!r}: expected one of {', '.join(PROFILES)}")
    return profile


# --- the corpus ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CorpusFacts:
    """What an index says about how its corpus was gathered, beyond its rows."""

    excluded_opted_out: int = 0  # left out at build by --exclude-opted-out
    withdrawn: int = 0  # taken down since


def audit_corpus(
    rows: Iterable[Row], profile: str, purpose: str = "unspecified", facts: CorpusFacts = CorpusFacts()
) -> ProfileReport:
    """The profile's findings about training on the corpus of `rows`."""
    check_profile(profile)
    if purpose not in PURPOSES:
        raise BadInputError(f"--purpose {purpose!r}: expected one of {', '.join(PURPOSES)}")
    rows = list(rows)
    if profile == "jp":
        return ProfileReport("jp", _japan(rows))
    if profile == "eu":
        return ProfileReport("eu", _europe(rows, purpose, facts))
    if profile == "us":
        return ProfileReport("us", _united_states(rows, purpose))
    return ProfileReport("none", ())


def _tokens(rows: list[Row]) -> int:
    return sum(int(r.n_tokens or 0) for r in rows) or len(rows)


def _japan(rows: list[Row]) -> tuple[Finding, ...]:
    total = _tokens(rows)
    by_author: Counter[str] = Counter()
    for row in rows:
        for author in row.provenance.authors[:1]:  # the first author stands for the work
            by_author[author] += int(row.n_tokens or 0) or 1
    findings = [Finding(RULES["jp-30-4"], "info", f"{len(rows)} documents may be analysed for training under Art. 30-4")]
    top = by_author.most_common(1)
    if top and total and top[0][1] / total >= ONE_AUTHOR_SHARE:
        author, tokens = top[0]
        works = [r.uid for r in rows if r.provenance.authors[:1] == (author,)]
        findings.append(Finding(
            RULES["jp-30-4-proviso"], "flag",
            f"{tokens / total:.0%} of the corpus' tokens are works of one author ({author}, {len(works)} documents): "
            "a corpus gathered to reproduce one author's works may unreasonably prejudice that author",
            tuple(works[:LIST_LIMIT]), {"author": author, "share": round(tokens / total, 4)},
        ))
    else:
        share = top[0][1] / total if top and total else 0.0
        findings.append(Finding(
            RULES["jp-30-4-proviso"], "pass",
            f"no author holds {ONE_AUTHOR_SHARE:.0%} or more of the corpus (largest share {share:.0%})",
            measures={"largest_author_share": round(share, 4)},
        ))
    return tuple(findings)


def opted_out(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.provenance.opt_outs]


def _signals(rows: list[Row]) -> dict[str, int]:
    return dict(Counter(o.signal for r in rows for o in {o.signal: o for o in r.provenance.opt_outs}.values()))


def _europe(rows: list[Row], purpose: str, facts: CorpusFacts) -> tuple[Finding, ...]:
    reserved = opted_out(rows)
    uids = tuple(r.uid for r in reserved[:LIST_LIMIT])
    measures = {"opted_out_indexed": len(reserved), "signals": _signals(reserved),
                "excluded_at_build": facts.excluded_opted_out, "withdrawn": facts.withdrawn}
    findings: list[Finding] = []
    if purpose == "research":
        findings.append(Finding(
            RULES["eu-dsm-3"], "pass",
            f"declared research by a research organisation: the {len(reserved)} reserved documents may be mined "
            "for scientific research (lawful access assumed)", uids, measures,
        ))
    elif reserved:
        findings.append(Finding(
            RULES["eu-dsm-4"], "fail",
            f"{len(reserved)} of {len(rows)} documents carry a machine-readable reservation and are still in the "
            "index: rebuild with --exclude-opted-out or withdraw them", uids, measures,
        ))
    else:
        findings.append(Finding(
            RULES["eu-dsm-4"], "pass",
            f"no indexed document carries a reservation ({facts.excluded_opted_out} left out at build, "
            f"{facts.withdrawn} withdrawn)", measures=measures,
        ))
    honoured = not reserved or purpose == "research"
    findings.append(Finding(
        RULES["eu-ai-act-53-1-c"], "pass" if honoured else "fail",
        "reservations were identified at ingest (robots.txt for AI crawlers, X-Robots-Tag, TDMRep, noai meta "
        "tags, the opt-out list) and " + ("respected" if honoured else f"{len(reserved)} were not respected"),
        measures=measures,
    ))
    findings.append(Finding(
        RULES["eu-ai-act-53-1-d"], "info",
        "the public summary of training content: wherefrom summary --index DIR --profile eu",
    ))
    return tuple(findings)


def _united_states(rows: list[Row], purpose: str) -> tuple[Finding, ...]:
    total = _tokens(rows)
    restrictive = [r for r in rows if DEFAULT_POLICY.restrictive.intersection(terms_of(r.provenance.license).requires)]
    unknown = [r for r in rows if r.provenance.license == "NOASSERTION"]
    measures = {
        "commercial_use_declared": {"commercial": True, "research": False}.get(purpose),
        "documents": len(rows),
        "share_unknown_license": round(_tokens(unknown) / total, 4) if unknown and total else 0.0,
        "share_restrictive_license": round(_tokens(restrictive) / total, 4) if restrictive and total else 0.0,
        "share_opted_out": round(_tokens(opted_out(rows)) / total, 4) if opted_out(rows) and total else 0.0,
        "amount_used_per_work": 1.0,  # training reads each work whole
    }
    return (Finding(
        RULES["us-107"], "info",
        "fair use has no mechanical answer; the measurable factors: commercial use "
        + {"commercial": "declared", "research": "not declared (research)"}.get(purpose, "not stated (--purpose)")
        + f"; {measures['share_unknown_license']:.0%} of tokens under no known licence, "
        f"{measures['share_restrictive_license']:.0%} under restrictive terms (share-alike, non-commercial, ...); each work is "
        "used whole in training (what outputs copy is measured by check --profile us)",
        measures=measures,
    ),)


# --- one output -------------------------------------------------------------------------------


def judge_output(report: Report, profile: str, source_tokens: Callable[[str], int]) -> ProfileReport:
    """The profile's findings about one checked output; `source_tokens(uid)` gives the
    length of a source in tokens, to tell which share of a work the output copies."""
    check_profile(profile)
    if profile == "none":
        return ProfileReport("none", ())
    copies = [m for m in report.matches if (m.source is not None or m.withdrawn) and m.kind != "common"]
    shares: dict[str, float] = {}
    for m in copies:
        if m.source is not None and m.tokens:
            length = source_tokens(m.source.uid)
            if length:
                shares[m.source.uid] = max(shares.get(m.source.uid, 0.0), round(min(1.0, m.tokens / length), 4))
    sources = tuple(dict.fromkeys(m.source.uid for m in copies if m.source is not None))
    withdrawn = sum(1 for m in copies if m.withdrawn)
    licenses = sorted({m.source.license for m in copies if m.source is not None})
    measures = {"copies": len(copies), "share_of_work_copied": shares, "withdrawn_copies": withdrawn,
                "licenses": licenses}
    if not copies:
        name = {"jp": "jp-reproduction", "eu": "eu-reproduction", "us": "us-107"}[profile]
        return ProfileReport(profile, (Finding(RULES[name], "pass", "the output reproduces no indexed work"),))
    if profile == "us":
        largest = max(shares.values(), default=0.0)
        return ProfileReport("us", (Finding(
            RULES["us-107"], "info",
            f"fair use has no mechanical answer; the output copies {len(copies)} passage(s) of {len(sources) + withdrawn} "
            f"work(s), at most {largest:.0%} of one work, under {', '.join(licenses) or 'withdrawn sources'}",
            sources, measures,
        ),))
    rule = RULES["jp-reproduction" if profile == "jp" else "eu-reproduction"]
    return ProfileReport(profile, (Finding(
        rule, "flag",
        f"the output reproduces {len(copies)} passage(s) of indexed works: judged as reproduction, outside the "
        "training exception; reuse needs the licence's terms (see obligations) or another exception",
        sources, measures,
    ),))
