"""What the guard does about a copy, per source licence: a typed, frozen policy read from a
TOML or JSON file (documented in docs/guard.md), never code.

Each source falls in one licence class, decided by what reuse of its licence requires
(`wherefrom.licenses.obligations`): `public-domain` (nothing), `permissive` (attribution,
licence text or a notice file only), `restricted` (share-alike, non-commercial,
no-derivatives) and `unknown` (no licence known). A rule maps a class, or one licence, or one
source, to an action: `block` (never emit the copy), `cite` (let it through with the
source, licence and attribution line) or `allow` (let it through silently).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from wherefrom.errors import BadInputError
from wherefrom.licenses.obligations import requirements
from wherefrom.records import NOASSERTION

Action = Literal["block", "cite", "allow"]
LicenceClass = Literal["public-domain", "permissive", "restricted", "unknown"]
OnBlock = Literal["stop", "resample"]
ACTIONS: tuple[str, ...] = get_args(Action)
CLASSES: tuple[str, ...] = get_args(LicenceClass)
_PERMISSIVE_TERMS = frozenset({"attribution", "license-text", "notice-file"})


def licence_class(license_expression: str) -> LicenceClass:
    """The class of a source's licence, from what its reuse requires."""
    if not license_expression or license_expression == NOASSERTION:
        return "unknown"
    requires = set(requirements(license_expression))
    if "unknown-terms" in requires:
        return "unknown"
    if not requires:
        return "public-domain"
    return "permissive" if requires <= _PERMISSIVE_TERMS else "restricted"


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """The action per licence class, with overrides per licence and per source.

    Precedence: `sources` (by uid; e.g. the works whose attribution the deployment already
    shows) over `licenses` (by SPDX expression as the index records it) over `classes`.
    `on_block`: "resample" (default) makes a decoding loop pick another token; "stop" ends
    the output there. A proxy, which cannot choose tokens, always stops (finish_reason
    "content_filter"). `max_copy_tokens` (optional) is the
    longest copy let through unflagged, in normal-form words; the command line may override it.
    """

    classes: tuple[tuple[LicenceClass, Action], ...] = (
        ("public-domain", "cite"),
        ("permissive", "cite"),
        ("restricted", "block"),
        ("unknown", "block"),
    )
    licenses: tuple[tuple[str, Action], ...] = ()
    sources: tuple[tuple[str, Action], ...] = ()
    on_block: OnBlock = "resample"
    max_copy_tokens: int | None = None
    _by_class: dict[str, Action] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for where, pairs, names in (("classes", self.classes, CLASSES), ("licenses", self.licenses, None),
                                    ("sources", self.sources, None)):
            for name, action in pairs:
                if names is not None and name not in names:
                    raise BadInputError(f"guard policy [{where}]: unknown licence class {name!r}; one of {', '.join(names)}")
                if action not in ACTIONS:
                    raise BadInputError(
                        f"guard policy [{where}] {name} = {action!r}: the action must be one of {', '.join(ACTIONS)}"
                    )
        if self.on_block not in get_args(OnBlock):
            raise BadInputError(f"guard policy on_block = {self.on_block!r}: must be 'stop' or 'resample'")
        if self.max_copy_tokens is not None and (not isinstance(self.max_copy_tokens, int) or self.max_copy_tokens < 4):
            raise BadInputError(f"guard policy max_copy_tokens = {self.max_copy_tokens!r}: must be a whole number of at least 4")
        missing = set(CLASSES) - {name for name, _ in self.classes}
        if missing:
            raise BadInputError(f"guard policy [classes]: no action for {', '.join(sorted(missing))}")
        self._by_class.update(self.classes)

    @classmethod
    def everything(cls, action: str) -> GuardPolicy:
        """One action for every source."""
        if action not in ACTIONS:
            raise BadInputError(f"guard mode {action!r}: must be one of {', '.join(ACTIONS)}")
        return cls(classes=tuple((name, action) for name in CLASSES))  # type: ignore[misc]

    @property
    def blocks_anything(self) -> bool:
        return any(a == "block" for _, a in (*self.classes, *self.licenses, *self.sources))

    def action_for(self, uid: str, license_expression: str, kind: str) -> Action:
        for name, action in self.sources:
            if name == uid:
                return action
        for name, action in self.licenses:
            if name == license_expression:
                return action
        return self._by_class[kind]

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "guard policy") -> GuardPolicy:
        known = {"classes", "licenses", "sources", "on_block", "max_copy_tokens"}
        unknown = set(raw) - known
        if unknown:
            raise BadInputError(f"{where}: unknown setting {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        defaults = dict(cls().classes)

        def pairs(name: str) -> tuple[tuple[str, str], ...]:
            table = raw.get(name, {})
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise BadInputError(f"{where}: [{name}] must map names to actions ({', '.join(ACTIONS)})")
            return tuple(table.items())

        classes = tuple((defaults | dict(pairs("classes"))).items())
        return cls(
            classes=classes,  # type: ignore[arg-type]
            licenses=pairs("licenses"),  # type: ignore[arg-type]
            sources=pairs("sources"),  # type: ignore[arg-type]
            on_block=raw.get("on_block", "resample"),
            max_copy_tokens=raw.get("max_copy_tokens"),
        )

    @classmethod
    def load(cls, path: str | Path) -> GuardPolicy:
        """Read a policy file: TOML (`.toml`) or JSON (anything else)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BadInputError(f"{path}: cannot read the guard policy ({error})") from None
        try:
            raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
            raise BadInputError(f"{path}: not a valid {'TOML' if path.suffix == '.toml' else 'JSON'} policy ({error})") from None
        if not isinstance(raw, dict):
            raise BadInputError(f"{path}: a guard policy is a table of settings, got {type(raw).__name__}")
        return cls.from_dict(raw, str(path))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"classes": dict(self.classes), "licenses": dict(self.licenses),
                               "sources": dict(self.sources), "on_block": self.on_block}
        if self.max_copy_tokens is not None:
            out["max_copy_tokens"] = self.max_copy_tokens
        return out
