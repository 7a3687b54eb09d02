"""The models of the size study: a byte-level BPE tokenizer trained on the study's own corpus,
a family of small GPT-2 shapes, a training loop that checkpoints and resumes, and the exact
canary rank over the whole secret space. torch, transformers and tokenizers load here only."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wherefrom.audit.model import LanguageModel, _torch
from wherefrom.errors import BadInputError, require

END_OF_TEXT = "<|endoftext|>"
IGNORE = -100  # the label transformers' loss leaves out


@dataclass(frozen=True, slots=True)
class ModelShape:
    """One member of the family: a GPT-2 block stack of `layers` x `width` with `heads` heads
    (the embedding is tied to the output layer, as in GPT-2 and Pythia)."""

    name: str
    layers: int
    width: int
    heads: int

    @classmethod
    def parse(cls, text: str) -> ModelShape:
        """`LxW` (layers x width, e.g. `2x64`); heads = width / 32, at least 1."""
        try:
            layers, width = (int(part) for part in text.lower().split("x"))
        except ValueError:
            raise BadInputError(f"--sizes: {text!r} is not LAYERSxWIDTH, e.g. 2x64") from None
        if layers < 1 or width < 8 or width % 8:
            raise BadInputError(f"--sizes: {text!r} needs at least 1 layer and a width that is a multiple of 8")
        heads = max(1, width // 32)
        while width % heads:
            heads -= 1
        return cls(f"{layers}x{width}", layers, width, heads)


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    """The same for every model of a study: the examples' order, the steps, the schedule."""

    epochs: int
    batch_size: int
    learning_rate: float
    warmup_fraction: float
    seed: int

    def steps(self, examples: int) -> int:
        return self.epochs * math.ceil(examples / self.batch_size)

    def rate_at(self, step: int, total: int) -> float:
        """Linear warm-up, then cosine decay to a tenth of the peak rate."""
        warmup = max(1, int(self.warmup_fraction * total))
        if step < warmup:
            return self.learning_rate * (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return self.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train_tokenizer(texts: Iterable[str], vocab_size: int, path: Path) -> Any:
    """A byte-level BPE tokenizer (GPT-2's scheme) learned from `texts`, saved to `path`; an
    existing file is loaded instead, so a resumed study keeps its token ids."""
    if not path.exists():
        tokenizers = require("tokenizers", "the size study", "audit")
        tokenizer = tokenizers.Tokenizer(tokenizers.models.BPE())
        tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = tokenizers.decoders.ByteLevel()
        trainer = tokenizers.trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=[END_OF_TEXT],
            initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tokenizer.train_from_iterator(texts, trainer)
        temporary = path.with_suffix(".tmp")
        tokenizer.save(str(temporary))
        os.replace(temporary, path)
    return load_tokenizer(path)


def load_tokenizer(path: Path) -> Any:
    _torch()
    transformers = require("transformers", "the size study", "audit")
    return transformers.PreTrainedTokenizerFast(
        tokenizer_file=str(path),
        eos_token=END_OF_TEXT,
        bos_token=END_OF_TEXT,
        pad_token=END_OF_TEXT,
        unk_token=END_OF_TEXT,
    )


def make_model(shape: ModelShape, vocab_size: int, context: int, seed: int) -> Any:
    """A freshly initialized GPT-2 of `shape`; no dropout, as in the Pythia runs."""
    torch = _torch()
    transformers = require("transformers", "the size study", "audit")
    torch.manual_seed(seed)
    config = transformers.GPT2Config(
        vocab_size=vocab_size,
        n_positions=context,
        n_embd=shape.width,
        n_layer=shape.layers,
        n_head=shape.heads,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=0,
        pad_token_id=0,
        tie_word_embeddings=True,
    )
    return transformers.GPT2LMHeadModel(config)


def parameter_counts(model: Any) -> tuple[int, int]:
    """(all parameters, parameters outside the token and position embeddings); tied weights
    are counted once."""
    total = sum(p.numel() for p in model.parameters())
    embedding = model.transformer.wte.weight.numel() + model.transformer.wpe.weight.numel()
    return total, total - embedding


def train(
    model: Any,
    rows: np.ndarray,
    plan: TrainingPlan,
    checkpoint: Path,
    log: Callable[[str], None],
    checkpoint_seconds: float = 120.0,
) -> dict[str, Any]:
    """Train on `rows` (int32 [examples, length], `IGNORE` where there is no token) for
    `plan.epochs`, saving model, optimizer and step to `checkpoint` every `checkpoint_seconds`
    and resuming from it when it exists. Every model of a study sees the rows in the same order:
    the order of an epoch depends only on the plan's seed and the epoch number."""
    torch = _torch()
    optimizer = torch.optim.AdamW(model.parameters(), lr=plan.learning_rate, weight_decay=0.0, betas=(0.9, 0.95))
    per_epoch = math.ceil(len(rows) / plan.batch_size)
    total = plan.steps(len(rows))
    step, losses, running = 0, [], 0.0
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, losses, running = state["step"], state["losses"], state.get("running", 0.0)
        log(f"  resumed at step {step}/{total}")
    model.train()
    saved = time.monotonic()
    order = None
    while step < total:
        epoch, within = divmod(step, per_epoch)
        if within == 0 or order is None:
            order = np.random.default_rng([plan.seed, epoch]).permutation(len(rows))
        batch_rows = rows[order[within * plan.batch_size : (within + 1) * plan.batch_size]]
        labels = torch.from_numpy(batch_rows.astype(np.int64))
        inputs = labels.clamp(min=0)  # padding positions read token 0; their labels are ignored
        for group in optimizer.param_groups:
            group["lr"] = plan.rate_at(step, total)
        loss = model(input_ids=inputs, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        running += float(loss.detach())
        if within == per_epoch - 1:
            losses.append(running / per_epoch)
            running = 0.0
            log(f"  epoch {epoch + 1}/{plan.epochs} mean loss {losses[-1]:.3f}")
        if time.monotonic() - saved > checkpoint_seconds and step < total:
            _save_atomic(
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "step": step,
                    "losses": losses,
                    "running": running,
                },
                checkpoint,
            )
            saved = time.monotonic()
    model.eval()
    return {"steps": total, "final_loss": losses[-1] if losses else float("nan"), "epoch_losses": losses}


def _save_atomic(state: dict[str, Any], path: Path) -> None:
    torch = _torch()
    temporary = path.with_suffix(".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)


def save_finished(model: Any, folder: Path, record: dict[str, Any]) -> None:
    """Save the trained weights, then the `done.json` marker that tells a rerun to skip it."""
    model.save_pretrained(folder)
    temporary = folder / "done.json.tmp"
    temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, folder / "done.json")
    (folder / "partial.pt").unlink(missing_ok=True)


def load_finished(folder: Path, tokenizer: Any, name: str) -> LanguageModel:
    transformers = require("transformers", "the size study", "audit")
    model = transformers.GPT2LMHeadModel.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    return LanguageModel(model, tokenizer, name, batch_size=64)


def secret_log_probs(model: LanguageModel, prefix: list[int], alphabet: list[int], length: int) -> np.ndarray:
    """log p(secret | prefix) for every secret in alphabet^length, in the order of
    itertools.product(range(len(alphabet)), repeat=length), computed exactly level by level
    (one batched forward pass per prefix of the secret tree instead of one per candidate)."""
    torch = _torch()
    choices = torch.tensor(alphabet)
    scores = torch.zeros(1, dtype=torch.float64)
    partial = torch.empty((1, 0), dtype=torch.long)
    with torch.no_grad():
        for _ in range(length):
            level = []
            for start in range(0, len(partial), 256):
                chunk = partial[start : start + 256]
                ids = torch.cat([torch.tensor([prefix]).expand(len(chunk), -1), chunk], dim=1)
                logits = model.model(input_ids=ids).logits[:, -1, :].double()
                level.append(torch.log_softmax(logits, dim=-1)[:, choices])
            step_scores = torch.cat(level)  # [nodes, alphabet]
            scores = (scores[:, None] + step_scores).reshape(-1)
            partial = torch.cat(
                [partial.repeat_interleave(len(alphabet), dim=0), choices.repeat(len(partial))[:, None]], dim=1
            )
    return scores.numpy()


def secret_rank(model: LanguageModel, prefix: list[int], alphabet: list[int], secret: list[int]) -> tuple[int, float]:
    """Rank of `secret` among all secrets of its space (1 = most likely; a tie does not
    count against it, as in `canary.exposure`) and its log2-probability."""
    scores = secret_log_probs(model, prefix, alphabet, len(secret))
    position = 0
    for token in secret:
        position = position * len(alphabet) + alphabet.index(token)
    mine = scores[position]
    return int(1 + np.sum(scores > mine)), float(mine / math.log(2))
