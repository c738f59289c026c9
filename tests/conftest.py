"""Shared fixtures: a clean PETRI_* environment, a factory for problem folders, and real servers.

A Redis and a NATS (JetStream) server are started on free loopback ports with their data in a
temporary directory, once per test session, and stopped at its end. A test that needs a server
whose binary is not installed is skipped with the binary's name as the reason. Scripted
loopback servers speaking the OpenAI and Anthropic wire protocols (``fake_servers``) back the
``vendor`` fixtures: nothing they build reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_servers import KEYS, SERVERS, Vendor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own PETRI_* variables must not change what the tests see."""
    for name in list(os.environ):
        if name.startswith("PETRI_"):
            monkeypatch.delenv(name)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDKs read base URLs, keys, profiles and proxies from the environment: clear them."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("OPENAI_", "ANTHROPIC_")) or upper.endswith("_PROXY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _vendor(name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vendor]:
    server = SERVERS[name]().start()
    try:
        yield Vendor(name, server, KEYS[name], monkeypatch)
    finally:
        server.close()


@pytest.fixture(params=["openai", "anthropic"])
def vendor(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, loopback_only: None
) -> Iterator[Vendor]:
    """Each backend in turn, with a fresh scripted loopback server."""
    yield from _vendor(request.param, monkeypatch)


@pytest.fixture
def openai_vendor(monkeypatch: pytest.MonkeyPatch, loopback_only: None) -> Iterator[Vendor]:
    yield from _vendor("openai", monkeypatch)


@pytest.fixture
def anthropic_vendor(monkeypatch: pytest.MonkeyPatch, loopback_only: None) -> Iterator[Vendor]:
    yield from _vendor("anthropic", monkeypatch)


@pytest.fixture
def events() -> tuple[list[dict[str, Any]], Callable[[dict[str, Any]], None]]:
    """A list that collects ledger events, and the callback that appends to it."""
    seen: list[dict[str, Any]] = []
    return seen, seen.append


@pytest.fixture
def examples() -> Path:
    """The bundled example problems (examples/ at the top of the repository)."""
    return EXAMPLES


@pytest.fixture
def make_problem(tmp_path: Path) -> Callable[..., Path]:
    """``make_problem({"fizz.py": "...", "tests/test_x.py": "..."})`` writes a problem folder."""

    def make(files: dict[str, str | bytes], name: str = "problem") -> Path:
        root = tmp_path / name
        root.mkdir()
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port}")


def _serve(binary: str, args: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, proc, binary)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _binary(name: str, fallback: str) -> str:
    found = shutil.which(name) or (fallback if Path(fallback).exists() else None)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a private redis-server (no persistence) for this test session."""
    binary = _binary("redis-server", "/usr/bin/redis-server")
    port = _free_port()
    data = tmp_path_factory.mktemp("redis")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(data)]
    for _ in _serve(binary, args, port):
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a private nats-server with JetStream (store in a temp dir) for this session."""
    binary = _binary("nats-server", "/usr/sbin/nats-server")
    port = _free_port()
    store = tmp_path_factory.mktemp("nats")
    args = ["-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    for _ in _serve(binary, args, port):
        yield f"nats://127.0.0.1:{port}"


@pytest.fixture
def store_url_on(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """``store_url_on("redis")``: a store URL on one backend whose keys no other test uses
    (Redis and NATS: this session's real servers, skipped when their binary is absent)."""

    def make(backend: str) -> str:
        tag = "t" + uuid.uuid4().hex[:10]
        if backend == "memory":
            return "memory://"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path}/{tag}.db"
        base = str(request.getfixturevalue(f"{backend}_url"))
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}prefix={tag}" + (":" if backend == "redis" else "")

    return make
