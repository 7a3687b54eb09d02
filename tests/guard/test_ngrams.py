"""The guard's n-gram table hashes with the index's k-gram hash and answers exactly."""

from __future__ import annotations

from wherefrom.guard.ngrams import NgramTable, SourceText
from wherefrom.normalize import get_normalizer


def source(text: str, label: str) -> SourceText:
    form = get_normalizer("text").normalize(text)
    return SourceText(label, label, form.ids, form.starts, form.ends)


def test_table_finds_a_copied_run_and_only_that() -> None:
    table = NgramTable([source("shall i compare thee to a summer's day thou art more lovely", "poem"),
                        source("a completely different line of words stands here", "other")], 5)
    copied = get_normalizer("text").normalize("SHALL I, compare thee to a Summer's").ids
    assert table.find(copied) == [(0, 0)]
    assert table.documents_containing(copied[1:6]) == 1
    assert not table.contains(get_normalizer("text").normalize("thee to a winter's day").ids)
