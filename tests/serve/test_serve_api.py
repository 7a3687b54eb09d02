"""The HTTP API as a client sees it: every route, keys, limits, malformed input, snippets."""

from __future__ import annotations

import pytest
from tests.serve.conftest import GPL_TEXT, KEY, POEM

PLANTED = "Here is my own poem. " + POEM[:330] + " That is all I wrote today."


def test_check_json_finds_the_planted_copy(client):
    response = client.post(
        "/v1/check", json={"text": PLANTED, "name": "answer.txt", "kind": "text"}
    )
    assert response.status_code == 200
    report = response.json()
    assert report["input"]["name"] == "answer.txt"
    assert report["verdict"] == "attribution-required"
    match = report["matches"][0]
    assert match["source"]["title"] == "Sonnet XVIII"
    start, end = match["input_span"]
    assert PLANTED[start:end].startswith("Shall I compare")
    assert report["obligations"][0]["license"] == "CC0-1.0"


def test_check_plain_text_body_with_query_options(client):
    response = client.post(
        "/v1/check?kind=text&name=raw", content=GPL_TEXT, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200
    report = response.json()
    assert report["input"]["name"] == "raw"
    assert report["verdict"] == "restricted"


def test_check_original_text(client):
    response = client.post(
        "/v1/check", json={"text": "Nothing here was copied from anywhere at all."}
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "original"


def test_check_snippets_never_exceed_the_limit(served_index):
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app

    with TestClient(create_app(served_index.path, snippet_chars=40)) as small:
        report = small.post("/v1/check", json={"text": PLANTED}).json()
    assert report["matches"]
    assert all(len(m["snippet"]) <= 40 for m in report["matches"])


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "text"}, "text"),
        ({"text": 12}, "text"),
        ({"text": "x", "kind": "poetry"}, "kind"),
        ({"text": "x", "min_similarity": 2}, "min_similarity"),
        ({"text": "x", "colour": "red"}, "colour"),
    ],
)
def test_malformed_fields_are_named(client, body, field):
    response = client.post("/v1/check", json=body)
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert f"'{field}'" in response.json()["error"]


