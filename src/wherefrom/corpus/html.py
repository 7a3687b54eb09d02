"""HTML pages as corpora hold them: the visible text (no scripts, styles or markup), the
title, the `<meta>` tags (where robots and TDM reservations are stated) and the
`rel="license"` links, from one pass of the standard library's parser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg"})
_BLOCKS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "section", "article",
    "header", "footer", "nav", "aside", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "form", "figure", "figcaption", "main",
})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

# Creative Commons licence URLs, the machine-readable licence statement of most web pages
_CC = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    text: str
    title: str
    meta: tuple[tuple[str, str], ...]  # (name or http-equiv, lower-cased; content)
    license_links: tuple[str, ...]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.meta: list[tuple[str, str]] = []
        self.licenses: list[str] = []
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            name = values.get("name") or values.get("http-equiv") or values.get("property")
            if name:
                self.meta.append((name.strip().lower(), values.get("content", "").strip()))
        elif tag in ("link", "a") and "license" in values.get("rel", "").lower().split():
            self.licenses.append(values.get("href", ""))
        elif tag == "title":
            self._in_title = True
        elif tag in _HIDDEN:
            self._hidden += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._hidden:
            self.parts.append(data)


def parse_html(markup: str) -> HtmlPage:
    """The text a reader of the page sees (block elements end lines), its title, meta tags
    and licence links."""
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return HtmlPage(
        text=text,
        title=" ".join("".join(parser.title).split()),
        meta=tuple(parser.meta),
        license_links=tuple(parser.licenses),
    )


def license_of_link(href: str) -> str | None:
    """The SPDX id of a Creative Commons licence URL (`.../licenses/by-sa/4.0/` →
    CC-BY-SA-4.0, `.../publicdomain/zero/1.0/` → CC0-1.0), else None."""
    found = _CC.search(href)
    if found is None:
        return None
    family, name, version = found.group(1).lower(), found.group(2).lower(), found.group(3)
    if family == "publicdomain":
        return f"CC0-{version}" if name == "zero" else ("CC-PDDC" if name == "mark" else None)
    return f"CC-{name.upper()}-{version}"
