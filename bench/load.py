"""Service load: many concurrent clients checking 1,000-token outputs over HTTP on 127.0.0.1,
and the per-append latency of the stream endpoint as a generation grows.

The server runs in its own process (`wherefrom serve`), the clients in this one; the index
is a synthetic corpus written to bench/.work. The load is bounded: a fixed request count.

    python bench/load.py [--clients 200] [--requests 2000] [--documents 2000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import WORK, machine, median, percentile, table, write_section  # noqa: E402

VOCABULARY = [f"w{i:04d}" for i in range(5000)]


def words(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(VOCABULARY) for _ in range(n)]


def build_corpus(folder: Path, documents: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for i in range(documents):
        text = words(rng, 400)
        texts.append(text)
        (folder / f"doc{i:05d}.txt").write_text(" ".join(text) + "\n", encoding="utf-8")
    return texts


def make_inputs(texts: list[list[str]], count: int, seed: int = 11) -> list[str]:
    """1,000-token outputs: original words around one planted 60-word passage."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        source = rng.choice(texts)
        start = rng.randrange(0, len(source) - 60)
        before = rng.randrange(0, 940)
        out.append(
            " ".join([*words(rng, before), *source[start : start + 60], *words(rng, 940 - before)])
        )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_ready(client, url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if (await client.get(url + "/healthz")).status_code == 200:
                return
        except Exception:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the service did not start")


async def check_load(client, url: str, inputs: list[str], clients: int) -> dict:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for text in inputs:
        queue.put_nowait(text)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        while True:
            try:
                text = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                response = await client.post(url + "/v1/check", json={"text": text, "kind": "text"})
                ok = response.status_code == 200 and response.json()["matches"]
            except Exception:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {"requests": len(inputs), "seconds": seconds, "latencies": latencies, "errors": errors}


async def stream_load(client, url: str, texts: list[list[str]], appends: int) -> dict:
    """One generation of `appends` appends of 8 words each, a copied passage in the middle."""
    rng = random.Random(5)
    generated = words(rng, appends * 4) + texts[0][:80] + words(rng, appends * 4)
    latencies, actions = [], []
    session = None
    for i in range(0, min(len(generated), appends * 8), 8):
        body = {"append": " ".join(generated[i : i + 8]) + " ", "kind": "text"}
        if session:
            body["session"] = session
        started = time.perf_counter()
        answer = (await client.post(url + "/v1/stream", json=body)).json()
        latencies.append(time.perf_counter() - started)
        session = answer["session"]
        actions.append(answer["action"])
    return {"latencies": latencies, "cited": actions.count("cite") + actions.count("block")}


async def run_clients(
    url: str, inputs: list[str], texts: list[list[str]], clients: int, appends: int
) -> tuple[dict, dict]:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await wait_ready(client, url)
        await check_load(client, url, inputs[: min(len(inputs), clients)], clients)  # warm-up
        checks = await check_load(client, url, inputs, clients)
        stream = await stream_load(client, url, texts, appends)
    return checks, stream


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="400 requests over 200 documents")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.documents, args.appends = 400, 200, 50

    corpus = WORK / "load" / f"corpus-{args.documents}"
    index = WORK / "load" / f"index-{args.documents}"
    texts = build_corpus(corpus, args.documents)
    if not (index / "manifest.sqlite").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "wherefrom.cli",
                "index",
                "build",
                str(corpus),
                "--index",
                str(index),
                "--license",
                "MIT",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    inputs = make_inputs(texts, args.requests)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from wherefrom.cli import main; sys.exit(main())",
            "serve",
            "--index",
            str(index),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        checks, stream = asyncio.run(
            run_clients(f"http://127.0.0.1:{port}", inputs, texts, args.clients, args.appends)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    ms = [x * 1000 for x in checks["latencies"]]
    stream_ms = [x * 1000 for x in stream["latencies"]]
    rows = [
        [
            "POST /v1/check, 1,000-token inputs",
            args.clients,
            checks["requests"],
            checks["requests"] / checks["seconds"],
            median(ms),
            percentile(ms, 99),
            checks["errors"],
        ],
        [
            "POST /v1/stream, 8-word appends (1 session)",
            1,
            len(stream_ms),
            len(stream_ms) / (sum(stream["latencies"]) or 1),
            median(stream_ms),
            percentile(stream_ms, 99),
            0,
        ],
    ]
    markdown = "\n".join(
        [
            "## Service load (`bench/load.py`)",
            "",
            f"{machine()}. Server `wherefrom serve` in its own process on 127.0.0.1; an index of "
            f"{args.documents:,} synthetic 400-word documents; each check input holds one planted "
            f"60-word copy. Clients keep their connections open; the first {args.clients} requests "
            "warm up and are not counted. The stream run appends 8 words at a time to one "
            f"generation that copies 80 words mid-way ({stream['cited']} answers cited "
            "or blocked).",
            "",
            table(
                [
                    "route",
                    "concurrent clients",
                    "requests",
                    "requests/s",
                    "p50 ms",
                    "p99 ms",
                    "errors",
                ],
                rows,
            ),
        ]
    )
    print(markdown)
    write_section("load", markdown)


if __name__ == "__main__":
    main()
