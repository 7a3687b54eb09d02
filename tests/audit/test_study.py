"""The size study end to end on a tiny random-word corpus (quick mode, tiny sizes): more copies
give more extraction, the reference and the held-out passages stay at zero, the results name
the planted source of every extracted sequence, and a rerun resumes without retraining. Also
the pieces on their own: the exact canary rank against enumeration, training resumed from a
checkpoint, and the fits and tests of the report on numbers worked by hand."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from tests.extras import require_extra

from wherefrom.audit.study import run_study
from wherefrom.audit.study_model import ModelShape
from wherefrom.audit.study_records import StudyConfig
from wherefrom.audit.study_report import _fit, sign_test, wilson
from wherefrom.errors import BadInputError

torch = require_extra("audit", "torch")
require_extra("audit", "tokenizers")
require_extra("audit", "matplotlib")

DUPLICATES = (1, 16)


def write_corpus(folder: Path) -> Path:
    """Random-word documents as JSONL: nothing in them can be predicted except by heart."""
    rng = random.Random(7)
    words = [f"w{i}" for i in range(300)]
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for number in range(12):
            text = " ".join(rng.choice(words) for _ in range(400))
            handle.write(json.dumps({"id": f"doc-{number}", "title": f"Document {number}", "text": text}) + "\n")
    return path


def tiny_config(corpus: Path) -> StudyConfig:
    return StudyConfig.preset(
        [str(corpus)],
        quick=True,
        sizes=(ModelShape.parse("1x16"), ModelShape.parse("1x64")),
        duplicates=DUPLICATES,
        passages=6,
        canaries=2,
        base_tokens=3_000,
        epochs=60,
        vocab_size=512,
    )


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("study")
    config = tiny_config(write_corpus(folder))
    return run_study(config, folder / "out", log=lambda _: None)


def share(result, copies: int) -> float:
    outcomes = [p for p in result.passages if p.copies == copies]
    return sum(p.carlini_exact for p in outcomes) / len(outcomes)


def test_more_copies_more_extraction_and_the_floors_stay_at_zero(study):
    by_name = {r.name: r for r in study.results}
    largest, reference = by_name["1x64"], by_name["reference-1x64"]
    assert share(largest, 16) >= 0.5
    assert share(largest, 16) > share(largest, 1)
    assert share(reference, 16) == 0.0  # never saw the planted passages
    for result in study.results:
        assert share(result, 0) == 0.0  # held-out passages: no model saw them
    planted = [c.exposure for c in largest.canaries if c.copies == 16]
    unseen = [c.exposure for c in reference.canaries]
    assert min(planted) > max(unseen)
    assert all(c.exposure <= 15.0 for r in study.results for c in r.canaries)


def test_results_exist_and_name_the_source_of_every_extracted_sequence(study):
    folder = study.folder
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    for name in ("study_parameters.png", "study_duplicates.png", "study_canaries.png", "study_onset.png"):
        assert (folder / name).read_bytes()[:4] == b"\x89PNG"
    extracted = summary["extracted"]
    assert extracted["extracted"] >= 3
    assert extracted["planted_named"] == extracted["extracted"]
    for row in extracted["rows"]:
        assert row["source"].startswith("Document ")
        assert row["documents_containing"] == row["copies"]
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert summary["answer"] in report
    assert "Document " in report
    fits = {(f["metric"], f["against"], f["group"]) for f in summary["fits"]}
    assert ("carlini", "duplicates", "1x64") in fits
    assert ("carlini", "parameters", "16 copies") in fits


def test_rerun_resumes_without_retraining(study):
    weights = sorted((study.folder / "models").glob("*/model.safetensors"))
    assert len(weights) == 3
    before = [w.stat().st_mtime_ns for w in weights]
    again = run_study(study.config, study.folder, log=lambda _: None)
    assert again.trained_now == []
    assert again.measured_now == []
    assert [w.stat().st_mtime_ns for w in weights] == before
    assert [r.to_dict() for r in again.results] == [r.to_dict() for r in study.results]


def test_rerun_with_other_settings_is_refused(study):
    with pytest.raises(BadInputError, match="other settings"):
        run_study(replace(study.config, seed=1), study.folder, log=lambda _: None)


def test_secret_rank_equals_enumerating_every_candidate():
    import itertools

    from wherefrom.audit.model import LanguageModel
    from wherefrom.audit.study_model import make_model, secret_log_probs, secret_rank

    model = LanguageModel(make_model(ModelShape.parse("1x16"), 40, 16, seed=3).eval(), None, "untrained")
    prefix, alphabet = [0, 7, 9], [11, 12, 13, 14, 15]
    fast = secret_log_probs(model, prefix, alphabet, 3)
    slow = []
    for secret in itertools.product(alphabet, repeat=3):
        logp = model.token_statistics([*prefix, *secret])["logp"]
        slow.append(float(logp[-3:].sum()))
    np.testing.assert_allclose(fast, slow, atol=1e-6)
    secret = [13, 11, 15]
    mine = slow[list(itertools.product(alphabet, repeat=3)).index(tuple(secret))]
    rank, log2p = secret_rank(model, prefix, alphabet, secret)
    assert rank == 1 + sum(s > mine for s in slow)
    assert log2p == pytest.approx(mine / math.log(2))


def test_training_resumed_from_a_checkpoint_ends_at_the_same_weights(tmp_path):
    from wherefrom.audit.study_model import TrainingPlan, make_model, train

    rows = np.random.default_rng(0).integers(1, 40, size=(20, 9)).astype(np.int32)
    plan = TrainingPlan(epochs=2, batch_size=8, learning_rate=1e-2, warmup_fraction=0.1, seed=0)
    shape = ModelShape.parse("1x16")
    straight = make_model(shape, 40, 16, seed=0)
    # checkpoint_seconds=0 saves after every step but the last: the file holds step total-1
    train(straight, rows, plan, tmp_path / "partial.pt", lambda _: None, checkpoint_seconds=0)
    resumed = make_model(shape, 40, 16, seed=5)
    messages: list[str] = []
    train(resumed, rows, plan, tmp_path / "partial.pt", messages.append)
    assert any("resumed at step" in m for m in messages)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)


def test_cli_without_torch_prints_the_install_line(tmp_path):
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from wherefrom.cli import main\n"
        f"sys.exit(main(['audit', 'study', '--corpus', {str(tmp_path)!r}, '--out', {str(tmp_path / 'o')!r}, '--quick']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "pip install 'wherefrom[audit]'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_fit_sign_test_and_wilson_by_hand():
    # shares 0.1, 0.3, 0.5 at 1e4, 1e5, 1e6 parameters: +0.2 per decade
    fit = _fit("carlini", "parameters", "all", [1e4, 1e5, 1e6], [10, 30, 50], [100, 100, 100], seed=0)
    assert fit is not None
    assert fit.observed == pytest.approx(0.2)
    assert fit.slope == pytest.approx(0.2, abs=0.02)  # posterior median, close with 100 a point
    assert fit.intercept == pytest.approx(0.1 - 0.2 * 4)
    assert fit.low < 0.2 < fit.high
    assert fit.high - fit.low < 0.2  # 100 passages a point pin the slope well
    assert _fit("carlini", "parameters", "one", [1e4, 1e4], [1, 2], [10, 10], seed=0) is None
    assert sign_test(5, 0) == pytest.approx(1 / 32)
    assert sign_test(0, 0) == 1.0
    assert sign_test(2, 1) == pytest.approx(4 / 8)
    low, high = wilson(0, 16)
    assert low == 0.0
    assert high == pytest.approx(0.1936, abs=1e-3)


def _result(name: str, parameters: int, onset: int | None, reference: bool = False):
    from wherefrom.audit.study_records import ModelResult, PassageOutcome

    passages, number = [], 0
    for copies in (0, 1, 4, 16, 64):
        for _ in range(8):
            hit = onset is not None and 0 < onset <= copies
            passages.append(PassageOutcome(number, copies, hit, 1.0 if hit else 0.1, 0.0, hit, 1.0, 100.0, ""))
            number += 1
    return ModelResult(name, name, reference, parameters, parameters // 2, {}, tuple(passages), ())


def test_onset_and_its_exponent_on_made_up_results():
    from wherefrom.audit.study_report import onset, onset_exponent

    results = [
        _result("small", 10_000, None),
        _result("mid", 100_000, 64),
        _result("large", 1_000_000, 4),
        _result("reference", 1_000_000, None, reference=True),
    ]
    needed = {s["model"]: s["copies_needed"] for s in onset(results)}
    assert needed == {"small": None, "mid": 64, "large": 4}
    fit = onset_exponent(results, draws=50)
    assert fit["exponent"] == pytest.approx(math.log10(4 / 64) / 1)  # one decade of parameters
    assert fit["ci95"][0] == pytest.approx(fit["exponent"])  # all-or-nothing cells resample to themselves
