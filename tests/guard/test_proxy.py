"""End to end: a real model server (a tiny GPT-2 trained here to recite two indexed passages)
on 127.0.0.1, the guarding proxy in front of it, and a client that asks the model to recite.
The passage under a share-alike licence is stopped with finish_reason "content_filter" and
the source named; the permissive one is let through with its citation; original text passes
untouched."""

from __future__ import annotations

import json

import pytest
from tests.extras import needs_extra, require_extra
from tests.guard.upstream import Reciter, Served, model_server

from wherefrom.build import build_index
from wherefrom.config import IndexConfig
from wherefrom.guard import CopyGuard, GuardPolicy
from wherefrom.index import Index
from wherefrom.records import Provenance

pytestmark = needs_extra("serve", "fastapi", "httpx", "uvicorn")

RESTRICTED = (
    "Whan that Aprille with his shoures soote the droghte of March hath perced to the roote and bathed "
    "every veyne in swich licour of which vertu engendred is the flour whan Zephirus eek with his swete "
    "breeth inspired hath in every holt and heeth the tendre croppes"
)
PERMISSIVE = (
    "Sing in me Muse and through me tell the story of that man skilled in all ways of contending the "
    "wanderer harried for years on end after he plundered the stronghold on the proud height of Troy "
    "he saw the townlands and learned the minds of many distant men"
)
LIMIT = 12


