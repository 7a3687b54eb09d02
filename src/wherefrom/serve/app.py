"""The HTTP service: check outputs, look up sources, watch a generation as it streams, and the
web page. One FastAPI app over one read-only index; FastAPI is imported only here."""

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wherefrom.errors import BadInputError, WherefromError, require

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_MAX_BODY = 1_000_000
DEFAULT_SNIPPET_CHARS = 300
DEFAULT_TIME_BUDGET_S = 10.0
STREAM_WINDOW_CHARS = 4000
STREAM_MAX_SESSIONS = 10_000
STREAM_SESSION_TTL_S = 900.0
ACTIONS = ("continue", "cite", "block")
_PUBLIC = ("/healthz", "/", "/static/", "/favicon.ico")


class ApiKeyFileError(WherefromError):
    """An API key file that cannot be read or holds a malformed line."""


def load_api_keys(path: str | Path) -> list[str]:
    """Keys from a file, one per line: the key itself or `sha256:<64 hex>` of it. Blank lines
    and lines starting with '#' are skipped."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ApiKeyFileError(f"{path}: cannot read the API key file ({error})") from None
    keys = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("sha256:"):
            digest = line[len("sha256:") :].lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ApiKeyFileError(
                    f"{path}:{number}: 'sha256:' must be followed by 64 hex digits"
                )
        keys.append(line)
    if not keys:
        raise ApiKeyFileError(
            f"{path}: no API key in the file (one key, or sha256:<hex>, per line)"
        )
    return keys


def _digests(keys: list[str]) -> list[bytes]:
    out = []
    for key in keys:
        if key.startswith("sha256:"):
            out.append(bytes.fromhex(key[len("sha256:") :]))
        else:
            out.append(hashlib.sha256(key.encode("utf-8")).digest())
    return out


@dataclass
class _Session:
    text: str = ""
    touched: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


class StreamSessions:
    """Generations being watched: their text so far, evicted when idle or too many."""

    def __init__(
        self, max_sessions: int = STREAM_MAX_SESSIONS, ttl_s: float = STREAM_SESSION_TTL_S
    ) -> None:
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> tuple[str, _Session]:
        now = time.monotonic()
        with self._lock:
            while self._sessions:
                oldest_id, oldest = next(iter(self._sessions.items()))
                if now - oldest.touched < self.ttl_s and len(self._sessions) < self.max_sessions:
                    break
                del self._sessions[oldest_id]
            if session_id is None:
                session_id = secrets.token_hex(12)
                self._sessions[session_id] = _Session()
            session = self._sessions.get(session_id)
            if session is None:
                raise KeyError(session_id)
            session.touched = now
            self._sessions.move_to_end(session_id)
            return session_id, session

    def close(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)


def _source_snippet(
    text: str, start: int | None, end: int | None, limit: int
) -> tuple[str, list[int]]:
    """At most `limit` characters of `text` around [start, end) (the start when no span is
    given), and the [start, end) of the returned window in the source."""
    start = 0 if start is None else max(0, min(start, len(text)))
    end = start if end is None else max(start, min(end, len(text)))
    # A span longer than the limit shows its beginning; a shorter one is centred.
    begin = start if end - start >= limit else max(0, start - (limit - (end - start)) // 2)
    stop = min(len(text), begin + limit)
    begin = max(0, min(begin, stop - limit))
    return text[begin:stop], [begin, stop]


def _clamp_snippets(report: dict[str, Any], limit: int) -> dict[str, Any]:
    for match in report.get("matches", []):
        snippet = match.get("snippet")
        if snippet and len(snippet) > limit:
            match["snippet"] = snippet[: max(0, limit - 1)] + "…"
    return report


def _restrictiveness(license_expression: str) -> Literal["none", "attribution", "restricted"]:
    from wherefrom.licenses import DEFAULT_POLICY, terms_of

    requires = set(terms_of(license_expression).requires)
    if requires & DEFAULT_POLICY.restrictive:
        return "restricted"
    return "attribution" if requires else "none"


def create_app(
    index_path: str | Path,
    api_keys: list[str] | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    snippet_chars: int = DEFAULT_SNIPPET_CHARS,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    workers: int | None = None,
):
    """The service over the index at `index_path`. `api_keys` (plain keys or `sha256:<hex>`):
    every route but /healthz and the page needs `Authorization: Bearer <key>`; None leaves
    the API open (the CLI then binds to 127.0.0.1 only)."""
    fastapi = require("fastapi", "the service", "serve")
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from wherefrom.check import CheckOptions, check_text
    from wherefrom.index import Index

    if snippet_chars < 1:
        raise BadInputError(f"snippet_chars {snippet_chars}: must be at least 1")
    if max_body_bytes < 1:
        raise BadInputError(f"max_body_bytes {max_body_bytes}: must be at least 1")
    index = Index.open(index_path)
    digests = _digests(list(api_keys)) if api_keys else None
    executor = ThreadPoolExecutor(
        max_workers=workers or min(32, (os.cpu_count() or 1) * 2),
        thread_name_prefix="wherefrom-check",
    )
    sessions = StreamSessions()

    class CheckOptionsBody(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kind: Literal["auto", "text", "code"] = "auto"
        language: str | None = Field(None, max_length=40, description="code language, e.g. python")
        min_tokens: int | None = Field(None, ge=1, description="report copies of at least N tokens")
        min_similarity: float = Field(0.6, ge=0.0, le=1.0)
        max_sources: int = Field(10, ge=1, le=100, description="sources listed per copied passage")

        def options(self) -> CheckOptions:
            return CheckOptions(
                kind=self.kind,
                language=self.language,
                min_tokens=self.min_tokens,
                min_similarity=self.min_similarity,
                max_sources=self.max_sources,
                snippet_chars=snippet_chars,
            )

    class CheckBody(CheckOptionsBody):
        text: str = Field(..., description="the output to check")
        name: str = Field("-", max_length=200, description="name shown in the report")

    class StreamBody(CheckOptionsBody):
        session: str | None = Field(
            None, max_length=64, description="id from the first answer; none starts one"
        )
        append: str = Field("", description="text generated since the last call")
        block_on: Literal["attribution-required", "restricted", "never"] = Field(
            "restricted", description="verdict of the recent text that answers 'block'"
        )
        close: bool = Field(False, description="forget the session after this answer")

    def error(status: int, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=status)

    def validation_message(errors: list[dict[str, Any]]) -> JSONResponse:
        parts, fields = [], []
        for e in errors:
            loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
            name = ".".join(loc) or "body"
            fields.append(name)
            parts.append(f"field '{name}': {e.get('msg', 'invalid')}")
        return error(422, "; ".join(parts), fields=fields)

    async def run_check(function, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(executor, function, *args)
        return await asyncio.wait_for(future, timeout=time_budget_s)

    @asynccontextmanager
    async def lifespan(_app: Any):
        yield
        executor.shutdown(wait=False, cancel_futures=True)
        index.close()

    app = FastAPI(
        lifespan=lifespan,
        title="wherefrom",
        version=_version(),
        description="Check generated text and code for copied spans of an indexed corpus: whose "
        "work each span is, under which license, and what reuse requires. Source text is never "
        f"returned beyond a snippet of {snippet_chars} characters.",
    )
    app.state.index = index
    app.state.sessions = sessions

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        length = request.headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > max_body_bytes
            except ValueError:
                return error(400, "Content-Length header: not a number")
            if too_big:
                return error(
                    413,
                    f"request body of {int(length):,} bytes is over the limit of "
                    f"{max_body_bytes:,} bytes; split the input or raise --max-body",
                )
        elif request.method in ("POST", "PUT", "PATCH"):
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > max_body_bytes:
                    return error(
                        413,
                        f"request body is over the limit of {max_body_bytes:,} bytes; "
                        "split the input or raise --max-body",
                    )
            request._body = body
        if digests is not None and not (path in _PUBLIC or path.startswith("/static/")):
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            given = hashlib.sha256(token.strip().encode("utf-8")).digest()
            if (
                scheme.lower() != "bearer"
                or not token.strip()
                or not any(hmac.compare_digest(given, d) for d in digests)
            ):
                return JSONResponse(
                    {"error": "missing or unknown API key: send 'Authorization: Bearer <key>'"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_message(list(exc.errors()))

    @app.exception_handler(WherefromError)
    async def on_user_error(_request: Request, exc: WherefromError) -> JSONResponse:
        return error(400, str(exc))

    @app.exception_handler(TimeoutError)
    async def on_timeout(_request: Request, _exc: TimeoutError) -> JSONResponse:
        return error(
            503, f"the check took longer than the {time_budget_s:g} s budget; send a shorter input"
        )

    async def read_json(request: Request, model: type[BaseModel]) -> BaseModel | JSONResponse:
        raw = await request.body()
        try:
            data = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return error(422, f"body: not valid JSON ({e})", fields=["body"])
        if not isinstance(data, dict):
            return error(422, "body: expected a JSON object", fields=["body"])
        try:
            return model.model_validate(data)
        except ValidationError as e:
            return validation_message(list(e.errors()))

    check_doc = {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": CheckBody.model_json_schema()},
                "text/plain": {
                    "schema": {"type": "string"},
                    "description": "the output itself; options as query parameters",
                },
            },
        }
    }

    @app.post("/v1/check", openapi_extra=check_doc, summary="Check one output")
    async def check(
        request: Request,
        kind: Literal["auto", "text", "code"] = Query("auto"),
        language: str | None = Query(None, max_length=40),
        min_tokens: int | None = Query(None, ge=1),
        min_similarity: float = Query(0.6, ge=0.0, le=1.0),
        max_sources: int = Query(10, ge=1, le=100),
        name: str = Query("-", max_length=200),
    ) -> dict[str, Any]:
        """Copied spans, their sources, licenses and verdict: the JSON report contract. Send a
        JSON object `{"text": ..., options}` or the text itself as text/plain."""
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            body = await read_json(request, CheckBody)
            if isinstance(body, JSONResponse):
                return body  # type: ignore[return-value]
            text, doc_name, options = body.text, body.name, body.options()
        else:
            raw = await request.body()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return error(422, "body: text/plain input must be UTF-8", fields=["body"])  # type: ignore[return-value]
            doc_name = name
            options = CheckOptionsBody(
                kind=kind,
                language=language,
                min_tokens=min_tokens,
                min_similarity=min_similarity,
                max_sources=max_sources,
            ).options()
        report = await run_check(check_text, index, text, doc_name, options)
        return _clamp_snippets(report.to_dict(), snippet_chars)

    @app.get("/v1/sources/{uid}", summary="One source: provenance, license and a snippet")
    async def source(
        uid: str,
        start: int | None = Query(None, ge=0, description="source character offset of the span"),
        end: int | None = Query(None, ge=0, description="end of the span (exclusive)"),
        chars: int | None = Query(
            None, ge=1, description=f"snippet length, at most {snippet_chars}"
        ),
    ) -> dict[str, Any]:
        """Provenance and license of one indexed source, with at most the configured number of
        characters of its text around [start, end)."""
        from wherefrom.licenses import attribution_line, requirements

        try:
            row = index.document_by_uid(uid)
        except KeyError:
            return error(404, f"source {uid!r}: no such uid in this index")  # type: ignore[return-value]
        ref = row.source_ref()
        limit = min(chars or snippet_chars, snippet_chars)
        text = index.text(row.doc_id)
        snippet, window = (None, None) if text is None else _source_snippet(text, start, end, limit)
        provenance = row.provenance
        return {
            "uid": ref.uid,
            "kind": row.kind,
            "language": row.language,
            "uri": provenance.uri,
            "title": provenance.title,
            "authors": list(provenance.authors),
            "version": provenance.version,
            "collection": provenance.collection,
            "license": provenance.license,
            "license_evidence": provenance.license_evidence,
            "requires": list(requirements(provenance.license)),
            "restrictiveness": _restrictiveness(provenance.license),
            "attribution": attribution_line(ref),
            "tokens": row.n_tokens,
            "chars": row.n_chars,
            "snippet": snippet,
            "snippet_span": window,
        }

    @app.post("/v1/stream", summary="Watch a generation as it is produced")
    async def stream(request: Request) -> dict[str, Any]:
        """Append the text generated since the last call; the answer says whether the output now
        copies a source: `continue`, `cite` (with the sources) or `block`. The first call (no
        `session`) starts a session; its id comes back."""
        body = await read_json(request, StreamBody)
        if isinstance(body, JSONResponse):
            return body  # type: ignore[return-value]
        try:
            session_id, session = sessions.get(body.session)
        except KeyError:
            return error(
                404,
                f"session {body.session!r}: unknown or expired; start a new one "  # type: ignore[return-value]
                "by leaving 'session' out",
            )
        started = time.perf_counter()
        with session.lock:
            if len(session.text) + len(body.append) > max_body_bytes * 8:
                return error(
                    413,
                    f"session {session_id}: the generation is over "  # type: ignore[return-value]
                    f"{max_body_bytes * 8:,} characters; start a new session",
                )
            session.text += body.append
            text = session.text
        offset = max(0, len(text) - STREAM_WINDOW_CHARS)
        if offset:
            space = text.find(" ", offset)
            offset = space + 1 if 0 <= space < offset + 200 else offset
        report = await run_check(check_text, index, text[offset:], session_id, body.options())
        action = "continue"
        sources: list[dict[str, Any]] = []
        seen: set[str] = set()
        for match in report.matches:
            if match.source is None or match.source.uid in seen:
                continue
            seen.add(match.source.uid)
            sources.append(
                {
                    **match.source.to_dict(),
                    "input_span": [match.input_span[0] + offset, match.input_span[1] + offset],
                    "tokens": match.tokens,
                    "similarity": match.similarity,
                    "attribution": match.attribution,
                }
            )
        if sources:
            order = ("original", "common-only", "attribution-required", "restricted")
            blocking = body.block_on != "never" and order.index(report.verdict) >= order.index(
                body.block_on
            )
            action = "block" if blocking else "cite"
        if body.close:
            sessions.close(session_id)
        return {
            "session": session_id,
            "action": action,
            "verdict": report.verdict,
            "sources": sources,
            "chars": len(text),
            "seconds": round(time.perf_counter() - started, 5),
        }

    @app.get("/v1/index", summary="Index statistics")
    async def index_stats() -> dict[str, Any]:
        stats = dict(index.stats())
        stats.pop("path", None)  # the server's file layout is not the client's business
        return stats

    @app.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "auth": digests is not None}

    @app.get("/v1/config", summary="What the page needs to know", include_in_schema=False)
    async def page_config() -> dict[str, Any]:
        return {"snippet_chars": snippet_chars, "max_body_bytes": max_body_bytes}

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    del fastapi
    return app


def _version() -> str:
    from wherefrom import __version__

    return __version__
