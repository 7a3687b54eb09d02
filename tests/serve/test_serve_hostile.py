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
