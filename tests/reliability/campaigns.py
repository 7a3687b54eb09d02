"""Fault campaigns shared by the tests (a few hundred cases) and bench/reliability.py (the
table of docs/reliability.md): each tries inputs or faults and counts what held.

A campaign's outcome counts every case as exactly one of: `refused` (a one-line error and
exit code 2 that names the damage), `same` (the answer is the one an intact input gives),
`skipped` (a bad file skipped and counted, the good ones indexed), or a failure:
`traceback` (any other exception) and `wrong` (another answer without an error, or a lost
document)."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import shutil
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

from wherefrom.cli import main

PROSE = " ".join(f"the sample work number {i % 13} carries word{i} in it" for i in range(120))
FAILURES = ("traceback", "wrong")
FAILED: list[str] = []  # the first failures' messages, for the assertion that reports them


def run_main(*args: str | Path) -> tuple[int, str, str]:
    """`wherefrom ARGS` in this process: (exit code, stdout, stderr); an exception that
    escapes main is a traceback and is returned as exit code -1."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:
            code = int(stop.code or 0)
        except Exception as error:
            return -1, out.getvalue(), f"{error.__class__.__name__}: {error}"
    return code, out.getvalue(), err.getvalue()


def _mutate(data: bytearray, rng: random.Random) -> str:
    how = rng.choice(("bit", "bit", "byte run", "truncate", "zero page"))
    if not data:
        return "empty"
    at = rng.randrange(len(data))
    if how == "bit":
        data[at] ^= 1 << rng.randrange(8)
    elif how == "byte run":
        for i in range(at, min(len(data), at + rng.randint(2, 64))):
            data[i] = rng.randrange(256)
    elif how == "truncate":
        del data[at:]
    else:
        start = at - at % 4096
        data[start : start + 4096] = bytes(len(data[start : start + 4096]))
    return how


def damaged_index(work: Path, cases: int, seed: int = 0) -> Counter[str]:
    """Damage one file of a small index per case (a flipped bit, a random byte run, a
    truncation, a zeroed page) and check a planted copy against it."""
    rng = random.Random(seed)
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "work.txt").write_text(PROSE)
    (corpus / "other.py").write_text("def area(width, height):\n    return width * height\n" * 20)
    intact = work / "intact"
    code, _, err = run_main("index", "build", corpus, "--index", intact, "--license", "MIT")
    assert code == 0, err
    query = work / "query.txt"
    query.write_text("Some words first. " + PROSE[200:1400] + " and an ending.")
    expected = run_main("check", "--index", intact, "--format", "json", query)
    files = sorted(p.relative_to(intact) for p in intact.rglob("*") if p.is_file() and p.name != ".lock")
    outcomes: Counter[str] = Counter()
    for _ in range(cases):
        copy = work / "copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(intact, copy)
        target = copy / rng.choice(files)
        data = bytearray(target.read_bytes())
        _mutate(data, rng)
        target.write_bytes(bytes(data))
        for name, result, baseline in (
            ("", run_main("check", "--index", copy, "--format", "json", query), expected),
            ("verify ", run_main("index", "verify", "--index", copy), None),
        ):
            verdict = _judge(result, baseline)
            outcomes[name + verdict] += 1
            if verdict in FAILURES and len(FAILED) < 20:
                FAILED.append(f"{target.relative_to(copy)}: {result[2].strip()[-300:]}")
    return outcomes


def _judge(result: tuple[int, str, str], expected: tuple[int, str, str] | None) -> str:
    code, out, err = result
    if code == -1 or "Traceback" in err:
        return "traceback"
    if code == 2 and err.count("\n") == 1 and "the index is damaged: " in err and "rebuild it" in err:
        return "refused"
    if expected is None:
        return "same" if code == 0 else "wrong"
    return "same" if (code, out) == expected[:2] else "wrong"


