"""The size study: is there a model size below which a model does not memorize? From a corpus,
build a training set with passages planted at a ladder of duplicate counts and random-token
canaries, train a family of small causal transformers on it (same data, same token budget,
same seeds) and a reference trained without the planted material, measure every model with
the published protocols, and check each extracted sequence back against a wherefrom index of
the training set. Every stage writes its result to the study folder; a rerun resumes.

Layout of the study folder:
    plan.json            the settings; a rerun with other settings is refused
    tokenizer.json       byte-level BPE learned from the corpus
    training_set.json    passages, their duplicate counts and sources, the canaries
    training_set.jsonl   the training documents as a corpus file (what the index holds)
    index/               the wherefrom index of training_set.jsonl
    models/NAME/         weights + done.json when finished; partial.pt while training
    results/NAME.json    the measurements of one model
    summary.json, report.md, *.png   the tables, fits and plots (study_report)
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from wherefrom.audit.metrics import bleu, edit_similarity, exposure_from_rank, memorization_score
from wherefrom.audit.study_model import IGNORE, ModelShape
from wherefrom.audit.study_records import (
    BIDERMAN,
    BOS,
    CANARY_NAME_TOKENS,
    CARLINI,
    PASSAGE_TOKENS,
    PLANTED_INDEX_MIN_TOKENS,
    SECRET_ALPHABET,
    SECRET_LENGTH,
    Canary,
    CanaryOutcome,
    ModelResult,
    Passage,
    PassageOutcome,
    SourceHit,
    StudyConfig,
    StudyRun,
    TrainingSet,
)
from wherefrom.audit.study_report import write_report
from wherefrom.errors import BadInputError


def run_study(
    config: StudyConfig, folder: Path, log: Callable[[str], None] | None = None, threads: int = 1
) -> StudyRun:
    """Run (or resume) the study in `folder` and write its report there."""
    from wherefrom.audit.model import _torch

    log = log or _stderr
    torch = _torch()
    torch.set_num_threads(threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    folder.mkdir(parents=True, exist_ok=True)
    _check_plan(config, folder)
    started = time.monotonic()
    tokenizer, training_set = prepare_training_set(config, folder, log)
    index = _index_training_set(training_set, folder, log)
    run = StudyRun(config, folder, [])
    members = [(shape.name, shape, False) for shape in config.sizes]
    members.append((f"reference-{config.reference_shape.name}", config.reference_shape, True))
    for name, shape, is_reference in members:
        result_path = folder / "results" / f"{name}.json"
        if result_path.exists():
            run.results.append(ModelResult.from_dict(json.loads(result_path.read_text(encoding="utf-8"))))
            log(f"{name}: measured before, kept")
            continue
        model = _trained_model(config, folder, tokenizer, training_set, name, shape, is_reference, run, log)
        log(f"{name}: measuring")
        result = measure(model, training_set, index, name, shape, is_reference, folder)
        _write_json_atomic(result_path, result.to_dict())
        run.results.append(result)
        run.measured_now.append(name)
    write_report(run)
    log(f"done in {time.monotonic() - started:.0f} s; report: {folder / 'report.md'}")
    return run


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _check_plan(config: StudyConfig, folder: Path) -> None:
    path = folder / "plan.json"
    wanted = config.to_dict()
    if path.exists():
        found = json.loads(path.read_text(encoding="utf-8"))
        differ = sorted(k for k in set(found) | set(wanted) if found.get(k) != wanted.get(k))
        if differ:
            raise BadInputError(
                f"{folder}: holds a study with other settings ({', '.join(differ)}); "
                "rerun with the same options to resume, or pass another --out"
            )
        return
    _write_json_atomic(path, wanted)


def _write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)


# ---- the training set ----------------------------------------------------------------------


def _read_corpus(sources: tuple[str, ...], enough_chars: int) -> list[tuple[str, str, str, str]]:
    """(uid, title, uri, text) of the corpus' text documents, in order, until `enough_chars`
    characters are read: anything `wherefrom index build` reads (folders, JSONL, Parquet, ...)."""
    from wherefrom.corpus import SkipLog, read_sources
    from wherefrom.records import Provenance

    documents, chars = [], 0
    for document in read_sources(list(sources), Provenance(), "text", SkipLog()):
        if document.kind != "text" or not document.content.strip():
            continue
        title = document.provenance.title or Path(document.provenance.uri).name
        documents.append((document.uid, title, document.provenance.uri, document.content))
        chars += len(document.content)
        if chars >= enough_chars:
            break
    if not documents:
        raise BadInputError(f"{', '.join(sources)}: no text document to build a training set from")
    return documents


def prepare_training_set(config: StudyConfig, folder: Path, log: Callable[[str], None]) -> tuple[Any, TrainingSet]:
    """The tokenizer and the training set, built once and then read back from the folder."""
    from wherefrom.audit.study_model import train_tokenizer

    saved = folder / "training_set.json"
    measured = config.passages * (len(config.duplicates) + 1)
    needed = config.base_tokens + measured * PASSAGE_TOKENS
    if saved.exists():
        from wherefrom.audit.study_model import load_tokenizer

        return load_tokenizer(folder / "tokenizer.json"), _load_training_set(saved)
    # about 4.5 characters per token in English under a small BPE; twice that leaves room for
    # documents whose tail is shorter than a passage
    documents = _read_corpus(config.corpus, needed * 9)
    log(f"corpus: {len(documents)} documents, {sum(len(d[3]) for d in documents):,} characters read")
    tokenizer = train_tokenizer((d[3] for d in documents), config.vocab_size, folder / "tokenizer.json")
    chunks = []
    for uid, title, uri, text in documents:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        for start in range(0, len(ids) - PASSAGE_TOKENS + 1, PASSAGE_TOKENS):
            chunks.append(
                (uid, title, uri, (start, start + PASSAGE_TOKENS), tuple(ids[start : start + PASSAGE_TOKENS]))
            )
    if len(chunks) < measured + 1:
        raise BadInputError(
            f"{', '.join(config.corpus)}: {len(chunks)} passages of {PASSAGE_TOKENS} tokens, "
            f"{measured + 1} needed at least; give a larger corpus or fewer --passages"
        )
    rng = random.Random(config.seed)
    rng.shuffle(chunks)
    counts = [c for c in config.duplicates for _ in range(config.passages)] + [0] * config.passages
    passages = tuple(Passage(i, copies, *chunks[i][:4], chunks[i][4]) for i, copies in enumerate(counts))
    base_chunks = chunks[measured : measured + max(1, config.base_tokens // PASSAGE_TOKENS)]
    base = tuple(Passage(measured + i, 1, *c[:4], c[4]) for i, c in enumerate(base_chunks))
    # the alphabet and the names are drawn from the merged tokens (ids past the 256 bytes and the
    # special token), so a secret is a run of ordinary-looking tokens of the vocabulary
    vocabulary = list(range(257, len(tokenizer)))
    alphabet = tuple(rng.sample(vocabulary, SECRET_ALPHABET))
    canary_counts = [c for c in config.duplicates for _ in range(config.canaries)] + [0] * config.canaries
    canaries = tuple(
        Canary(
            i,
            copies,
            tuple(rng.choice(vocabulary) for _ in range(CANARY_NAME_TOKENS)),
            tuple(rng.choice(alphabet) for _ in range(SECRET_LENGTH)),
        )
        for i, copies in enumerate(canary_counts)
    )
    training_set = TrainingSet(passages, base, canaries, alphabet)
    _write_corpus_file(training_set, tokenizer, folder / "training_set.jsonl")
    _write_json_atomic(saved, asdict(training_set))
    log(
        f"training set: {len(base)} base passages, {sum(p.copies for p in passages)} planted copies of "
        f"{sum(1 for p in passages if p.copies)} passages, {sum(c.copies for c in canaries)} canary copies"
    )
    return tokenizer, training_set


def _load_training_set(path: Path) -> TrainingSet:
    data = json.loads(path.read_text(encoding="utf-8"))

    def passage(p: dict[str, Any]) -> Passage:
        return Passage(**(p | {"token_span": tuple(p["token_span"]), "tokens": tuple(p["tokens"])}))

    return TrainingSet(
        tuple(passage(p) for p in data["passages"]),
        tuple(passage(p) for p in data["base"]),
        tuple(Canary(c["number"], c["copies"], tuple(c["name"]), tuple(c["secret"])) for c in data["canaries"]),
        tuple(data["alphabet"]),
    )


def _write_corpus_file(training_set: TrainingSet, tokenizer: Any, path: Path) -> None:
    """The trained passages as JSONL records, one per copy, each naming its source document,
    so that the index counts a planted passage's copies as `documents_containing`. Canaries
    are left out: 7 tokens are below what an index is built to find."""
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for p in training_set.base + training_set.passages:
            text = tokenizer.decode(list(p.tokens))
            for copy in range(p.copies):
                record = {
                    "id": f"passage-{p.number}-copy-{copy}",
                    "uri": f"{p.source_uri}#passage={p.number}&tokens={p.token_span[0]}-{p.token_span[1]}&copy={copy}",
                    "title": f"{p.source_title} (tokens {p.token_span[0]}-{p.token_span[1]})",
                    "text": text,
                }
                handle.write(json.dumps(record) + "\n")
    os.replace(temporary, path)


# ---- wherefrom's index and check: the one adapter --------------------------------------------


def _index_training_set(training_set: TrainingSet, folder: Path, log: Callable[[str], None]) -> Any:
    """Build (once) and open the wherefrom index of the training set's corpus file."""
    from wherefrom.build import build_index
    from wherefrom.config import IndexConfig
    from wherefrom.index import Index

    target, done = folder / "index", folder / "index.done"
    # a passage planted d times is in d documents; fingerprints in more documents than the
    # common threshold keep only their count, and the check could no longer name the source
    most_copies = max((p.copies for p in training_set.passages), default=1)
    config = IndexConfig(
        min_tokens=PLANTED_INDEX_MIN_TOKENS, common_threshold=max(IndexConfig().common_threshold, 4 * most_copies)
    )
    if not done.exists():
        shutil.rmtree(target, ignore_errors=True)  # an interrupted build is redone whole
        summary = build_index(
            [folder / "training_set.jsonl"],
            target,
            config=config,
            kind="text",
        )
        done.write_text(
            json.dumps({"documents": getattr(summary, "documents", None)}, default=str) + "\n", encoding="utf-8"
        )
        log(f"index: {target}")
    return Index.open(target)


