"""End to end on a tiny LM trained from scratch: duplicated documents are extractable, single
ones are not, an untrained model extracts nothing, and the guard stops a memorized passage
while ordinary text flows."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.extras import require_extra

from wherefrom.audit.extract import Protocol, audit_extraction, plot
from wherefrom.audit.membership import evaluate, score_text
from wherefrom.guard import CopyGuard, make_processor

COPIES = 16  # copies of each duplicated document (conftest.COPIES)

TINY = Protocol("tiny", (16,), 16)


def by_copies(result: object) -> dict[bool, float]:
    groups: dict[bool, list[bool]] = {True: [], False: []}
    for s in result.samples:
        groups[s.documents_containing >= COPIES].append(s.exact)
    return {k: sum(v) / len(v) for k, v in groups.items() if v}


def test_duplicated_documents_are_extractable(tiny_index, tiny_models, tmp_path):
    result = audit_extraction(tiny_index, tiny_models["trained"], TINY, count=120, seed=3)
    rates = by_copies(result)
    assert rates[True] >= 0.8
    assert rates[False] <= 0.2
    summary = result.summary()
    assert set(summary["by_duplicates"]["16"]) == {"1", "16-31"}
    assert summary["by_duplicates"]["16"]["16-31"]["exact"] >= 0.8
    plot(result, tmp_path / "plot.png")
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"
    json.loads(json.dumps(result.to_dict()))


def test_untrained_model_extracts_nothing_and_reference_subtracts(tiny_index, tiny_models):
    result = audit_extraction(
        tiny_index,
        tiny_models["untrained"],
        TINY,
        count=60,
        seed=3,
        reference=tiny_models["trained"],
    )
    overall = result.summary()["overall"]["16"]
    assert overall["exact"] == 0.0
    assert overall["mean_score"] < 0.1
    # untrained minus trained: strongly negative
    assert result.summary()["minus_reference"]["16"]["exact"] < -0.3


def test_membership_scores_separate_duplicated_from_single(corpus, tiny_models):
    duplicated, single = corpus
    model = tiny_models["trained"]
    members = [score_text(model, t) for t in duplicated]
    nonmembers = [score_text(model, t) for t in single[:16]]
    separation = evaluate(members, nonmembers)
    for name in ("loss", "zlib", "min_k", "min_k_plus_plus"):
        assert separation[name]["auroc"] > 0.9, name


def _generate(model, prompt: str, processor=None, tokens: int = 20) -> str:
    torch = require_extra("audit", "torch")
    ids = torch.tensor([model.encode(prompt)[0]])
    extra = {"logits_processor": [processor]} if processor is not None else {}
    with torch.no_grad():
        out = model.model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            do_sample=False,
            max_new_tokens=tokens,
            pad_token_id=0,
            **extra,
        )
    return model.tokenizer.decode(out[0, ids.shape[1] :].tolist())


def test_guard_blocks_memorized_passage_and_lets_other_text_flow(corpus, tiny_index, tiny_models):
    duplicated, _ = corpus
    model = tiny_models["trained"]
    words = duplicated[0].split()
    prompt, truth = " ".join(words[:10]), " ".join(words[10:30])
    assert _generate(model, prompt) == truth  # memorized without the guard

    guard = CopyGuard.from_index(tiny_index, max_copy_tokens=12)
    processor = make_processor(guard, model.tokenizer, top_k=32)
    guarded = _generate(model, prompt, processor)
    assert guarded != truth
    assert processor.blocked > 0
    assert not guard.copies_in(prompt + " " + guarded)
    # the ALL-CAPS, re-spaced form of the same passage is caught too
    assert (
        not guard.allowed(prompt.upper().replace(" ", "   "), [" " + words[10].upper()])[0]
        or len(prompt.split()) < 12
    )

    ordinary = "the river flows to the sea and a dog runs"
    unguarded = _generate(model, ordinary, None, tokens=10)
    processor = make_processor(guard, model.tokenizer, top_k=32)
    assert _generate(model, ordinary, processor, tokens=10) == unguarded
    assert processor.blocked == 0


def test_guard_cite_mode_records_the_source(corpus, tiny_index, tiny_models):
    duplicated, _ = corpus
    model = tiny_models["trained"]
    words = duplicated[1].split()
    prompt = " ".join(words[:10])
    guard = CopyGuard.from_index(tiny_index, max_copy_tokens=12, mode="cite")
    processor = make_processor(guard, model.tokenizer)
    torch = require_extra("audit", "torch")
    ids = torch.tensor([model.encode(prompt)[0]])
    out = model.model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        do_sample=False,
        max_new_tokens=20,
        logits_processor=[processor],
        pad_token_id=0,
    )
    citations = processor.finish(out)[0]
    assert model.tokenizer.decode(out[0, ids.shape[1] :].tolist()) == " ".join(words[10:30])
    assert len(citations) == 1
    assert citations[0].tokens == 30
    assert citations[0].source.startswith("dup01")


def test_guard_compares_in_normal_form():
    text = "It was the best of times, it was the worst of times, it was the age of wisdom"
    guard = CopyGuard.from_texts([("novel", "u1", text)], max_copy_tokens=6)
    context = "IT   WAS THE BEST\nOF TIMES,"
    assert guard.allowed(context, [" it was", " said he"]) == [False, True]
    assert guard.allowed("it was the best", [" of", " of times"]) == [
        True,
        True,
    ]  # 6 tokens: at the limit


def test_cli_without_model_extra_prints_install_line(tmp_path):
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from wherefrom.cli import main\n"
        f"folder = {str(tmp_path)!r}\n"
        "sys.exit(main(['audit', 'extract', '--model', folder, '--index', folder]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "pip install 'wherefrom[audit]'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_canary_exposure_by_rank_is_high_only_when_planted(tiny_models):
    from wherefrom.audit.canary import CanarySpec, exposure

    spec = CanarySpec(
        template="the river flows to {secret}", alphabet=("w1", "w2", "w3", "w4"), length=3
    )
    result = exposure(tiny_models["untrained"], spec, spec.fill(("w1", "w2", "w3")))
    assert result["method"] == "rank"
    assert result["space"] == 64
    assert 0.0 <= result["exposure"] <= 6.0
