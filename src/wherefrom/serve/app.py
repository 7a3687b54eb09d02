"""The HTTP service: one FastAPI app over one read-only index. Routes live in
`serve.routes`, request models in `serve.models`, keys in `serve.auth`; this module wires
them around a ServiceState. FastAPI is imported only in this package."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from wherefrom.errors import BadInputError, CheckCancelledError, ClusterError, WherefromError, require

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_MAX_BODY = 1_000_000
DEFAULT_SNIPPET_CHARS = 300
DEFAULT_TIME_BUDGET_S = 10.0
# Source text one client may read through /v1/sources per window: about 66 snippets an
# hour, plenty to look at the sources of many reports, far from rebuilding a book.
DEFAULT_SOURCE_BUDGET_CHARS = 20_000
DEFAULT_SOURCE_WINDOW_S = 3600.0
_PUBLIC = ("/healthz", "/", "/static/", "/favicon.ico")
# Sent with every response, errors included: no content sniffing, no framing by other
# sites, scripts and styles from this origin only, no referrer leaking a checked input's
# URL, and no cache keeping a report or a snippet of a source.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(
    index_path: str | Path,
    api_keys: list[str] | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    snippet_chars: int = DEFAULT_SNIPPET_CHARS,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    workers: int | None = None,
    source_budget_chars: int = DEFAULT_SOURCE_BUDGET_CHARS,
    source_window_s: float = DEFAULT_SOURCE_WINDOW_S,
    index: Any = None,
) -> Any:
    """The service over the index at `index_path`. `api_keys` (plain keys or `sha256:<hex>`):
    every route but /healthz and the page needs `Authorization: Bearer <key>`; None leaves
    the API open (the CLI then binds to 127.0.0.1 only). One client reads at most
    `source_budget_chars` characters of sources through /v1/sources per `source_window_s`.
    `index`: an index already open (a sharded one, scale/shards.py) instead of opening it."""
    require("fastapi", "the service", "serve")
    from concurrent.futures import ThreadPoolExecutor

    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException

    from wherefrom.index import Index
    from wherefrom.serve.auth import KeyRing
    from wherefrom.serve.routes import router
    from wherefrom.serve.state import ServiceState, SourceBudget, error, validation_error

    if snippet_chars < 1:
        raise BadInputError(f"snippet_chars {snippet_chars}: must be at least 1")
    if max_body_bytes < 1:
        raise BadInputError(f"max_body_bytes {max_body_bytes}: must be at least 1")
    if source_budget_chars < snippet_chars or source_window_s <= 0:
        raise BadInputError(
            f"source budget {source_budget_chars} characters per {source_window_s:g} s: the budget must hold "
            f"at least one snippet ({snippet_chars}) and the window be positive"
        )
    state = ServiceState(
        index=index if index is not None else Index.open(index_path), keys=KeyRing(api_keys), snippet_chars=snippet_chars,
        max_body_bytes=max_body_bytes, time_budget_s=time_budget_s,
        source_budget=SourceBudget(source_budget_chars, source_window_s),
    )
    if workers:
        state.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wherefrom-check")

    @asynccontextmanager
    async def lifespan(_app: Any):
        yield
        state.close()

    app = FastAPI(
        lifespan=lifespan,
        title="wherefrom",
        version=_version(),
        description="Check generated text, code, images and melodies for copied spans of an indexed "
        "corpus: whose work each span is, under which license, and what reuse requires. Source text is "
        f"never returned beyond a snippet of {snippet_chars} characters.",
    )
    app.state.service = state

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        refused = await _refused_request(request, max_body_bytes)
        if refused is not None:
            return refused
        public = path in _PUBLIC or path.startswith("/static/")
        if not public and not state.keys.allows(request.headers.get("authorization", "")):
            return JSONResponse(
                {"error": "missing or unknown API key: send 'Authorization: Bearer <key>'"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_error(exc.errors())

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # an unknown route (404) or method (405) answers in the same shape as every error
        return JSONResponse({"error": f"{request.method} {request.url.path}: {exc.detail}"},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ClusterError)
    async def on_shard_down(_request: Request, exc: ClusterError) -> JSONResponse:
        return error(503, str(exc))  # a shard of a sharded index is down: not the client's fault

    @app.exception_handler(WherefromError)
    async def on_user_error(_request: Request, exc: WherefromError) -> JSONResponse:
        return error(400, str(exc))

    @app.exception_handler(TimeoutError)
    @app.exception_handler(CheckCancelledError)
    async def on_timeout(_request: Request, _exc: Exception) -> JSONResponse:
        return error(
            503, f"the check took longer than the {state.time_budget_s:g} s budget; send a shorter input"
        )

    app.include_router(router)

    @app.middleware("http")
    async def headers(request: Request, call_next):  # registered last: wraps every response
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


async def _refused_request(request: Any, max_body_bytes: int) -> Any:
    """The error response for a request refused before any route sees it (a key in the
    query string, a body over the limit, JSON too deep or malformed), or None."""
    from wherefrom.serve.auth import KEY_IN_QUERY
    from wherefrom.serve.state import error, malformed_json

    if KEY_IN_QUERY.search(request.url.query):
        return error(400, "an API key in the query string is refused (URLs are logged and cached); "
                          "send it as 'Authorization: Bearer <key>'")
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
    if request.method in ("POST", "PUT", "PATCH") and "json" in request.headers.get("content-type", ""):
        refused = malformed_json(await request.body())
        if refused is not None:
            return error(422, refused)
    return None


def _version() -> str:
    from wherefrom import __version__

    return __version__
