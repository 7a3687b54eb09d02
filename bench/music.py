"""Melody matching on the corpus that ships inside the music21 wheel: Bach chorales, Essen
folk songs and O'Neill's fiddle tunes.

Queries are 8-16 bar excerpts of indexed melodies, transposed and played at another tempo,
then ornamented or with 5-20 % of their notes changed; negatives are tunes of files left out
of the index. Prints recall, false positives and check latency per index setting, and writes
the "music" section of docs/benchmarks.md.

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
from wherefrom.check import CheckOptions
from wherefrom.config import IndexConfig
from wherefrom.index import Index, build_index
from wherefrom.music.check import check_melodies
from wherefrom.music.melody import NoteEvent
from wherefrom.music.reader import Melody, read_melodies
from wherefrom.records import Provenance

INDEXED = {
    "bach": 120,  # first chorales, by file name
    "essenFolksong": ["altdeu20.abc", "ballad10.abc", "ballad20.abc"],
    "oneills1850": ["0001-0050.abc", "0051-0100.abc", "0101-0200.abc"],
}
HELD_OUT = {
    "essenFolksong": ["ballad30.abc"],
    "oneills1850": ["0201-0300.abc"],
}
SETTINGS = {"min_tokens=25 (default)": IndexConfig(), "min_tokens=16": IndexConfig(min_tokens=16)}
Edit = Callable[[list[NoteEvent], random.Random], list[NoteEvent]]


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def corpus_files() -> tuple[list[Path], list[Path]]:
    root = corpus_root()
    chorales = sorted((root / "bach").glob("bwv*.mxl"))[: INDEXED["bach"]]
    indexed = chorales + [
        root / c / n for c in ("essenFolksong", "oneills1850") for n in INDEXED[c]
    ]
    held = [root / c / n for c, names in HELD_OUT.items() for n in names]
    return indexed, held


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100, help="excerpts per edit")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    indexed, held = corpus_files()
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
    negatives = [m for path in held for m in read_melodies(path)]
    read_seconds = time.perf_counter() - started
    print(
        f"{len(melodies)} tunes to excerpt, {len(negatives)} held-out tunes, "
        f"read in {read_seconds:.0f} s"
    )

    queries: dict[str, list[tuple[Melody, str, list[NoteEvent]]]] = {name: [] for name in EDITS}
    pool = [(m, uri) for m, uri in melodies if excerpt(m, random.Random(0)) is not None]
    for name, edit in EDITS.items():
        for melody, uri in rng.sample(pool, min(args.queries, len(pool))):
            base = transpose_tempo(excerpt(melody, rng) or [], rng)
            queries[name].append((melody, uri, edit(base, rng)))
    negative_queries = [
        excerpt(m, rng) or list(m.events)
        for m in rng.sample(negatives, min(args.queries, len(negatives)))
    ]

    rows = []
    for label, config in SETTINGS.items():
        index_dir = work / f"index-{config.min_tokens}"
        summary = build_index(
            [work / "corpus"], index_dir, config=config, defaults=Provenance(license="NOASSERTION")
        )
        index = Index.open(index_dir)
        options = CheckOptions(kind="music")
        latencies: list[float] = []
        row: list[object] = [label, summary.documents]
        for name in EDITS:
            hits = 0
            for melody, uri, events in queries[name]:
                t0 = time.perf_counter()
                report = check_melodies(
                    index, [Melody(tuple(events), "query", "")], "query", options
                )
                latencies.append(time.perf_counter() - t0)
                hits += found(report, melody, uri)
            row.append(f"{100 * hits / max(len(queries[name]), 1):.1f} %")
        false_positives = 0
        for events in negative_queries:
            report = check_melodies(
                index, [Melody(tuple(events), "negative", "")], "negative", options
            )
            false_positives += any(m.source is not None for m in report.matches)
        row += [
            f"{100 * false_positives / max(len(negative_queries), 1):.1f} %",
            f"{1000 * median(latencies):.1f}",
            f"{1000 * percentile(latencies, 95):.1f}",
        ]
        rows.append(row)
        index.close()

    header = ["index", "melodies", *EDITS, "false positives", "check p50 ms", "check p95 ms"]
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
            f"positives: {len(negative_queries)} excerpts of tunes from files left out of the "
            "index that match any indexed melody. Latency: one check of one query melody, "
            "median and 95th percentile over all queries.",
            "",
            table(header, rows),
            "",
            "Every match carries note indices, bars and a similarity; "
            "`python bench/music.py` reruns this.",
        ]
    )
    print(markdown)
    write_section("music", markdown)


if __name__ == "__main__":
    main()
