"""Loading a local Hugging Face causal LM (a folder, or a GGUF file) and the few forward passes
the audits need: greedy continuation, per-token log-probabilities with the vocabulary's mean
and variance, and sampling. torch and transformers are imported here only."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.errors import BadInputError, require


@dataclass(slots=True)
class LanguageModel:
    """A causal LM and its tokenizer, in evaluation mode."""

    model: Any
    tokenizer: Any
    name: str
    batch_size: int = 16

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids of `text` without special tokens, with each token's character offsets."""
        out = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return list(out["input_ids"]), [tuple(o) for o in out["offset_mapping"]]

    def greedy(self, prompts: list[list[int]], length: int) -> list[list[int]]:
        """Greedy continuation of `length` tokens for each prompt (argmax at every step, no
        stop token), batched over prompts of equal length."""
        torch = _torch()
        out: list[list[int]] = [[] for _ in prompts]
        groups: dict[int, list[int]] = {}
        for i, prompt in enumerate(prompts):
            groups.setdefault(len(prompt), []).append(i)
        with torch.no_grad():
            for members in groups.values():
                for b in range(0, len(members), self.batch_size):
                    chunk = members[b : b + self.batch_size]
                    ids = torch.tensor([prompts[i] for i in chunk], device=self.device)
                    result = self.model(input_ids=ids, use_cache=True)
                    generated = []
                    for step in range(length):
                        nxt = result.logits[:, -1, :].argmax(dim=-1)
                        generated.append(nxt)
                        if step + 1 < length:
                            result = self.model(
                                input_ids=nxt[:, None],
                                past_key_values=result.past_key_values,
                                use_cache=True,
                            )
                    tokens = torch.stack(generated, dim=1).tolist()
                    for i, row in zip(chunk, tokens, strict=True):
                        out[i] = row
        return out

    def token_statistics(self, ids: list[int]) -> dict[str, np.ndarray]:
        """For tokens 1..n-1 of `ids`: log p(x_t | x_<t), and the mean and variance of
        log p(z | x_<t) over z ~ p(. | x_<t) (what Min-K%++ standardizes with)."""
        torch = _torch()
        with torch.no_grad():
            tensor = torch.tensor([ids], device=self.device)
            logits = self.model(input_ids=tensor).logits[0, :-1].double()
            logp = torch.log_softmax(logits, dim=-1)
            p = logp.exp()
            target = tensor[0, 1:]
            token_logp = logp.gather(1, target[:, None])[:, 0]
            mean = (p * logp).sum(-1)
            var = (p * logp.square()).sum(-1) - mean.square()
        return {
            "logp": token_logp.cpu().numpy(),
            "mean": mean.cpu().numpy(),
            "var": var.cpu().numpy(),
        }

    def sample(
        self,
        n: int,
        length: int,
        *,
        top_k: int,
        temperature: float,
        seed: int,
        prompt: list[int] | None = None,
    ) -> list[list[int]]:
        """`n` generations of `length` tokens, top-k sampling at `temperature`."""
        torch = _torch()
        torch.manual_seed(seed)
        start = prompt or [self.tokenizer.bos_token_id or self.tokenizer.eos_token_id or 0]
        outputs: list[list[int]] = []
        with torch.no_grad():
            for b in range(0, n, self.batch_size):
                count = min(self.batch_size, n - b)
                ids = torch.tensor([start] * count, device=self.device)
                result = self.model.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    do_sample=True,
                    top_k=top_k,
                    temperature=temperature,
                    max_new_tokens=length,
                    min_new_tokens=length,
                    pad_token_id=self.tokenizer.eos_token_id,
                    top_p=1.0,
                )
                outputs += result[:, len(start) :].tolist()
        return outputs


def _torch() -> Any:
    torch = require("torch", "model audits", "audit")
    _hide_broken_torchvision()
    return torch


def _hide_broken_torchvision() -> None:
    """transformers imports torchvision whenever it is installed; a torchvision built for
    another torch fails at import and would take every text model down with it, although text
    models never use it. Such a torchvision is hidden from this process."""
    if "torchvision" in sys.modules:
        return
    import importlib.util

    if importlib.util.find_spec("torchvision") is None:
        return
    try:
        import torchvision  # noqa: F401
    except Exception:
        for name in [m for m in sys.modules if m.startswith("torchvision.")]:
            del sys.modules[name]
        # find_spec now says absent
        sys.modules["torchvision"] = None  # type: ignore[assignment]


def load_model(
    path: str | Path, gguf_file: str | None = None, batch_size: int = 16
) -> LanguageModel:
    """Load a causal LM from a local folder (config.json + weights) or a GGUF file, offline.

    `path` may name a .gguf file directly, or a folder holding exactly one .gguf file and no
    config.json."""
    _torch()
    transformers = require("transformers", "model audits", "audit")
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: model path does not exist")
    if path.is_file():
        if path.suffix != ".gguf":
            raise BadInputError(
                f"{path}: a model file must be .gguf; otherwise pass the model folder"
            )
        path, gguf_file = path.parent, path.name
    elif gguf_file is None and not (path / "config.json").exists():
        found = sorted(p.name for p in path.glob("*.gguf"))
        if len(found) != 1:
            raise BadInputError(
                f"{path}: no config.json and {len(found)} .gguf files; pass --gguf-file"
            )
        gguf_file = found[0]
    if gguf_file is not None:
        require("gguf", "loading GGUF models", "audit")
        require("accelerate", "loading GGUF models", "audit")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    kwargs: dict[str, Any] = {"local_files_only": True}
    if gguf_file:
        kwargs["gguf_file"] = gguf_file
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(path), **kwargs)
    model = transformers.AutoModelForCausalLM.from_pretrained(str(path), **kwargs)
    model.eval()
    return LanguageModel(
        model, tokenizer, str(path / gguf_file) if gguf_file else str(path), batch_size
    )
