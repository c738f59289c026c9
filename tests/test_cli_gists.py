"""``petri gists fetch`` through typer: one JSON object, one-line errors and their exit codes."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from fake_gists import Gists, gists_server
from petri import cli_gists
from petri.cli_gists import gists_app, tokens_from_env
from petri.integrations.github_http import GitHubClient

SECRET_A = "ghp_" + "c3" * 18
SECRET_B = "ghp_" + "d4" * 18
ADD = b"def add(a, b):\n    return a + b\n"

app = typer.Typer()
app.add_typer(gists_app, name="gists")


@pytest.fixture
def gists(loopback_only: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gists]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    make_client = cli_gists.make_client

    def no_sleep(api: str, out: Path) -> GitHubClient:
        client = make_client(api, out)
        client.sleep = lambda _: None  # backoff without waiting
        return client

    monkeypatch.setattr(cli_gists, "make_client", no_sleep)
    with gists_server() as server:
        server.add("ada", "g1", {"add.py": ADD, "notes.md": b"# hi"})
        server.add("ada", "g2", {"bad.py": b"def (:\n"})
        server.add("ada", "g3", {"more.py": ADD})
        yield server


def fetch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["gists", "fetch", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_prints_one_object_and_no_token(
    gists: Gists, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETRI_GITHUB_TOKENS", f"{SECRET_A}, {SECRET_B}")
    gists.bad_tokens = {SECRET_B}
    out = tmp_path / "corpus"
    code, stdout, stderr = fetch("ada", "--out", str(out), "--api", gists.base, "--json")
    assert code == 0, stderr
    found = json.loads(stdout)
    assert found["gists"] == 3 and found["written"] == 2
    assert found["skipped"] == {"does not parse": 1} and found["requests"] >= 5
    sent = {r["headers"].get("Authorization") for r in gists.requests}
    assert sent == {f"token {SECRET_A}", f"token {SECRET_B}"}  # both used, B then dropped
    files = [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    assert not any(s in t for t in [stdout, stderr, *files] for s in (SECRET_A, SECRET_B))


def test_plain_output_says_what_was_written_and_what_next(gists: Gists, tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    code, stdout, _ = fetch("ada", "--out", str(out), "--api", gists.base, "--max", "1")
    assert code == 0
    assert "1 Python file(s) from 1 gist(s)" in stdout and f"petri ecosystem {out}" in stdout
    assert (out / "g1" / "add.py").read_bytes() == ADD and not (out / "g3").exists()


def test_a_bad_user_name_is_a_usage_error_before_any_request(gists: Gists, tmp_path: Path) -> None:
    code, stdout, stderr = fetch("../ada", "--out", str(tmp_path), "--api", gists.base)
    assert code == 2 and stdout == "" and gists.requests == []
    assert stderr.startswith("petri: error: '../ada' is not a GitHub user name")
    assert stderr.count("\n") == 1 and not (tmp_path / "manifest.json").exists()


def test_an_unknown_user_is_named(gists: Gists, tmp_path: Path) -> None:
    code, _, stderr = fetch("nobody", "--out", str(tmp_path), "--api", gists.base, "--json")
    assert code == 1
    assert stderr == "petri: error: GitHub user 'nobody' not found (404): check the name\n"


def test_an_unreachable_api_fails_after_its_retries(gists: Gists, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    code, _, stderr = fetch("ada", "--out", str(tmp_path), "--api", closed)
    assert code == 1 and "kept failing" in stderr and "connection failed" in stderr
    assert "check --api" in stderr and stderr.count("\n") == 1


def test_an_api_that_is_not_http_is_a_usage_error(gists: Gists, tmp_path: Path) -> None:
    code, _, stderr = fetch("ada", "--out", str(tmp_path), "--api", "file:///etc")
    assert code == 2 and "is not an http(s) address" in stderr and gists.requests == []


def test_help_names_the_token_variables() -> None:
    result = CliRunner().invoke(app, ["gists", "fetch", "--help"])
    assert result.exit_code == 0
    for word in ("PETRI_GITHUB_TOKENS", "GITHUB_TOKEN", "--out", "--api", "--max", "--json"):
        assert word in result.stdout


def test_tokens_come_from_the_pool_variable_before_github_token() -> None:
    assert tokens_from_env({"PETRI_GITHUB_TOKENS": "a, b,,", "GITHUB_TOKEN": "c"}) == ["a", "b"]
    assert tokens_from_env({"GITHUB_TOKEN": "c"}) == ["c"]
    assert tokens_from_env({}) == []
