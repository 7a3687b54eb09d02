"""Jurisdiction profiles (Japan, the EU, the US) for the licence audit and check, and the
EU's public summary of training content; every rule cites its article (docs/jurisdictions.md)."""

from wherefrom.law.rules import DISCLAIMER, PROFILES, CorpusFacts, ProfileReport, audit_corpus, judge_output

__all__ = ["DISCLAIMER", "PROFILES", "CorpusFacts", "ProfileReport", "audit_corpus", "judge_output"]
