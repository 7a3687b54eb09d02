"""The distributed build and the sharded query on a real local Ray cluster (a head and a
second worker node, bound to 127.0.0.1): equal reports to a local build, workers and the
driver killed at random moments with nothing lost and finished blocks not redone, shards
that are down named (or a report marked partial), compaction run on the cluster."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.extras import require_extra
from tests.index.test_commons import SHARED

from wherefrom.build import build_index
from wherefrom.check.sequence import check_text
from wherefrom.config import IndexConfig
from wherefrom.errors import ClusterError
from wherefrom.index import Index

ray = require_extra("ray", "ray")
require_extra("ray", "ray.data")

SRC = str(Path(__file__).resolve().parents[2] / "src")
CONFIG = IndexConfig(min_tokens=12, common_threshold=4)
BLOCK_BYTES = 96 << 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "RAY_DEDUP_LOGS": "0", "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """`ray start --head` and a second node of one CPU each, with a token of their own; the
    address of the head. Both run with --block, so stopping them ends this cluster only."""
    ray_bin = str(Path(sys.executable).with_name("ray"))
    port = _free_port()
    temp = Path(f"/tmp/wf-ray-{os.getpid()}")
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus=1", "--disable-usage-stats", "--block", "--node-ip-address=127.0.0.1"]
    env = _environment()
    os.environ["PYTHONPATH"] = env["PYTHONPATH"]
    nodes: list[subprocess.Popen] = []
    try:
        nodes.append(subprocess.Popen(
            [ray_bin, "start", "--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}", *common],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for_port(port)
        nodes.append(subprocess.Popen([ray_bin, "start", f"--address={address}", *common],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        ray.init(address=address, log_to_driver=False, configure_logging=False)
        deadline = time.monotonic() + 90
        while ray.cluster_resources().get("CPU", 0) < 2:
            assert time.monotonic() < deadline, "the second Ray node did not join"
            time.sleep(0.5)
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for node in reversed(nodes):
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(timeout=60)
            except subprocess.TimeoutExpired:
                node.kill()
        shutil.rmtree(temp, ignore_errors=True)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, "the Ray head did not start"
            time.sleep(0.3)


def write_works(root: Path, n: int = 48, seed: int = 3) -> list[Path]:
    """`n` works of about 20 kB in three folders, a shared passage in every third, and a
    LICENSE file that one folder's works inherit."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(5000)]
    paths = []
    for i in range(n):
        folder = root / f"part{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        body = " ".join(rng.choice(words) for _ in range(3000))
        text = f"{body[:9000]} {SHARED} {body[9000:]}" if i % 3 == 0 else body
        path = folder / f"work{i:03d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    (root / "part1" / "LICENSE").write_text("MIT License\n\nPermission is hereby granted, free of charge", encoding="utf-8")
    return paths


