"""What every route of one service shares: the open index, the keys, the limits, the
threads checks run in, the stream sessions; and the one error shape of every answer."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.responses import JSONResponse

from wherefrom.index import Index
from wherefrom.match.finder import deadline
from wherefrom.serve.auth import KeyRing
from wherefrom.serve.sessions import StreamSessions

T = TypeVar("T")

class SourceBudget:
    """Characters of source text one client may read through /v1/sources within a sliding
    window. A snippet is short, but paging its offsets rebuilds a whole work: the budget is
    what makes "never more than a snippet" hold per client, not per request. Clients are
    told apart by their API key (by address when the service has no keys); at most
    `max_clients` are remembered, the longest idle forgotten first."""

    def __init__(self, chars: int, window_s: float, max_clients: int = 10_000) -> None:
        self.chars, self.window_s, self.max_clients = chars, window_s, max_clients
        self._spent: OrderedDict[str, deque[tuple[float, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, chars: int) -> float | None:
        """Record `chars` read by `client` and return None, or return the seconds until
        the window frees enough of its budget (nothing is recorded then)."""
        now = time.monotonic()
        with self._lock:
            spent = self._spent.pop(client, None) or deque()
            while spent and spent[0][0] <= now - self.window_s:
                spent.popleft()
            used = sum(n for _, n in spent)
            self._spent[client] = spent
            if len(self._spent) > self.max_clients:
                self._spent.popitem(last=False)
            if used + chars <= self.chars:
                spent.append((now, chars))
                return None
            freed, wait = used + chars - self.chars, 0.0
            for at, n in spent:
                freed -= n
                wait = at + self.window_s - now
                if freed <= 0:
                    break
            return max(wait, 1.0)


@dataclass
class ServiceState:
    index: Index
    keys: KeyRing
    snippet_chars: int
    max_body_bytes: int
    time_budget_s: float
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=min(32, (os.cpu_count() or 1) * 2), thread_name_prefix="wherefrom-check"))
    sessions: StreamSessions = field(default_factory=StreamSessions)
    source_budget: SourceBudget = field(default_factory=lambda: SourceBudget(20_000, 3600.0))

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run a check off the event loop, within the time budget (TimeoutError past it).
        The check itself stops at the same moment (CheckCancelledError between candidates),
        so a check given up on frees its thread instead of delaying the next ones."""
        loop = asyncio.get_running_loop()
        stop_at = time.monotonic() + self.time_budget_s

        def bounded() -> T:
            with deadline(stop_at):
                return function(*args)

        future = loop.run_in_executor(self.executor, bounded)
        return await asyncio.wait_for(future, timeout=self.time_budget_s)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.index.close()


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """The error shape of every status: `{"error": "<what and where>", ...}`."""
    return JSONResponse({"error": message, **extra}, status_code=status)


MAX_LISTED_ERRORS = 10
MAX_JSON_DEPTH = 64


def malformed_json(body: bytes) -> str | None:
    """Why a JSON request body is refused before it is parsed for a route, or None. The
    parser would otherwise recurse into 2,000 nested arrays or convert an integer of
    thousands of digits and answer with a plain-text 500."""
    depth = deepest = 0
    in_string = escaped = False
    brackets = body.count(b"[") + body.count(b"{")
    for byte in body if brackets > MAX_JSON_DEPTH else b"":
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return f"JSON body nested more than {MAX_JSON_DEPTH} deep"
        elif byte in (0x5D, 0x7D):
            depth -= 1
    try:
        json.loads(body)
    except ValueError as problem:  # JSONDecodeError, UnicodeDecodeError, too many digits
        return f"body is not valid JSON: {str(problem)[:200]}"
    return None


def validation_error(errors: Sequence[Mapping[str, Any]]) -> JSONResponse:
    """A 422 listing the first few problems (80,000 unknown fields answer in a few hundred
    bytes, not megabytes) and how many there were."""
    parts, fields = [], []
    for e in list(errors)[:MAX_LISTED_ERRORS]:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
        name = ".".join(loc) or "body"
        fields.append(name)
        parts.append(f"field '{name}': {e.get('msg', 'invalid')}")
    more = len(errors) - len(parts)
    if more > 0:
        parts.append(f"and {more} more problem(s)")
    return error(422, "; ".join(parts), fields=fields)
