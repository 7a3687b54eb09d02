"""Every kind is served: an image and a MIDI file uploaded to `POST /v1/check` come back as
the same Report a `wherefrom check` of the file gives."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from tests.extras import require_extra

from wherefrom.build import build_index
from wherefrom.corpus.provenance import build_defaults


@pytest.fixture(scope="module")
def media_client(tmp_path_factory: pytest.TempPathFactory):
    image = require_extra("image", "PIL.Image")
    require_extra("image", "cv2")
    music21 = require_extra("music", "music21")
    import numpy as np
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app

    corpus = tmp_path_factory.mktemp("media")
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)
    image.fromarray(base).resize((320, 240), image.BICUBIC).save(corpus / "harbour.png")
    (corpus / "harbour.png.json").write_text('{"title": "Harbour", "authors": ["Ada"], "license": "CC-BY-4.0"}')
    chorale = Path(music21.corpus.getWork("bach/bwv269"))
    shutil.copy(chorale, corpus / chorale.name)
    index_dir = tmp_path_factory.mktemp("index") / "idx"
    build_index([corpus], index_dir, defaults=build_defaults("CC0-1.0"))
    with TestClient(create_app(index_dir)) as client:
        yield client, corpus


def test_an_uploaded_image_is_checked(media_client) -> None:
    from PIL import Image, ImageOps

    client, corpus = media_client
    query = ImageOps.mirror(Image.open(corpus / "harbour.png")).crop((30, 20, 300, 230))
    buffer = io.BytesIO()
    query.save(buffer, "JPEG", quality=70)
    answer = client.post("/v1/check", files={"file": ("generated.jpg", buffer.getvalue(), "image/jpeg")})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["input"] == {"name": "generated.jpg", "kind": "image"}
    best = report["matches"][0]
    assert best["source"]["title"] == "Harbour" and best["source"]["license"] == "CC-BY-4.0"
    assert best["kind"] == "near-duplicate" and len(best["input_span"]) == 4
    assert report["verdict"] == "attribution-required"


def test_an_uploaded_midi_file_is_checked(media_client, tmp_path: Path) -> None:
    import music21

    client, _ = media_client
    part = music21.corpus.parse("bach/bwv269").parts[0]
    midi = tmp_path / "excerpt.mid"
    part.measures(3, 12).transpose(5).write("midi", fp=str(midi))
    answer = client.post("/v1/check", files={"file": ("excerpt.mid", midi.read_bytes(), "audio/midi")})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["input"]["kind"] == "music" and report["input"]["name"] == "excerpt.mid"
    best = report["matches"][0]
    assert best["source"]["title"].startswith("bwv269") and best["transposition"] == -5
    assert best["source_bars"][0].startswith("3:")


def test_an_upload_without_a_file_field_is_a_422(media_client) -> None:
    client, _ = media_client
    answer = client.post("/v1/check", files={"upload": ("x.png", b"\x89PNG", "image/png")})
    assert answer.status_code == 422 and "file" in answer.json()["error"]


def test_a_corrupt_upload_is_a_400_naming_it(media_client) -> None:
    client, _ = media_client
    answer = client.post("/v1/check", files={"file": ("broken.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")})
    assert answer.status_code == 400 and "broken.png" in answer.json()["error"]
