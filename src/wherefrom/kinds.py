"""The kind registry: one entry per kind of work (text, code, image, music) naming its file
extensions and, by dotted path, the parts that handle it. Lower layers ask the registry
instead of importing a kind's slice, so adding a kind touches this file and its own folder.

A part is "module:attribute", imported on first use; this module imports nothing of
wherefrom but the records and errors.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from wherefrom.errors import BadInputError, MissingExtraError
from wherefrom.records import Kind

# A `.xml` file is a score when its first bytes say so; otherwise it is text.
_SCORE_XML_MARKERS = (b"<score-partwise", b"<score-timewise")
_XML_SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What wherefrom knows about one kind of work.

    `extensions` are the file names indexed and checked as this kind; `query_extensions`
    are read by `check` only (audio is pitch-tracked into a melody to check, never indexed).
    Parts are dotted paths: `reader(path, defaults) -> Iterator[Document]` reads one file;
    `normalizer(language) -> Normalizer` (sequence kinds); `index_part(folder, hash_only)`
    writes the kind's part of a segment with `.add(doc_id, document)` and `.finish()`;
    `checker(index, data, name, options) -> Report`; `figures(index, report, data)` gives
    HTML views per match; `metadata(path) -> bool` says a file only describes works of this
    kind (a sidecar) and is not a work itself.
    """

    name: Kind
    extensions: frozenset[str] = frozenset()
    query_extensions: frozenset[str] = frozenset()
    extra: str = ""
    reader: str = ""
    normalizer: str = ""
    index_part: str = ""
    checker: str = ""
    figures: str = ""
    metadata: str = ""

    def part(self, role: str) -> Any:
        """The object a role names, imported now; a missing extra fails with its install line."""
        path = getattr(self, role)
        if not path:
            raise BadInputError(f"kind {self.name!r} has no {role}")
        return load(path, self.extra, f"{self.name} {role.replace('_', ' ')}")

    def has(self, role: str) -> bool:
        return bool(getattr(self, role))


def load(path: str, extra: str = "", feature: str = "") -> Any:
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if not extra or (error.name or "").startswith("wherefrom"):
            raise
        raise MissingExtraError(feature or module_name, extra, error.name or module_name) from error
    return getattr(module, attribute)


REGISTRY: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "text",
            normalizer="wherefrom.normalize.text:TextNormalizer",
            checker="wherefrom.check.sequence:check_sequence_bytes",
            figures="wherefrom.report.evidence:html_figures",
        ),
        KindSpec(
            "code",
            normalizer="wherefrom.normalize.code:CodeNormalizer",
            checker="wherefrom.check.sequence:check_sequence_bytes",
            figures="wherefrom.report.evidence:html_figures",
        ),
        KindSpec(
            "image",
            extensions=frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".tif", ".tiff", ".bmp", ".svg"}),
            extra="image",
            reader="wherefrom.image.reader:read_image_file",
            index_part="wherefrom.image.segment:open_part",
            checker="wherefrom.image.search:check_image",
            figures="wherefrom.image.figure:html_figures",
            metadata="wherefrom.image.reader:is_image_metadata",
        ),
        KindSpec(
            "music",
            extensions=frozenset({".mid", ".midi", ".musicxml", ".mxl", ".abc", ".krn"}),
            query_extensions=frozenset({".wav", ".mp3", ".flac", ".ogg", ".oga", ".m4a", ".aiff", ".aif"}),
            extra="music",
            reader="wherefrom.music.reader:read_music_file",
            normalizer="wherefrom.music.normalize:MusicNormalizer",
            checker="wherefrom.music.check:check_music_bytes",
            figures="wherefrom.music.figure:html_figures",
        ),
    )
}


def spec(kind: str) -> KindSpec:
    found = REGISTRY.get(kind)
    if found is None:
        raise BadInputError(f"kind {kind!r}: unknown; expected one of {', '.join(REGISTRY)}")
    return found


def specs() -> Iterator[KindSpec]:
    return iter(REGISTRY.values())


def suffix_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > max(name.rfind("/"), name.rfind("\\")) else ""


@cache
def _by_extension(query: bool) -> dict[str, str]:
    table: dict[str, str] = {}
    for entry in REGISTRY.values():
        for extension in entry.extensions | (entry.query_extensions if query else frozenset()):
            table[extension] = entry.name
    return table


def media_kind(name: str, head: bytes = b"", *, query: bool = False) -> str | None:
    """The media kind (image, music) a file name says, or None for text and code.

    `.xml` is a score only when `head` (the file's first bytes) holds a MusicXML root; with
    `query`, the extensions `check` reads but `index` does not (audio) count as well."""
    suffix = suffix_of(name)
    if suffix == ".xml":
        return "music" if any(marker in head[:_XML_SNIFF_BYTES] for marker in _SCORE_XML_MARKERS) else None
    return _by_extension(query).get(suffix)


def is_metadata_file(path: Any) -> bool:
    """Whether a file only describes works of some kind (an image's sidecar JSON)."""
    for entry in REGISTRY.values():
        if entry.metadata and suffix_of(str(path)) in (".json", ".csv", ".jsonl"):
            try:
                describes = entry.part("metadata")
            except MissingExtraError:
                continue
            if describes(path):
                return True
    return False
