"""Progress of long work (a build's documents, a check's candidate regions), shown by
whoever set a reporter for the current context: the CLI draws bars on a terminal, the
library and the service draw nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Bar(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def set_postfix_str(self, text: str, refresh: bool = True) -> Any: ...
    def close(self) -> Any: ...


BarFactory = Callable[[str, int | None, str], Bar]  # (what, total or None, unit) -> a bar
_factory: ContextVar[BarFactory | None] = ContextVar("wherefrom_progress", default=None)


@contextmanager
def reporting(factory: BarFactory | None) -> Iterator[None]:
    """Show progress through `factory` for the work done inside the block."""
    token = _factory.set(factory)
    try:
        yield
    finally:
        _factory.reset(token)


class _Silent:
    def update(self, n: int = 1) -> None:
        return None

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        return None

    def close(self) -> None:
        return None


def bar(what: str, total: int | None = None, unit: str = "it", *, least: int = 0) -> Bar:
    """A bar for `what` from the current reporter (silent without one, or for fewer than
    `least` steps, which finish too fast to be worth a bar)."""
    factory = _factory.get()
    if factory is None or (total is not None and total < least):
        return _Silent()
    return factory(what, total, unit)


def steps(items: Iterable[T], what: str, total: int | None = None, unit: str = "it", *, least: int = 0) -> Iterator[T]:
    """`items`, advancing a bar for `what` as each is taken."""
    shown = bar(what, total, unit, least=least)
    try:
        for item in items:
            yield item
            shown.update()
    finally:
        shown.close()


def terminal_bars() -> BarFactory:
    """Bars on standard error (tqdm), for a terminal."""
    from tqdm import tqdm

    def make(what: str, total: int | None, unit: str) -> Bar:
        return tqdm(desc=what, total=total, unit=unit, leave=False, dynamic_ncols=True, mininterval=0.25)

    return make