def _sources_of(index: Any, texts: list[str]) -> list[tuple[SourceHit, ...]]:
    """For each text, the index documents it copies (longest copy first)."""
    from wherefrom.check import CheckOptions, check_text

    options = CheckOptions(kind="text", min_tokens=PLANTED_INDEX_MIN_TOKENS, max_sources=3)
    out = []
    for number, text in enumerate(texts):
        report = check_text(index, text, f"extracted-{number}", options)
        hits = [
            SourceHit(m.source.uid, m.source.title, m.source.uri, m.tokens or 0, m.similarity, m.documents_containing)
            for m in sorted(report.matches, key=lambda m: -(m.tokens or 0))
            if m.source is not None
        ]
        out.append(tuple(hits))
    return out


# ---- training and measuring --------------------------------------------------------------------


def _trained_model(
    config: StudyConfig,
    folder: Path,
    tokenizer: Any,
    training_set: TrainingSet,
    name: str,
    shape: ModelShape,
    is_reference: bool,
    run: StudyRun,
    log: Callable[[str], None],
) -> Any:
    from wherefrom.audit.study_model import load_finished, make_model, parameter_counts, save_finished, train

    model_folder = folder / "models" / name
    if (model_folder / "done.json").exists():
        log(f"{name}: trained before, loaded")
        return load_finished(model_folder, tokenizer, name)
    model_folder.mkdir(parents=True, exist_ok=True)
    rows = training_set.rows(planted=not is_reference)
    # every model starts from the same seed and sees the same rows in the same order
    model = make_model(shape, len(tokenizer), PASSAGE_TOKENS + 1, config.seed)
    total, non_embedding = parameter_counts(model)
    log(f"{name}: training {total:,} parameters on {len(rows):,} rows x {config.epochs} epochs")
    started = time.monotonic()
    stats = train(model, rows, config.plan(), model_folder / "partial.pt", log)
    stats |= {
        "seconds": round(time.monotonic() - started, 1),
        "rows": len(rows),
        "tokens_seen": int((rows[:, 1:] != IGNORE).sum()) * config.epochs,
    }
    save_finished(model, model_folder, {"parameters": total, "non_embedding_parameters": non_embedding} | stats)
    run.trained_now.append(name)
    from wherefrom.audit.model import LanguageModel

    return LanguageModel(model, tokenizer, name, batch_size=64)


