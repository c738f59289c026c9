"""``petri.integrations.gists`` against a loopback gists API: paging, safe names, skips, ETags,
the token pool, backoff and the breaker. Nothing here sleeps: waits go to a list."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_gists import Gists, cut, fail, gists_server, hang, redirect
from petri.errors import ConfigError
from petri.integrations.gists import CACHE_FILE, check_user, fetch_gists, safe_name
from petri.integrations.github_http import GitHubClient
from petri.integrations.github_tokens import GitHubError, TokenPool
from petri.runtime.breaker import BreakerState, CircuitBreaker, CircuitOpenError

SECRET_A = "ghp_" + "a1" * 18
SECRET_B = "ghp_" + "b2" * 18
ADD = b"def add(a, b):\n    return a + b\n"


@pytest.fixture
def gists(loopback_only: None) -> Iterator[Gists]:
    with gists_server() as server:
        yield server


def make(g: Gists, out: Path, tokens: list[str] | None = None, **kw: Any) -> GitHubClient:
    """A client on the fake whose waits are recorded in ``client.slept``, never slept."""
    slept: list[float] = []
    kw.setdefault("rng", random.Random(0))
    client = GitHubClient(
        g.base, TokenPool(tokens or []), out / CACHE_FILE, sleep=slept.append, **kw
    )
    client.slept = slept  # type: ignore[attr-defined]
    return client


def auth(g: Gists) -> list[str | None]:
    return [r["headers"].get("Authorization") for r in g.requests]


def test_every_page_is_read_and_only_python_files_are_written(gists: Gists, tmp_path: Path) -> None:
    for n in range(5):
        gists.add("ada", f"g{n}", {f"f{n}.py": ADD, "notes.md": b"# hi"})
    gists.gists["g4"]["files"]["script"] = {**gists.gists["g4"]["files"]["f4.py"], "filename": "s"}
    gists.gists["g4"]["files"]["script"]["language"] = "Python"  # no .py, but Python
    out = tmp_path / "out"
    found = fetch_gists("ada", out, make(gists, out))
    assert (found.gists, found.written, dict(found.skipped)) == (5, 6, {})
    assert gists.paths("/users/") == [f"/users/ada/gists?per_page=100&page={n}" for n in (1, 2, 3)]
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    python = [f"g{n}/f{n}.py" for n in range(5)]
    assert written == [".gists-cache.json", *python, "g4/script.py", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {m["status"] for m in manifest} == {"written"} and len(manifest) == 6
    assert manifest[0]["sha256"] == hashlib.sha256(ADD).hexdigest()
    assert (out / "g0" / "f0.py").read_bytes() == ADD


def test_max_stops_paging_early(gists: Gists, tmp_path: Path) -> None:
    for n in range(5):
        gists.add("ada", f"g{n}", {"f.py": ADD})
    found = fetch_gists("ada", tmp_path, make(gists, tmp_path), max_gists=2)
    assert (found.gists, found.written) == (2, 2)
    assert len(gists.paths("/users/")) == 1


def test_hostile_names_and_ids_stay_inside_the_folder(gists: Gists, tmp_path: Path) -> None:
    names = ["../../evil.py", ".hidden.py", "a/b\\c.py", "x" * 300 + ".py", "a b.py", "a_b.py"]
    gists.add("ada", "g1", dict.fromkeys(names, ADD))
    gists.add("ada", "..", {"up.py": ADD})  # a gist id is a folder name too
    gists.gists["g1"]["files"]["local.py"] = {"raw_url": "file:///etc/passwd", "size": 3}
    out = tmp_path / "out"
    found = fetch_gists("ada", out, make(gists, out))
    files = list(tmp_path.rglob("*.py"))
    assert all(p.parent == out / "g1" for p in files)
    assert sorted(p.name for p in files) == [
        "a_b.py", "a_b_2.py", "a_b_c.py", "evil.py", "hidden.py", "x" * 97 + ".py"
    ]  # fmt: skip
    assert dict(found.skipped) == {"bad gist id": 1, "no raw address": 1}
    assert safe_name("../../evil.py") == "evil.py" and safe_name("..") == "file.py"


def test_binary_huge_and_unparsable_files_are_skipped_with_reasons(
    gists: Gists, tmp_path: Path
) -> None:
    files = {
        "nul.py": b"x = 1\0\n",
        "latin.py": "s = 'caf\u00e9'\n".encode("latin-1"),
        "big.py": b"#" * 5000,
        "liar.py": b"x = 1\n" * 1000,
        "broken.py": b"def f(:\n",
        "ok.py": ADD,
    }
    gists.add("ada", "g1", files)
    gists.gists["g1"]["files"]["liar.py"]["size"] = 10  # the listing lies about the size
    out = tmp_path / "out"
    found = fetch_gists("ada", out, make(gists, out), max_bytes=1024)
    assert found.written == 1 and [p.name for p in out.rglob("*.py")] == ["ok.py"]
    assert dict(found.skipped) == {
        "binary (NUL bytes)": 1,
        "not UTF-8": 1,
        "too large": 2,
        "does not parse": 1,
    }
    assert len(gists.paths("/raw/")) == 5  # big.py was too large in the listing: not fetched
    reasons = {m["file"]: m.get("reason") for m in json.loads((out / "manifest.json").read_text())}
    assert reasons["big.py"] == reasons["liar.py"] == "too large" and reasons["ok.py"] is None


def test_content_given_whole_is_used_without_a_raw_fetch(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD}, inline=True)
    found = fetch_gists("ada", tmp_path, make(gists, tmp_path))
    assert found.written == 1 and gists.paths("/raw/") == []
    body, _ = make(gists, tmp_path).get("/gists/g1")
    assert json.loads(body)["files"]["f.py"]["content"] == ADD.decode()


def test_a_rerun_asks_with_etags_and_writes_the_same(gists: Gists, tmp_path: Path) -> None:
    for n in range(3):
        gists.add("ada", f"g{n}", {"f.py": ADD, "bad.py": b"def (:\n"})
    gists.limits = {SECRET_A: 100}
    out = tmp_path / "out"
    first = fetch_gists("ada", out, make(gists, out, [SECRET_A]))
    before = {p: p.read_bytes() for p in out.rglob("*.*") if p.name != CACHE_FILE}
    spent, sent = gists.limits[SECRET_A], len(gists.requests)
    again = fetch_gists("ada", out, make(gists, out, [SECRET_A]))
    assert again.requests == first.requests == len(gists.requests) - sent  # both pages again
    assert again.not_modified == again.requests and again.gists == 3
    assert again.to_dict()["skipped"] == {"does not parse": 3}
    assert all("If-None-Match" in r["headers"] for r in gists.requests[sent:])
    assert {p: p.read_bytes() for p in out.rglob("*.*") if p.name != CACHE_FILE} == before
    assert gists.limits[SECRET_A] == spent  # a 304 costs nothing


def test_tokens_take_turns_and_a_spent_one_is_skipped(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    gists.limits = {SECRET_A: 1, SECRET_B: 100}
    client = make(gists, tmp_path, [SECRET_A, SECRET_B])
    for _ in range(4):
        client.get("/gists/g1")
    a, b = f"token {SECRET_A}", f"token {SECRET_B}"
    assert auth(gists) == [a, b, b, b]  # A said 0 remaining: skipped until its reset
    assert client.stats.retries == 0


def test_a_rate_limited_token_hands_over_to_the_next(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    gists.limits = {SECRET_A: 0, SECRET_B: 100}  # the client does not know A is spent yet
    client = make(gists, tmp_path, [SECRET_A, SECRET_B])
    body, _ = client.get("/gists/g1")
    assert json.loads(body)["id"] == "g1"
    assert auth(gists) == [f"token {SECRET_A}", f"token {SECRET_B}"]
    assert client.slept == [0.0]  # type: ignore[attr-defined]


def test_a_spent_pool_waits_for_the_reset(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    gists.limits, gists.reset = {SECRET_A: 0}, 1030
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if seconds >= 30:
            gists.limits[SECRET_A] = 5  # GitHub's reset, as the wait reaches it

    client = make(gists, tmp_path, [SECRET_A], clock=lambda: 1000.0, max_wait_s=60)
    client.sleep = sleep
    body, _ = client.get("/gists/g1")
    assert json.loads(body)["id"] == "g1" and slept == [0.0, 30.0]


def test_a_spent_pool_says_when_it_resets(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    gists.limits, gists.reset = {"": 0}, 1_700_003_600  # anonymous, an hour away
    client = make(gists, tmp_path, clock=lambda: 1_700_000_000.0, max_wait_s=60)
    with pytest.raises(GitHubError) as caught:
        client.get("/gists/g1")
    message = str(caught.value)
    assert "spent for anonymous requests until 2023-11-14 23:13 UTC (in 60 min)" in message
    assert "PETRI_GITHUB_TOKENS" in message and "\n" not in message
    assert client.slept == [0.0] and len(gists.requests) == 1  # type: ignore[attr-defined]


def test_a_refused_token_leaves_the_pool_without_being_logged(
    gists: Gists, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    gists.bad_tokens = {SECRET_A}
    client = make(gists, tmp_path, [SECRET_A, SECRET_B])
    with caplog.at_level(logging.DEBUG, logger="petri"):
        client.get("/gists/g1")
        client.get("/gists/g1")
    assert auth(gists) == [f"token {SECRET_A}", f"token {SECRET_B}", f"token {SECRET_B}"]
    assert "token 1 (…a1a1)" in caplog.text and len(client.pool.slots) == 1
    assert SECRET_A not in caplog.text and SECRET_B not in caplog.text
    gists.bad_tokens.add(SECRET_B)
    with pytest.raises(GitHubError, match=r"refused every token \(401\): check PETRI_GITHUB"):
        client.get("/gists/g1")


def test_failures_are_retried_with_bounded_backoff(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    gists.script.extend([fail(502), cut(), hang(0.3), fail(429, {"Retry-After": "7"})])
    client = make(gists, tmp_path, attempts=5, timeout_s=0.1)
    body, _ = client.get("/gists/g1")
    assert json.loads(body)["id"] == "g1" and client.stats.retries == 4
    slept: list[float] = client.slept  # type: ignore[attr-defined]
    assert len(slept) == 4 and slept[3] >= 7.0 and all(0 <= s <= 60 for s in slept)
    gists.script.extend([fail(500)] * 3)
    with pytest.raises(GitHubError, match=r"kept failing .* after 3 attempts"):
        make(gists, tmp_path, attempts=3).get("/gists/g1")


def test_the_breaker_opens_fails_fast_and_recovers(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    now = [0.0]
    breaker = CircuitBreaker(
        "github", failure_threshold=2, reset_timeout_s=60, clock=lambda: now[0]
    )
    gists.script.extend([fail(500)] * 3)
    client = make(gists, tmp_path, attempts=5, breaker=breaker)
    with pytest.raises(CircuitOpenError, match="failed 2 times in a row"):
        client.get("/gists/g1")
    with pytest.raises(CircuitOpenError):
        client.get("/gists/g1")
    assert len(gists.requests) == 2  # open: nothing more was sent
    now[0] = 61.0
    gists.script.clear()
    client.get("/gists/g1")
    assert breaker.state is BreakerState.CLOSED


def test_rate_limits_and_404s_do_not_open_the_breaker(gists: Gists, tmp_path: Path) -> None:
    breaker = CircuitBreaker("github", failure_threshold=1)
    gists.script.append(fail(429))  # no Retry-After: GitHub's advice is a minute
    client = make(gists, tmp_path, breaker=breaker)
    with pytest.raises(GitHubError, match="404"):
        client.get("/gists/nothing")
    assert breaker.state is BreakerState.CLOSED and client.stats.retries == 1
    assert client.slept[0] >= 60  # type: ignore[attr-defined]


def test_an_unknown_user_is_named(gists: Gists, tmp_path: Path) -> None:
    with pytest.raises(GitHubError, match=r"^GitHub user 'nobody' not found \(404\): check"):
        fetch_gists("nobody", tmp_path, make(gists, tmp_path))
    assert not (tmp_path / "manifest.json").exists()


def test_an_out_that_is_a_file_is_a_usage_error(gists: Gists, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    with pytest.raises(ConfigError, match="choose another --out"):
        fetch_gists("ada", tmp_path / "taken", make(gists, tmp_path))


@pytest.mark.parametrize("user", ["../etc", "a--b", "-ada", "ada-", "a" * 40, "a b", "a?x=1", ""])
def test_bad_user_names_are_refused_before_any_request(
    gists: Gists, tmp_path: Path, user: str
) -> None:
    with pytest.raises(ConfigError, match="not a GitHub user name"):
        fetch_gists(user, tmp_path, make(gists, tmp_path))
    assert gists.requests == [] and check_user("a-b-" + "c" * 35) == "a-b-" + "c" * 35


def test_tokens_never_reach_other_hosts_files_logs_or_reprs(
    gists: Gists, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with gists_server() as raw_host:  # another origin, as gist.githubusercontent.com is
        gists.add("ada", "g1", {"f.py": ADD}, raw_on=raw_host)
        gists.add("ada", "g2", {"h.py": ADD})
        gists.bad_tokens = {SECRET_A}
        gists.script.extend([fail(500), redirect(f"{gists.base}/users/ada/gists?per_page=100")])
        out = tmp_path / "out"
        client = make(gists, out, [SECRET_A, SECRET_B])
        with caplog.at_level(logging.DEBUG):
            found = fetch_gists("ada", out, client)
        assert found.written == 2 and raw_host.paths("/raw/") and "refused token 1" in caplog.text
        assert all("Authorization" not in r["headers"] for r in raw_host.requests)
    assert "Authorization" not in gists.requests[2]["headers"]  # followed the redirect bare
    texts = [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    texts += [caplog.text, repr(client), repr(client.pool), repr(client.pool.slots)]
    assert texts and not any(s in t for t in texts for s in (SECRET_A, SECRET_B))


def test_a_failed_run_keeps_the_last_manifest(gists: Gists, tmp_path: Path) -> None:
    gists.add("ada", "g1", {"f.py": ADD})
    fetch_gists("ada", tmp_path, make(gists, tmp_path))
    manifest = (tmp_path / "manifest.json").read_text()
    gists.script.extend([fail(500)] * 2)
    with pytest.raises(GitHubError):
        fetch_gists("ada", tmp_path, make(gists, tmp_path, attempts=2))
    assert (tmp_path / "manifest.json").read_text() == manifest
    assert (tmp_path / CACHE_FILE).exists()
