"""Generations watched by `POST /v1/stream`: their text so far, evicted when idle or too many."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

STREAM_WINDOW_CHARS = 4000
STREAM_MAX_SESSIONS = 10_000
STREAM_SESSION_TTL_S = 900.0


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
