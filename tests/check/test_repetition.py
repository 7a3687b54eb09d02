"""Check time near-linear in repetition: an input that repeats one copied phrase thousands
of times is compared a bounded number of times per match (counted, not timed)."""

from __future__ import annotations

from wherefrom import check
from wherefrom.match import matches, spans

PHRASE = ("the old lighthouse keeper walked along the rocky shore every morning counting gulls and "
          "waves while the fog rolled slowly over the grey harbour town beneath the quiet hill").split()


def test_a_phrase_repeated_two_thousand_times_costs_linear_comparisons(make_index, monkeypatch):
    index = make_index({"keeper.txt": " ".join(f"filler{i}" for i in range(300)) + " " + " ".join(PHRASE)})
    calls = 0
    original = spans.span_overlap

    def counted(a, b):
        nonlocal calls
        calls += 1
        return original(a, b)

    monkeypatch.setattr(spans, "span_overlap", counted)
    monkeypatch.setattr(matches, "span_overlap", counted)
    repeats = 2000
    report = check(index, " ".join(PHRASE * repeats))
    assert len(report.matches) == repeats and report.coverage > 0.99
    assert calls < 20 * repeats  # every match against every other would be 2,000,000
