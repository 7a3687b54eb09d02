"""The record formats pretraining corpora ship in, on real files: Parquet with The Stack's
per-row provenance columns, a Hugging Face dataset saved to disk, Dolma-style JSONL.zst and
WebDataset shards; each record's licence, repository, path and date reach its provenance
through the column map."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
import zstandard
from tests.corpus.conftest import installed_packages
from tests.extras import require_extra

from wherefrom.build import build_index
from wherefrom.check import check
from wherefrom.config import CheckOptions
from wherefrom.corpus import SkipLog, read_sources
from wherefrom.corpus.fields import THE_STACK, FieldMap
from wherefrom.errors import BadInputError
from wherefrom.index import Index
from wherefrom.normalize import get_normalizer
from wherefrom.records import LicenseSource, Provenance


def _read(path: Path, fields: FieldMap | None = None):
    skips = SkipLog()
    return list(read_sources([path], Provenance(), "auto", skips, fields)), skips


def _passage(text: str, tokens: int = 200) -> str:
    """`tokens` code tokens from a third of the way into `text` (a docstring of thirty
    lines is a handful of code tokens: too few to be a copy)."""
    form = get_normalizer("code", "python").normalize(text)
    first = min(len(form) // 3, max(0, len(form) - tokens))
    return text[int(form.starts[first]) : int(form.ends[min(len(form), first + tokens) - 1])]


def test_parquet_with_the_stacks_columns_keeps_repository_path_licence_and_blob(tmp_path: Path) -> None:
    parquet = require_extra("parquet", "pyarrow.parquet")
    import pyarrow as pa

    packages = installed_packages()
    table = pa.table({
        "content": [p["content"] for p in packages],
        "max_stars_repo_name": [p["name"] for p in packages],
        "max_stars_repo_path": [p["path"] for p in packages],
        "max_stars_repo_licenses": [[p["license"]] for p in packages],
        "hexsha": [p["hexsha"] for p in packages],
        "lang": ["Python"] * len(packages),
    })
    table = pa.concat_tables([table, pa.table({
        "content": [None], "max_stars_repo_name": ["broken/row"], "max_stars_repo_path": ["x.py"],
        "max_stars_repo_licenses": [["MIT"]], "hexsha": ["0" * 40], "lang": ["Python"],
    }, schema=table.schema)])
    path = tmp_path / "the-stack-00000.parquet"
    parquet.write_table(table, path)
    documents, skips = _read(path)
    assert skips.counts == {"bad record": 1}
    first, package = documents[0], packages[0]
    assert first.kind == "code" and first.language == "python"
    assert first.provenance.uri == f"{package['name']}:{package['path']}"
    assert first.provenance.license == package["license"]
    assert first.provenance.license_source == LicenseSource.RECORD_FIELD
    assert "'max_stars_repo_licenses' field of" in first.provenance.license_evidence
    assert first.provenance.version == package["hexsha"]
    assert first.provenance.collection == package["name"]
    build_index([path], tmp_path / "idx")
    with Index.open(tmp_path / "idx") as index:
        report = check(index, _passage(packages[2]["content"]), options=CheckOptions(kind="code", language="python"))
    assert report.matches and report.matches[0].source is not None
    assert report.matches[0].source.uri == f"{packages[2]['name']}:{packages[2]['path']}"
    assert report.matches[0].source.license == packages[2]["license"]


def test_a_saved_hugging_face_dataset_reads_through_the_column_map(tmp_path: Path) -> None:
    datasets = require_extra("corpora", "datasets")
    packages = installed_packages()
    dataset = datasets.Dataset.from_dict({
        "code": [p["content"] for p in packages],
        "repo": [p["name"] for p in packages],
        "file": [p["path"] for p in packages],
        "spdx": [p["license"] for p in packages],
        "maintainer": [p["author"] or "unknown" for p in packages],
    })
    dataset.info.license = "Apache-2.0"
    saved = tmp_path / "packages-dataset"
    dataset.save_to_disk(str(saved))
    fields = FieldMap.parse("text=code,repo=repo,path=file,license=spdx,authors=maintainer,kind=")
    documents, skips = _read(saved, fields)
    assert skips.total == 0 and len(documents) == len(packages)
    first, package = documents[0], packages[0]
    assert first.provenance.uri == f"{package['name']}:{package['path']}"
    assert first.provenance.license == package["license"]  # the row's licence beats the dataset's
    assert first.provenance.authors == ((package["author"],) if package["author"] else ("unknown",))
    assert first.provenance.collection == package["name"]
    # without a licence column the dataset's own licence applies
    documents, _ = _read(saved, FieldMap.parse("text=code,license="))
    assert documents[0].provenance.license == "Apache-2.0"
    assert "dataset_info.json" in documents[0].provenance.license_evidence


def test_a_dataset_dict_reads_every_split(tmp_path: Path) -> None:
    datasets = require_extra("corpora", "datasets")
    packages = installed_packages()
    split = {"text": [p["summary"] + " " + p["content"][:400] for p in packages], "url": [f"https://pypi.org/project/{p['name']}/" for p in packages]}
    saved = tmp_path / "dict"
    datasets.DatasetDict({"train": datasets.Dataset.from_dict(split), "test": datasets.Dataset.from_dict(split)}).save_to_disk(str(saved))
    documents, _ = _read(saved)
    assert len(documents) == 2 * len(packages)
    assert documents[0].provenance.uri == f"https://pypi.org/project/{packages[0]['name']}/"


def test_dolma_style_jsonl_zst_streams_records_with_source_and_date(tmp_path: Path) -> None:
    packages = installed_packages()
    lines = [json.dumps({
        "id": p["hexsha"][:12], "text": p["content"], "source": "pypi", "added": "2024-05-01T00:00:00Z",
        "created": "2023-11-02T08:00:00Z", "metadata": {"url": f"https://pypi.org/project/{p['name']}/", "license": p["license"]},
    }) for p in packages]
    lines.insert(2, "{not json")
    path = tmp_path / "pypi-0000.json.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode()))
    documents, skips = _read(path)
    assert skips.counts == {"bad record": 1} and len(documents) == len(packages)
    first = documents[0]
    assert first.provenance.uri == f"https://pypi.org/project/{packages[0]['name']}/"
    assert first.provenance.date == "2023-11-02T08:00:00Z"
    assert first.provenance.collection == "pypi"
    assert first.provenance.license == packages[0]["license"]
    truncated = tmp_path / "cut.jsonl.zst"
    truncated.write_bytes(path.read_bytes()[:-40])
    _, cut = _read(truncated)
    assert cut.counts["truncated or unreadable file"] == 1


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_a_webdataset_shard_groups_each_sample_by_key(tmp_path: Path) -> None:
    packages = installed_packages(3)
    path = tmp_path / "shard-000000.tar"
    with tarfile.open(path, "w") as tar:
        for number, p in enumerate(packages):
            _add(tar, f"{number:06d}.txt", p["content"].encode())
            _add(tar, f"{number:06d}.json", json.dumps({"url": f"https://pypi.org/project/{p['name']}/", "license": p["license"], "author": p["author"] or "x"}).encode())
        _add(tar, "000009.flac", b"fLaC\0\0\0\x22")
        _add(tar, "000009.json", b'{"url": "https://example.org/a.flac"}')
    documents, skips = _read(path)
    assert skips.counts == {"audio (checked, not indexed)": 1}
    assert [d.provenance.uri for d in documents] == [f"https://pypi.org/project/{p['name']}/" for p in packages]
    assert documents[1].provenance.license == packages[1]["license"]


def test_a_webdataset_image_sample_is_an_image_with_its_caption(tmp_path: Path) -> None:
    require_extra("image", "PIL")
    require_extra("image", "imagehash")
    matplotlib = require_extra("image", "matplotlib")
    picture = Path(matplotlib.__file__).parent / "mpl-data" / "images" / "home_large.png"
    if not picture.exists():
        pytest.skip("matplotlib ships no mpl-data/images/home_large.png")
    path = tmp_path / "images-000000.tar"
    with tarfile.open(path, "w") as tar:
        _add(tar, "a/000001.png", picture.read_bytes())
        _add(tar, "a/000001.txt", b"A house icon from matplotlib's toolbar")
        _add(tar, "a/000001.json", json.dumps({"url": "https://matplotlib.org/home_large.png", "license": "PSF-2.0", "artist": "Matplotlib"}).encode())
    documents, skips = _read(path)
    assert skips.total == 0
    image = documents[0]
    assert image.kind == "image" and image.data == picture.read_bytes()
    assert image.provenance.title == "A house icon from matplotlib's toolbar"
    assert image.provenance.uri == "https://matplotlib.org/home_large.png"
    assert image.provenance.license == "PSF-2.0" and image.provenance.authors == ("Matplotlib",)


def test_the_column_map_names_its_fields_and_presets() -> None:
    assert FieldMap.parse("the-stack") == THE_STACK
    assert FieldMap.parse("the-stack,license=licenses").license == "licenses"
    assert FieldMap.parse("text=body,uri=meta.link").uri == "meta.link"
    with pytest.raises(BadInputError, match="unknown field 'txt'"):
        FieldMap.parse("txt=body")
    with pytest.raises(BadInputError, match="is not FIELD=COLUMN"):
        FieldMap.parse("text=body,content")


def test_the_build_command_takes_a_column_map_and_an_opt_out_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wherefrom.cli import main

    packages = installed_packages(3)
    corpus = tmp_path / "pypi.jsonl"
    corpus.write_text("".join(json.dumps({"body": p["content"], "link": f"https://pypi.org/project/{p['name']}/",
                                          "terms": p["license"]}) + "\n" for p in packages))
    listing = tmp_path / "opt-out.txt"
    listing.write_text(f"https://pypi.org/project/{packages[0]['name']}/\n")
    argv = ["index", "build", str(corpus), "--index", str(tmp_path / "idx"), "--fields", "text=body,uri=link,license=terms",
            "--opt-out-list", str(listing), "--exclude-opted-out", "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["documents"] == 2 and summary["skipped"] == {"opted out": 1}
    with Index.open(tmp_path / "idx") as index:
        rows = list(index.documents())
    assert [r.provenance.uri for r in rows] == [f"https://pypi.org/project/{p['name']}/" for p in packages[1:]]
    assert rows[0].provenance.license == packages[1]["license"]
    assert main(["index", "build", str(corpus), "--index", str(tmp_path / "bad"), "--fields", "txt=body"]) == 2
    assert "unknown field 'txt'" in capsys.readouterr().err


def test_limits_apply_while_streaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wherefrom.corpus import records

    monkeypatch.setattr(records, "MAX_RECORD_BYTES", 4096)
    lines = [json.dumps({"text": "x" * 10_000}), json.dumps({"text": "a record of ordinary size", "url": "https://example.org/ok"})]
    path = tmp_path / "big.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode()))
    documents, skips = _read(path)
    assert skips.counts == {"too large": 1}
    assert [d.provenance.uri for d in documents] == ["https://example.org/ok"]
