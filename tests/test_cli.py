"""The command line as a user runs it: exit codes, JSON contract, one-line errors."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def wherefrom(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wherefrom.cli", *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT)


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory):
    index = tmp_path_factory.mktemp("cli") / "idx"
    done = wherefrom("index", "build", "examples/corpus", "--index", str(index))
    assert done.returncode == 0, done.stderr
    return str(index)


def test_readme_worked_example_reports_both_copies(demo_index):
    done = wherefrom("check", "examples/answer.md", "--index", demo_index, "--format", "json")
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert report["input"]["name"] == "examples/answer.md"
    titles = {m["source"]["title"]: m for m in report["matches"]}
    assert set(titles) == {"Sonnet XVIII", "statkit/stats.py"}
    assert titles["statkit/stats.py"]["kind"] == "renamed" and titles["statkit/stats.py"]["source"]["license"] == "MIT"
    assert titles["Sonnet XVIII"]["source"]["authors"] == ["William Shakespeare"]
    assert {o["license"] for o in report["obligations"]} == {"MIT", "LicenseRef-public-domain"}
    assert report["verdict"] == "attribution-required"


def test_fail_on_and_stdin(demo_index):
    answer = (ROOT / "examples" / "answer.md").read_text()
    done = wherefrom("check", "-", "--index", demo_index, "--fail-on", "attribution-required", stdin=answer)
    assert done.returncode == 1 and "ATTRIBUTION-REQUIRED" in done.stdout
    clean = wherefrom("check", "-", "--index", demo_index, "--fail-on", "attribution-required", stdin="nothing copied here at all")
    assert clean.returncode == 0 and "ORIGINAL" in clean.stdout


def test_several_inputs_give_a_list_and_sarif_is_valid(demo_index):
    done = wherefrom("check", "examples/answer.md", "examples/answer.md", "--index", demo_index, "--format", "json")
    assert isinstance(json.loads(done.stdout), list)
    sarif = json.loads(wherefrom("check", "examples/answer.md", "--index", demo_index, "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 2


@pytest.mark.parametrize(("args", "message"), [
    (("check", "x.txt", "--index", "/nonexistent/idx"), "/nonexistent/idx: no index folder"),
    (("index", "build", "/nonexistent/src", "--index", "/tmp/never"), "/nonexistent/src: no such file or folder"),
    (("index", "build", "examples", "--index", "/tmp/never2", "--license", "Not A License"), "not an SPDX"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    done = wherefrom(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_input_file_is_exit_2(demo_index):
    done = wherefrom("check", "nope.txt", "--index", demo_index)
    assert done.returncode == 2 and "nope.txt: no such file" in done.stderr


def test_stats_json(demo_index):
    stats = json.loads(wherefrom("index", "stats", "--index", demo_index, "--json").stdout)
    assert stats["documents"] == 8 and stats["config"]["min_tokens"] == 25


def test_readme_terminal_example_is_what_the_command_prints(demo_index):
    """The README's worked example, line by line (its excerpt lines are shortened with ' … ')."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ wherefrom check examples/answer.md --index idx\n", 1)[1].split("\n```\n", 1)[0]
    printed = wherefrom("check", "examples/answer.md", "--index", demo_index, "--colour", "never").stdout.splitlines()
    shown = block.rstrip("\n").splitlines()
    assert len(shown) == len(printed)
    for page, real in zip(shown, printed, strict=True):
        pieces = [p for p in page.strip().split(" … ") if p and p != "…"]
        at = 0
        for piece in pieces:
            found = real.find(piece.strip(" …"), at)
            assert found >= 0, f"README shows {page!r}, the command prints {real!r}"
            at = found


def test_a_folder_given_to_check_is_named(demo_index):
    done = wherefrom("check", "examples", "--index", demo_index)
    assert done.returncode == 2 and "examples: is a folder" in done.stderr


def test_piped_code_honours_language(demo_index):
    code = (ROOT / "examples" / "corpus" / "statkit" / "stats.py").read_text()
    done = wherefrom("check", "-", "--index", demo_index, "--language", "python", "--format", "json", stdin=code)
    report = json.loads(done.stdout)
    assert report["input"]["kind"] == "code" and report["matches"][0]["kind"] == "verbatim"


def test_an_index_inside_the_sources_is_refused(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("some words of a document\n")
    done = wherefrom("index", "build", str(corpus), "--index", str(corpus / "idx"))
    assert done.returncode == 2 and "inside the source folder" in done.stderr
    assert not (corpus / "idx").exists()


def test_a_port_in_use_is_one_line(demo_index):
    import socket

    pytest.importorskip("uvicorn")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = wherefrom("serve", "--index", demo_index, "--port", str(port))
    assert done.returncode == 2 and f"--port {port}: cannot listen there" in done.stderr
    assert "serving" not in done.stderr and "Traceback" not in done.stderr


def test_the_service_answers_kept_alive_connections_without_nagle_delay():
    """Accepted connections inherit TCP_NODELAY from the listener: a response written as
    headers then body is not held for the client's delayed ACK (40 ms a request on a
    kept-alive connection, which every HTTP client library uses)."""
    import socket

    from wherefrom.serve.cli import _bind

    listener = _bind("127.0.0.1", 0)
    try:
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        accepted.close()
        client.close()
    finally:
        listener.close()
