"""Untargeted extraction (Carlini et al. 2021): sample generations with top-k sampling and
check each against the index with wherefrom's matcher; report the share of generations that
hold a copy of at least `min_tokens` normal-form tokens, and the copies, longest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wherefrom.index import Index


@dataclass(frozen=True, slots=True)
class Copy:
    generation: int
    tokens: int
    source: str
    uid: str
    documents_containing: int
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "tokens": self.tokens,
            "source": self.source,
            "uid": self.uid,
            "documents_containing": self.documents_containing,
            "snippet": self.snippet,
        }


def audit_generations(
    index: Index,
    model: Any,
    *,
    n: int = 100,
    length: int = 256,
    top_k: int = 40,
    temperature: float = 1.0,
    min_tokens: int = 50,
    seed: int = 0,
) -> dict[str, Any]:
    from wherefrom.check import CheckOptions, check_text

    generations = model.sample(n, length, top_k=top_k, temperature=temperature, seed=seed)
    copies: list[Copy] = []
    with_copy = 0
    for number, ids in enumerate(generations):
        text = model.tokenizer.decode(ids, skip_special_tokens=True)
        report = check_text(
            index, text, name=f"generation-{number}", options=CheckOptions(kind="text")
        )
        found = [m for m in report.matches if (m.tokens or 0) >= min_tokens]
        with_copy += bool(found)
        for m in found:
            copies.append(
                Copy(
                    number,
                    m.tokens or 0,
                    m.source.title if m.source else "(common passage)",
                    m.source.uid if m.source else "",
                    m.documents_containing,
                    m.snippet,
                )
            )
    copies.sort(key=lambda c: (-c.tokens, -c.documents_containing))
    return {
        "model": model.name,
        "generations": n,
        "length": length,
        "top_k": top_k,
        "temperature": temperature,
        "min_tokens": min_tokens,
        "share_with_copy": with_copy / n if n else 0.0,
        "copies": [c.to_dict() for c in copies],
    }
