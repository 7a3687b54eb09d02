"""API keys: read from a file (the key, or `sha256:<hex>` of it, per line), kept as SHA-256
digests and compared in constant time. Keys travel only in the Authorization header."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from wherefrom.errors import WherefromError


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


class KeyRing:
    """The keys a service accepts; `None` keys means an open service (loopback only)."""

    def __init__(self, keys: list[str] | None) -> None:
        self._digests = _digests(list(keys)) if keys else None

    @property
    def required(self) -> bool:
        return self._digests is not None

    def allows(self, authorization: str) -> bool:
        """Whether an `Authorization` header value carries a known bearer key."""
        if self._digests is None:
            return True
        scheme, _, token = authorization.partition(" ")
        given = hashlib.sha256(token.strip().encode("utf-8")).digest()
        return (
            scheme.lower() == "bearer"
            and bool(token.strip())
            and any(hmac.compare_digest(given, d) for d in self._digests)
        )
