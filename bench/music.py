"""Melody matching on the corpus that ships inside the music21 wheel: Bach chorales, Essen
folk songs and O'Neill's fiddle tunes.

Queries are 8-16 bar excerpts of indexed melodies, transposed and played at another tempo,
then ornamented or with 5-20 % of their notes changed. Negatives are excerpts of unrelated
tunes left out of the index: Irish tunes of O'Neill's collection (the style of an indexed
third of it) and Chinese folk songs of the Essen collection. Held-out German ballads are
reported apart: the Essen edition groups ballads by tune family across its files, so many of
them are variants of indexed ballads, and their matches are printed for inspection. Prints
recall, false positives and check latency per index setting, and writes the "music" section
of docs/benchmarks.md.

    .venv/bin/python bench/music.py [--queries 100] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import WORK, machine, median, percentile, table, write_section
from wherefrom.build import build_index
from wherefrom.check import CheckOptions
from wherefrom.config import IndexConfig
from wherefrom.index import Index
from wherefrom.music.check import check_melodies
from wherefrom.music.melody import NoteEvent
from wherefrom.music.reader import Melody, read_melodies
from wherefrom.records import Match, Provenance, Report

INDEXED = {
    "bach": 120,  # first chorales, by file name
    "essenFolksong": ["altdeu20.abc", "ballad10.abc", "ballad20.abc"],
    "oneills1850": ["0001-0050.abc", "0051-0100.abc", "0101-0200.abc"],
}
UNRELATED = {
    "oneills1850": ["0201-0300.abc"],
    "essenFolksong": ["han2.abc"],
}
VARIANTS = {"essenFolksong": ["ballad30.abc"]}
SETTINGS = {
    "default (melody_min_tokens=12)": IndexConfig(),
    "melody_min_tokens=20": IndexConfig(melody_min_tokens=20),
}
Edit = Callable[[list[NoteEvent], random.Random], list[NoteEvent]]


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def corpus_files() -> tuple[list[Path], dict[str, list[Path]], list[Path]]:
    """Indexed files, unrelated files by collection, held-out ballad files."""
    root = corpus_root()
    chorales = sorted((root / "bach").glob("bwv*.mxl"))[: INDEXED["bach"]]
    indexed = chorales + [
        root / c / n for c in ("essenFolksong", "oneills1850") for n in INDEXED[c]
    ]
    unrelated = {c: [root / c / n for n in names] for c, names in UNRELATED.items()}
    variants = [root / c / n for c, names in VARIANTS.items() for n in names]
    return indexed, unrelated, variants


def excerpt(melody: Melody, rng: random.Random) -> list[NoteEvent] | None:
    """8-16 whole bars of the melody, or None when it is shorter than 9 bars."""
    bars = sorted({e.bar for e in melody.events})
    if len(bars) < 9:
        return None
    length = rng.randint(8, min(16, len(bars) - 1))
    start = rng.randint(0, len(bars) - length)
    keep = set(bars[start : start + length])
    return [e for e in melody.events if e.bar in keep]


def transpose_tempo(events: list[NoteEvent], rng: random.Random) -> list[NoteEvent]:
    shift = rng.choice([-7, -5, -3, -2, 2, 3, 4, 5, 7])
    factor = rng.choice([0.5, 0.75, 1.5, 2.0])
    return [
        NoteEvent(None if e.pitch is None else e.pitch + shift, e.duration * factor, e.bar, e.beat)
        for e in events
    ]


def ornament(events: list[NoteEvent], rng: random.Random, rate: float = 0.1) -> list[NoteEvent]:
    """Turn `rate` of the notes into a mordent: the upper neighbour, then the note."""
    out = []
    for e in events:
        if e.pitch is not None and rng.random() < rate:
            out += [
                NoteEvent(e.pitch + 2, e.duration / 4, e.bar, e.beat),
                NoteEvent(e.pitch, e.duration * 3 / 4, e.bar, e.beat),
            ]
        else:
            out.append(e)
    return out


def change_notes(rate: float) -> Edit:
    def edit(events: list[NoteEvent], rng: random.Random) -> list[NoteEvent]:
        notes = [i for i, e in enumerate(events) if e.pitch is not None]
        chosen = set(rng.sample(notes, max(1, round(rate * len(notes)))))
        return [
            NoteEvent(e.pitch + rng.choice([-4, -3, -2, -1, 1, 2, 3, 4]), e.duration, e.bar, e.beat)
            if i in chosen
            else e
            for i, e in enumerate(events)
        ]

    return edit


EDITS: dict[str, Edit] = {
    "transposed + tempo": lambda events, rng: events,
    "+ ornaments (10 % of notes)": ornament,
    "+ 5 % notes changed": change_notes(0.05),
    "+ 10 % notes changed": change_notes(0.10),
    "+ 20 % notes changed": change_notes(0.20),
}


def found(report, melody: Melody, uri: str) -> bool:
    return any(
        m.source is not None and m.source.uri == uri and m.source.title == melody.full_title
        for m in report.matches
    )


def check_all(index: Index, queries: list[list[NoteEvent]], label: str) -> list[Report]:
    options = CheckOptions(kind="music")
    return [check_melodies(index, [Melody(tuple(events), label, "")], label, options) for events in queries]


def matched(report: Report) -> list[Match]:
    return [m for m in report.matches if m.source is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--queries", type=int, default=100, help="excerpts per edit and per negative collection")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    indexed, unrelated, variants = corpus_files()
    work = WORK / "music"
    shutil.rmtree(work, ignore_errors=True)
    (work / "corpus").mkdir(parents=True)
    for path in indexed:
        shutil.copy(path, work / "corpus" / f"{path.parent.name}-{path.name}")

    started = time.perf_counter()
    melodies: list[tuple[Melody, str]] = []
    for path in sorted((work / "corpus").iterdir()):
        for melody in read_melodies(path):
            if melody.part in ("", "Soprano"):  # the tune of a chorale, every folk tune
                melodies.append((melody, path.as_posix() + melody.fragment))
    unrelated_tunes = {c: [m for path in paths for m in read_melodies(path)] for c, paths in unrelated.items()}
    ballads = [m for path in variants for m in read_melodies(path)]
    read_seconds = time.perf_counter() - started
    print(
        f"{len(melodies)} tunes to excerpt, "
        + ", ".join(f"{len(tunes)} unrelated tunes of {c}" for c, tunes in unrelated_tunes.items())
        + f", {len(ballads)} held-out ballads, read in {read_seconds:.0f} s"
    )

    queries: dict[str, list[tuple[Melody, str, list[NoteEvent]]]] = {name: [] for name in EDITS}
    pool = [(m, uri) for m, uri in melodies if excerpt(m, random.Random(0)) is not None]
    for name, edit in EDITS.items():
        for melody, uri in rng.sample(pool, min(args.queries, len(pool))):
            base = transpose_tempo(excerpt(melody, rng) or [], rng)
            queries[name].append((melody, uri, edit(base, rng)))
    negative_queries = [
        transpose_tempo(excerpt(m, rng) or list(m.events), rng)
        for tunes in unrelated_tunes.values()
        for m in rng.sample(tunes, min(args.queries, len(tunes)))
    ]
    ballad_sample = rng.sample(ballads, min(args.queries, len(ballads)))
    ballad_queries = [excerpt(m, rng) or list(m.events) for m in ballad_sample]

    rows = []
    for label, config in SETTINGS.items():
        index_dir = work / f"index-{config.melody_min_tokens}"
        summary = build_index(
            [work / "corpus"], index_dir, config=config, defaults=Provenance(license="NOASSERTION")
        )
        index = Index.open(index_dir)
        latencies: list[float] = []
        row: list[object] = [label, summary.documents]
        for name in EDITS:
            hits = 0
            for melody, uri, events in queries[name]:
                t0 = time.perf_counter()
                (report,) = check_all(index, [events], "query")
                latencies.append(time.perf_counter() - t0)
                hits += found(report, melody, uri)
            row.append(f"{100 * hits / max(len(queries[name]), 1):.1f} %")
        false_positives = sum(bool(matched(r)) for r in check_all(index, negative_queries, "negative"))
        ballad_reports = check_all(index, ballad_queries, "ballad")
        print(f"{label}: held-out ballads found in the index")
        for tune, report in zip(ballad_sample, ballad_reports, strict=True):
            for m in matched(report):
                print(f"  {tune.full_title} -> {m.source.title if m.source else ''}: {m.tokens} notes, "
                      f"similarity {m.similarity:.2f}, {m.details.evidence_bits} bits")
        row += [
            f"{100 * false_positives / max(len(negative_queries), 1):.1f} %",
            f"{100 * sum(bool(matched(r)) for r in ballad_reports) / max(len(ballad_queries), 1):.1f} %",
            f"{1000 * median(latencies):.1f}",
            f"{1000 * percentile(latencies, 95):.1f}",
        ]
        rows.append(row)
        index.close()

    header = [
        "index", "melodies", *EDITS, "false positives (unrelated tunes)", "held-out ballads found",
        "check p50 ms", "check p95 ms",
    ]
    markdown = "\n".join(
        [
            "## Melodies (music21 corpus)",
            "",
            f"{machine()}. Index: {len(indexed)} files ({INDEXED['bach']} Bach chorales, "
            f"{len(INDEXED['essenFolksong'])} Essen folk-song files, "
            f"{len(INDEXED['oneills1850'])} files of O'Neill's fiddle tunes), every part a melody. "
            f"Queries: {args.queries} random 8-16 bar excerpts of chorale tunes and folk tunes "
            "per column, each transposed by 2-7 semitones and played at 0.5-2x the tempo, then "
            "edited as the column says (changed notes move 1-4 semitones; an ornament is an "
            "upper mordent). Recall: the excerpted melody is among the matches. False "
            f"positives: {len(negative_queries)} excerpts (transposed, at another tempo) of tunes "
            "left out of the index that match any indexed melody: "
            f"{min(args.queries, len(unrelated_tunes['oneills1850']))} Irish tunes of O'Neill's "
            f"collection (nos. 201-300; nos. 1-200 are indexed) and "
            f"{min(args.queries, len(unrelated_tunes['essenFolksong']))} Chinese folk songs of "
            "the Essen collection (han2; han1 went into the background model). Held-out ballads: excerpts of "
            f"{len(ballad_queries)} German ballads of an Essen file left out of the index "
            "(ballad30) that match an indexed melody; the Essen edition groups ballads by tune "
            "family across its files, so these are mostly variants of indexed ballads (the "
            "script prints them). Latency: one check of one query melody, median and 95th "
            "percentile over all queries.",
            "",
            table(header, rows),
            "",
            "Every match carries note indices, bars, transposition, tempo, a note similarity and "
            "its evidence in bits; `python bench/music.py` reruns this.",
        ]
    )
    print(markdown)
    write_section("music", markdown)


if __name__ == "__main__":
    main()
