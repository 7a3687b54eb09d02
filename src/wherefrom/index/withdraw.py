"""Takedowns without a rebuild: sources withdrawn at their rights holders' request are
recorded in the manifest's `withdrawals` table in one transaction. Every reader of the index
honours them at once (`Index.document` flags them, `Index.documents` leaves them out); their
fingerprints and text stay in the segments until a compaction rewrites them."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from wherefrom.errors import BadInputError, IndexMissingError
from wherefrom.index.manifest import Manifest

_UID = re.compile(r"[0-9a-f]{20}")


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """What `withdraw` recorded: the uids newly withdrawn and those withdrawn before."""

    withdrawn: tuple[str, ...]
    already: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"withdrawn": list(self.withdrawn), "already_withdrawn": list(self.already), "reason": self.reason}


def read_list(path: str | Path) -> list[str]:
    """Uids and URIs of a takedown list: one a line, `#` comments."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"--list {path}: cannot read ({error})") from None
    return [entry for line in lines if (entry := line.split("#", 1)[0].strip())]


def withdraw(index_dir: str | Path, entries: list[str], reason: str = "") -> Withdrawal:
    """Withdraw the sources named by uid or URI (every document of a URI). An entry that
    names no document of the index is an error and nothing is recorded."""
    path = Path(index_dir) / "manifest.sqlite"
    if not path.exists():
        raise IndexMissingError(f"{index_dir}: no manifest.sqlite; this folder holds no wherefrom index")
    if not entries:
        raise BadInputError("withdraw: name the sources with --uid, --uri or --list")
    manifest = Manifest(path)
    try:
        uids: list[str] = []
        unknown: list[str] = []
        for entry in entries:
            if _UID.fullmatch(entry):
                try:
                    manifest.document_by_uid(entry)
                except KeyError:
                    unknown.append(entry)
                    continue
                found = [entry]
            else:
                found = manifest.uids_of_uri(entry)
                if not found:
                    unknown.append(entry)
            uids += [u for u in found if u not in uids]
        if unknown:
            shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            raise BadInputError(
                f"{index_dir}: no document with uid or URI {shown}; nothing withdrawn "
                "(see the uids in 'wherefrom check --format json' or 'GET /v1/sources/UID')"
            )
        before = manifest.withdrawals()
        manifest.withdraw([u for u in uids if u not in before], reason, time.time())
    finally:
        manifest.close()
    return Withdrawal(
        withdrawn=tuple(u for u in uids if u not in before), already=tuple(u for u in uids if u in before), reason=reason
    )