def queries(paths: list[Path], n: int = 20, seed: int = 5) -> list[str]:
    """Copied passages (some edited) and clean text."""
    rng = random.Random(seed)
    out = [SHARED]
    for path in rng.sample(paths, n // 2):
        text = path.read_text(encoding="utf-8")
        start = rng.randrange(0, len(text) - 1500)
        passage = text[start : start + 1200]
        out.append(passage.replace(" w1", " W1 extra", 3) if rng.random() < 0.5 else passage)
    out += [" ".join(f"clean{rng.randrange(10**6)}" for _ in range(200)) for _ in range(n // 2 - 1)]
    return out


def reports(index: Index, inputs: list[str]) -> list[str]:
    return [json.dumps(check_text(index, q, f"q{i}").to_dict(), sort_keys=True) for i, q in enumerate(inputs)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Path]:
    root = tmp_path_factory.mktemp("corpus")
    paths = write_works(root / "works")
    local = root / "local"
    build_index([root / "works"], local, config=CONFIG)
    return root / "works", paths, local


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "wherefrom.cli", *args], env=_environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ray_build_equals_local_build(cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path) -> None:
    from wherefrom.scale.build import build_on_ray

    works, paths, local = corpus
    summary = build_on_ray([works], tmp_path / "ray", address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES)
    with Index.open(local) as one, Index.open(tmp_path / "ray") as many:
        assert len(many.segments) == summary.timings["blocks"] > 5
        assert [r.uid for r in one.documents()] == [r.uid for r in many.documents()]
        assert [r.doc_id for r in one.documents()] == [r.doc_id for r in many.documents()]
        assert one.stats().common_fingerprints == many.stats().common_fingerprints > 0
        inputs = queries(paths)
        assert reports(one, inputs) == reports(many, inputs)
    assert not (tmp_path / "ray" / "staging").exists()


def test_duplicates_across_blocks_and_add_are_left_out_as_locally(
    cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path,
) -> None:
    from wherefrom.scale.build import build_on_ray

    _, paths, _ = corpus
    local, distributed = tmp_path / "local", tmp_path / "ray"
    first, second = [str(p) for p in paths[:20]], [str(p) for p in paths[10:]]  # 10 works in both
    build_index(first, local, config=CONFIG)
    a = build_index(second, local, add=True)
    build_on_ray(first + first[:3], distributed, address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES)
    b = build_on_ray(second, distributed, address=cluster, add=True, block_bytes=BLOCK_BYTES)
    assert (a.documents, a.skipped) == (b.documents, b.skipped) == (28, {"already indexed": 10})
    with Index.open(local) as one, Index.open(distributed) as many:
        assert [r.uid for r in one.documents()] == [r.uid for r in many.documents()]
        inputs = queries(paths)
        assert reports(one, inputs) == reports(many, inputs)


def _worker_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            if command.startswith("ray::") and ("build_block" in command or "Map(" in command):
                found.append(int(entry.name))
    return found


def test_a_worker_killed_mid_block_is_retried_and_nothing_is_lost(
    cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path,
) -> None:
    from wherefrom.scale.build import build_on_ray

    works, paths, local = corpus
    killed: list[int] = []
    stop = threading.Event()

    def killer() -> None:
        # Twice: once the blocks run, a random worker at a random moment.
        rng = random.Random()
        while not stop.is_set() and len(killed) < 2:
            pids = _worker_pids()
            if pids:
                time.sleep(rng.uniform(0.0, 0.6))
                pid = rng.choice(pids)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.02)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        build_on_ray([works], tmp_path / "ray", address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES // 4)
    finally:
        stop.set()
        thread.join()
    assert killed, "no worker was running a block to kill"
    with Index.open(local) as one, Index.open(tmp_path / "ray") as many:
        assert many.verify() == one.verify()
        inputs = queries(paths)
        assert reports(one, inputs) == reports(many, inputs)


def test_a_killed_driver_resumes_without_redoing_finished_blocks(
    cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path,
) -> None:
    works, paths, local = corpus
    index_dir = tmp_path / "ray"
    args = ["index", "build", str(works), "--index", str(index_dir), "--ray", cluster, "--min-tokens", "12",
            "--common-threshold", "4", "--block-mb", str(BLOCK_BYTES / 2 / (1 << 20)), "--json"]
    driver = _cli(*args)
    deadline = time.monotonic() + 120
    wanted = random.Random().randint(1, 4)
    while time.monotonic() < deadline and len(list(index_dir.glob("staging/*/block-*/done.json"))) < wanted:
        assert driver.poll() is None, driver.communicate()
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    done = {p.parent.name: p.stat().st_mtime_ns for p in index_dir.glob("staging/*/block-*/done.json")}
    assert done
    with pytest.raises(Exception):  # noqa: B017 - nothing was published
        Index.open(index_dir)
    rerun = _cli(*args)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    summary = json.loads(out)
    assert summary["timings"]["blocks_reused"] >= len(done)
    with Index.open(local) as one, Index.open(index_dir) as many:
        inputs = queries(paths)
        assert reports(one, inputs) == reports(many, inputs)


def _kill(actor: object) -> None:
    """Kill a shard's actor and wait until it answers no more (the kill is asynchronous: a
    call made just after it may still be answered)."""
    ray.kill(actor)
    deadline = time.monotonic() + 60
    while True:
        try:
            ray.get(actor.usage.remote(), timeout=30)  # type: ignore[attr-defined]
        except ray.exceptions.RayActorError:
            return
        assert time.monotonic() < deadline, "the killed shard still answers"
        time.sleep(0.2)


def test_sharded_query_equals_local_and_names_a_dead_shard(
    cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path,
) -> None:
    from wherefrom.scale.build import build_on_ray
    from wherefrom.scale.shards import ShardedIndex, check_sharded

    works, paths, local = corpus
    build_on_ray([works], tmp_path / "ray", address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES)
    inputs = queries(paths)
    with Index.open(local) as one:
        expected = reports(one, inputs)
    sharded = ShardedIndex.open_sharded(tmp_path / "ray", shards=2, address=cluster, shard_cpus=0.25, timeout_s=120)
    try:
        assert len(sharded.shards) == 2
        got = [json.dumps(check_sharded(sharded, q, f"q{i}").to_dict(), sort_keys=True) for i, q in enumerate(inputs)]
        assert got == expected
        _kill(sharded._actors[1])
        copied = inputs[1]
        with pytest.raises(ClusterError, match=r"shard 1 .* is down"):
            check_sharded(sharded, copied, "q")
        result = check_sharded(sharded, SHARED, "q", partial=True)
        assert result.partial and "shard 1" in result.to_dict()["partial"]["missing_shards"][0]
    finally:
        sharded.close()


def test_compaction_on_ray_keeps_reports(cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path) -> None:
    from wherefrom.index.compact import compact
    from wherefrom.scale.build import build_on_ray
    from wherefrom.scale.compact import ray_merges

    works, paths, local = corpus
    build_on_ray([works], tmp_path / "ray", address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES)
    summary = compact(tmp_path / "ray", target_bytes=400 << 10, map_merges=ray_merges(cluster))
    assert summary.segments_after < summary.segments_before
    with Index.open(local) as one, Index.open(tmp_path / "ray") as many:
        inputs = queries(paths)
        assert reports(one, inputs) == reports(many, inputs)


def test_an_address_nobody_answers_at_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "works").mkdir()
    (tmp_path / "works" / "a.txt").write_text("a work", encoding="utf-8")
    process = _cli("index", "build", str(tmp_path / "works"), "--index", str(tmp_path / "out"),
                   "--ray", f"127.0.0.1:{_free_port()}")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert err.strip().count("\n") == 0 and "no Ray cluster answers there" in err


def test_the_service_over_shards_answers_as_over_the_index(
    cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path,
) -> None:
    require_extra("serve", "fastapi")
    from fastapi.testclient import TestClient

    from wherefrom.scale.build import build_on_ray
    from wherefrom.scale.shards import ShardedIndex
    from wherefrom.serve.app import create_app

    works, paths, local = corpus
    build_on_ray([works], tmp_path / "ray", address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES)
    inputs = queries(paths, n=6)
    with TestClient(create_app(local)) as client:
        expected = [client.post("/v1/check", json={"text": q, "name": f"q{i}"}).json() for i, q in enumerate(inputs)]
    sharded = ShardedIndex.open_sharded(tmp_path / "ray", shards=2, address=cluster, shard_cpus=0.25, timeout_s=120)
    with TestClient(create_app(tmp_path / "ray", index=sharded)) as client:
        got = [client.post("/v1/check", json={"text": q, "name": f"q{i}"}).json() for i, q in enumerate(inputs)]
        assert got == expected
        _kill(sharded._actors[0])
        down = client.post("/v1/check", json={"text": inputs[1]})
        assert down.status_code == 503 and "shard 0" in down.text


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """moto's S3-compatible server on 127.0.0.1; yields HOST:PORT."""
    require_extra("ray", "moto")
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_blocks_staged_in_object_storage_publish_the_same_index(
    cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path, s3_server: str,
) -> None:
    from pyarrow import fs

    from wherefrom.scale.build import build_on_ray

    works, paths, local = corpus
    uri = f"s3://wherefrom-staging/builds?endpoint_override={s3_server}&scheme=http&region=us-east-1"
    store, _ = fs.FileSystem.from_uri(uri + "&allow_bucket_creation=true")
    store.create_dir("wherefrom-staging")
    summary = build_on_ray([works], tmp_path / "ray", address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES,
                           staging=uri)
    assert summary.timings["blocks"] > 5
    with Index.open(local) as one, Index.open(tmp_path / "ray") as many:
        inputs = queries(paths)
        assert reports(one, inputs) == reports(many, inputs)
    leftover = store.get_file_info(fs.FileSelector("wherefrom-staging/builds", recursive=True, allow_not_found=True))
    assert not [i for i in leftover if i.type == fs.FileType.File]  # the staged blocks are removed after publishing


def test_relative_sources_name_the_files_a_local_build_names(
    cluster: str, corpus: tuple[Path, list[Path], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wherefrom.scale.build import build_on_ray

    works, paths, _ = corpus
    monkeypatch.chdir(works.parent)  # the workers run elsewhere: they read in the driver's folder
    build_index([works.name], tmp_path / "local", config=CONFIG)
    build_on_ray([works.name], tmp_path / "ray", address=cluster, config=CONFIG, block_bytes=BLOCK_BYTES)
    with Index.open(tmp_path / "local") as one, Index.open(tmp_path / "ray") as many:
        assert [r.provenance.uri for r in one.documents()] == [r.provenance.uri for r in many.documents()]
        assert not Path(next(one.documents()).provenance.uri).is_absolute()
        inputs = queries(paths, n=6)
        assert reports(one, inputs) == reports(many, inputs)
