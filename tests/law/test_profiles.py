"""Jurisdiction profiles and the EU training-content summary, as a release manager reads
them: the verdict of each rule, the article it cites, the documents it is about, and the
reminder that none of it is legal advice."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from tests.conftest import write_jsonl

from wherefrom.build import build_index
from wherefrom.cli import main
from wherefrom.corpus.optout import OptOutList
from wherefrom.index import Index
from wherefrom.law import DISCLAIMER, audit_corpus
from wherefrom.records import Provenance

ESSAY = (
    "Walking along the harbour before dawn, the fishermen mend their nets by lamplight and talk about "
    "the weather, the price of diesel and the gulls that follow the boats out past the breakwater each day."
)
RECORDS = [
    {"text": f"{ESSAY} Part {n}: " + " ".join(f"word{n}x{i}" for i in range(60)), "authors": ["Ann Author"],
     "uri": f"https://blog.example.com/essays/{n}", "license": "CC-BY-4.0", "date": f"2023-0{n + 1}-01"}
    for n in range(3)
] + [
    {"text": "The council met on Tuesday to discuss the new cycle lanes, the library's opening hours and a "
             "proposal to plant two hundred trees along the river before the autumn rains arrive this year.",
     "authors": ["Bo Reporter"], "uri": "https://news.example.org/council", "license": "CC-BY-SA-4.0", "date": "2024-02-02"},
]


@pytest.fixture
def corpus(tmp_path):
    path = write_jsonl(tmp_path / "web.jsonl", RECORDS)
    opt_outs = tmp_path / "opt-out.txt"
    opt_outs.write_text("news.example.org\n")
    return path, opt_outs


def _build(corpus, tmp_path, name: str, **options) -> Index:
    path, opt_outs = corpus
    build_index([path], tmp_path / name, opt_out_list=OptOutList.read(opt_outs), **options)
    return Index.open(tmp_path / name)


def _licenses(capsys, index_dir, *extra: str) -> tuple[int, dict]:
    status = main(["licenses", "--index", str(index_dir), "--target", "CC-BY-SA-4.0", "--json", *extra])
    return status, json.loads(capsys.readouterr().out)


def _finding(payload: dict, rule: str) -> dict:
    return next(f for f in payload["profile"]["findings"] if f["rule"] == rule)


def test_eu_fails_a_corpus_that_keeps_reserved_works(corpus, tmp_path, capsys) -> None:
    with _build(corpus, tmp_path, "flagged") as index:
        reserved = next(r.uid for r in index.documents() if r.provenance.uri == "https://news.example.org/council")
    status, payload = _licenses(capsys, tmp_path / "flagged", "--profile", "eu")
    assert status == 1
    art4 = _finding(payload, "eu-dsm-4")
    assert art4["status"] == "fail" and art4["citation"] == "Directive (EU) 2019/790 (DSM), Art. 4(1) and 4(3)"
    assert art4["documents"] == [reserved] and art4["measures"]["signals"] == {"opt-out-list": 1}
    assert _finding(payload, "eu-ai-act-53-1-c")["status"] == "fail"
    assert payload["profile"]["disclaimer"] == DISCLAIMER and "Not legal advice" in DISCLAIMER
    # a research organisation may mine them (Art. 3)
    status, payload = _licenses(capsys, tmp_path / "flagged", "--profile", "eu", "--purpose", "research")
    assert status == 0 and _finding(payload, "eu-dsm-3")["status"] == "pass"


def test_eu_passes_when_reservations_were_left_out_or_withdrawn(corpus, tmp_path, capsys) -> None:
    _build(corpus, tmp_path, "excluded", exclude_opted_out=True).close()
    status, payload = _licenses(capsys, tmp_path / "excluded", "--profile", "eu")
    assert status == 0
    art4 = _finding(payload, "eu-dsm-4")
    assert art4["status"] == "pass" and art4["measures"]["excluded_at_build"] == 1
    _build(corpus, tmp_path, "withdrawn").close()
    assert main(["index", "withdraw", "--index", str(tmp_path / "withdrawn"), "--uri", "https://news.example.org/council"]) == 0
    capsys.readouterr()
    status, payload = _licenses(capsys, tmp_path / "withdrawn", "--profile", "eu")
    assert status == 0 and _finding(payload, "eu-dsm-4")["measures"]["withdrawn"] == 1


def test_japan_flags_a_corpus_gathered_from_one_author(corpus, tmp_path, capsys) -> None:
    with _build(corpus, tmp_path, "jp") as index:
        report = audit_corpus(index.documents(), "jp")
    proviso = next(f for f in report.findings if f.rule.id == "jp-30-4-proviso")
    assert proviso.status == "flag" and proviso.measures["author"] == "Ann Author"
    assert proviso.rule.citation == "Copyright Act of Japan, Art. 30-4, proviso"
    assert len(proviso.documents) == 3
    many = [SimpleNamespace(uid=f"u{n}", n_tokens=100, provenance=Provenance(authors=(f"Author {n}",))) for n in range(4)]
    balanced = next(f for f in audit_corpus(many, "jp").findings if f.rule.id == "jp-30-4-proviso")
    assert balanced.status == "pass" and balanced.measures["largest_author_share"] == 0.25


def test_us_reports_the_measurable_factors_and_says_there_is_no_mechanical_answer(corpus, tmp_path, capsys) -> None:
    _build(corpus, tmp_path, "us").close()
    status, payload = _licenses(capsys, tmp_path / "us", "--profile", "us", "--purpose", "commercial")
    fair_use = _finding(payload, "us-107")
    assert status == 0 and fair_use["status"] == "info" and fair_use["citation"] == "17 U.S.C. § 107"
    assert "no mechanical answer" in fair_use["detail"]
    assert fair_use["measures"]["commercial_use_declared"] is True
    assert 0 < fair_use["measures"]["share_restrictive_license"] < 1  # the CC-BY-SA report


def test_check_judges_an_output_that_reproduces_a_work(corpus, tmp_path, capsys) -> None:
    _build(corpus, tmp_path, "check").close()
    answer = tmp_path / "answer.txt"
    answer.write_text("As I wrote: " + RECORDS[3]["text"])
    assert main(["check", str(answer), "--index", str(tmp_path / "check"), "--format", "json", "--profile", "jp", "--min-tokens", "10"]) == 0
    finding = json.loads(capsys.readouterr().out)["profile"]["findings"][0]
    assert finding["rule"] == "jp-reproduction" and finding["status"] == "flag"
    assert finding["citation"] == "Copyright Act of Japan, Art. 21 and Art. 30-4"
    assert main(["check", str(answer), "--index", str(tmp_path / "check"), "--profile", "us", "--min-tokens", "10"]) == 0
    text = capsys.readouterr().out
    assert "17 U.S.C. § 107" in text and "at most 100% of one work" in text and "Not legal advice" in text


def test_the_eu_summary_follows_the_template_from_the_index_alone(corpus, tmp_path, capsys) -> None:
    _build(corpus, tmp_path, "summary").close()
    assert main(["summary", "--index", str(tmp_path / "summary"), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["general"]["documents"] == 4
    assert summary["general"]["collection_period"] == ["2023-01-01", "2024-02-02"]
    assert summary["data_sources"]["by_kind"][0]["name"] == "crawled or scraped online"
    top = summary["data_sources"]["online"]["top_domains"]
    assert [d["name"] for d in top] == ["blog.example.com"] and summary["data_sources"]["online"]["domains"] == 2
    reservations = summary["data_processing"]["reservations_of_rights"]
    assert reservations["indexed_with_reservation"] == 1 and reservations["by_signal"] == {"opt-out-list": 1}
    assert {lic["name"] for lic in summary["licenses"]} == {"CC-BY-4.0", "CC-BY-SA-4.0"}
    assert summary["citation"] == "Regulation (EU) 2024/1689 (AI Act), Art. 53(1)(d)"
    assert main(["summary", "--index", str(tmp_path / "summary")]) == 0
    markdown = capsys.readouterr().out
    assert "## 3. Data processing" in markdown and "| blog.example.com |" in markdown
    assert "Not legal advice" in markdown