def words(text: str, first: int, last: int | None = None) -> str:
    return " ".join(text.split()[first:last])


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("proxy-corpus")
    for name, text in (("tales", RESTRICTED), ("song", PERMISSIVE)):
        (root / name).mkdir()
        (root / name / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    target = root / "idx"
    config = IndexConfig(min_tokens=10)
    build_index([root / "tales"], target, config=config, defaults=Provenance(license="CC-BY-SA-4.0"))
    build_index([root / "song"], target, config=config, defaults=Provenance(license="CC-BY-4.0"), add=True)
    return Index.open(target)


@pytest.fixture(scope="module")
def upstream() -> Served:
    reciter = Reciter([RESTRICTED, PERMISSIVE])
    assert "".join(reciter.tokens(words(RESTRICTED, 0, 4), 60)).split() == RESTRICTED.split()[4:]
    served = Served(model_server(reciter))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def proxy(index: Index, upstream: Served) -> Served:
    from wherefrom.guard.proxy import make_app

    served = Served(make_app(CopyGuard.from_index(index, LIMIT, GuardPolicy()), upstream.url))
    yield served
    served.stop()


def post(url: str, path: str, body: dict, headers: dict | None = None):
    httpx = require_extra("serve", "httpx")
    return httpx.post(url + path, json=body, headers=headers or {}, timeout=60)


def stream(url: str, path: str, body: dict) -> list[dict]:
    httpx = require_extra("serve", "httpx")
    chunks = []
    with httpx.stream("POST", url + path, json=body | {"stream": True}, timeout=60) as answer:
        assert answer.status_code == 200
        for line in answer.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunks.append(json.loads(line[6:]))
            elif line == "data: [DONE]":
                chunks.append({"done": True})
    return chunks


def streamed_text(chunks: list[dict], chat: bool) -> str:
    out = []
    for chunk in chunks:
        for choice in chunk.get("choices", []):
            out.append((choice.get("delta") or {}).get("content") or "" if chat else choice.get("text") or "")
    return "".join(out)


def test_the_model_recites_without_the_proxy(upstream: Served) -> None:
    answer = post(upstream.url, "/v1/completions", {"prompt": words(RESTRICTED, 0, 4), "max_tokens": 60}).json()
    assert answer["choices"][0]["text"].split() == RESTRICTED.split()[4:]


def test_a_restricted_copy_is_stopped_with_content_filter(proxy: Served) -> None:
    answer = post(proxy.url, "/v1/completions", {"prompt": words(RESTRICTED, 0, 4), "max_tokens": 60}).json()
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    stopped = choice["wherefrom"]["stopped"]
    assert stopped["source"]["title"] == "tales.txt"
    assert stopped["source"]["license"] == "CC-BY-SA-4.0"
    assert stopped["action"] == "block"
    kept = choice["text"].split()
    assert kept == RESTRICTED.split()[4 : 4 + len(kept)]  # what came through is the copy's start
    assert len(kept) == LIMIT  # and no longer than the limit
    start, end = stopped["span"]
    assert 0 <= start < end


def test_a_streamed_chat_copy_stops_at_the_limit(proxy: Served) -> None:
    body = {"messages": [{"role": "user", "content": words(RESTRICTED, 0, 4)}], "max_tokens": 60}
    chunks = stream(proxy.url, "/v1/chat/completions", body)
    assert chunks[-1] == {"done": True}
    last = chunks[-2]["choices"][0]
    assert last["finish_reason"] == "content_filter"
    assert last["wherefrom"]["stopped"]["source"]["license"] == "CC-BY-SA-4.0"
    assert streamed_text(chunks, chat=True).split() == RESTRICTED.split()[4 : 4 + LIMIT]


def test_a_permissive_copy_passes_with_its_citation(proxy: Served) -> None:
    prompt = words(PERMISSIVE, 0, 4)
    answer = post(proxy.url, "/v1/completions", {"prompt": prompt, "max_tokens": 60}).json()
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["text"].split() == PERMISSIVE.split()[4:]
    (citation,) = choice["wherefrom"]["citations"]
    assert citation["source"]["title"] == "song.txt"
    assert citation["source"]["license"] == "CC-BY-4.0"
    assert "CC-BY-4.0" in citation["attribution"]
    chunks = stream(proxy.url, "/v1/completions", {"prompt": prompt, "max_tokens": 60})
    assert streamed_text(chunks, chat=False).split() == PERMISSIVE.split()[4:]
    final = [c for c in chunks if c.get("choices") and c["choices"][0].get("finish_reason")][-1]["choices"][0]
    assert final["finish_reason"] == "stop"
    assert final["wherefrom"]["citations"][0]["source"]["title"] == "song.txt"


def test_output_under_the_limit_passes_untouched(proxy: Served, upstream: Served) -> None:
    body = {"prompt": "the river flows to the sea", "max_tokens": LIMIT - 2}
    direct = post(upstream.url, "/v1/completions", body).json()["choices"][0]["text"]
    guarded = post(proxy.url, "/v1/completions", body).json()["choices"][0]
    assert guarded["text"] == direct
    assert guarded["wherefrom"] == {"stopped": None, "citations": []}


def test_keys_are_required_when_given(index: Index, upstream: Served) -> None:
    from wherefrom.guard.proxy import make_app
    from wherefrom.serve.auth import KeyRing

    served = Served(make_app(CopyGuard.from_index(index, LIMIT), upstream.url, keys=KeyRing(["s3cret"])))
    try:
        body = {"prompt": "the river", "max_tokens": 3}
        assert post(served.url, "/v1/completions", body).status_code == 401
        assert post(served.url, "/v1/completions", body, {"Authorization": "Bearer s3cret"}).status_code == 200
    finally:
        served.stop()


def test_the_command_guards_a_server(index: Index, upstream: Served, tmp_path) -> None:
    import subprocess
    import sys
    import time

    from tests.guard.upstream import free_port

    httpx = require_extra("serve", "httpx")
    policy = tmp_path / "guard.toml"
    policy.write_text('[licenses]\n"CC-BY-SA-4.0" = "block"\n"CC-BY-4.0" = "block"\n', encoding="utf-8")
    port = free_port()
    code = "import sys; from wherefrom.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "guard", "proxy", "--upstream", upstream.url, "--index", str(index.path),
               "--policy", str(policy), "--max-copy-tokens", str(LIMIT), "--port", str(port)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the proxy did not start"
            time.sleep(0.2)
        answer = post(url, "/v1/completions", {"prompt": words(PERMISSIVE, 0, 4), "max_tokens": 60}).json()
        choice = answer["choices"][0]
        assert choice["finish_reason"] == "content_filter"  # the policy file blocks this licence too
        assert choice["wherefrom"]["stopped"]["source"]["license"] == "CC-BY-4.0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_command_refuses_an_open_address_without_keys(index: Index) -> None:
    import subprocess
    import sys

    code = "import sys; from wherefrom.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, "guard", "proxy", "--upstream", "http://127.0.0.1:9",
                           "--index", str(index.path), "--host", "0.0.0.0"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "without --api-keys the proxy listens on 127.0.0.1 only" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
