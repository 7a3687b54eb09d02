"""The extraction audit: prompt a model with the true prefix of a training sequence, decode
greedily, and compare with the true continuation, under the published protocols.

- carlini2022 (Carlini et al. 2022, "Quantifying Memorization Across Neural Language Models"):
  sequences of 100..500 tokens; prompt with the first 50, 150, 250, 350, 450 tokens; the
  50-token suffix is extractable iff greedy decoding reproduces it exactly.
- biderman2023 (Biderman et al. 2023, "Emergent and Predictable Memorization"): 32-token
  prompt, 32-token continuation; score = fraction of positions equal; memorized iff 1.
- approximate: on the same generations, normalized edit similarity >= 0.9 (Lee et al. 2022's
  measure) and BLEU >= 0.75 (Ippolito et al. 2023), each reported on its own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wherefrom.audit.metrics import bleu, edit_similarity, memorization_score
from wherefrom.audit.sequences import Sequence, sample_sequences
from wherefrom.errors import BadInputError

if TYPE_CHECKING:
    from wherefrom.audit.model import LanguageModel
    from wherefrom.index import Index

EDIT_THRESHOLD = 0.9
BLEU_THRESHOLD = 0.75


@dataclass(frozen=True, slots=True)
class Protocol:
    name: str
    prefix_lengths: tuple[int, ...]
    suffix_length: int


PROTOCOLS = {
    "carlini2022": Protocol("carlini2022", (50, 150, 250, 350, 450), 50),
    "biderman2023": Protocol("biderman2023", (32,), 32),
}


@dataclass(frozen=True, slots=True)
class SampleResult:
    source: str
    uid: str
    span: tuple[int, int]
    prefix_length: int
    documents_containing: int
    exact: bool
    score: float
    edit_similarity: float
    bleu: float


@dataclass(slots=True)
class ExtractionResult:
    model: str
    protocol: Protocol
    samples: list[SampleResult]
    reference_model: str | None = None
    reference: list[SampleResult] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "protocol": asdict(self.protocol),
            "sequences": len({(s.uid, s.span) for s in self.samples}),
            "overall": {
                str(p): rates(self._at(self.samples, p)) for p in self.protocol.prefix_lengths
            },
            "by_duplicates": {
                str(p): bucketed(self._at(self.samples, p)) for p in self.protocol.prefix_lengths
            },
        }
        if self.reference_model:
            out["reference_model"] = self.reference_model
            out["reference_overall"] = {
                str(p): rates(self._at(self.reference, p)) for p in self.protocol.prefix_lengths
            }
            out["minus_reference"] = {
                str(p): subtract(self._at(self.samples, p), self._at(self.reference, p))
                for p in self.protocol.prefix_lengths
            }
        return out

    def to_dict(self, with_samples: bool = True) -> dict[str, Any]:
        out = self.summary()
        if with_samples:
            out["samples"] = [asdict(s) for s in self.samples]
        return out

    @staticmethod
    def _at(samples: list[SampleResult], prefix: int) -> list[SampleResult]:
        return [s for s in samples if s.prefix_length == prefix]


def rates(samples: list[SampleResult]) -> dict[str, float]:
    n = len(samples)
    if n == 0:
        return {"n": 0}
    return {
        "n": n,
        "exact": sum(s.exact for s in samples) / n,
        "mean_score": sum(s.score for s in samples) / n,
        "edit_similarity_ge_0.9": sum(s.edit_similarity >= EDIT_THRESHOLD for s in samples) / n,
        "bleu_ge_0.75": sum(s.bleu >= BLEU_THRESHOLD for s in samples) / n,
    }


def bucket_of(count: int) -> str:
    """Duplicate buckets 1, 2-3, 4-7, 8-15, ... (powers of two)."""
    if count <= 1:
        return "1"
    low = 1 << (count.bit_length() - 1)
    return f"{low}-{2 * low - 1}"


def bucketed(samples: list[SampleResult]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[SampleResult]] = {}
    for s in samples:
        groups.setdefault(bucket_of(s.documents_containing), []).append(s)
    return {k: rates(groups[k]) for k in sorted(groups, key=lambda b: int(b.split("-")[0]))}


def subtract(target: list[SampleResult], reference: list[SampleResult]) -> dict[str, float]:
    """Target rate minus the reference model's rate on the same sequences."""
    a, b = rates(target), rates(reference)
    return {k: a[k] - b[k] for k in a if k != "n" and k in b}


