"""`wherefrom serve`: run the HTTP service and web page over one index."""

from __future__ import annotations

import argparse
import socket
import sys

from wherefrom.errors import WherefromError, require

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the check API and the web page over an index",
        description="Serve POST /v1/check, GET /v1/sources/{uid}, POST /v1/stream, GET /v1/index, "
        "GET /healthz and the web page at /. OpenAPI at /docs. Without --api-keys the server "
        "listens on 127.0.0.1 only.",
    )
    parser.add_argument("--index", required=True, metavar="DIR", help="index folder")
    parser.add_argument(
        "--api-keys",
        metavar="FILE",
        help="file with one API key per line (the key, or sha256:<hex> of it); "
        "clients send 'Authorization: Bearer <key>'",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; another needs --api-keys)",
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--max-body",
        type=int,
        default=1_000_000,
        metavar="BYTES",
        help="largest request body; larger ones get 413 (default 1000000)",
    )
    parser.add_argument(
        "--snippet-chars",
        type=int,
        default=300,
        metavar="N",
        help="most characters of a source's text any answer holds (default 300)",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds one check may take before the answer is 503 (default 10)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="threads running checks (default 2 x cores, at most 32)",
    )
    parser.add_argument(
        "--source-budget",
        type=int,
        default=20_000,
        metavar="CHARS",
        help="characters of source text one client (API key, or address without keys) may read "
        "through /v1/sources per --source-window (default 20000); past it, 429 with Retry-After",
    )
    parser.add_argument(
        "--source-window",
        type=float,
        default=3600.0,
        metavar="S",
        help="the sliding window of --source-budget, in seconds (default 3600)",
    )
    parser.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="serve the index split into --shards shards held by actors of the Ray cluster at ADDRESS "
        "(HOST:PORT or 'auto'; without ADDRESS a Ray of this machine); needs wherefrom[ray]",
    )
    parser.add_argument("--shards", type=int, default=2, metavar="N", help="with --ray: shards (default 2)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from wherefrom.serve.app import create_app
    from wherefrom.serve.auth import load_api_keys

    uvicorn = require("uvicorn", "the service", "serve")
    keys = load_api_keys(args.api_keys) if args.api_keys else None
    if keys is None and args.host not in LOOPBACK:
        raise WherefromError(
            f"--host {args.host}: without --api-keys the service listens on "
            "127.0.0.1 only; pass --api-keys FILE to open it to other machines"
        )
    if not 0 < args.port < 65536:
        raise WherefromError(f"--port {args.port}: must be between 1 and 65535")
    listener = _bind(args.host, args.port)
    index = None
    if args.ray:
        from wherefrom.scale.shards import ShardedIndex

        index = ShardedIndex.open_sharded(args.index, shards=args.shards,
                                          address=None if args.ray == "local" else args.ray)
    app = create_app(
        args.index,
        keys,
        max_body_bytes=args.max_body,
        snippet_chars=args.snippet_chars,
        time_budget_s=args.time_budget,
        workers=args.workers,
        source_budget_chars=args.source_budget,
        source_window_s=args.source_window,
        index=index,
    )
    if keys is None:
        print(
            f"no --api-keys: listening on {args.host} only, without authentication", file=sys.stderr
        )
    else:
        print(
            f"{len(keys)} API key(s) loaded; every route but /healthz and the page needs one",
            file=sys.stderr,
        )
    print(
        f"wherefrom serving {args.index} at http://{args.host}:{args.port}/ (API docs at /docs)",
        file=sys.stderr,
    )
    # The access log records method, path and status only: never headers, so never a key;
    # a key put in the query string (refused with 400) is redacted from the logged path.
    import logging

    from wherefrom.serve.auth import RedactKeys

    logging.getLogger("uvicorn.access").addFilter(RedactKeys())
    config = uvicorn.Config(app, log_level="info", timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything says "serving": a port in use is one
    line naming it, not a traceback after the banner."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: a response written as headers then body must not wait
    # for the client's delayed ACK (40 ms a request on a kept-alive connection).
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise WherefromError(
            f"--host {host} --port {port}: cannot listen there ({error.strerror}); "
            "choose another --port or stop the program using it"
        ) from None
    listener.listen(2048)
    return listener
