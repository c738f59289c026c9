"""``petri gists fetch`` against a loopback gists API: paging, ETags, tokens, backoff, breaker."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fake_gists import Gists, gists_server
from petri.cli import app
from petri.errors import ConfigError
from petri.integrations.gists import CACHE_FILE, check_user, fetch_gists, safe_name
from petri.integrations.github_http import GitHubClient, GitHubError, TokenPool, next_link
from petri.runtime.breaker import CircuitBreaker, CircuitOpenError

SECRET_A = "ghp_secretAAAA1111"
SECRET_B = "ghp_secretBBBB2222"


@pytest.fixture
def gists() -> Iterator[Gists]:
    with gists_server() as server:
        server.add(
            "ada", "g1", {"add.py": b"def add(a, b):\n    return a + b\n", "notes.md": b"# hi"}
        )
        server.add("ada", "g2", {"../../evil.py": b"def evil():\n    return 1\n"})
        server.add("ada", "g3", {"broken.py": b"def f(:\n", "blob.py": b"\x00\x01"})
        yield server


def client(g: Gists, tmp_path: Path, tokens: list[str] | None = None, **kw: object) -> GitHubClient:
    slept: list[float] = []
    made = GitHubClient(
        g.base, TokenPool.of(tokens or []), tmp_path / "out" / CACHE_FILE,
        sleep=slept.append, **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    made.slept = slept  # type: ignore[attr-defined]
    return made


def test_python_files_of_every_page_are_written_safely(gists: Gists, tmp_path: Path) -> None:
    out = tmp_path / "out"
    found = fetch_gists("ada", out, client(gists, tmp_path))
    assert (found.gists, found.written) == (3, 2)
    assert dict(found.skipped) == {"does not parse": 1, "binary or not UTF-8": 1}
    assert (out / "g1" / "add.py").read_text().startswith("def add")
    assert not (out / "g1" / "notes.md.py").exists()
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py"))
    assert written == ["g1/add.py", "g2/evil.py"]  # the hostile name stayed inside its folder
    assert not (tmp_path / "evil.py").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert {m.get("skipped", "ok") for m in manifest} == {
        "ok",
        "does not parse",
        "binary or not UTF-8",
    }
    pages = [r for r in gists.requests if r["path"].startswith("/users/")]
    assert len(pages) == 2  # per_page 2: followed the Link header once


def test_a_rerun_asks_with_etags_and_writes_the_same(gists: Gists, tmp_path: Path) -> None:
    out = tmp_path / "out"
    fetch_gists("ada", out, client(gists, tmp_path))
    before = {p: p.read_bytes() for p in out.rglob("*.py")}
    again = fetch_gists("ada", out, client(gists, tmp_path))
    assert again.not_modified == again.requests > 0
    assert {p: p.read_bytes() for p in out.rglob("*.py")} == before
    assert all("If-None-Match" in r["headers"] for r in gists.requests[-again.requests :])


def test_tokens_rotate_and_a_spent_one_waits_for_its_reset(gists: Gists, tmp_path: Path) -> None:
    gists.limits = {SECRET_A: 100, SECRET_B: 100}
    c = client(gists, tmp_path, [SECRET_A, SECRET_B])
    c.get("/users/ada/gists")
    c.get("/users/ada/gists")
    used = [r["headers"].get("Authorization") for r in gists.requests]
    assert used == [f"token {SECRET_A}", f"token {SECRET_B}"]
    pool = TokenPool.of([SECRET_A])
    pool.record(0, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "150"})
    assert pool.pick(100.0) == (None, 50.0)
    assert pool.pick(151.0) == (0, 0.0)
    assert SECRET_A not in repr(pool)


def test_an_exhausted_pool_waits_or_says_when_to_come_back(gists: Gists, tmp_path: Path) -> None:
    c = client(gists, tmp_path, [SECRET_A], clock=lambda: 1000.0, max_wait_s=60)
    c.pool.record(0, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1030"})
    c.get("/users/ada/gists")
    assert c.slept == [30.0]  # type: ignore[attr-defined]
    c.pool.record(0, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5000"})
    with pytest.raises(GitHubError, match="out of requests until") as err:
        c.get("/users/ada/gists")
    assert SECRET_A not in str(err.value)


def test_a_refused_token_leaves_the_pool_without_being_logged(
    gists: Gists, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gists.bad_tokens = {SECRET_A}
    c = client(gists, tmp_path, [SECRET_A, SECRET_B])
    with caplog.at_level(logging.WARNING):
        body, _ = c.get("/users/ada/gists")
    assert json.loads(body)[0]["id"] == "g1"
    assert len(c.pool.tokens) == 1 and "token 1" in caplog.text
    assert SECRET_A not in caplog.text and SECRET_B not in caplog.text


def test_server_errors_and_cut_connections_are_retried(gists: Gists, tmp_path: Path) -> None:
    gists.script.extend([("fail", 502, {}), ("cut", 0, {}), ("fail", 429, {"Retry-After": "7"})])
    c = client(gists, tmp_path, attempts=4)
    body, _ = c.get("/users/ada/gists")
    assert json.loads(body)
    assert c.stats.retries == 3 and max(c.slept) >= 7.0  # type: ignore[attr-defined]


def test_the_breaker_opens_after_repeated_failures(gists: Gists, tmp_path: Path) -> None:
    now = [0.0]
    breaker = CircuitBreaker(
        "github", failure_threshold=2, reset_timeout_s=60, clock=lambda: now[0]
    )
    gists.script.extend([("fail", 500, {})] * 10)
    c = client(gists, tmp_path, attempts=5, breaker=breaker)
    with pytest.raises(CircuitOpenError):
        c.get("/users/ada/gists")
    sent = len(gists.requests)
    with pytest.raises(CircuitOpenError):
        c.get("/users/ada/gists")
    assert len(gists.requests) == sent == 2  # open: failing fast, nothing sent


def test_unknown_users_and_bad_names_are_clear_errors(gists: Gists, tmp_path: Path) -> None:
    with pytest.raises(GitHubError, match="404"):
        fetch_gists("nobody", tmp_path / "out", client(gists, tmp_path))
    with pytest.raises(ConfigError, match="not a GitHub user name"):
        check_user("../etc")
    assert safe_name("../../x.py") == "x.py" and safe_name(".hidden") == "hidden.py"
    assert next_link({}) is None


def test_the_cli_prints_json_and_never_a_token(
    gists: Gists, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETRI_GITHUB_TOKENS", f"{SECRET_A},{SECRET_B}")
    out = tmp_path / "corpus"
    result = CliRunner().invoke(
        app, ["gists", "fetch", "ada", "--out", str(out), "--api", gists.base, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == 2
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET_A not in path.read_text(errors="replace")
    bad = CliRunner().invoke(app, ["gists", "fetch", "no_such--user", "--out", str(out)])
    assert bad.exit_code == 2 and "not a GitHub user name" in bad.output
    gone = CliRunner().invoke(
        app, ["gists", "fetch", "ada", "--out", str(out), "--api", "http://127.0.0.1:9"]
    )
    assert gone.exit_code == 1 and "kept failing" in gone.output
    assert SECRET_A not in result.output + bad.output + gone.output