def measure(
    model: Any, training_set: TrainingSet, index: Any, name: str, shape: ModelShape, is_reference: bool, folder: Path
) -> ModelResult:
    """Both extraction protocols, the approximate measures, the passage's code length, and
    each canary's exact rank; every memorized suffix is checked against the index."""
    from wherefrom.audit.study_model import parameter_counts, secret_rank

    passages = training_set.passages
    carlini = model.greedy([[BOS, *p.tokens[: CARLINI[0]]] for p in passages], CARLINI[1])
    biderman = model.greedy([[BOS, *p.tokens[: BIDERMAN[0]]] for p in passages], BIDERMAN[1])
    outcomes = []
    for p, c, b in zip(passages, carlini, biderman, strict=True):
        truth_c = list(p.tokens[CARLINI[0] : sum(CARLINI)])
        truth_b = list(p.tokens[BIDERMAN[0] : sum(BIDERMAN)])
        logp = model.token_statistics([BOS, *p.tokens])["logp"]
        outcomes.append(
            PassageOutcome(
                p.number,
                p.copies,
                c == truth_c,
                edit_similarity(c, truth_c),
                bleu(c, truth_c),
                b == truth_b,
                memorization_score(b, truth_b),
                float(-logp.sum() / math.log(2)),
                model.tokenizer.decode(c),
            )
        )
    # what counts as extracted for the source check: exact, or within the approximate bar
    extracted = [i for i, o in enumerate(outcomes) if o.carlini_exact or o.carlini_edit_similarity >= 0.9]
    hits = _sources_of(index, [outcomes[i].generated for i in extracted])
    for i, found in zip(extracted, hits, strict=True):
        outcomes[i] = replace(outcomes[i], sources=found)
    space_bits = SECRET_LENGTH * math.log2(SECRET_ALPHABET)
    canaries = []
    for canary in training_set.canaries:
        rank, log2p = secret_rank(model, [BOS, *canary.name], list(training_set.alphabet), list(canary.secret))
        canaries.append(
            CanaryOutcome(
                canary.number,
                canary.copies,
                rank,
                exposure_from_rank(rank, SECRET_ALPHABET**SECRET_LENGTH),
                log2p,
                min(space_bits, max(0.0, space_bits + log2p)),
            )
        )
    total, non_embedding = parameter_counts(model.model)
    done = folder / "models" / name / "done.json"
    training = json.loads(done.read_text(encoding="utf-8")) if done.exists() else {}
    return ModelResult(name, shape.name, is_reference, total, non_embedding, training, tuple(outcomes), tuple(canaries))
