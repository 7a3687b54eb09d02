"""Near-copies of small real images are found under each edit family; unrelated images and
corrupt files are not."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from tests.extras import require_extra

Image = require_extra("image", "PIL.Image")
require_extra("image", "cv2")
require_extra("image", "faiss")
skdata = require_extra("bench", "skimage.data")

from PIL import ImageDraw, ImageEnhance, ImageOps  # noqa: E402

from wherefrom.errors import BadInputError  # noqa: E402
from wherefrom.image.reader import read_image_file  # noqa: E402
from wherefrom.image.search import check_image  # noqa: E402
from wherefrom.image.segment import ImageSegment, ImageSegmentWriter  # noqa: E402
from wherefrom.records import Provenance, SourceRef  # noqa: E402

CORPUS = ("astronaut", "camera", "coffee", "rocket", "coins", "horse")


def picture(name: str, side: int = 320) -> Image.Image:
    image = Image.fromarray(getattr(skdata, name)()).convert("RGB")
    image.thumbnail((side, side))
    return image


def png(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


class _Row:
    def __init__(self, doc_id: int, provenance: Provenance) -> None:
        self.doc_id, self.provenance = doc_id, provenance

    def source_ref(self) -> SourceRef:
        p = self.provenance
        return SourceRef(str(self.doc_id), p.uri, p.title, p.authors, p.license, p.version)


class TinyIndex:
    """The two index methods check_image uses, over one segment folder."""

    def __init__(self, segment: Path, provenance: dict[int, Provenance]) -> None:
        self.segment, self.provenance = segment, provenance

    def segment_dirs(self) -> list[Path]:
        return [self.segment]

    def document(self, doc_id: int) -> _Row:
        return _Row(doc_id, self.provenance[doc_id])


def tiny_index(folder: Path, segment: Path, images: dict[str, Image.Image]) -> TinyIndex:
    writer = ImageSegmentWriter(segment / "images")
    provenance = {}
    for doc_id, (name, image) in enumerate(images.items()):
        path = folder / f"{name}.png"
        path.write_bytes(png(image))
        (folder / f"{name}.png.json").write_text(
            f'{{"title": "{name}", "authors": ["scikit-image"], "license": "CC0-1.0"}}'
        )
        (document,) = read_image_file(path, Provenance(collection="test"))
        provenance[doc_id] = document.provenance
        writer.add(doc_id, document)
    written = writer.finish()
    assert all(p.is_file() for p in written)
    return TinyIndex(segment, provenance)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> TinyIndex:
    images = {name: picture(name) for name in CORPUS}
    return tiny_index(tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("segment"), images)


def _caption(image: Image.Image) -> Image.Image:
    out = ImageOps.expand(image, border=24, fill=(255, 255, 255))
    ImageDraw.Draw(out).text((30, out.height - 20), "made by a model", fill=(0, 0, 0))
    return out


def _paste(image: Image.Image) -> Image.Image:
    # The copy covers about 40 % of the new picture, over an unrelated background.
    background = picture("brick", 1000).resize((round(image.width * 1.58), round(image.height * 1.58)))
    background.paste(image, (40, 30))
    return background


EDITS = {
    "resize": lambda im: im.resize((im.width // 2, im.height // 2)),
    "jpeg q30": lambda im: Image.open(io.BytesIO(png(im, "JPEG", quality=30))),
    "crop 30%": lambda im: im.crop((20, 10, 20 + round(im.width * 0.84), 10 + round(im.height * 0.84))),
    "rotate 6°": lambda im: im.rotate(6, Image.BICUBIC),
    "flip": ImageOps.mirror,
    "brightness": lambda im: ImageEnhance.Brightness(im).enhance(1.35),
    "greyscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "border and caption": _caption,
    "pasted 40%": _paste,
}


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_edited_copy_names_its_source(index: TinyIndex, name: str, edit: str) -> None:
    query = EDITS[edit](picture(name))
    report = check_image(index, png(query), f"{name}-{edit}.png")
    assert report.matches, f"{edit} copy of {name} not found"
    best = report.matches[0]
    assert best.source is not None and best.source.title == name
    assert best.source.license == "CC0-1.0"
    assert best.kind == "near-duplicate" and 0 < best.similarity <= 1
    assert set(best.details.distances.to_dict()) >= {"tiled_l2", "hamming", "inliers"}
    assert report.verdict != "original"
    x0, y0, x1, y1 = best.input_span
    assert 0 <= x0 < x1 <= query.width and 0 <= y0 < y1 <= query.height
    sx0, sy0, sx1, sy1 = best.source_span
    assert 0 <= sx0 < sx1 <= picture(name).width and 0 <= sy0 < sy1 <= picture(name).height


def _flat(box: tuple[int, int, int, int]) -> Image.Image:
    """A flat graphic: a red rectangle on blue, whose four corners look alike to ORB."""
    image = Image.new("RGB", (128, 64), (0, 0, 255))
    ImageDraw.Draw(image).rectangle(box, fill=(255, 0, 0))
    return image


def test_caption_over_a_flat_graphic_names_its_source(tmp_path: Path) -> None:
    from PIL import ImageFont

    images = {"banner": _flat((32, 16, 95, 47)), "aside": _flat((80, 6, 119, 37)), "camera": picture("camera")}
    index = tiny_index(tmp_path, tmp_path, images)
    query = images["banner"].copy()
    ImageDraw.Draw(query).text((6, 44), "generated sample 42", fill=(255, 255, 0), font=ImageFont.load_default(size=10))
    report = check_image(index, png(query), "captioned.png")
    assert [m.source.title for m in report.matches if m.source] == ["banner"]


def test_pasted_copy_box_is_the_pasted_region(index: TinyIndex) -> None:
    source = picture("astronaut")
    query = _paste(source)
    (best, *_) = check_image(index, png(query), "pasted.png").matches
    x0, y0, x1, y1 = best.input_span
    assert abs(x0 - 40) <= 8 and abs(y0 - 30) <= 8
    assert abs(x1 - (40 + source.width)) <= 8 and abs(y1 - (30 + source.height)) <= 8


def test_exact_copy_is_within_carlini_threshold(index: TinyIndex) -> None:
    report = check_image(index, png(picture("camera")), "camera.png")
    best = report.matches[0]
    assert best.details.distances.tiled_l2 <= 0.15
    assert report.coverage > 0.95


@pytest.mark.parametrize("name", ["brick", "grass", "chelsea", "page", "moon", "text"])
def test_unrelated_image_is_original(index: TinyIndex, name: str) -> None:
    report = check_image(index, png(picture(name)), f"{name}.png")
    assert report.matches == ()
    assert report.verdict == "original"


def test_segment_reopens(index: TinyIndex) -> None:
    segment = ImageSegment.open(index.segment / "images")
    assert len(segment) == len(CORPUS)
    assert segment.thumbnail(0).shape[2] == 3


def test_corrupted_segment_file_is_refused(tmp_path: Path) -> None:
    """Image files are checksummed with the rest of their segment, in one place."""
    import shutil

    from wherefrom.build import build_index
    from wherefrom.errors import IndexCorruptError
    from wherefrom.index import Index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in CORPUS[:2]:
        picture(name).save(corpus / f"{name}.png")
    build_index([corpus], tmp_path / "idx")
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "idx", copy)
    (damaged,) = copy.glob("segments/*/images/local_desc.npy")
    payload = bytearray(damaged.read_bytes())
    payload[-1] ^= 0xFF
    damaged.write_bytes(bytes(payload))
    with pytest.raises(IndexCorruptError, match=r"local_desc\.npy"):
        Index.open(copy, verify=True)


def test_truncated_and_corrupt_files_are_bad_input(tmp_path: Path) -> None:
    data = png(picture("astronaut"), "JPEG", quality=90)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    for path in (truncated, garbage):
        with pytest.raises(BadInputError, match=re.escape(path.name)):
            list(read_image_file(path, Provenance()))
    with pytest.raises(BadInputError, match=r"query\.png"):
        check_image(TinyIndex(tmp_path, {}), data[:200], "query.png")


def test_metadata_file_and_sidecar_give_provenance(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.png").write_bytes(png(picture("coins", 64)))
    (tmp_path / "metadata.csv").write_text(
        "file_name,title,authors,license,url\n"
        "a.png,Coins A,Ann; Bo,CC-BY-4.0,https://example.org/a\n"
        "b.png,Coins B,Cy,CC-BY-SA-4.0,https://example.org/b\n"
    )
    (tmp_path / "b.json").write_text('{"title": "Coins B, restored", "license": "CC0-1.0"}')
    (a,) = read_image_file(tmp_path / "a.png", Provenance(license="MIT", collection="c"))
    (b,) = read_image_file(tmp_path / "b.png", Provenance(license="MIT", collection="c"))
    assert a.kind == "image" and a.data is not None
    assert a.provenance.title == "Coins A" and a.provenance.authors == ("Ann", "Bo")
    assert a.provenance.license == "CC-BY-4.0" and a.provenance.uri == "https://example.org/a"
    assert a.provenance.collection == "c"
    assert b.provenance.title == "Coins B, restored" and b.provenance.license == "CC0-1.0"
    assert b.provenance.authors == ("Cy",)


def test_defaults_apply_without_metadata(tmp_path: Path) -> None:
    path = tmp_path / "plain.webp"
    path.write_bytes(png(picture("rocket", 96), "WEBP"))
    (document,) = read_image_file(path, Provenance(license="CC-BY-4.0"))
    assert document.provenance.license == "CC-BY-4.0"
    assert document.provenance.title == "plain"
    assert document.provenance.uri == path.resolve().as_uri()
    assert Image.open(io.BytesIO(document.data)).size == (96, 64)
