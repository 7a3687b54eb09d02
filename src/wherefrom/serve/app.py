"""The HTTP service: one FastAPI app over one read-only index. Routes live in
`serve.routes`, request models in `serve.models`, keys in `serve.auth`; this module wires
them around a ServiceState. FastAPI is imported only in this package."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from wherefrom.errors import BadInputError, WherefromError, require

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_MAX_BODY = 1_000_000
DEFAULT_SNIPPET_CHARS = 300
DEFAULT_TIME_BUDGET_S = 10.0
_PUBLIC = ("/healthz", "/", "/static/", "/favicon.ico")


def create_app(
    index_path: str | Path,
    api_keys: list[str] | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    snippet_chars: int = DEFAULT_SNIPPET_CHARS,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    workers: int | None = None,
) -> Any:
    """The service over the index at `index_path`. `api_keys` (plain keys or `sha256:<hex>`):
    every route but /healthz and the page needs `Authorization: Bearer <key>`; None leaves
    the API open (the CLI then binds to 127.0.0.1 only)."""
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
    from wherefrom.serve.state import ServiceState, error, validation_error

    if snippet_chars < 1:
        raise BadInputError(f"snippet_chars {snippet_chars}: must be at least 1")
    if max_body_bytes < 1:
        raise BadInputError(f"max_body_bytes {max_body_bytes}: must be at least 1")
    state = ServiceState(
        index=Index.open(index_path), keys=KeyRing(api_keys), snippet_chars=snippet_chars,
        max_body_bytes=max_body_bytes, time_budget_s=time_budget_s,
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

    @app.exception_handler(WherefromError)
    async def on_user_error(_request: Request, exc: WherefromError) -> JSONResponse:
        return error(400, str(exc))

    @app.exception_handler(TimeoutError)
    async def on_timeout(_request: Request, _exc: TimeoutError) -> JSONResponse:
        return error(
            503, f"the check took longer than the {state.time_budget_s:g} s budget; send a shorter input"
        )

    app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _version() -> str:
    from wherefrom import __version__

    return __version__
