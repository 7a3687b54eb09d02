"""Image near-copies among real drawings and icons: recall under resize, crop, mirror and
paste, and false positives among unrelated icons, on a Debian icon theme (transparent
PNG drawings, most of them flat colours over large empty areas).

The theme is fetched with `apt-get download adwaita-icon-theme` and unpacked with
`dpkg-deb -x` into bench/.work/icons when absent (or pass --icons DIR, an unpacked theme).
The icons of every other family are indexed; edited copies of those are the positives,
one icon of each other family, unedited, the negatives. Prints the table and writes it to docs/images.md
(section "Icons and drawings").

    .venv/bin/python bench/icons.py [--icons DIR] [--limit 120] [--no-write]
"""

from __future__ import annotations

import argparse
import io
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import wherefrom
from bench.report import WORK, machine, table
from wherefrom.build import build_index
from wherefrom.records import Provenance

FOLDERS = ("legacy", "devices", "places", "mimetypes", "emotes", "categories", "apps", "emblems")


def theme_icons(limit: int, given: Path | None) -> dict[str, list[Path]]:
    """Two sets of the theme: its coloured icons (48x48 'legacy' drawings with gradients)
    and its symbolic ones (96x96 one-colour glyphs on a transparent background, the flat
    graphics with large empty areas)."""
    root = given or WORK / "icons"
    if given is None and not root.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", "adwaita-icon-theme"], cwd=WORK, check=True, capture_output=True)
        package = sorted(WORK.glob("adwaita-icon-theme_*.deb"))[-1]
        subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    coloured = [p for p in sorted(root.rglob("48x48/legacy/*.png")) if ".symbolic" not in p.name]
    symbolic = [p for p in sorted(root.rglob("96x96/*/*.png")) if ".symbolic" in p.name]
    return {"coloured 48x48": coloured[:limit], "symbolic 96x96": symbolic[:limit]}


def _rgba(path: Path) -> Image.Image:
    return Image.open(path).convert("RGBA")


def _paste(icon: Image.Image, rng: random.Random) -> Image.Image:
    # The icon covers about 40 % of a larger picture of plain and textured areas.
    side = round(icon.width * 1.58)
    background = Image.new("RGBA", (side, side), (rng.randrange(256), rng.randrange(256), rng.randrange(256), 255))
    for _ in range(12):
        x, y = rng.randrange(side), rng.randrange(side)
        background.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256), 255), (x, y, x + 20, y + 20))
    background.alpha_composite(icon, (rng.randrange(side - icon.width), rng.randrange(side - icon.height)))
    return background


EDITS = {
    "unedited": lambda im, rng: im,
    "resize 50%": lambda im, rng: im.resize((im.width // 2, im.height // 2), Image.LANCZOS),
    "resize 200%": lambda im, rng: im.resize((im.width * 2, im.height * 2), Image.LANCZOS),
    "crop 84%": lambda im, rng: im.crop((8, 8, 8 + round(im.width * 0.84), 8 + round(im.height * 0.84))),
    "mirror": lambda im, rng: ImageOps.mirror(im),
    "on white": lambda im, rng: Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im),
    "pasted 40%": _paste,
}


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def family(path: Path) -> str:
    """An icon's family, the first word of its name: a theme draws the icons of one family
    from one picture (audio-volume-low and audio-volume-medium, document-save and
    document-save-as), so only icons of other families are unrelated."""
    return path.name.split("-")[0].split(".")[0]


def split(icons: list[Path]) -> tuple[list[Path], list[Path]]:
    """Icons of every other family are indexed; one icon of each remaining family is an
    unrelated query."""
    families = sorted({family(p) for p in icons})
    indexed_families = set(families[0::2])
    indexed = [p for p in icons if family(p) in indexed_families]
    unrelated = {family(p): p for p in reversed(icons) if family(p) not in indexed_families}
    return indexed, sorted(unrelated.values())


def run(icons: list[Path]) -> tuple[dict[str, tuple[int, int]], tuple[int, int]]:
    rng = random.Random(16)
    indexed, unrelated = split(icons)
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for i, path in enumerate(indexed):
            (corpus / f"{i:03d}-{path.stem}.png").write_bytes(path.read_bytes())
        build_index([corpus], Path(work) / "idx", kind="image", defaults=Provenance(license="LGPL-3.0-or-later"))
        found: dict[str, tuple[int, int]] = {}
        with wherefrom.open_index(Path(work) / "idx") as index:
            for edit, apply in EDITS.items():
                hits = 0
                for i, path in enumerate(indexed):
                    report = wherefrom.check(index, _png(apply(_rgba(path), rng)), name=f"{edit}.png")
                    titles = {m.source.title for m in report.matches if m.source is not None}
                    hits += any(t.startswith(f"{i:03d}-") for t in titles)
                found[edit] = (hits, len(indexed))
            false = sum(bool(wherefrom.check(index, path.read_bytes(), name=path.name).matches) for path in unrelated)
    return found, (false, len(unrelated))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--icons", type=Path)
    parser.add_argument("--limit", type=int, default=120)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sets = theme_icons(args.limit, args.icons)
    results = {name: run(icons) for name, icons in sets.items()}
    rows = []
    for edit in EDITS:
        rows.append([edit, *(f"{found[edit][0]}/{found[edit][1]}" for found, _ in results.values())])
    rows.append(["icon of another family reported as a copy", *(f"{false}/{n}" for _, (false, n) in results.values())])
    sizes = ", ".join(f"{len(icons)} {name}" for name, icons in sets.items())
    text = (
        f"Icons of adwaita-icon-theme ({sizes}; transparent PNG drawings): in each set the icons "
        f"of every other family (the first word of the name) are indexed and edited copies of "
        f"them are the queries; one icon of each other family, unedited, is an unrelated query. "
        f"{machine()}.\n\n" + table(["query", *sets], rows)
    )
    print(text)
    if not args.no_write:
        _write(text)


def _write(text: str) -> None:
    path = Path(__file__).resolve().parents[1] / "docs" / "images.md"
    doc = path.read_text(encoding="utf-8")
    heading = "## Icons and drawings (bench/icons.py)"
    section = f"{heading}\n\n{text.rstrip()}\n"
    if heading in doc:
        start = doc.index(heading)
        end = doc.find("\n## ", start + len(heading))
        doc = doc[:start] + section + (doc[end:] if end >= 0 else "")
    else:
        doc = doc.rstrip("\n") + "\n\n" + section
    path.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    main()
