"""The service under malformed and hostile requests: a small 4xx for every malformed body,
keys only from the Authorization header and never logged, security headers everywhere."""

from __future__ import annotations

import json
import logging

import pytest

from wherefrom.serve.app import SECURITY_HEADERS
from wherefrom.serve.auth import RedactKeys


@pytest.mark.parametrize("body", [
    "[" * 2000 + "]" * 2000,
    '{"text": "hello", "n": ' + "7" * 5000 + "}",
    '{"text": "unterminated',
    b'{"text": "\xff\xfe"}',
])
def test_malformed_json_bodies_get_a_small_422(client, body):
    response = client.post("/v1/check", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert len(response.content) < 1000 and "error" in response.json()


def test_eighty_thousand_unknown_fields_get_a_small_error(client):
    body = {"text": 5, **{f"field{i}": i for i in range(80_000)}}
    response = client.post("/v1/check", content=json.dumps(body), headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert len(response.content) < 5_000


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/healthz"), client.get("/"), client.get("/nosuch"),
                     client.post("/v1/check", json={"text": "a few words"})):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)


def test_a_key_in_the_query_string_is_refused_and_never_logged(keyed_client):
    response = keyed_client.get("/v1/index?api_key=plain-key")
    assert response.status_code == 400 and "Authorization: Bearer" in response.json()["error"]
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/v1/index?api_key=plain-key&x=1", "1.1", 400), None)
    RedactKeys().filter(record)
    assert "plain-key" not in record.getMessage() and "api_key=REDACTED&x=1" in record.getMessage()


def test_paging_a_source_stops_at_the_clients_budget(served_index):
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import create_app

    uid = next(row.uid for row in served_index.documents() if row.provenance.title == "Sonnet XVIII")
    with TestClient(create_app(served_index.path, snippet_chars=40, source_budget_chars=100, source_window_s=60)) as client:
        read, statuses = "", []
        for start in range(0, 400, 40):
            response = client.get(f"/v1/sources/{uid}?start={start}&end={start + 40}")
            statuses.append(response.status_code)
            if response.status_code == 200:
                read += response.json()["snippet"]
        assert statuses[:2] == [200, 200] and set(statuses[2:]) == {429}
        assert len(read) <= 100
        refused = client.get(f"/v1/sources/{uid}?start=0")
        assert int(refused.headers["Retry-After"]) >= 1 and "budget" in refused.json()["error"]


def test_a_stream_session_keeps_only_the_tail_it_checks(client):
    from wherefrom.serve.sessions import STREAM_KEEP_CHARS

    first = client.post("/v1/stream", json={"append": "word " * 2000}).json()
    for _ in range(20):
        answer = client.post("/v1/stream", json={"session": first["session"], "append": "more words here " * 200}).json()
    assert answer["chars"] == 10_000 + 20 * 3200
    sessions = client.app.state.service.sessions
    assert all(len(s.text) <= STREAM_KEEP_CHARS for s in sessions._sessions.values())


def test_a_check_past_its_budget_stops_its_work(served_index, monkeypatch):
    import asyncio

    from wherefrom.errors import CheckCancelledError
    from wherefrom.match import finder
    from wherefrom.serve.app import create_app

    verified = 0
    original = finder._verify

    def slow_verify(*args, **kwargs):
        nonlocal verified
        verified += 1
        import time

        time.sleep(0.01)  # every candidate takes a while: the budget ends after a few
        return original(*args, **kwargs)

    monkeypatch.setattr(finder, "_verify", slow_verify)
    app = create_app(served_index.path, time_budget_s=0.2)
    state = app.state.service
    poem = next(row for row in served_index.documents() if row.provenance.title == "Sonnet XVIII")
    text = served_index.text(poem.doc_id)
    from wherefrom.check import check_text

    async def run() -> None:
        await state.run(check_text, state.index, " x ".join([text] * 400))

    with pytest.raises((TimeoutError, CheckCancelledError)):
        asyncio.run(run())
    state.executor.shutdown(wait=True)  # returns once the check has stopped
    assert 0 < verified < 400
