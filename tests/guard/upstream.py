"""A real OpenAI-compatible model server for the proxy tests: a tiny GPT-2 trained here to
recite its training passages, served with FastAPI on 127.0.0.1 (`/v1/completions`,
`/v1/chat/completions`, streaming and not, greedy decoding)."""


import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from tests.extras import require_extra


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A uvicorn server running an ASGI app in a thread; `url` once started."""

    def __init__(self, app: Any) -> None:
        uvicorn = require_extra("serve", "uvicorn")
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the server did not start on 127.0.0.1:{self.port}")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Reciter:
    """A word-level GPT-2 trained from scratch until greedy decoding recites `passages`."""

    def __init__(self, passages: list[str], seed: int = 0) -> None:
        torch = require_extra("audit", "torch")
        transformers = require_extra("audit", "transformers")
        tokenizers = require_extra("audit", "tokenizers")
        words = sorted({w for p in passages for w in p.split()} | {"the", "river", "flows", "to", "sea"})
        vocab = {"[EOS]": 0, "[UNK]": 1} | {w: i + 2 for i, w in enumerate(words)}
        tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token="[UNK]"))
        tok.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
        tok.decoder = tokenizers.decoders.WordPiece(prefix="##")  # joins words with spaces
        self.tokenizer = transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok, eos_token="[EOS]", unk_token="[UNK]", pad_token="[EOS]"
        )
        torch.manual_seed(seed)
        config = transformers.GPT2Config(vocab_size=len(vocab), n_positions=128, n_embd=64, n_layer=2, n_head=4,
                                         bos_token_id=0, eos_token_id=0)
        self.model = transformers.GPT2LMHeadModel(config)
        self.torch = torch
        rows = [self.tokenizer(p, add_special_tokens=False)["input_ids"] + [0] for p in passages]
        longest = max(len(r) for r in rows)
        data = torch.tensor([r + [0] * (longest - len(r)) for r in rows])
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=5e-3)
        self.model.train()
        for _ in range(300):
            loss = self.model(input_ids=data, labels=data).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if loss.item() < 0.01:
                break
        self.model.eval()

    def tokens(self, prompt: str, max_tokens: int) -> Iterator[str]:
        """The greedy continuation of `prompt`, one piece of text per model token."""
        ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        generated: list[int] = []
        text = ""
        with self.torch.no_grad():
            for _ in range(max_tokens):
                logits = self.model(input_ids=self.torch.tensor([ids + generated])).logits[0, -1]
                token = int(logits.argmax())
                if token == 0 or len(ids) + len(generated) >= 127:
                    return
                generated.append(token)
                now = self.tokenizer.decode(generated)
                piece = (" " if generated[:-1] or prompt else "") + now[len(text) :].lstrip()
                text = now
                yield piece


def model_server(reciter: Reciter) -> Any:
    """The OpenAI-compatible app around `reciter`."""
    from fastapi import FastAPI, Request
    from fastapi.responses import StreamingResponse

    app = FastAPI()

    def prompt_of(body: dict[str, Any], chat: bool) -> str:
        if chat:
            return str(body["messages"][-1]["content"])
        return str(body["prompt"])

    def respond(body: dict[str, Any], chat: bool) -> Any:
        pieces = reciter.tokens(prompt_of(body, chat), int(body.get("max_tokens", 64)))
        kind = "chat.completion" if chat else "text_completion"
        if not body.get("stream"):
            text = "".join(pieces).lstrip() if chat else "".join(pieces)
            choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
            choice |= {"message": {"role": "assistant", "content": text}} if chat else {"text": text}
            return {"id": "cmpl-1", "object": kind, "model": "reciter", "choices": [choice]}

        def events() -> Iterator[bytes]:
            for number, piece in enumerate(pieces):
                if chat:
                    delta = {"role": "assistant", "content": piece.lstrip() if number == 0 else piece}
                    choice = {"index": 0, "delta": delta, "finish_reason": None}
                else:
                    choice = {"index": 0, "text": piece, "finish_reason": None}
                chunk = {"id": "cmpl-1", "object": f"{kind}.chunk" if chat else kind, "model": "reciter",
                         "choices": [choice]}
                yield f"data: {json.dumps(chunk)}\n\n".encode()
            end: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
            end |= {"delta": {}} if chat else {"text": ""}
            yield f"data: {json.dumps({'id': 'cmpl-1', 'object': kind, 'model': 'reciter', 'choices': [end]})}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/v1/completions")
    async def completions(request: Request) -> Any:
        return respond(await request.json(), chat=False)

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        return respond(await request.json(), chat=True)

    @app.get("/v1/models")
    async def models() -> Any:
        return {"object": "list", "data": [{"id": "reciter", "object": "model"}]}

    return app