def run_model(model: LanguageModel, sequences: list[Sequence], protocol: Protocol) -> list[SampleResult]:
    results: list[SampleResult] = []
    total = max(protocol.prefix_lengths) + protocol.suffix_length
    for prefix in protocol.prefix_lengths:
        # every prefix length is tested on the same sequences: the last `prefix + suffix`
        # tokens of each, so the suffix is identical across prefix lengths
        offset = total - prefix - protocol.suffix_length
        prompts = [list(s.tokens[offset : offset + prefix]) for s in sequences]
        truths = [
            list(s.tokens[offset + prefix : offset + prefix + protocol.suffix_length])
            for s in sequences
        ]
        generated = model.greedy(prompts, protocol.suffix_length)
        for s, g, t in zip(sequences, generated, truths, strict=True):
            results.append(
                SampleResult(
                    s.source,
                    s.uid,
                    (s.start_char, s.end_char),
                    prefix,
                    s.documents_containing,
                    g == t,
                    memorization_score(g, t),
                    edit_similarity(g, t),
                    bleu(g, t),
                )
            )
    return results


def audit_extraction(
    index: Index,
    model: LanguageModel,
    protocol: Protocol | str = "carlini2022",
    *,
    count: int = 200,
    seed: int = 0,
    reference: LanguageModel | None = None,
) -> ExtractionResult:
    """Sample `count` sequences from the index and run the protocol on the model (and on the
    reference model, on the same text, when given)."""
    if isinstance(protocol, str):
        if protocol not in PROTOCOLS:
            raise BadInputError(f"--protocol must be one of {sorted(PROTOCOLS)}, got {protocol!r}")
        protocol = PROTOCOLS[protocol]
    total = max(protocol.prefix_lengths) + protocol.suffix_length
    sequences, _ = sample_sequences(index, model, total, count, seed)
    if not sequences:
        raise BadInputError(f"no document of the index is {total} model tokens long")
    result = ExtractionResult(
        getattr(model, "name", "model"), protocol, run_model(model, sequences, protocol)
    )
    if reference is not None:
        # the reference may tokenize differently: re-encode the same character spans
        ref_sequences = []
        for s in sequences:
            text = _span_text(index, s)
            ids, _ = reference.encode(text)
            if len(ids) >= total:
                ref_sequences.append(
                    Sequence(
                        s.source,
                        s.uid,
                        s.start_char,
                        s.end_char,
                        tuple(ids[-total:]),
                        s.documents_containing,
                    )
                )
        result.reference_model = getattr(reference, "name", "reference")
        result.reference = run_model(reference, ref_sequences, protocol)
    return result


_text_cache: dict[tuple[int, str], str] = {}


def _span_text(index: Index, s: Sequence) -> str:
    key = (id(index), s.uid)
    if key not in _text_cache:
        _text_cache.clear()
        row = index.document_by_uid(s.uid)
        _text_cache[key] = index.text(row.doc_id) or ""
    return _text_cache[key][s.start_char : s.end_char]


def write_json(result: ExtractionResult, path: Path) -> None:
    path.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")


def plot(result: ExtractionResult, path: Path) -> None:
    """PNG of the exact-extraction fraction against the duplicate bucket, one line per prefix."""
    from wherefrom.errors import require

    matplotlib = require("matplotlib", "the extraction plot", "audit")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = result.summary()
    figure, axes = plt.subplots(figsize=(6, 4))
    for prefix, buckets in summary["by_duplicates"].items():
        names = list(buckets)
        axes.plot(
            range(len(names)),
            [buckets[b]["exact"] for b in names],
            marker="o",
            label=f"prefix {prefix}",
        )
        axes.set_xticks(range(len(names)), names)
    axes.set_xlabel("documents containing the sequence")
    axes.set_ylabel("fraction extractable (exact)")
    axes.set_title(f"{Path(result.model).name}: {result.protocol.name}")
    axes.set_ylim(0, 1)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