def test_invalid_json_is_422(client):
    response = client.post(
        "/v1/check", content=b'{"text": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["error"]


def test_bad_query_option_is_422(client):
    response = client.post(
        "/v1/check?min_tokens=0", content="text", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 422
    assert response.json()["fields"] == ["min_tokens"]


def test_body_over_the_limit_is_413(served_index):
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app

    with TestClient(create_app(served_index.path, max_body_bytes=1000)) as limited:
        response = limited.post("/v1/check", json={"text": "word " * 400})
        assert limited.post("/v1/check", json={"text": "word " * 10}).status_code == 200
    assert response.status_code == 413
    assert "over the limit of 1,000 bytes" in response.json()["error"]


def test_default_limit_is_one_megabyte(client):
    response = client.post(
        "/v1/check", content="a" * 1_000_001, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 413


def test_source_provenance_and_snippet_around_a_span(client):
    report = client.post("/v1/check", json={"text": PLANTED}).json()
    match = report["matches"][0]
    uid = match["source"]["uid"]
    start = match["source_span"][0]
    response = client.get(f"/v1/sources/{uid}", params={"start": start + 100, "end": start + 120})
    assert response.status_code == 200
    source = response.json()
    assert source["title"] == "Sonnet XVIII"
    assert source["authors"] == ["William Shakespeare"]
    assert source["license"] == "CC0-1.0"
    assert source["restrictiveness"] == "none"
    assert "Shakespeare" in source["attribution"]
    w0, w1 = source["snippet_span"]
    assert w0 <= start + 100 and w1 >= start + 120
    assert source["snippet"] == POEM[w0:w1]
    assert len(source["snippet"]) <= 300


def test_source_snippet_never_exceeds_the_limit_whatever_is_asked(client):
    uid = client.post("/v1/check", json={"text": PLANTED}).json()["matches"][0]["source"]["uid"]
    whole = client.get(
        f"/v1/sources/{uid}", params={"start": 0, "end": 100_000, "chars": 100_000}
    ).json()
    assert len(whole["snippet"]) == 300
    short = client.get(f"/v1/sources/{uid}", params={"chars": 50}).json()
    assert short["snippet"] == POEM[:50]


def test_unknown_source_is_404(client):
    response = client.get("/v1/sources/0123456789abcdef0123")
    assert response.status_code == 404
    assert "0123456789abcdef0123" in response.json()["error"]


def test_index_stats_and_health(client):
    stats = client.get("/v1/index").json()
    assert stats["documents"] == 2
    assert "path" not in stats
    assert client.get("/healthz").json() == {"status": "ok", "auth": False}


def test_page_and_openapi_are_served(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Paste an output" in page.text
    assert client.get("/static/app.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/check", "/v1/sources/{uid}", "/v1/stream", "/v1/index", "/healthz"} <= set(paths)


def test_stream_continues_then_cites_then_blocks(client):
    first = client.post("/v1/stream", json={"append": "Let me write you a poem. "}).json()
    assert first["action"] == "continue"
    session = first["session"]
    words = POEM.split()
    answer = first
    for i in range(0, 60, 6):
        answer = client.post(
            "/v1/stream", json={"session": session, "append": " ".join(words[i : i + 6]) + " "}
        ).json()
    assert answer["action"] == "cite"
    assert answer["sources"][0]["title"] == "Sonnet XVIII"
    assert "Shakespeare" in answer["sources"][0]["attribution"]
    blocked = client.post(
        "/v1/stream", json={"session": session, "append": GPL_TEXT, "close": True}
    ).json()
    assert blocked["action"] == "block"
    assert any(s["license"] == "GPL-3.0-or-later" for s in blocked["sources"])
    gone = client.post("/v1/stream", json={"session": session, "append": "more"})
    assert gone.status_code == 404


def test_stream_block_on_never_only_cites(client):
    answer = client.post("/v1/stream", json={"append": GPL_TEXT, "block_on": "never"}).json()
    assert answer["action"] == "cite"


def test_stream_malformed_is_422(client):
    response = client.post("/v1/stream", json={"append": 5})
    assert response.status_code == 422
    assert response.json()["fields"] == ["append"]


def test_keys_are_required_except_for_health_and_page(keyed_client):
    assert keyed_client.post("/v1/check", json={"text": "x"}).status_code == 401
    wrong = keyed_client.get("/v1/index", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert keyed_client.get("/v1/sources/abc").status_code == 401
    assert keyed_client.post("/v1/stream", json={"append": "x"}).status_code == 401
    assert keyed_client.get("/healthz").status_code == 200
    assert keyed_client.get("/").status_code == 200
    assert keyed_client.get("/static/style.css").status_code == 200


@pytest.mark.parametrize("key", ["plain-key", KEY])
def test_plain_and_hashed_keys_both_work(keyed_client, key):
    response = keyed_client.get("/v1/index", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_bad_key_file_names_the_line(tmp_path):
    from wherefrom.errors import WherefromError
    from wherefrom.serve.auth import load_api_keys

    path = tmp_path / "keys"
    path.write_text("good\nsha256:xyz\n")
    with pytest.raises(
        WherefromError, match=r"keys:2: 'sha256:' must be followed by 64 hex digits"
    ):
        load_api_keys(path)


def test_serve_refuses_an_open_host_without_keys(served_index, capsys):
    from wherefrom.cli import main

    code = main(["serve", "--index", str(served_index.path), "--host", "0.0.0.0"])
    assert code == 2
    assert "127.0.0.1 only" in capsys.readouterr().err


def test_unknown_routes_and_methods_answer_in_the_error_shape(client):
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json() == {"error": "GET /v1/nothing-here: Not Found"}
    wrong = client.delete("/v1/check")
    assert wrong.status_code == 405 and "Method Not Allowed" in wrong.json()["error"]
    assert "POST" in wrong.headers.get("allow", "")
