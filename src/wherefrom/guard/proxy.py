"""A guarding proxy for any OpenAI-compatible model server: `/v1/completions` and
`/v1/chat/completions`, streaming (server-sent events) and not, passed through to the
upstream server while the guard follows the generated text.

A copy the policy blocks ends the choice before the token that took it past the limit, with
`finish_reason: "content_filter"` and `wherefrom.stopped` (source, licence, span); copies it
cites come back in `wherefrom.citations`. A stream is checked chunk by chunk as it arrives
and forwarded at once, so the guard adds no chunk of delay; a blocked stream stops reading
the upstream. Needs the `serve` extra (FastAPI, httpx).
"""


import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

from wherefrom.errors import require
from wherefrom.guard.base import CopyGuard, CopyHit, GuardState

ROUTES = {"/v1/completions": "text", "/v1/chat/completions": "chat"}


class Keys(Protocol):
    """What the proxy needs of a key ring (`wherefrom.serve.auth.KeyRing` is one)."""

    def allows(self, authorization: str) -> bool: ...


class _Choice:
    """One choice of a response as the guard follows it."""

    def __init__(self, guard: CopyGuard) -> None:
        self.state: GuardState = guard.start()
        self.sent = 0  # characters passed on
        self.stopped: CopyHit | None = None

    def take(self, piece: str) -> str:
        """The part of `piece` that may be passed on; sets `stopped` when the rest is cut."""
        if self.stopped is not None:
            return ""
        hit = self.state.feed(piece)
        if hit is not None and hit.action == "block":
            self.stopped = hit
            keep = max(0, hit.cut - self.sent)
            piece = piece[:keep]
        self.sent += len(piece)
        return piece

    def end(self) -> None:
        if self.stopped is None:
            hit = self.state.finish()
            if hit is not None and hit.action == "block":
                self.stopped = hit

    def report(self) -> dict[str, Any]:
        return {
            "stopped": self.stopped.to_dict() if self.stopped else None,
            "citations": [h.to_dict() for h in self.state.hits if h.action == "cite"],
        }


def _content(choice: dict[str, Any], kind: str, stream: bool) -> str:
    if kind == "text":
        return str(choice.get("text") or "")
    part = choice.get("delta" if stream else "message") or {}
    return str(part.get("content") or "")


def _set_content(choice: dict[str, Any], kind: str, stream: bool, text: str) -> None:
    if kind == "text":
        choice["text"] = text
    else:
        choice.setdefault("delta" if stream else "message", {})["content"] = text


def guard_response(guard: CopyGuard, body: dict[str, Any], kind: str) -> dict[str, Any]:
    """A whole (non-streaming) response, its blocked choices cut and reported."""
    for choice in body.get("choices") or []:
        follow = _Choice(guard)
        text = _content(choice, kind, stream=False)
        kept = "".join(follow.take(text[i : i + 16]) for i in range(0, len(text), 16))
        follow.end()
        if follow.stopped is not None:
            kept = kept[: max(0, follow.stopped.cut)]
            _set_content(choice, kind, False, kept)
            choice["finish_reason"] = "content_filter"
        choice["wherefrom"] = follow.report()
    return body


