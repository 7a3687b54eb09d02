"""What every route of one service shares: the open index, the keys, the limits, the
threads checks run in, the stream sessions; and the one error shape of every answer."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.responses import JSONResponse

from wherefrom.index import Index
from wherefrom.serve.auth import KeyRing
from wherefrom.serve.sessions import StreamSessions

T = TypeVar("T")


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

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run a check off the event loop, within the time budget (TimeoutError past it)."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.executor, function, *args)
        return await asyncio.wait_for(future, timeout=self.time_budget_s)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.index.close()


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """The error shape of every status: `{"error": "<what and where>", ...}`."""
    return JSONResponse({"error": message, **extra}, status_code=status)


def validation_error(errors: Sequence[Mapping[str, Any]]) -> JSONResponse:
    parts, fields = [], []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
        name = ".".join(loc) or "body"
        fields.append(name)
        parts.append(f"field '{name}': {e.get('msg', 'invalid')}")
    return error(422, "; ".join(parts), fields=fields)