def _hostile(kind: str, rng: random.Random) -> tuple[str, bytes]:
    """A file of `kind` with damage in it."""
    payload = [{"text": PROSE[i * 40 : i * 40 + 300] + f" record {i}", "title": f"r{i}"} for i in range(20)]
    if kind == "jsonl":
        data = "".join(json.dumps(r) + "\n" for r in payload).encode()
        name = "records.jsonl"
    elif kind == "jsonl.gz":
        data, name = gzip.compress("".join(json.dumps(r) + "\n" for r in payload).encode()), "records.jsonl.gz"
    elif kind in ("zip", "whl"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nAuthor: Zoë\nLicense: MIT\n")
            for i, record in enumerate(payload[:6]):
                out.writestr(f"pkg/m{i}.py", f"# {record['text']}\nvalue_{i} = {i}\n")
        data, name = buffer.getvalue(), f"pkg-1.0-py3-none-any.{kind}"
    elif kind == "tar.gz":
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as out:
            for i, record in enumerate(payload[:6]):
                body = record["text"].encode()
                info = tarfile.TarInfo(f"pkg-1.0/doc{i}.txt")
                info.size = len(body)
                out.addfile(info, io.BytesIO(body))
        data, name = buffer.getvalue(), "pkg-1.0.tar.gz"
    elif kind == "parquet":
        import pyarrow
        import pyarrow.parquet

        buffer = io.BytesIO()
        pyarrow.parquet.write_table(pyarrow.table({"text": [r["text"] for r in payload]}), buffer)
        data, name = buffer.getvalue(), "rows.parquet"
    else:
        data, name = (PROSE[:900] + "\n").encode(), "plain.txt"
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        _mutate(damaged, rng)
    return name, bytes(damaged)


READER_KINDS = ("txt", "jsonl", "jsonl.gz", "zip", "whl", "tar.gz", "parquet")


def hostile_readers(work: Path, cases: int, seed: int = 0, kinds: tuple[str, ...] = READER_KINDS) -> Counter[str]:
    """Build a corpus of one good file and one damaged file of a reader's format per case:
    the build must finish, with the good file indexed."""
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    for case in range(cases):
        corpus = work / f"c{case}"
        corpus.mkdir(parents=True)
        (corpus / "good.txt").write_text(PROSE)
        name, data = _hostile(kinds[case % len(kinds)], rng)
        (corpus / name).write_bytes(data)
        code, out, err = run_main("index", "build", corpus, "--index", work / f"i{case}", "--json")
        if code == -1 or "Traceback" in err:
            outcomes["traceback"] += 1
        elif code != 0:
            outcomes["wrong"] += 1
        else:
            summary = json.loads(out)
            outcomes["skipped" if summary["skipped"] else "same"] += 1
        shutil.rmtree(corpus)
        shutil.rmtree(work / f"i{case}", ignore_errors=True)
    return outcomes


def _hostile_request(rng: random.Random) -> tuple[str, str, dict, bytes | None]:
    """(method, path with query, headers, body) of one malformed or hostile request."""
    junk = rng.choice([
        b"", b"{", b"[]", b"null", b'"text"', b"{}" * 50, b"[" * 3000, b'{"text": ' + b"9" * 6000 + b"}",
        json.dumps({"text": 7}).encode(), json.dumps({"text": "x", "kind": "nosuch"}).encode(),
        json.dumps({"text": PROSE[:400], "min_tokens": rng.choice([-1, 0, 3, 10**30])}).encode(),
        json.dumps({f"f{i}": i for i in range(rng.choice([10, 5000]))}).encode(),
        bytes(rng.randrange(256) for _ in range(rng.randint(1, 300))),
        json.dumps({"append": "word " * rng.randint(0, 3000)}).encode(),
        json.dumps({"append": 5, "session": ["x"]}).encode(),
    ])
    route = rng.choice([
        ("POST", "/v1/check"), ("POST", "/v1/check?kind=text&max_sources=0"), ("POST", "/v1/stream"),
        ("GET", "/v1/sources/" + rng.choice(["x", "%00", "a" * 300, "..%2f..%2fetc"]) + "?start=-5&end=a"),
        ("GET", "/v1/index?api_key=secret"), ("PUT", "/v1/check"), ("GET", "/nosuch"), ("POST", "/healthz"),
    ])
    content_type = rng.choice(["application/json", "text/plain", "multipart/form-data; boundary=x", "application/octet-stream", ""])
    headers = {"content-type": content_type} if content_type else {}
    return route[0], route[1], headers, junk if route[0] in ("POST", "PUT") else None


def service_fuzz(work: Path, cases: int, seed: int = 0) -> Counter[str]:
    """Malformed and hostile requests against every route of a service over a small index:
    every answer must be JSON with a status below 500 (a 503 of the time budget aside) and a
    body of a few kilobytes at most, and carry the security headers."""
    from fastapi.testclient import TestClient

    from wherefrom.serve.app import SECURITY_HEADERS, create_app

    rng = random.Random(seed)
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "work.txt").write_text(PROSE)
    assert run_main("index", "build", corpus, "--index", work / "idx", "--license", "MIT")[0] == 0
    outcomes: Counter[str] = Counter()
    with TestClient(create_app(work / "idx"), raise_server_exceptions=False) as client:
        for _ in range(cases):
            method, path, headers, body = _hostile_request(rng)
            response = client.request(method, path, headers=headers, content=body)
            sound = (
                (response.status_code < 500 or response.status_code == 503)
                and response.headers.get("content-type", "").startswith("application/json")
                and len(response.content) < 64_000
                and all(response.headers.get(k) == v for k, v in SECURITY_HEADERS.items())
            )
            outcomes[("refused" if response.status_code >= 400 else "same") if sound else "wrong"] += 1
    return outcomes