def make_app(
    guard: CopyGuard, upstream: str, keys: Keys | None = None, client: Any = None, timeout_s: float = 600.0
) -> Any:
    """The proxy as an ASGI app. `client` is an httpx.AsyncClient (made here by default)."""
    fastapi = require("fastapi", "the guard proxy", "serve")
    httpx = require("httpx", "the guard proxy", "serve")
    from fastapi.responses import JSONResponse, StreamingResponse

    base = upstream.rstrip("/")
    if base.endswith("/v1"):
        base = base[: -len("/v1")]
    http = client or httpx.AsyncClient(timeout=timeout_s)
    app = fastapi.FastAPI(title="wherefrom guard proxy", description="OpenAI-compatible completions, guarded")

    def error(status: int, message: str, kind: str = "invalid_request_error") -> Any:
        return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)

    @app.middleware("http")
    async def authorize(request: fastapi.Request, call_next: Any) -> Any:  # type: ignore[name-defined]
        if request.url.path != "/healthz" and keys is not None and not keys.allows(request.headers.get("authorization", "")):
            return JSONResponse(
                {"error": {"message": "missing or unknown API key: send 'Authorization: Bearer <key>'",
                           "type": "authentication_error"}},
                status_code=401, headers={"WWW-Authenticate": "Bearer"},
            )
        return await call_next(request)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"ok": True, "upstream": base, "max_copy_tokens": guard.max_copy_tokens,
                "policy": guard.policy.to_dict()}

    @app.get("/v1/models")
    async def models() -> Any:
        try:
            answer = await http.get(f"{base}/v1/models")
        except httpx.HTTPError as failure:
            return error(502, f"upstream {base}: {failure}", "upstream_error")
        return JSONResponse(answer.json(), status_code=answer.status_code)

    async def complete(request: fastapi.Request, kind: str) -> Any:  # type: ignore[name-defined]
        try:
            body = json.loads(await request.body())
        except json.JSONDecodeError as failure:
            return error(400, f"request body is not JSON ({failure})")
        if not isinstance(body, dict):
            return error(400, "request body must be a JSON object")
        path = "/v1/completions" if kind == "text" else "/v1/chat/completions"
        if not body.get("stream"):
            try:
                answer = await http.post(f"{base}{path}", json=body)
            except httpx.HTTPError as failure:
                return error(502, f"upstream {base}: {failure}", "upstream_error")
            if answer.status_code != 200:
                return JSONResponse(answer.json(), status_code=answer.status_code)
            return JSONResponse(guard_response(guard, answer.json(), kind))
        try:
            upstream_request = http.build_request("POST", f"{base}{path}", json=body)
            answer = await http.send(upstream_request, stream=True)
        except httpx.HTTPError as failure:
            return error(502, f"upstream {base}: {failure}", "upstream_error")
        if answer.status_code != 200:
            content = await answer.aread()
            await answer.aclose()
            return JSONResponse(json.loads(content or b"{}"), status_code=answer.status_code)
        return StreamingResponse(_stream(guard, answer, kind), media_type="text/event-stream")

    @app.post("/v1/completions")
    async def completions(request: fastapi.Request) -> Any:  # type: ignore[name-defined]
        return await complete(request, "text")

    @app.post("/v1/chat/completions")
    async def chat_completions(request: fastapi.Request) -> Any:  # type: ignore[name-defined]
        return await complete(request, "chat")

    return app


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


async def _stream(guard: CopyGuard, answer: Any, kind: str) -> AsyncIterator[bytes]:
    """Server-sent events of the upstream, each chunk checked and passed on as it comes."""
    choices: dict[int, _Choice] = {}
    try:
        async for line in answer.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[len("data:") :].strip()
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            passed = []
            for choice in chunk.get("choices") or []:
                follow = choices.setdefault(int(choice.get("index", 0)), _Choice(guard))
                if follow.stopped is not None:
                    continue
                piece = _content(choice, kind, stream=True)
                kept = follow.take(piece) if piece else ""
                if piece:
                    _set_content(choice, kind, True, kept)
                if follow.stopped is not None:
                    choice["finish_reason"] = "content_filter"
                    choice["wherefrom"] = follow.report()
                elif choice.get("finish_reason"):
                    follow.end()
                    if follow.stopped is not None:
                        choice["finish_reason"] = "content_filter"
                    choice["wherefrom"] = follow.report()
                passed.append(choice)
            if passed or not chunk.get("choices"):
                chunk["choices"] = passed
                yield _event(chunk)
            if choices and all(f.stopped is not None for f in choices.values()):
                break
    finally:
        await answer.aclose()
    yield b"data: [DONE]\n\n"
