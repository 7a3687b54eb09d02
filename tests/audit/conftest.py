"""A tiny causal LM trained from scratch on a corpus where some documents are repeated many
times, and the wherefrom index of that corpus: the ground truth the audit tests measure."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from tests.extras import require_extra


def _libraries() -> tuple[Any, Any, Any]:
    """torch, transformers and tokenizers, or a skip with the install line: only the tests
    that use the tiny model need them (the metric tests run without the extra)."""
    torch = require_extra("audit", "torch")
    from wherefrom.audit.model import _hide_broken_torchvision

    _hide_broken_torchvision()
    return torch, require_extra("audit", "transformers"), require_extra("audit", "tokenizers")

WORDS = 300
DOC_WORDS = 32  # = the tiny protocol's prefix + suffix: every sequence starts a document
DUPLICATED = 8
COPIES = 16
SINGLE = 32


def make_corpus(seed: int = 0) -> tuple[list[str], list[str]]:
    """Random-word documents (no pattern a model could learn except by heart): the duplicated
    ones and the single ones."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(WORDS)]
    docs = [
        " ".join(rng.choice(vocab) for _ in range(DOC_WORDS)) for _ in range(DUPLICATED + SINGLE)
    ]
    return docs[:DUPLICATED], docs[DUPLICATED:]


def make_tokenizer() -> object:
    _, transformers, tokenizers = _libraries()
    vocab = {"[EOS]": 0, "[UNK]": 1} | {f"w{i}": i + 2 for i in range(WORDS)}
    for i, word in enumerate(["the", "and", "river", "flows", "to", "sea", "a", "dog", "runs"]):
        vocab[word] = WORDS + 2 + i
    model = tokenizers.models.WordLevel(vocab=vocab, unk_token="[UNK]")
    tok = tokenizers.Tokenizer(model)
    tok.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    tok.decoder = tokenizers.decoders.WordPiece(prefix="##")  # joins words with spaces
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="[EOS]",
        unk_token="[UNK]",
        bos_token="[EOS]",
        pad_token="[EOS]",
    )


def make_model(tokenizer: object, seed: int = 0) -> object:
    torch, transformers, _ = _libraries()
    torch.manual_seed(seed)
    config = transformers.GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=96,
        n_layer=2,
        n_head=4,
        bos_token_id=0,
        eos_token_id=0,
    )
    return transformers.GPT2LMHeadModel(config).eval()


def train(model: object, tokenizer: object, texts: list[str], epochs: int, seed: int = 0) -> None:
    torch, _, _ = _libraries()
    torch.manual_seed(seed)
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    data = torch.tensor(rows)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        for batch in data[torch.randperm(len(data))].split(16):
            loss = model(input_ids=batch, labels=batch).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return make_corpus()


@pytest.fixture(scope="session")
def tiny_index(
    tmp_path_factory: pytest.TempPathFactory, corpus: tuple[list[str], list[str]]
) -> object:
    from wherefrom.build import build_index
    from wherefrom.index import Index

    duplicated, single = corpus
    folder = tmp_path_factory.mktemp("tiny-corpus")
    for i, text in enumerate(duplicated):
        for copy in range(COPIES):
            (folder / f"dup{i:02d}-copy{copy:02d}.txt").write_text(text + "\n", encoding="utf-8")
    for i, text in enumerate(single):
        (folder / f"single{i:02d}.txt").write_text(text + "\n", encoding="utf-8")
    target = tmp_path_factory.mktemp("tiny-index") / "idx"
    build_index([folder], target)
    return Index.open(target)


@pytest.fixture(scope="session")
def tiny_models(corpus: tuple[list[str], list[str]]) -> dict[str, object]:
    """The trained model and an untrained one of the same shape, wrapped for the audits."""
    from wherefrom.audit.model import LanguageModel

    duplicated, single = corpus
    tokenizer = make_tokenizer()
    trained = make_model(tokenizer)
    train(trained, tokenizer, duplicated * COPIES + single, epochs=6)
    untrained = make_model(tokenizer, seed=1)
    return {
        "trained": LanguageModel(trained, tokenizer, "tiny-trained"),
        "untrained": LanguageModel(untrained, tokenizer, "tiny-untrained"),
        "tokenizer": tokenizer,
    }


@pytest.fixture()
def texts_dir(tmp_path: Path) -> Path:
    return tmp_path
