"""Image near-copy detection: recall per edit family and strength, false positives on
unrelated images, index size and query latency, beside an imagehash-only and an imagededup
(PHash) baseline measured on the same queries.

Corpus: the images shipped in scikit-image plus the test images of the Pillow sdist (fetched
with `pip download --no-binary pillow pillow` into bench/.work when absent), near-duplicates
folded to one. Negatives: scikit-learn's and Matplotlib's sample images and the LFW faces of
scikit-image, none of which is in the corpus.

    .venv/bin/python bench/images.py [--queries 30] [--no-write]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import tarfile
import time
import types
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.report import WORK, machine, median, percentile, table, write_section

HERE = WORK / "images"
BASELINE_THRESHOLD = 10  # imagededup's default Hamming threshold for its hashes


# --------------------------------------------------------------------------- corpus
def pillow_test_images() -> list[Path]:
    sdist = WORK / "pillow_sdist"
    if not list(sdist.glob("pillow-*.tar.gz")):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "pillow",
             "--no-build-isolation", "pillow", "-d", str(sdist)],
            check=False, capture_output=True,
        )
    archives = sorted(sdist.glob("pillow-*.tar.gz"))
    if not archives:
        print("Pillow sdist unavailable; corpus is scikit-image only", file=sys.stderr)
        return []
    target = WORK / "pillow_src"
    if not target.exists():
        with tarfile.open(archives[-1]) as archive:
            archive.extractall(target, filter="data")
    return sorted(target.glob("*/Tests/images/**/*.*"))


def skimage_images() -> list[Path]:
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in {".png", ".jpg", ".tif", ".gif"})


def load_rgb(path: Path) -> Image.Image | None:
    try:
        with Image.open(path) as image:
            if image.width * image.height > 25_000_000:
                return None
            image.load()
            if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                return None
            rgb = Image.fromarray(np.asarray(image.convert("RGB")))  # drops palette and info
    except Exception:  # the Pillow test suite holds deliberately broken files
        return None
    return rgb


def build_corpus(limit: int) -> list[tuple[str, Image.Image]]:
    """Distinct real images of at least 64 px a side; near-duplicates folded to the first."""
    import imagehash

    chosen: list[tuple[str, Image.Image]] = []
    hashes: list[imagehash.ImageHash] = []
    for path in skimage_images() + pillow_test_images():
        image = load_rgb(path)
        if image is None or min(image.size) < 64 or max(image.size) > 4000:
            continue
        array = np.asarray(image.convert("L"), dtype=np.float32)
        if array.std() < 20:  # flat test patterns are not pictures
            continue
        digest = imagehash.phash(image)
        if any(digest - h <= 12 for h in hashes):
            continue
        hashes.append(digest)
        chosen.append((f"{path.parent.name}/{path.name}", image))
        if len(chosen) >= limit:
            break
    return chosen


def negatives() -> list[tuple[str, Image.Image]]:
    import matplotlib
    import skimage.data
    from sklearn.datasets import load_sample_images

    out: list[tuple[str, Image.Image]] = []
    bases = [Image.fromarray(a) for a in load_sample_images().images]
    sample = Path(matplotlib.get_data_path()) / "sample_data"
    for path in sorted(sample.glob("*.*")):
        if "hopper" in path.name or path.suffix.lower() not in {".png", ".jpg"}:
            continue  # grace_hopper is Pillow's hopper
        image = load_rgb(path)
        if image is not None and min(image.size) >= 64:
            bases.append(image)
    for number, base in enumerate(bases):
        out.append((f"sample{number}", base))
        width, height = base.size
        for i in range(2):
            for j in range(2):
                box = (i * width // 2, j * height // 2, (i + 1) * width // 2, (j + 1) * height // 2)
                out.append((f"sample{number}-tile{i}{j}", base.crop(box)))
    faces = skimage.data.lfw_subset()
    for number, face in enumerate(faces[:150]):
        out.append((f"lfw{number}", Image.fromarray((face * 255).astype(np.uint8)).convert("RGB").resize((100, 100))))
    return out


# --------------------------------------------------------------------------- edits
def _crop(fraction: float) -> Callable[[Image.Image, random.Random], Image.Image]:
    def edit(image: Image.Image, rng: random.Random) -> Image.Image:
        side = (1 - fraction) ** 0.5  # `fraction` of the area removed
        width, height = image.size
        w, h = round(width * side), round(height * side)
        x, y = rng.randint(0, width - w), rng.randint(0, height - h)
        return image.crop((x, y, x + w, y + h))

    return edit


def _paste(area: float) -> Callable[[Image.Image, random.Random], Image.Image]:
    backgrounds = [img for _, img in negatives()[:15]]

    def edit(image: Image.Image, rng: random.Random) -> Image.Image:
        width, height = image.size
        side = (1 / area) ** 0.5
        canvas = rng.choice(backgrounds).resize((round(width * side), round(height * side)))
        x, y = rng.randint(0, canvas.width - width), rng.randint(0, canvas.height - height)
        canvas.paste(image, (x, y))
        return canvas

    return edit


def _jpeg(quality: int) -> Callable[[Image.Image, random.Random], Image.Image]:
    def edit(image: Image.Image, rng: random.Random) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")

    return edit


def _text(image: Image.Image, rng: random.Random) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    size = max(10, image.height // 10)
    font = ImageFont.load_default(size=size)
    draw.text((image.width // 20, image.height - 2 * size), "generated sample 42", fill=(255, 255, 0), font=font)
    return out


def _hue(image: Image.Image, rng: random.Random) -> Image.Image:
    hsv = np.asarray(image.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(int) + 40) % 256
    return Image.fromarray(hsv, "HSV").convert("RGB")


EDITS: dict[str, list[tuple[str, Callable[[Image.Image, random.Random], Image.Image]]]] = {
    "resize": [
        ("x0.5", lambda im, r: im.resize((im.width // 2, im.height // 2), Image.LANCZOS)),
        ("x0.25", lambda im, r: im.resize((max(16, im.width // 4), max(16, im.height // 4)), Image.LANCZOS)),
        ("x2", lambda im, r: im.resize((im.width * 2, im.height * 2), Image.BICUBIC)),
        ("aspect 0.75", lambda im, r: im.resize((round(im.width * 0.75), im.height), Image.LANCZOS)),
    ],
    "jpeg": [("q70", _jpeg(70)), ("q50", _jpeg(50)), ("q30", _jpeg(30))],
    "colour": [
        ("brightness 1.3", lambda im, r: ImageEnhance.Brightness(im).enhance(1.3)),
        ("contrast 0.6", lambda im, r: ImageEnhance.Contrast(im).enhance(0.6)),
        ("saturation 0", lambda im, r: ImageOps.grayscale(im).convert("RGB")),
        ("hue +56°", _hue),
    ],
    "flip": [("horizontal", lambda im, r: ImageOps.mirror(im))],
    "rotate": [
        ("3°", lambda im, r: im.rotate(3, Image.BICUBIC)),
        ("8°", lambda im, r: im.rotate(8, Image.BICUBIC)),
    ],
    "overlay": [
        ("border 8%", lambda im, r: ImageOps.expand(im, border=max(2, round(0.08 * min(im.size))), fill=(255, 255, 255))),
        ("caption", _text),
        ("border + caption", lambda im, r: _text(ImageOps.expand(im, border=max(2, round(0.08 * min(im.size))), fill=(0, 0, 0)), r)),
    ],
    "crop": [("10%", _crop(0.10)), ("20%", _crop(0.20)), ("30%", _crop(0.30))],
    "paste": [("80% area", _paste(0.8)), ("60% area", _paste(0.6)), ("40% area", _paste(0.4))],
}


# --------------------------------------------------------------------------- runs
def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def build(corpus: list[tuple[str, Image.Image]]) -> tuple[object, float, int]:
    from wherefrom.build import build_index
    from wherefrom.index import Index
    from wherefrom.records import Provenance

    folder = HERE / "corpus"
    index_dir = HERE / "index"
    for path in (folder, index_dir):
        if path.exists():
            import shutil

            shutil.rmtree(path)
    folder.mkdir(parents=True)
    for number, (name, image) in enumerate(corpus):
        stem = f"{number:04d}"
        (folder / f"{stem}.png").write_bytes(png_bytes(image))
        (folder / f"{stem}.png.json").write_text(json.dumps({"title": name, "license": "NOASSERTION"}))
    start = time.perf_counter()
    build_index([folder], index_dir, defaults=Provenance(collection="bench-images"), kind="image")
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in index_dir.rglob("images/*") if p.is_file())
    return Index.open(index_dir), seconds, size


def imagededup_phash():
    """imagededup's hashing needs none of its CNN part, whose torchvision import may not load."""
    try:
        from imagededup.methods import PHash
    except Exception:
        for name in ("imagededup", "imagededup.utils", "imagededup.methods"):
            sys.modules.pop(name, None)
        for name, attr in (("imagededup.utils.models", "CustomModel"), ("imagededup.methods.cnn", "CNN")):
            stub = types.ModuleType(name)
            setattr(stub, attr, None)
            sys.modules[name] = stub
        from imagededup.methods import PHash
    return PHash(verbose=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=int, default=120, help="most corpus images")
    parser.add_argument("--queries", type=int, default=30, help="corpus images edited per strength")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--limit", type=int, default=0, help="stop after this many queries (profiling)")
    args = parser.parse_args()

    import imagehash

    from wherefrom.image.search import check_image

    warnings.simplefilter("ignore")  # the Pillow test suite's odd files warn as they load

    corpus = build_corpus(args.corpus)
    unrelated = negatives()
    print(f"corpus {len(corpus)}, negatives {len(unrelated)}", file=sys.stderr)
    index, build_seconds, index_bytes = build(corpus)
    print(f"built in {build_seconds:.1f} s", file=sys.stderr)
    uid_of = {}
    for row in index.documents(kind="image"):
        uid_of[row.provenance.title] = row.uid
    corpus_hashes = [imagehash.phash(image) for _, image in corpus]
    dedup = imagededup_phash()
    dedup_hashes = [dedup.encode_image(image_array=np.asarray(image)) for _, image in corpus]

    rng = random.Random(8)
    picks = rng.sample(range(len(corpus)), min(args.queries, len(corpus)))
    queries: list[tuple[str, str, int | None, Image.Image]] = []
    for family, strengths in EDITS.items():
        for strength, edit in strengths:
            for pick in picks:
                queries.append((family, strength, pick, edit(corpus[pick][1], rng)))
    queries += [("unrelated", "negatives", None, image) for _, image in unrelated]
    if args.limit:
        queries = queries[: args.limit]

    results: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    latencies: list[float] = []
    for number, (family, strength, pick, image) in enumerate(queries):
        if number % 50 == 0:
            print(f"query {number}/{len(queries)}", file=sys.stderr)
        data = png_bytes(image)
        start = time.perf_counter()
        report = check_image(index, data, f"{family}-{strength}")
        latencies.append(time.perf_counter() - start)
        found = {m.source.uid for m in report.matches if m.source}
        digest = imagehash.phash(image)
        distances = [digest - h for h in corpus_hashes]
        nearest = int(np.argmin(distances))
        dedup_digest = dedup.encode_image(image_array=np.asarray(image))
        dedup_near = {
            i for i, h in enumerate(dedup_hashes)
            if bin(int(h, 16) ^ int(dedup_digest, 16)).count("1") <= BASELINE_THRESHOLD
        }
        cell = results[(family, strength)]
        if pick is None:
            cell["ours"].append(int(bool(found)))
            cell["imagehash"].append(int(distances[nearest] <= BASELINE_THRESHOLD))
            cell["imagededup"].append(int(bool(dedup_near)))
        else:
            cell["ours"].append(int(uid_of[corpus[pick][0]] in found))
            cell["imagehash"].append(int(nearest == pick and distances[nearest] <= BASELINE_THRESHOLD))
            cell["imagededup"].append(int(pick in dedup_near))

    rows = []
    for (family, strength), cell in results.items():
        label = "false positives" if family == "unrelated" else "recall"
        rows.append([
            family, strength, len(cell["ours"]), label,
            f"{100 * np.mean(cell['ours']):.1f} %",
            f"{100 * np.mean(cell['imagehash']):.1f} %",
            f"{100 * np.mean(cell['imagededup']):.1f} %",
        ])
    header = ["family", "strength", "queries", "measure", "wherefrom", "imagehash pHash ≤10", "imagededup PHash ≤10"]
    summary = table(
        ["corpus images", "index bytes", "bytes / image", "build s", "query p50 ms", "query p95 ms"],
        [[len(corpus), index_bytes, index_bytes / max(1, len(corpus)), build_seconds,
          1000 * median(latencies), 1000 * percentile(latencies, 95)]],
    )
    markdown = (
        "## Images: near-copies under edits\n\n"
        f"`bench/images.py`, {machine()}. Corpus: {len(corpus)} distinct images (scikit-image "
        "data and the Pillow sdist's test images, near-duplicates folded). Each edit is applied "
        f"to the same {len(picks)} corpus images; negatives are {len(unrelated)} unrelated "
        "images (scikit-learn and Matplotlib samples and their quarters, LFW faces). A query "
        "counts as found when its source is among the reported matches; for the baselines when "
        "the source's hash is within 10 bits (imagehash: the nearest one).\n\n"
        + table(header, rows) + "\n\n" + summary + "\n"
    )
    print(markdown)
    if not args.no_write:
        print("written to", write_section("images", markdown))


if __name__ == "__main__":
    main()
